import { Err, errorArg, subcommandSyntaxError } from '../protocol/errors.js';
import { parseInt64Number } from '../types/int64.js';
import { DEFAULT_USER } from '../acl/registry.js';
import type { User } from '../acl/user.js';
import { REDACTED } from '../server/auth.js';
import { ClientFlag, ReplyMode, type Client } from '../server/client.js';
import { clientInfoLine, clientType, clientTypeByName, type ClientType } from '../server/client-list.js';
import { REDIS_VERSION } from '../server/config-file.js';
import { replyHelp } from '../server/help.js';
import { PauseMode } from '../server/pause.js';
import { prefixCollision, type TrackingOptions } from '../server/tracking.js';
import { discardTransaction } from './transaction.js';
import type { CommandFamily } from './table.js';

/*
 * The connection family: PING ECHO QUIT RESET HELLO AUTH MONITOR and CLIENT's subcommands,
 * client-side caching's TRACKING, CACHING, TRACKINGINFO and GETREDIR included (server/tracking.ts).
 */

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const AUTH_WITHOUT_PASSWORD =
  'ERR AUTH <password> called without any password configured for the default user. ' +
  'Are you sure your configuration is correct?';
const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH ' +
  '<user> <pass> option can be used to authenticate the client and select the RESP protocol ' +
  'version at the same time';
const BAD_CLIENT_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

function ping(client: Client, argv: string[]): void {
  if (argv.length > 2) client.error(Err.arity('ping'));
  else if (client.has(ClientFlag.pubsub) && client.resp === 2) {
    // A RESP2 subscriber reads every reply as a message: PING answers in that shape.
    client.arrayLength(2);
    client.bulk('pong');
    client.bulk(argv[1] ?? '');
  } else if (argv.length === 1) client.simple('PONG');
  else client.bulk(argv[1]!);
}

function echo(client: Client, argv: string[]): void {
  client.bulk(argv[1]!);
}

function quit(client: Client): void {
  client.ok();
  client.flags |= ClientFlag.closeAfterReply;
}

/** RESET: the connection becomes like a new one (db 0, RESP2, default auth, no name, no modes). */
function reset(client: Client): void {
  if ((client.flags & (ClientFlag.replica | ClientFlag.master)) !== 0 && !client.has(ClientFlag.monitor)) {
    client.error('ERR can only reset normal client connections');
    return;
  }
  const server = client.server;
  server.monitors.remove(client);
  discardTransaction(client);
  server.pubsub.forget(client);
  server.tracking.disable(client);
  client.select(0);
  client.resp = 2;
  client.resetAuthentication();
  client.name = '';
  client.flags &= ~(ClientFlag.asking | ClientFlag.readonly | ClientFlag.pubsub);
  // OFF and a pending SKIP end here; a SKIP already covering this very command still applies.
  if (client.replyMode !== ReplyMode.Skip) client.replyMode = ReplyMode.On;
  client.simple('RESET');
}

/** AUTH [username] password. The secret arguments are redacted for MONITOR and the slowlog. */
function auth(client: Client, argv: string[]): void {
  if (argv.length > 3) {
    client.error(Err.syntax);
    return;
  }
  const username = argv.length === 3 ? argv[1]! : DEFAULT_USER;
  const password = argv[argv.length - 1]!;
  argv[1] = REDACTED;
  if (argv.length === 2 && client.server.acl.defaultUser.nopass) {
    client.error(AUTH_WITHOUT_PASSWORD);
    return;
  }
  argv[argv.length - 1] = REDACTED;
  if (client.server.acl.authenticate(client, username, password)) client.ok();
  else client.error(WRONGPASS);
}

