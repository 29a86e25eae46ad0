import { ValueType, type Entry } from '../keyspace/entry.js';
import { globMatch } from '../keyspace/glob.js';
import { scanWindow } from '../keyspace/scan.js';
import { Err } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import { RedisHash, type HashLimits } from '../types/hash.js';
import { addInt64, parseInt64 } from '../types/int64.js';
import { addLongDouble, formatLongDouble, LONG_DOUBLE_ZERO, parseLongDouble } from '../types/long-double.js';
import { distinctPositions, randomPosition } from '../types/sampling.js';
import { integerArgument, LONG_MAX, longInRange } from './arguments.js';
import { beginElementScan, replyScanPage } from './element-scan.js';
import { readTyped, writeTyped } from './lookup.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import type { CommandFamily } from './table.js';

/**
 * The HASH family (t_hash.c). Values are RedisHash (types/hash.ts): listpack-encoded hashes
 * keep insertion order, so HGETALL/HKEYS/HVALS/HSCAN of small hashes reply in Redis's order.
 */

/** HRANDFIELD … WITHVALUES refuses counts beyond ±LONG_MAX/2 (the reply would need 2·count). */
const WITHVALUES_LIMIT = LONG_MAX / 2n;

function limits(client: Client): HashLimits {
  const config = client.server.config;
  return { maxEntries: config.int('hash-max-listpack-entries'), maxValue: config.int('hash-max-listpack-value') };
}

function hashOfEntry(entry: Entry): RedisHash {
  return entry.value as RedisHash;
}

/** The hash at a key for reading (counting hits/misses), or null when absent. */
function readHash(client: Client, key: string): RedisHash | null {
  const entry = readTyped(client, key, ValueType.Hash);
  return entry === undefined ? null : hashOfEntry(entry);
}

/** hashTypeLookupWriteOrCreate: the hash's entry, created empty when the key is absent. */
function writeHash(client: Client, key: string): Entry {
  return writeTyped(client, key, ValueType.Hash) ?? client.db.set(key, ValueType.Hash, new RedisHash());
}

// ---------------------------------------------------------------------------------------------
// Writes

/** HSET/HMSET: sets every pair; returns how many fields were new, or null after an arity error. */
function setPairs(client: Client, argv: string[]): number | null {
  if (argv.length % 2 === 1) {
    client.error(Err.arity(argv[0]!.toLowerCase()));
    return null;
  }
  const entry = writeHash(client, argv[1]!);
  const hash = hashOfEntry(entry);
  const bounds = limits(client);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (hash.set(argv[i]!, argv[i + 1]!, bounds)) created++;
  client.db.recharge(entry);
  notify(client, NotifyFlag.hash, 'hset', argv[1]!);
  client.server.dirty += (argv.length - 2) / 2;
  return created;
}

function hset(client: Client, argv: string[]): void {
  const created = setPairs(client, argv);
  if (created !== null) client.integer(created);
}

function hmset(client: Client, argv: string[]): void {
  if (setPairs(client, argv) !== null) client.ok();
}

function hsetnx(client: Client, argv: string[]): void {
  const entry = writeHash(client, argv[1]!);
  const hash = hashOfEntry(entry);
  if (hash.has(argv[2]!)) {
    client.integer(0);
    return;
  }
  hash.set(argv[2]!, argv[3]!, limits(client));
  client.db.recharge(entry);
  notify(client, NotifyFlag.hash, 'hset', argv[1]!);
  client.server.dirty++;
  client.integer(1);
}

function hdel(client: Client, argv: string[]): void {
  const entry = writeTyped(client, argv[1]!, ValueType.Hash);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const hash = hashOfEntry(entry);
  let deleted = 0;
  for (let i = 2; i < argv.length && hash.size > 0; i++) if (hash.delete(argv[i]!)) deleted++;
  if (hash.size === 0) client.db.remove(entry);
  else client.db.recharge(entry);
  if (deleted > 0) {
    notify(client, NotifyFlag.hash, 'hdel', argv[1]!);
    if (hash.size === 0) notify(client, NotifyFlag.generic, 'del', argv[1]!);
  }
  client.server.dirty += deleted;
  client.integer(deleted);
}

/** Stores the result of HINCRBY/HINCRBYFLOAT into the field and publishes `event` (the caller replies). */
function storeField(client: Client, entry: Entry, field: string, value: string, event: string): void {
  hashOfEntry(entry).set(field, value, limits(client));
  client.db.recharge(entry);
  notify(client, NotifyFlag.hash, event, entry.key);
  client.server.dirty++;
}

function hincrby(client: Client, argv: string[]): void {
  const increment = integerArgument(argv[3]!);
  const entry = writeHash(client, argv[1]!);
  const current = hashOfEntry(entry).get(argv[2]!);
  const value = current === undefined ? 0 : parseInt64(current);
  if (value === null) {
    client.error('ERR hash value is not an integer');
    return;
  }
  const sum = addInt64(value, increment);
  if (sum === null) {
    client.error(Err.overflow);
    return;
  }
  storeField(client, entry, argv[2]!, String(sum), 'hincrby');
  client.integer(sum);
}

