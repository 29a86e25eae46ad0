import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { replyHelp } from '../server/help.js';
import type { Database } from '../keyspace/database.js';
import { type Entry, TYPE_NAMES } from '../keyspace/entry.js';
import { expireTimeFromArgument } from '../keyspace/expiry.js';
import { globMatch } from '../keyspace/glob.js';
import { parseKeyScanOptions, parseScanCursor, scanKeys } from '../keyspace/scan.js';
import { carryEncoding, cloneValue, encodingOf, refcountOf } from '../keyspace/value.js';
import { Err, errorArg, ReplyError } from '../protocol/errors.js';
import { parseInt64 } from '../types/int64.js';
import { integerArgument } from './arguments.js';
import { replyScanPage } from './element-scan.js';
import { keyspaceMiss, lookupRead } from './lookup.js';
import { notify, notifyKeyspaceEvent, NotifyFlag } from '../keyspace/notify.js';
import type { CommandFamily } from './table.js';

/**
 * The keyspace ("generic") family — DEL, EXISTS, TYPE, RENAME, KEYS, SCAN, COPY, MOVE, OBJECT,
 * the EXPIRE/TTL commands — plus the database-level SELECT, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB.
 * Lookups follow Redis's flavours: reads count keyspace hits/misses (lookupKeyRead), writes do
 * not (lookupKeyWrite), and TYPE/EXISTS/TTL/OBJECT leave the LRU/LFU clock alone (NOTOUCH).
 */

const SAME_OBJECT = 'ERR source and destination objects are the same';
const INT_RANGE = 'ERR value is out of range, value must between -2147483648 and 2147483647';
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

// ---------------------------------------------------------------------------------------------
// Shared helpers

/**
 * lookupKeyReadWithFlags(NOTOUCH): expires lazily and counts a hit or miss, keeps the LRU clock.
 * OBJECT also passes NONOTIFY: its misses publish no "keymiss" event.
 */
function lookupReadNoTouch(client: Client, key: string, notifyMiss = true): Entry | undefined {
  const entry = client.db.lookup(key, false);
  if (entry === undefined) {
    if (notifyMiss) keyspaceMiss(client, key);
    else client.server.stats.keyspaceMisses++;
  } else client.server.stats.keyspaceHits++;
  return entry;
}

/**
 * getIntFromObjectOrReply: an int32 argument. Without `error`, Redis's two messages (not an
 * integer / out of int range); with it, that message for both.
 */
function intArgument(text: string, error?: string): number {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(error ?? Err.notInteger);
  if (typeof value !== 'number' || value < INT_MIN || value > INT_MAX) throw new ReplyError(error ?? INT_RANGE);
  return value;
}

/** The database with that index, or a ReplyError as Redis's selectDb failure. */
function databaseAt(server: Server, index: number): Database {
  const db = server.databases[index];
  if (db === undefined || index < 0) throw new ReplyError(Err.dbIndex);
  return db;
}

function clusterEnabled(server: Server): boolean {
  return server.config.bool('cluster-enabled');
}

/** Stores `value` under `key` in `db` with the TTL `source` had (RENAME, MOVE, COPY). */
function storeWithTtl(db: Database, key: string, source: Entry, value: unknown, expireAt: number, copied: boolean): Entry {
  const entry = db.set(key, source.type, value);
  carryEncoding(source, entry, copied);
  if (expireAt !== 0) db.setExpiry(entry, expireAt);
  return entry;
}

/** Moves an entry's value under `key` in `to`, keeping its TTL and LFU counter (one robj in Redis). */
function relocate(from: Database, entry: Entry, to: Database, key: string): void {
  const moved = storeWithTtl(to, key, entry, entry.value, entry.expireAt, false);
  moved.frequency = entry.frequency;
  from.remove(entry);
}

// ---------------------------------------------------------------------------------------------
// Keys

function deleteKeys(client: Client, argv: string[]): void {
  const db = client.db;
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    if (!db.delete(argv[i]!)) continue;
    notify(client, NotifyFlag.generic, 'del', argv[i]!);
    deleted++;
  }
  client.server.dirty += deleted;
  client.integer(deleted);
}

/** EXISTS counts a key as often as it is named. */
function exists(client: Client, argv: string[]): void {
  let count = 0;
  for (let i = 1; i < argv.length; i++) if (lookupReadNoTouch(client, argv[i]!) !== undefined) count++;
  client.integer(count);
}