/** HELLO [protover [AUTH username password] [SETNAME name]]: options apply in order. */
function hello(client: Client, argv: string[]): void {
  let version = 0;
  if (argv.length >= 2) {
    const requested = parseInt64Number(argv[1]!);
    if (requested === null) {
      client.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    if (requested < 2 || requested > 3) {
      client.error('NOPROTO unsupported protocol version');
      return;
    }
    version = requested;
  }
  for (let j = 2; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    const more = argv.length - 1 - j;
    if (option === 'auth' && more >= 2) {
      const username = argv[j + 1]!;
      const password = argv[j + 2]!;
      argv[j + 1] = REDACTED;
      argv[j + 2] = REDACTED;
      if (!client.server.acl.authenticate(client, username, password)) {
        client.error(WRONGPASS);
        return;
      }
      j += 2;
    } else if (option === 'setname' && more >= 1) {
      if (!setClientName(client, argv[j + 1]!)) return;
      j++;
    } else {
      client.error(`ERR Syntax error in HELLO option '${errorArg(argv[j]!)}'`);
      return;
    }
  }
  if (!client.authenticated) {
    client.error(HELLO_NOAUTH);
    return;
  }
  if (version !== 0) client.resp = version as 2 | 3;
  helloReply(client);
}

function helloReply(client: Client): void {
  const config = client.server.config;
  const cluster = config.spec('cluster-enabled') !== undefined && config.bool('cluster-enabled');
  // A Sentinel has no replication role to report.
  const sentinel = client.server.sentinelMode;
  client.mapLength(sentinel ? 6 : 7);
  client.bulk('server');
  client.bulk('redis');
  client.bulk('version');
  client.bulk(REDIS_VERSION);
  client.bulk('proto');
  client.integer(client.resp);
  client.bulk('id');
  client.integer(client.id);
  client.bulk('mode');
  client.bulk(sentinel ? 'sentinel' : cluster ? 'cluster' : 'standalone');
  if (!sentinel) {
    client.bulk('role');
    client.bulk(client.server.replication.isReplica ? 'replica' : 'master');
  }
  client.bulk('modules');
  client.emptyArray();
}

/** MONITOR: from now on the client is sent every command the server runs. */
function monitor(client: Client): void {
  // Already a monitor (or a replica): nothing to do, and no reply, as in Redis.
  if (client.has(ClientFlag.replica)) return;
  client.server.monitors.add(client);
  client.ok();
}

// CLIENT subcommands

function clientId(client: Client): void {
  client.integer(client.id);
}

function clientInfo(client: Client): void {
  client.verbatim(`${clientInfoLine(client, client, client.server.clock.ms)}\n`);
}

/** CLIENT LIST [TYPE type | ID id [id ...]] */
function clientList(client: Client, argv: string[]): void {
  const server = client.server;
  const now = server.clock.ms;
  let text = '';
  if (argv.length === 4 && argv[2]!.toLowerCase() === 'type') {
    const type = clientTypeByName(argv[3]!);
    if (type === undefined) {
      client.error(unknownClientType(argv[3]!));
      return;
    }
    for (const other of server.clients.values()) {
      if (clientType(other) === type) text += `${clientInfoLine(other, client, now)}\n`;
    }
  } else if (argv.length > 3 && argv[2]!.toLowerCase() === 'id') {
    for (let j = 3; j < argv.length; j++) {
      const id = parseInt64Number(argv[j]!);
      if (id === null) {
        client.error('ERR Invalid client ID');
        return;
      }
      const other = server.clients.get(id);
      if (other !== undefined) text += `${clientInfoLine(other, client, now)}\n`;
    }
  } else if (argv.length !== 2) {
    client.error(Err.syntax);
    return;
  } else {
    for (const other of server.clients.values()) text += `${clientInfoLine(other, client, now)}\n`;
  }
  client.verbatim(text);
}

function clientSetname(client: Client, argv: string[]): void {
  if (setClientName(client, argv[2]!)) client.ok();
}

/** Names are printable ASCII without spaces so CLIENT LIST stays splittable; '' removes it. */
function setClientName(client: Client, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) {
      client.error(BAD_CLIENT_NAME);
      return false;
    }
  }
  client.name = name;
  return true;
}

function clientGetname(client: Client): void {
  client.bulkOrNull(client.name === '' ? null : client.name);
}

