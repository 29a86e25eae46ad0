import { encodeCommand } from '@tsredis/cluster-bus';
import type { Entry } from '../keyspace/entry.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import { Err } from '../protocol/errors.js';
import { dumpPayload } from '../persistence/rdb-writer.js';
import type { Client } from '../server/client.js';
import type { MigrateOutcome } from '../server/migrate-link.js';
import { rangeArgument } from './arguments.js';
import { lookupRead } from './lookup.js';
import type { CommandFamily } from './table.js';

/*
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw]
 * [KEYS key ...]: dumps the keys, restores them on the target (RESTORE, or RESTORE-ASKING in
 * cluster mode so an importing target accepts them), then deletes the ones the target took.
 * The server waits for the target like Redis does (server/migrate-link.ts), so the keys cannot
 * change between the dump and the delete.
 */

interface MigrateOptions {
  copy: boolean;
  replace: boolean;
  username: string | null;
  password: string | null;
  firstKey: number;
  keyCount: number;
}

function parseOptions(client: Client, argv: string[]): MigrateOptions | null {
  const options: MigrateOptions = { copy: false, replace: false, username: null, password: null, firstKey: 3, keyCount: 1 };
  for (let i = 6; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const option = argv[i]!.toLowerCase();
    if (option === 'copy') options.copy = true;
    else if (option === 'replace') options.replace = true;
    else if (option === 'auth' && more >= 1) options.password = argv[++i]!;
    else if (option === 'auth2' && more >= 2) {
      options.username = argv[++i]!;
      options.password = argv[++i]!;
    } else if (option === 'keys') {
      if (argv[3]!.length !== 0) {
        client.error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
        return null;
      }
      options.firstKey = i + 1;
      options.keyCount = argv.length - i - 1;
      break;
    } else {
      client.error(Err.syntax);
      return null;
    }
  }
  return options;
}

/** C's atoi on the port argument: leading digits, 0 when there are none. */
function portNumber(text: string): number {
  const port = Number.parseInt(text, 10);
  return Number.isNaN(port) ? 0 : port;
}

function migrate(client: Client, argv: string[]): void {
  const options = parseOptions(client, argv);
  if (options === null) return;
  let timeout = rangeArgument(argv[5]!);
  const dbIndex = rangeArgument(argv[4]!);
  if (timeout <= 0) timeout = 1000;
  const present: Entry[] = [];
  for (let i = 0; i < options.keyCount; i++) {
    const entry = lookupRead(client, argv[options.firstKey + i]!);
    if (entry !== undefined) present.push(entry);
  }
  // Nothing to move (often keys that expired meanwhile): not an error.
  if (present.length === 0) {
    client.simple('NOKEY');
    return;
  }
  const server = client.server;
  const restore = server.config.bool('cluster-enabled') ? 'RESTORE-ASKING' : 'RESTORE';
  const writerOptions = server.rdb.writerOptions();
  const now = server.clock.ms;
  const moving: Entry[] = [];
  let body = '';
  for (const entry of present) {
    let ttl = 0;
    if (entry.expireAt !== 0) {
      ttl = entry.expireAt - now;
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    moving.push(entry);
    const payload = dumpPayload(entry.type, entry.value, writerOptions).toString('latin1');
    const command = [restore, entry.key, String(ttl), payload];
    if (options.replace) command.push('REPLACE');
    body += encodeCommand(command);
  }
  const { username, password } = options;
  const auth = password === null ? '' : encodeCommand(username === null ? ['AUTH', password] : ['AUTH', username, password]);
  // Under tls-cluster the target is reached over TLS, as Redis's migrateGetSocket does.
  const tls = server.config.bool('tls-cluster') ? (server.tls?.peerOptions ?? null) : null;
  const request = { name: `${argv[1]!}:${argv[2]!}`, host: argv[1]!, port: portNumber(argv[2]!), tls, timeout, db: dbIndex, auth, body, count: moving.length };
  const expectedLines = moving.length + (auth === '' ? 1 : 2);
  // A cached connection the target closed fails at once: one retry on a fresh connection.
  for (let attempt = 0; attempt < 2; attempt++) {
    const outcome = server.migrateLink.exchange(request, expectedLines);
    if (settle(client, outcome, request.name, dbIndex, auth !== '', moving, options.copy, attempt === 0)) return;
  }
}

/**
 * Applies the target's answers as Redis's migrateCommand does: deletes what the target restored
 * (unless COPY) and replies. Returns false when the exchange should be tried again.
 */
function settle(
  client: Client,
  outcome: MigrateOutcome,
  name: string,
  dbIndex: number,
  sentAuth: boolean,
  moving: readonly Entry[],
  copy: boolean,
  mayRetry: boolean,
): boolean {
  const link = client.server.migrateLink;
  if (outcome.kind === 'connect') {
    client.error('IOERR error or timeout connecting to the client');
    return true;
  }
  const { lines, timedOut } = outcome;
  let at = 0;
  const authLine = sentAuth ? lines[at++] : '';
  const selectLine = outcome.select ? lines[at++] : '';
  if (outcome.writeFailed || authLine === undefined || selectLine === undefined) {
    link.close(name);
    if (!timedOut && mayRetry) return false;
    client.error(`IOERR error or timeout ${outcome.writeFailed ? 'writing' : 'reading'} to target instance`);
    return true;
  }
  const failedSetup = authLine.startsWith('-') ? authLine : selectLine.startsWith('-') ? selectLine : null;
  let targetError: string | null = null;
  let replies = 0;
  const moved: string[] = [];
  for (; replies < moving.length; replies++) {
    const line = lines[at + replies];
    if (line === undefined) break;
    const failed = failedSetup ?? (line.startsWith('-') ? line : null);
    if (failed !== null) targetError ??= failed;
    else if (!copy) moved.push(moving[replies]!.key);
  }
  const socketError = replies < moving.length;
  // Nothing was processed yet: the connection was probably stale, so it is worth one more try.
  if (targetError === null && socketError && replies === 0 && mayRetry && !timedOut) {
    link.close(name);
    return false;
  }
  if (socketError) link.close(name);
  deleteMoved(client, moved);
  if (targetError !== null) {
    // The target's selected database is unknown after an error: SELECT again next time.
    link.selected(name, -1);
    client.error(`ERR Target instance replied with error: ${targetError.slice(1)}`);
  } else if (socketError) {
    client.error('IOERR error or timeout reading to target instance');
  } else {
    link.selected(name, dbIndex);
    client.ok();
  }
  return true;
}

/** Deletes the keys the target acknowledged; replicas and the AOF see one DEL of them. */
function deleteMoved(client: Client, keys: readonly string[]): void {
  if (keys.length === 0) return;
  const server = client.server;
  for (const key of keys) {
    client.db.delete(key);
    notify(client, NotifyFlag.generic, 'del', key);
    server.dirty++;
  }
  server.propagation.propagate(client.db.index, ['DEL', ...keys]);
}

export const migrateCommands: CommandFamily = {
  handlers: { migrate },
};