function type(client: Client, argv: string[]): void {
  const entry = lookupReadNoTouch(client, argv[1]!);
  client.simple(entry === undefined ? 'none' : TYPE_NAMES[entry.type]);
}

function touch(client: Client, argv: string[]): void {
  let touched = 0;
  for (let i = 1; i < argv.length; i++) if (lookupRead(client, argv[i]!) !== undefined) touched++;
  client.integer(touched);
}

function renameGeneric(client: Client, argv: string[], nx: boolean): void {
  const db = client.db;
  const from = argv[1]!;
  const to = argv[2]!;
  const entry = db.lookup(from);
  if (entry === undefined) {
    client.error(Err.noSuchKey);
    return;
  }
  if (from === to) {
    if (nx) client.integer(0);
    else client.ok();
    return;
  }
  const target = db.lookup(to);
  if (target !== undefined) {
    if (nx) {
      client.integer(0);
      return;
    }
    db.remove(target);
  }
  relocate(db, entry, db, to);
  notify(client, NotifyFlag.generic, 'rename_from', from);
  notify(client, NotifyFlag.generic, 'rename_to', to);
  client.server.dirty++;
  if (nx) client.integer(1);
  else client.ok();
}

function rename(client: Client, argv: string[]): void {
  renameGeneric(client, argv, false);
}

function renamenx(client: Client, argv: string[]): void {
  renameGeneric(client, argv, true);
}

function move(client: Client, argv: string[]): void {
  const server = client.server;
  if (clusterEnabled(server)) {
    client.error('ERR MOVE is not allowed in cluster mode');
    return;
  }
  const source = client.db;
  const target = databaseAt(server, intArgument(argv[2]!));
  if (target === source) {
    client.error(SAME_OBJECT);
    return;
  }
  const key = argv[1]!;
  const entry = source.lookup(key);
  if (entry === undefined || target.lookup(key) !== undefined) {
    client.integer(0);
    return;
  }
  relocate(source, entry, target, key);
  notifyKeyspaceEvent(server, NotifyFlag.generic, 'move_from', key, source.index);
  notifyKeyspaceEvent(server, NotifyFlag.generic, 'move_to', key, target.index);
  server.dirty++;
  client.integer(1);
}

function copy(client: Client, argv: string[]): void {
  const server = client.server;
  const source = client.db;
  let target = source;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i]!.toLowerCase();
    if (option === 'replace') {
      replace = true;
    } else if (option === 'db' && i + 1 < argv.length) {
      target = databaseAt(server, intArgument(argv[++i]!));
    } else {
      client.error(Err.syntax);
      return;
    }
  }
  if (clusterEnabled(server) && (source.index !== 0 || target.index !== 0)) {
    client.error('ERR Copying to another database is not allowed in cluster mode');
    return;
  }
  const key = argv[1]!;
  const newKey = argv[2]!;
  if (source === target && key === newKey) {
    client.error(SAME_OBJECT);
    return;
  }
  const entry = lookupRead(client, key);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const existing = target.lookup(newKey);
  if (existing !== undefined) {
    if (!replace) {
      client.integer(0);
      return;
    }
    target.remove(existing);
  }
  storeWithTtl(target, newKey, entry, cloneValue(entry.type, entry.value), entry.expireAt, true);
  notifyKeyspaceEvent(server, NotifyFlag.generic, 'copy_to', newKey, target.index);
  server.dirty++;
  client.integer(1);
}

function randomkey(client: Client): void {
  client.bulkOrNull(client.db.randomKey());
}

/** KEYS: every live key matching the pattern; expired keys are skipped, not deleted (as Redis). */
function keys(client: Client, argv: string[]): void {
  const db = client.db;
  const pattern = argv[1]!;
  const allKeys = pattern === '*';
  const matched: string[] = [];
  for (const entry of db.entries()) {
    if ((allKeys || globMatch(pattern, entry.key)) && !db.isExpired(entry)) matched.push(entry.key);
  }
  client.bulkArray(matched);
}

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. COUNT positions are visited, then
 * filtered (pattern, type, expiry), so a page may be empty while the cursor is not 0.
 */