/** CLIENT REPLY ON|OFF|SKIP: dispatch drops the replies the mode says to. */
function clientReply(client: Client, argv: string[]): void {
  switch (argv[2]!.toLowerCase()) {
    case 'on':
      client.replyMode = ReplyMode.On;
      client.ok();
      return;
    case 'off':
      client.replyMode = ReplyMode.Off;
      return;
    case 'skip':
      if (client.replyMode !== ReplyMode.Off) client.replyMode = ReplyMode.SkipNext;
      return;
    default:
      client.error(Err.syntax);
  }
}

function clientNoEvict(client: Client, argv: string[]): void {
  const option = argv[2]!.toLowerCase();
  if (option === 'on') client.flags |= ClientFlag.noEvict;
  else if (option === 'off') client.flags &= ~ClientFlag.noEvict;
  else {
    client.error(Err.syntax);
    return;
  }
  client.ok();
}

/** The client id invalidations are redirected to: 0 for none, -1 when not tracking. */
function clientGetredir(client: Client): void {
  client.integer(client.server.tracking.state(client)?.redirect ?? -1);
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p …] [BCAST] [OPTIN] [OPTOUT] [NOLOOP] */
function clientTracking(client: Client, argv: string[]): void {
  const options = parseTrackingOptions(client, argv);
  if (options === null) return;
  const tracking = client.server.tracking;
  const mode = argv[2]!.toLowerCase();
  if (mode === 'off') tracking.disable(client);
  else if (mode !== 'on') {
    client.error(Err.syntax);
    return;
  } else {
    const refusal = trackingRefusal(client, options);
    if (refusal !== null) {
      client.error(refusal);
      return;
    }
    tracking.enable(client, options);
  }
  client.ok();
}

/** The options after ON|OFF, or null after replying the error (they are parsed even for OFF). */
function parseTrackingOptions(client: Client, argv: string[]): TrackingOptions | null {
  const options: TrackingOptions = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] };
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    const more = j < argv.length - 1;
    if (option === 'redirect' && more) {
      if (options.redirect !== 0) {
        client.error('ERR A client can only redirect to a single other client');
        return null;
      }
      const id = parseInt64Number(argv[++j]!);
      if (id === null) {
        client.error(Err.notInteger);
        return null;
      }
      if (!client.server.clients.has(id)) {
        client.error('ERR The client ID you want redirect to does not exist');
        return null;
      }
      options.redirect = id;
    } else if (option === 'bcast') options.bcast = true;
    else if (option === 'optin') options.optin = true;
    else if (option === 'optout') options.optout = true;
    else if (option === 'noloop') options.noloop = true;
    else if (option === 'prefix' && more) options.prefixes.push(argv[++j]!);
    else {
      client.error(Err.syntax);
      return null;
    }
  }
  return options;
}

/** CLIENT TRACKING ON's compatibility checks, in Redis's order. */
function trackingRefusal(client: Client, options: TrackingOptions): string | null {
  const current = client.server.tracking.state(client);
  if (!options.bcast && options.prefixes.length > 0) return 'ERR PREFIX option requires BCAST mode to be enabled';
  if (current !== undefined && current.bcast !== options.bcast) {
    return 'ERR You can\'t switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.';
  }
  if (options.bcast && (options.optin || options.optout)) return 'ERR OPTIN and OPTOUT are not compatible with BCAST';
  if (options.optin && options.optout) return "ERR You can't specify both OPTIN mode and OPTOUT mode";
  if ((options.optin && current?.optout === true) || (options.optout && current?.optin === true)) {
    return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
  }
  return options.bcast ? prefixCollision(current?.prefixes ?? [], options.prefixes) : null;
}

/** CLIENT CACHING YES|NO: the OPTIN/OPTOUT choice for the next command. */
function clientCaching(client: Client, argv: string[]): void {
  const state = client.server.tracking.state(client);
  if (state === undefined) {
    client.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
    return;
  }
  const choice = argv[2]!.toLowerCase();
  if (choice !== 'yes' && choice !== 'no') client.error(Err.syntax);
  else if (choice === 'yes' && !state.optin) client.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  else if (choice === 'no' && !state.optout) client.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  else {
    state.caching = true;
    client.ok();
  }
}