/** In long double arithmetic, as Redis does (types/long-double.ts). */
function hincrbyfloat(client: Client, argv: string[]): void {
  const increment = parseLongDouble(argv[3]!);
  if (increment === null || increment.infinite) {
    client.error(increment === null ? Err.notFloat : 'ERR value is NaN or Infinity');
    return;
  }
  const entry = writeHash(client, argv[1]!);
  const current = hashOfEntry(entry).get(argv[2]!);
  const value = current === undefined ? LONG_DOUBLE_ZERO : parseLongDouble(current);
  if (value === null) {
    client.error('ERR hash value is not a float');
    return;
  }
  const sum = addLongDouble(value, increment);
  if (sum === null) {
    client.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const text = formatLongDouble(sum);
  storeField(client, entry, argv[2]!, text, 'hincrbyfloat');
  client.bulk(text);
}

// ---------------------------------------------------------------------------------------------
// Reads

function hget(client: Client, argv: string[]): void {
  client.bulkOrNull(readHash(client, argv[1]!)?.get(argv[2]!));
}

function hmget(client: Client, argv: string[]): void {
  const hash = readHash(client, argv[1]!);
  client.arrayLength(argv.length - 2);
  for (let i = 2; i < argv.length; i++) client.bulkOrNull(hash?.get(argv[i]!));
}

function hlen(client: Client, argv: string[]): void {
  client.integer(readHash(client, argv[1]!)?.size ?? 0);
}

function hstrlen(client: Client, argv: string[]): void {
  client.integer(readHash(client, argv[1]!)?.get(argv[2]!)?.length ?? 0);
}

function hexists(client: Client, argv: string[]): void {
  const hash = readHash(client, argv[1]!);
  client.integer(hash !== null && hash.has(argv[2]!) ? 1 : 0);
}

function hkeys(client: Client, argv: string[]): void {
  const hash = readHash(client, argv[1]!);
  const size = hash?.size ?? 0;
  client.arrayLength(size);
  for (let i = 0; i < size; i++) client.bulk(hash!.fieldAt(i));
}

function hvals(client: Client, argv: string[]): void {
  const hash = readHash(client, argv[1]!);
  const size = hash?.size ?? 0;
  client.arrayLength(size);
  for (let i = 0; i < size; i++) client.bulk(hash!.valueAt(i));
}

/** A map in RESP3 (`%0` for a missing key), a flat array in RESP2. */
function hgetall(client: Client, argv: string[]): void {
  const hash = readHash(client, argv[1]!);
  const size = hash?.size ?? 0;
  client.mapLength(size);
  for (let i = 0; i < size; i++) {
    client.bulk(hash!.fieldAt(i));
    client.bulk(hash!.valueAt(i));
  }
}

// ---------------------------------------------------------------------------------------------
// HRANDFIELD

/** One sampled field (with its value): RESP3 nests each pair in an array, RESP2 flattens. */
function replyField(client: Client, hash: RedisHash, position: number, withValues: boolean): void {
  if (withValues && client.resp === 3) client.arrayLength(2);
  client.bulk(hash.fieldAt(position));
  if (withValues) client.bulk(hash.valueAt(position));
}

/** HRANDFIELD key [count [WITHVALUES]]: a positive count gives distinct fields, a negative one may repeat. */
function hrandfield(client: Client, argv: string[]): void {
  if (argv.length === 2) {
    const hash = readHash(client, argv[1]!);
    if (hash === null) client.nullBulk();
    else client.bulk(hash.fieldAt(randomPosition(hash.size)));
    return;
  }
  const requested = longInRange(argv[2]!, -LONG_MAX, LONG_MAX);
  if (argv.length > 4 || (argv.length === 4 && argv[3]!.toLowerCase() !== 'withvalues')) {
    client.error(Err.syntax);
    return;
  }
  const withValues = argv.length === 4;
  if (withValues && (requested < -WITHVALUES_LIMIT || requested > WITHVALUES_LIMIT)) {
    client.error('ERR value is out of range');
    return;
  }
  const hash = readHash(client, argv[1]!);
  const count = Math.abs(Number(requested));
  if (hash === null || count === 0) {
    client.emptyArray();
    return;
  }
  const size = hash.size;
  const repeats = requested < 0;
  const replied = repeats ? count : Math.min(count, size);
  client.arrayLength(withValues && client.resp === 2 ? replied * 2 : replied);
  if (repeats) {
    for (let i = 0; i < count; i++) replyField(client, hash, randomPosition(size), withValues);
  } else if (count >= size) {
    for (let i = 0; i < size; i++) replyField(client, hash, i, withValues);
  } else {
    for (const position of distinctPositions(size, count)) replyField(client, hash, position, withValues);
  }
}

// ---------------------------------------------------------------------------------------------
// HSCAN

/** A listpack answers in one page with cursor 0; a hashtable is walked like the keyspace. */
function hscan(client: Client, argv: string[]): void {
  const scan = beginElementScan(client, argv, ValueType.Hash);
  if (scan === null) return;
  const hash = hashOfEntry(scan.entry);
  const pairs: string[] = [];
  if (hash.encoding === 'listpack') {
    for (let i = 0; i < hash.size; i++) collectMatching(pairs, scan.pattern, hash, i);
    replyScanPage(client, 0, pairs);
    return;
  }
  const window = scanWindow(hash.size, scan.cursor, scan.count);
  for (let i = window.end - 1; i >= window.start; i--) collectMatching(pairs, scan.pattern, hash, i);
  replyScanPage(client, window.start, pairs);
}

/** MATCH filters on the field; the value goes with it. */
function collectMatching(out: string[], pattern: string | null, hash: RedisHash, position: number): void {
  const field = hash.fieldAt(position);
  if (pattern === null || globMatch(pattern, field)) out.push(field, hash.valueAt(position));
}

export const hashCommands: CommandFamily = {
  handlers: {
    hset,
    hmset,
    hsetnx,
    hget,
    hmget,
    hdel,
    hlen,
    hstrlen,
    hexists,
    hkeys,
    hvals,
    hgetall,
    hincrby,
    hincrbyfloat,
    hrandfield,
    hscan,
  },
};