function scan(client: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[1]!);
  if (cursor === null) {
    client.error(Err.invalidCursor);
    return;
  }
  const { count, pattern, typeName } = parseKeyScanOptions(argv);
  const db = client.db;
  const page = scanKeys(db, cursor, count);
  const found: string[] = [];
  for (const entry of page.entries) {
    if (pattern !== null && !globMatch(pattern, entry.key)) continue;
    if (typeName !== null) {
      // Redis looks the key up (counting a hit or miss); a key it just expired reads as "none".
      const live = lookupReadNoTouch(client, entry.key);
      if ((live === undefined ? 'none' : TYPE_NAMES[live.type]) !== typeName) continue;
    }
    if (entry.slotInKeys !== -1 && db.isExpired(entry)) {
      db.expire(entry);
      continue;
    }
    found.push(entry.key);
  }
  replyScanPage(client, page.cursor, found);
}

// ---------------------------------------------------------------------------------------------
// Databases

function dbsize(client: Client): void {
  client.integer(client.db.size);
}

/** The optional SYNC/ASYNC argument of FLUSHDB/FLUSHALL; flushing is synchronous either way. */
function validFlushArguments(client: Client, argv: string[]): boolean {
  if (argv.length === 1) return true;
  const mode = argv[1]!.toLowerCase();
  if (argv.length === 2 && (mode === 'sync' || mode === 'async')) return true;
  client.error(Err.syntax);
  return false;
}

function flushdb(client: Client, argv: string[]): void {
  if (!validFlushArguments(client, argv)) return;
  client.server.dirty += client.db.flush();
  client.ok();
}

function flushall(client: Client, argv: string[]): void {
  if (!validFlushArguments(client, argv)) return;
  const server = client.server;
  for (const db of server.databases) server.dirty += db.flush();
  client.ok();
}

function select(client: Client, argv: string[]): void {
  const index = intArgument(argv[1]!);
  if (clusterEnabled(client.server) && index !== 0) {
    client.error('ERR SELECT is not allowed in cluster mode');
    return;
  }
  client.select(databaseAt(client.server, index).index);
  client.ok();
}

function swapdb(client: Client, argv: string[]): void {
  const server = client.server;
  if (clusterEnabled(server)) {
    client.error('ERR SWAPDB is not allowed in cluster mode');
    return;
  }
  const first = databaseAt(server, intArgument(argv[1]!, 'ERR invalid first DB index'));
  const second = databaseAt(server, intArgument(argv[2]!, 'ERR invalid second DB index'));
  if (first !== second) first.swapWith(second);
  server.dirty++;
  client.ok();
}

// ---------------------------------------------------------------------------------------------
// Expiry

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** The NX/XX/GT/LT options after the time argument, validated as Redis does. */
function expireOptions(argv: string[]): number {
  let flags = 0;
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i]!.toLowerCase();
    if (option === 'nx') flags |= EXPIRE_NX;
    else if (option === 'xx') flags |= EXPIRE_XX;
    else if (option === 'gt') flags |= EXPIRE_GT;
    else if (option === 'lt') flags |= EXPIRE_LT;
    else throw new ReplyError(`ERR Unsupported option ${errorArg(argv[i]!)}`);
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw new ReplyError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    throw new ReplyError('ERR GT and LT options at the same time are not compatible');
  }
  return flags;
}

/** Whether NX/XX/GT/LT allow replacing `current` (0: no TTL, which GT/LT treat as infinite). */
function optionsAllow(flags: number, current: number, when: number): boolean {
  if (flags & EXPIRE_NX && current !== 0) return false;
  if (flags & EXPIRE_XX && current === 0) return false;
  if (flags & EXPIRE_GT && (current === 0 || when <= current)) return false;
  if (flags & EXPIRE_LT && current !== 0 && when >= current) return false;
  return true;
}

/** EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: `relative` adds now; a time not in the future deletes. */
function expireGeneric(client: Client, argv: string[], name: string, unitMs: 1 | 1000, relative: boolean): void {
  const flags = expireOptions(argv);
  const now = client.server.clock.ms;
  const when = expireTimeFromArgument(integerArgument(argv[2]!), unitMs, relative ? now : 0);
  if (when === null) {
    client.error(Err.invalidExpire(name));
    return;
  }
  const db = client.db;
  const entry = db.lookup(argv[1]!);
  if (entry === undefined || !optionsAllow(flags, entry.expireAt, when)) {
    client.integer(0);
    return;
  }
  client.server.dirty++;
  if (when <= now) {
    db.remove(entry);
    notify(client, NotifyFlag.generic, 'del', argv[1]!);
    client.integer(1);
  } else {
    db.setExpiry(entry, when);
    client.integer(1);
    notify(client, NotifyFlag.generic, 'expire', argv[1]!);
  }
}

function expire(client: Client, argv: string[]): void {
  expireGeneric(client, argv, 'expire', 1000, true);
}