/** CLIENT TRACKINGINFO: flags (a set), redirect, prefixes. */
function clientTrackinginfo(client: Client): void {
  const state = client.server.tracking.state(client);
  const flags = [state === undefined ? 'off' : 'on'];
  if (state !== undefined) {
    if (state.bcast) flags.push('bcast');
    if (state.optin) flags.push(...(state.caching ? ['optin', 'caching-yes'] : ['optin']));
    if (state.optout) flags.push(...(state.caching ? ['optout', 'caching-no'] : ['optout']));
    if (state.noloop) flags.push('noloop');
    if (state.brokenRedirect) flags.push('broken_redirect');
  }
  client.mapLength(3);
  client.bulk('flags');
  client.setLength(flags.length);
  for (const flag of flags) client.bulk(flag);
  client.bulk('redirect');
  client.integer(state?.redirect ?? -1);
  client.bulk('prefixes');
  const prefixes = state === undefined ? [] : [...state.prefixes].sort();
  client.arrayLength(prefixes.length);
  for (const prefix of prefixes) client.bulk(prefix);
}

/** CLIENT PAUSE timeout [WRITE|ALL] */
function clientPause(client: Client, argv: string[]): void {
  if (argv.length > 4) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  let mode = PauseMode.All;
  if (argv.length === 4) {
    const option = argv[3]!.toLowerCase();
    if (option === 'write') mode = PauseMode.Write;
    else if (option !== 'all') {
      client.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  const timeout = parseInt64Number(argv[2]!);
  if (timeout === null) {
    client.error('ERR timeout is not an integer or out of range');
    return;
  }
  if (timeout < 0) {
    client.error('ERR timeout is negative');
    return;
  }
  const now = client.server.clock.ms;
  client.server.pause.pause(mode, timeout > 0 ? now + timeout : 0, now);
  client.ok();
}

function clientUnpause(client: Client): void {
  client.server.pause.unpause();
  client.ok();
}

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's wait on keys; 1 if it was waiting. */
function clientUnblock(client: Client, argv: string[]): void {
  if (argv.length > 4) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  let withError = false;
  if (argv.length === 4) {
    const reason = argv[3]!.toLowerCase();
    if (reason === 'error') withError = true;
    else if (reason !== 'timeout') {
      client.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const id = parseInt64Number(argv[2]!);
  if (id === null) {
    client.error(Err.notInteger);
    return;
  }
  const target = client.server.clients.get(id);
  client.integer(target !== undefined && client.server.blocking.unblock(target, withError) ? 1 : 0);
}

/** Which clients CLIENT KILL closes; unset fields match everyone. */
interface KillFilter {
  addr: string | null;
  laddr: string | null;
  type: ClientType | null;
  id: number;
  user: User | null;
  skipMe: boolean;
}

/** CLIENT KILL addr (replies OK / "No such client") or CLIENT KILL <filter value>… (replies a count). */
function clientKill(client: Client, argv: string[]): void {
  const oldForm = argv.length === 3;
  const filter = oldForm ? killFilter(argv[2]!) : parseKillFilter(client, argv);
  if (filter === null) return;
  let killed = 0;
  let killSelf = false;
  for (const other of [...client.server.clients.values()]) {
    if (!killMatches(filter, other, client)) continue;
    if (other === client) killSelf = true;
    else client.server.disconnect(other);
    killed++;
  }
  if (!oldForm) client.integer(killed);
  else if (killed === 0) client.error('ERR No such client');
  else client.ok();
  // Our own connection closes only once the reply has been sent.
  if (killSelf) client.flags |= ClientFlag.closeAfterReply;
}

/** The old form kills by address and may kill the caller. */
function killFilter(addr: string): KillFilter {
  return { addr, laddr: null, type: null, id: 0, user: null, skipMe: false };
}

/** Parses `<option> <value>` pairs; replies with the error and returns null when one is bad. */
function parseKillFilter(client: Client, argv: string[]): KillFilter | null {
  const filter: KillFilter = { addr: null, laddr: null, type: null, id: 0, user: null, skipMe: true };
  for (let i = 2; i < argv.length; i += 2) {
    const value = argv[i + 1];
    const option = value === undefined ? '' : argv[i]!.toLowerCase();
    if (option === 'id') {
      const id = parseInt64Number(value!);
      if (id === null || id < 1) {
        client.error('ERR client-id should be greater than 0');
        return null;
      }
      filter.id = id;
    } else if (option === 'type') {
      const type = clientTypeByName(value!);
      if (type === undefined) {
        client.error(unknownClientType(value!));
        return null;
      }
      filter.type = type;
    } else if (option === 'addr') {
      filter.addr = value!;
    } else if (option === 'laddr') {
      filter.laddr = value!;
    } else if (option === 'user') {
      const user = client.server.acl.users.get(value!);
      if (user === undefined) {
        client.error(`ERR No such user '${errorArg(value!)}'`);
        return null;
      }
      filter.user = user;
    } else if (option === 'skipme') {
      const choice = value!.toLowerCase();
      if (choice !== 'yes' && choice !== 'no') {
        client.error(Err.syntax);
        return null;
      }
      filter.skipMe = choice === 'yes';
    } else {
      client.error(Err.syntax);
      return null;
    }
  }
  return filter;
}

function killMatches(filter: KillFilter, other: Client, caller: Client): boolean {
  if (filter.addr !== null && other.addr !== filter.addr) return false;
  if (filter.laddr !== null && other.laddr !== filter.laddr) return false;
  if (filter.type !== null && clientType(other) !== filter.type) return false;
  if (filter.id !== 0 && other.id !== filter.id) return false;
  if (filter.user !== null && other.user !== filter.user) return false;
  return !(other === caller && filter.skipMe);
}

const CLIENT_HELP = [
  'CACHING (YES|NO)',
  '    With tracking in OPTIN (YES) or OPTOUT (NO) mode: whether the next command\'s keys are tracked.',
  'GETREDIR',
  '    The client id invalidation messages are redirected to: 0 for none, -1 when not tracking.',
  'GETNAME',
  '    The name of this connection, or null when it has none.',
  'ID',
  '    The unique id of this connection.',
  'INFO',
  '    One CLIENT LIST line describing this connection.',
  'KILL <ip:port>',
  '    Close the connection coming from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Close every connection matching all the options, which are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      its remote address.',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      the local address it connected to.',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      its type.',
  '    * USER <username>',
  '      the user it authenticated as.',
  '    * SKIPME (YES|NO)',
  '      whether this connection is spared (yes by default).',
  'LIST [options ...]',
  '    One line per connection. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      only connections of that type.',
  'UNPAUSE',
  '    End a pause started with CLIENT PAUSE.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Hold commands of every client (ALL) or only writes (WRITE) for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Turn replies to this connection on or off, or skip the next one.',
  'SETNAME <name>',
  '    Name this connection <name>.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    End the wait of a client blocked on keys, as if it timed out or with an UNBLOCKED error.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Turn client-side caching invalidation messages on or off for this connection.',
  'TRACKINGINFO',
  '    The tracking mode, redirect and prefixes of this connection.',
  'NO-EVICT (ON|OFF)',
  '    Exempt this connection from client eviction.',
];

function clientHelp(client: Client, argv: string[]): void {
  replyHelp(client, argv[0]!, CLIENT_HELP);
}

function unknownClientType(name: string): string {
  return `ERR Unknown client type '${errorArg(name)}'`;
}

export const connectionCommands: CommandFamily = {
  handlers: {
    ping,
    echo,
    quit,
    reset,
    auth,
    hello,
    monitor,
    'client|id': clientId,
    'client|info': clientInfo,
    'client|list': clientList,
    'client|setname': clientSetname,
    'client|getname': clientGetname,
    'client|reply': clientReply,
    'client|no-evict': clientNoEvict,
    'client|getredir': clientGetredir,
    'client|tracking': clientTracking,
    'client|caching': clientCaching,
    'client|trackinginfo': clientTrackinginfo,
    'client|pause': clientPause,
    'client|unpause': clientUnpause,
    'client|unblock': clientUnblock,
    'client|kill': clientKill,
    'client|help': clientHelp,
  },
};
