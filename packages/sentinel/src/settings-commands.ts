/**
 * The SENTINEL subcommands that change settings: SET (per master), CONFIG GET/SET (global),
 * DEBUG (timing parameters) and SIMULATE-FAILURE. Each validates its arguments as Redis does,
 * with the same error texts, and persists what it changed.
 */
import type { Client } from '@tsredis/node/server/client';
import { globMatch } from '@tsredis/node/keyspace/glob';
import { flushConfigAndReply, masterOrError, parseLong, sentinelOf } from './command-context.js';
import { propagateDownAfterPeriod, yesNo } from './config.js';
import { assignScript } from './scripts.js';
import { SIMULATE_CRASH_AFTER_ELECTION, SIMULATE_CRASH_AFTER_PROMOTION, type Periods } from './state.js';

/** SENTINEL SET options: their value check, and how they apply. */
export function sentinelSet(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const master = masterOrError(client, sentinel, argv[2]!);
  if (master === null) return;
  let changes = 0;
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j]!;
    const name = option.toLowerCase();
    const more = argv.length - 1 - j;
    const start = j;
    let redacted = false;
    // A refused option ends the command; the options applied before it are kept (and saved).
    const fail = (message: string) => {
      client.error(message);
      if (changes > 0) sentinel.flushConfig();
    };
    const badFormat = (at: number) => fail(`ERR Invalid argument '${argv[at]}' for SENTINEL SET '${option}'`);
    const positive = (min: number): number | null => {
      const value = parseLong(argv[++j]!);
      return value === null || value < min ? null : value;
    };
    if (name === 'down-after-milliseconds' && more > 0) {
      const value = positive(1);
      if (value === null) return badFormat(j);
      master.downAfterPeriod = value;
      propagateDownAfterPeriod(master);
    } else if (name === 'failover-timeout' && more > 0) {
      const value = positive(1);
      if (value === null) return badFormat(j);
      master.failoverTimeout = value;
    } else if (name === 'parallel-syncs' && more > 0) {
      const value = positive(1);
      if (value === null) return badFormat(j);
      master.parallelSyncs = value;
    } else if ((name === 'notification-script' || name === 'client-reconfig-script') && more > 0) {
      j++;
      if (sentinel.state.denyScriptsReconfig) {
        return fail(
          'ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration',
        );
      }
      const problem = assignScript(master, name, argv[j]!.length > 0 ? argv[j]! : null);
      if (problem !== null) return fail(`ERR ${problem}`);
    } else if (name === 'auth-pass' && more > 0) {
      const value = argv[++j]!;
      master.authPass = value.length > 0 ? value : null;
      sentinel.dropConnections(master);
      redacted = true;
    } else if (name === 'auth-user' && more > 0) {
      const value = argv[++j]!;
      master.authUser = value.length > 0 ? value : null;
      sentinel.dropConnections(master);
    } else if (name === 'quorum' && more > 0) {
      const value = positive(1);
      if (value === null) return badFormat(j);
      master.quorum = value;
    } else if (name === 'rename-command' && more > 1) {
      const from = argv[++j]!;
      const to = argv[++j]!;
      if (from.length === 0 || to.length === 0) return badFormat(to.length > 0 ? j - 1 : j);
      master.renamedCommands.delete(from.toLowerCase());
      if (from.toLowerCase() !== to.toLowerCase()) master.renamedCommands.set(from.toLowerCase(), to);
    } else if (name === 'master-reboot-down-after-period' && more > 0) {
      const value = positive(0);
      if (value === null) return badFormat(j);
      master.masterRebootDownAfterPeriod = value;
    } else {
      return fail(`ERR Unknown option or number of arguments for SENTINEL SET '${option}'`);
    }
    changes++;
    const words = argv.slice(start, j + 1);
    if (redacted) words[1] = '******';
    sentinel.event('warning', '+set', master, words.slice(0, 3).join(' '));
  }
  if (changes > 0) flushConfigAndReply(client, sentinel);
}

function sentinelConfigGet(client: Client, argv: string[]): void {
  const state = sentinelOf(client).state;
  const pattern = argv[3]!;
  const values: [string, string][] = [
    ['resolve-hostnames', state.resolveHostnames ? 'yes' : 'no'],
    ['announce-hostnames', state.announceHostnames ? 'yes' : 'no'],
    ['announce-ip', state.announceIp ?? ''],
    ['announce-port', String(state.announcePort)],
    ['sentinel-user', state.sentinelUser ?? ''],
    ['sentinel-pass', state.sentinelPass ?? ''],
  ];
  const matching = values.filter(([name]) => globMatch(pattern, name, true));
  client.mapLength(matching.length);
  for (const [name, value] of matching) {
    client.bulk(name);
    client.bulk(value);
  }
}