function pexpire(client: Client, argv: string[]): void {
  expireGeneric(client, argv, 'pexpire', 1, true);
}

function expireat(client: Client, argv: string[]): void {
  expireGeneric(client, argv, 'expireat', 1000, false);
}

function pexpireat(client: Client, argv: string[]): void {
  expireGeneric(client, argv, 'pexpireat', 1, false);
}

/** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 without the key, -1 without a TTL. */
function ttlGeneric(client: Client, argv: string[], inMs: boolean, absolute: boolean): void {
  const entry = lookupReadNoTouch(client, argv[1]!);
  if (entry === undefined) {
    client.integer(-2);
    return;
  }
  if (entry.expireAt === 0) {
    client.integer(-1);
    return;
  }
  const ms = Math.max(absolute ? entry.expireAt : entry.expireAt - client.server.clock.ms, 0);
  client.integer(inMs ? ms : Math.floor((ms + 500) / 1000));
}

function ttl(client: Client, argv: string[]): void {
  ttlGeneric(client, argv, false, false);
}

function pttl(client: Client, argv: string[]): void {
  ttlGeneric(client, argv, true, false);
}

function expiretime(client: Client, argv: string[]): void {
  ttlGeneric(client, argv, false, true);
}

function pexpiretime(client: Client, argv: string[]): void {
  ttlGeneric(client, argv, true, true);
}

function persist(client: Client, argv: string[]): void {
  const entry = client.db.lookup(argv[1]!);
  if (entry !== undefined && client.db.clearExpiry(entry)) {
    notify(client, NotifyFlag.generic, 'persist', argv[1]!);
    client.server.dirty++;
    client.integer(1);
  } else {
    client.integer(0);
  }
}

// ---------------------------------------------------------------------------------------------
// OBJECT

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];
const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when ' +
  'switching between policies at runtime LRU and LFU data will take some time to adjust.';
const LFU_SELECTED =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching ' +
  'between policies at runtime LRU and LFU data will take some time to adjust.';

/** OBJECT's lookup: no LRU/LFU update, a hit or miss counted; a missing key replies null. */
function objectLookup(client: Client, key: string): Entry | undefined {
  const entry = lookupReadNoTouch(client, key, false);
  if (entry === undefined) client.nullBulk();
  return entry;
}

function objectEncoding(client: Client, argv: string[]): void {
  const entry = objectLookup(client, argv[2]!);
  if (entry !== undefined) client.bulk(encodingOf(entry));
}

/** Redis stops sharing small integers when an LRU/LFU policy needs a clock per key. */
function sharesIntegers(server: Server): boolean {
  if (Number(server.config.get('maxmemory')) === 0) return true;
  const policy = server.config.str('maxmemory-policy');
  return !policy.endsWith('-lru') && !policy.endsWith('-lfu');
}

function objectRefcount(client: Client, argv: string[]): void {
  const entry = objectLookup(client, argv[2]!);
  if (entry !== undefined) client.integer(refcountOf(entry, sharesIntegers(client.server)));
}

function objectIdletime(client: Client, argv: string[]): void {
  const entry = objectLookup(client, argv[2]!);
  if (entry === undefined) return;
  const db = client.db;
  if (db.access.lfu) client.error(LFU_SELECTED);
  else client.integer(db.access.idleSeconds(entry, client.server.clock.seconds));
}

function objectFreq(client: Client, argv: string[]): void {
  const entry = objectLookup(client, argv[2]!);
  if (entry === undefined) return;
  const db = client.db;
  if (!db.access.lfu) client.error(LFU_NOT_SELECTED);
  else client.integer(db.access.frequency(entry, client.server.clock.seconds));
}

function objectHelp(client: Client): void {
  replyHelp(client, 'object', OBJECT_HELP);
}

export const genericCommands: CommandFamily = {
  handlers: {
    del: deleteKeys,
    unlink: deleteKeys,
    exists,
    type,
    touch,
    rename,
    renamenx,
    move,
    copy,
    randomkey,
    keys,
    scan,
    dbsize,
    flushdb,
    flushall,
    select,
    swapdb,
    expire,
    pexpire,
    expireat,
    pexpireat,
    ttl,
    pttl,
    expiretime,
    pexpiretime,
    persist,
    'object|encoding': objectEncoding,
    'object|refcount': objectRefcount,
    'object|idletime': objectIdletime,
    'object|freq': objectFreq,
    'object|help': objectHelp,
  },
};