function sentinelConfigSet(client: Client, argv: string[]): void {
  const sentinel = sentinelOf(client);
  const state = sentinel.state;
  const option = argv[3]!;
  const value = argv[4]!;
  const badFormat = () => client.error(`ERR Invalid value '${value}' to SENTINEL CONFIG SET '${option}'`);
  let dropConnections = false;
  switch (option.toLowerCase()) {
    case 'resolve-hostnames':
    case 'announce-hostnames': {
      const on = yesNo(value);
      if (on === null) return badFormat();
      if (option.toLowerCase() === 'resolve-hostnames') state.resolveHostnames = on;
      else state.announceHostnames = on;
      break;
    }
    case 'announce-ip':
      state.announceIp = value;
      break;
    case 'announce-port': {
      const port = parseLong(value);
      if (port === null || port < 0 || port > 65535) return badFormat();
      state.announcePort = port;
      break;
    }
    case 'sentinel-user':
      state.sentinelUser = value.length === 0 ? null : value;
      dropConnections = true;
      break;
    case 'sentinel-pass':
      state.sentinelPass = value.length === 0 ? null : value;
      dropConnections = true;
      break;
    default:
      client.error(`ERR Invalid argument '${option}' to SENTINEL CONFIG SET`);
      return;
  }
  flushConfigAndReply(client, sentinel);
  if (dropConnections) sentinel.dropSentinelConnections();
}

export function sentinelConfig(client: Client, argv: string[]): void {
  const action = argv[2]!.toLowerCase();
  if (action === 'set' && argv.length === 5) sentinelConfigSet(client, argv);
  else if (action === 'get' && argv.length === 4) sentinelConfigGet(client, argv);
  else client.error('ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.');
}

export function sentinelSimulateFailure(client: Client, argv: string[]): void {
  const state = sentinelOf(client).state;
  state.simulateFailure = 0;
  for (let j = 2; j < argv.length; j++) {
    const word = argv[j]!.toLowerCase();
    if (word === 'crash-after-election') {
      state.simulateFailure |= SIMULATE_CRASH_AFTER_ELECTION;
      client.server.log.warn('Failure simulation: this Sentinel will crash after being successfully elected as failover leader');
    } else if (word === 'crash-after-promotion') {
      state.simulateFailure |= SIMULATE_CRASH_AFTER_PROMOTION;
      client.server.log.warn('Failure simulation: this Sentinel will crash after promoting the selected replica to master');
    } else if (word === 'help') {
      client.arrayLength(2);
      client.bulk('crash-after-election');
      client.bulk('crash-after-promotion');
      return;
    } else {
      client.error('ERR Unknown failure simulation specified');
      return;
    }
  }
  client.ok();
}

/** SENTINEL DEBUG names, in Redis's order, with the period each sets. */
const DEBUG_PARAMETERS: [string, keyof Periods][] = [
  ['INFO-PERIOD', 'info'],
  ['PING-PERIOD', 'ping'],
  ['ASK-PERIOD', 'ask'],
  ['PUBLISH-PERIOD', 'publish'],
  ['DEFAULT-DOWN-AFTER', 'defaultDownAfter'],
  ['DEFAULT-FAILOVER-TIMEOUT', 'defaultFailoverTimeout'],
  ['TILT-TRIGGER', 'tiltTrigger'],
  ['TILT-PERIOD', 'tiltPeriod'],
  ['SLAVE-RECONF-TIMEOUT', 'slaveReconfTimeout'],
  ['MIN-LINK-RECONNECT-PERIOD', 'minLinkReconnect'],
  ['ELECTION-TIMEOUT', 'electionTimeout'],
  ['SCRIPT-MAX-RUNTIME', 'scriptMaxRuntime'],
  ['SCRIPT-RETRY-DELAY', 'scriptRetryDelay'],
];

export function sentinelDebug(client: Client, argv: string[]): void {
  const periods = sentinelOf(client).state.periods;
  if (argv.length === 2) {
    client.mapLength(DEBUG_PARAMETERS.length);
    for (const [name, key] of DEBUG_PARAMETERS) {
      client.bulk(name);
      client.bulk(String(periods[key]));
    }
    return;
  }
  // Validated as it goes: the options before a bad one stay applied, as in Redis.
  for (let j = 2; j < argv.length; j++) {
    const option = argv[j]!;
    const name = option.toLowerCase();
    const entry = DEBUG_PARAMETERS.find(([each]) => each.toLowerCase() === name);
    if (entry === undefined || j + 1 >= argv.length) {
      client.error(`ERR Unknown option or number of arguments for SENTINEL DEBUG '${option}'`);
      return;
    }
    const value = parseLong(argv[++j]!);
    if (value === null || value <= 0) {
      client.error(`ERR Invalid argument '${argv[j]}' for SENTINEL DEBUG '${option}'`);
      return;
    }
    periods[entry[1]] = value;
  }
  client.ok();
}
