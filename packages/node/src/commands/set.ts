import { ValueType, type Entry } from '../keyspace/entry.js';
import { globMatch } from '../keyspace/glob.js';
import { scanWindow } from '../keyspace/scan.js';
import { Err } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import { distinctPositions } from '../types/sampling.js';
import { RedisSet, setOf } from '../types/set.js';
import { LONG_MAX, longInRange, positiveLong } from './arguments.js';
import { beginElementScan, replyScanPage } from './element-scan.js';
import { readTyped, writeTyped } from './lookup.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import type { CommandFamily } from './table.js';

/**
 * The SET family (t_set.c). Values are RedisSet (types/set.ts). Results of SUNION/SDIFF and the
 * *STORE commands are built the way Redis builds them — a fresh set that starts as an intset —
 * so their encoding, and the order of small all-integer results (ascending), match Redis.
 */

/** SPOP rebuilds the set from the members it keeps when it pops this many times more. */
const SPOP_MOVE_STRATEGY_MUL = 5;

function maxIntsetEntries(client: Client): number {
  return client.server.config.int('set-max-intset-entries');
}

function setOfEntry(entry: Entry): RedisSet {
  return entry.value as RedisSet;
}

/** The set at a key for reading (counting hits/misses), or null when absent. */
function readSet(client: Client, key: string): RedisSet | null {
  const entry = readTyped(client, key, ValueType.Set);
  return entry === undefined ? null : setOfEntry(entry);
}

/** Replies every member in the set's walk order, as a set (`~` in RESP3) or an array. */
function replyMembers(client: Client, set: RedisSet, asSet: boolean): void {
  const size = set.size;
  if (asSet) client.setLength(size);
  else client.arrayLength(size);
  for (let i = 0; i < size; i++) client.bulk(set.at(i));
}

/**
 * After removing members: deletes the key when its set became empty (with its "del" event),
 * else recharges its memory.
 */
function dropIfEmpty(client: Client, entry: Entry): void {
  if (setOfEntry(entry).size === 0) {
    client.db.remove(entry);
    notify(client, NotifyFlag.generic, 'del', entry.key);
  } else client.db.recharge(entry);
}

// ---------------------------------------------------------------------------------------------
// Single-key commands

function sadd(client: Client, argv: string[]): void {
  const key = argv[1]!;
  let entry = writeTyped(client, key, ValueType.Set);
  entry ??= client.db.set(key, ValueType.Set, new RedisSet());
  const set = setOfEntry(entry);
  const max = maxIntsetEntries(client);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i]!, max)) added++;
  client.db.recharge(entry);
  if (added > 0) notify(client, NotifyFlag.set, 'sadd', key);
  client.server.dirty += added;
  client.integer(added);
}

function srem(client: Client, argv: string[]): void {
  const entry = writeTyped(client, argv[1]!, ValueType.Set);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const set = setOfEntry(entry);
  let removed = 0;
  for (let i = 2; i < argv.length && set.size > 0; i++) if (set.remove(argv[i]!)) removed++;
  if (removed > 0) notify(client, NotifyFlag.set, 'srem', argv[1]!);
  dropIfEmpty(client, entry);
  client.server.dirty += removed;
  client.integer(removed);
}

function smove(client: Client, argv: string[]): void {
  const [, source, destination, member] = argv as [string, string, string, string];
  const db = client.db;
  const from = db.lookup(source);
  const to = db.lookup(destination);
  if (from === undefined) {
    client.integer(0);
    return;
  }
  if (from.type !== ValueType.Set || (to !== undefined && to.type !== ValueType.Set)) {
    client.error(Err.wrongType);
    return;
  }
  if (from === to) {
    client.integer(setOfEntry(from).has(member) ? 1 : 0);
    return;
  }
  if (!setOfEntry(from).remove(member)) {
    client.integer(0);
    return;
  }
  notify(client, NotifyFlag.set, 'srem', source);
  dropIfEmpty(client, from);
  const target = to ?? db.set(destination, ValueType.Set, new RedisSet());
  client.server.dirty++;
  if (setOfEntry(target).add(member, maxIntsetEntries(client))) {
    client.server.dirty++;
    notify(client, NotifyFlag.set, 'sadd', destination);
  }
  db.recharge(target);
  client.integer(1);
}

function sismember(client: Client, argv: string[]): void {
  const set = readSet(client, argv[1]!);
  client.integer(set !== null && set.has(argv[2]!) ? 1 : 0);
}

function smismember(client: Client, argv: string[]): void {
  const set = readSet(client, argv[1]!);
  client.arrayLength(argv.length - 2);
  for (let i = 2; i < argv.length; i++) client.integer(set !== null && set.has(argv[i]!) ? 1 : 0);
}

function scard(client: Client, argv: string[]): void {
  client.integer(readSet(client, argv[1]!)?.size ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Random members

function spop(client: Client, argv: string[]): void {
  if (argv.length > 3) {
    client.error(Err.syntax);
    return;
  }
  if (argv.length === 3) {
    spopWithCount(client, argv[1]!, positiveLong(argv[2]!));
    return;
  }
  const entry = writeTyped(client, argv[1]!, ValueType.Set);
  if (entry === undefined) {
    client.nullBulk();
    return;
  }
  const member = setOfEntry(entry).popRandom();
  notify(client, NotifyFlag.set, 'spop', argv[1]!);
  client.bulk(member);
  dropIfEmpty(client, entry);
  client.server.dirty++;
}

/**
 * SPOP key count, with Redis's three cases: popping everything replies the set as a fresh
 * union (ascending when it is a small all-integer set) and deletes the key; popping few pops
 * one by one; popping most rebuilds the set from the members it keeps (which may turn a
 * hashtable back into an intset, as in Redis) and replies the rest in walk order.
 */
function spopWithCount(client: Client, key: string, count: number): void {
  const entry = writeTyped(client, key, ValueType.Set);
  if (entry === undefined || count === 0) {
    client.setLength(0);
    return;
  }
  const set = setOfEntry(entry);
  const size = set.size;
  notify(client, NotifyFlag.set, 'spop', key);
  client.server.dirty += Math.min(count, size);
  if (count >= size) {
    replyMembers(client, union([set], maxIntsetEntries(client)), true);
    client.db.remove(entry);
    notify(client, NotifyFlag.generic, 'del', key);
    return;
  }
  client.setLength(count);
  const remaining = size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    for (let i = 0; i < count; i++) client.bulk(set.popRandom());
  } else {
    const kept = distinctPositions(size, remaining);
    const survivors = setOf(kept.map((position) => set.at(position)), maxIntsetEntries(client));
    let next = 0;
    for (let i = 0; i < size; i++) {
      if (i === kept[next]) next++;
      else client.bulk(set.at(i));
    }
    entry.value = survivors;
  }
  client.db.recharge(entry);
}

/** SRANDMEMBER key [count]: a positive count gives distinct members, a negative one may repeat. */
function srandmember(client: Client, argv: string[]): void {
  if (argv.length > 3) {
    client.error(Err.syntax);
    return;
  }
  if (argv.length === 2) {
    const set = readSet(client, argv[1]!);
    if (set === null) client.nullBulk();
    else client.bulk(set.random());
    return;
  }
  const requested = Number(longInRange(argv[2]!, -LONG_MAX, LONG_MAX));
  const set = readSet(client, argv[1]!);
  const count = Math.abs(requested);
  if (set === null || count === 0) {
    client.emptyArray();
    return;
  }
  if (requested < 0 || count === 1) {
    client.arrayLength(count);
    for (let i = 0; i < count; i++) client.bulk(set.random());
  } else if (count >= set.size) {
    replyMembers(client, set, false);
  } else {
    client.arrayLength(count);
    for (const position of distinctPositions(set.size, count)) client.bulk(set.at(position));
  }
}

// ---------------------------------------------------------------------------------------------
// Intersection, union, difference

/** The sets at keys (null for a missing key), looked up in order; WRONGTYPE abandons the command. */
function readSets(client: Client, argv: readonly string[], first: number, end = argv.length): (RedisSet | null)[] {
  const sets: (RedisSet | null)[] = [];
  for (let i = first; i < end; i++) sets.push(readSet(client, argv[i]!));
  return sets;
}

/**
 * sinterGenericCommand's walk: the members of the smallest set (ties keep key order) found in
 * every other set, in that set's walk order; stops after `limit` members when limit > 0.
 */
function intersection(sets: readonly RedisSet[], limit = 0): string[] {
  const bySize = sets.slice().sort((a, b) => a.size - b.size);
  const smallest = bySize[0]!;
  const found: string[] = [];
  for (let i = 0; i < smallest.size; i++) {
    const member = smallest.at(i);
    let everywhere = true;
    for (let j = 1; j < bySize.length && everywhere; j++) everywhere = bySize[j] === smallest || bySize[j]!.has(member);
    if (!everywhere) continue;
    found.push(member);
    if (found.length === limit) break;
  }
  return found;
}

/** A missing key makes every intersection empty. */
function allPresent(sets: (RedisSet | null)[]): sets is RedisSet[] {
  return !sets.includes(null);
}

/** SINTER key [key …] and SMEMBERS key. */
function sinter(client: Client, argv: string[]): void {
  const sets = readSets(client, argv, 1);
  if (!allPresent(sets)) {
    client.setLength(0);
    return;
  }
  const members = intersection(sets);
  client.setLength(members.length);
  for (const member of members) client.bulk(member);
}

/** SINTERCARD numkeys key [key …] [LIMIT limit] */
function sintercard(client: Client, argv: string[]): void {
  const numkeys = Number(longInRange(argv[1]!, 1n, LONG_MAX, 'ERR numkeys should be greater than 0'));
  if (numkeys > argv.length - 2) {
    client.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i++) {
    if (argv[i]!.toLowerCase() === 'limit' && i + 1 < argv.length) {
      limit = positiveLong(argv[++i]!, "ERR LIMIT can't be negative");
    } else {
      client.error(Err.syntax);
      return;
    }
  }
  const sets = readSets(client, argv, 2, 2 + numkeys);
  client.integer(allPresent(sets) ? intersection(sets, limit).length : 0);
}

function sinterstore(client: Client, argv: string[]): void {
  const sets = readSets(client, argv, 2);
  const result = allPresent(sets) ? setOf(intersection(sets), maxIntsetEntries(client)) : new RedisSet();
  storeResult(client, argv[1]!, result, 'sinterstore');
}

/** Redis's union: every member of every set added to a fresh set, in key order. */
function union(sets: readonly (RedisSet | null)[], maxIntset: number): RedisSet {
  const result = new RedisSet();
  for (const set of sets) {
    if (set === null) continue;
    for (let i = 0; i < set.size; i++) result.add(set.at(i), maxIntset);
  }
  return result;
}

/**
 * Redis's difference, with its choice of algorithm: (1) keep the members of the first set no
 * other set has, or (2) add the whole first set then remove the others' members. The choice
 * shows in the result's encoding (algorithm 2 may have turned it into a hashtable on the way).
 */
function difference(sets: readonly (RedisSet | null)[], maxIntset: number): RedisSet {
  const result = new RedisSet();
  const first = sets[0];
  if (first == null || sets.some((set, i) => i > 0 && set === first)) return result;
  let algorithmOneWork = 0;
  let algorithmTwoWork = 0;
  for (const set of sets) {
    if (set === null) continue;
    algorithmOneWork += first.size;
    algorithmTwoWork += set.size;
  }
  const others = sets.slice(1).filter((set): set is RedisSet => set !== null);
  if (Math.floor(algorithmOneWork / 2) <= algorithmTwoWork) {
    for (let i = 0; i < first.size; i++) {
      const member = first.at(i);
      if (!others.some((set) => set.has(member))) result.add(member, maxIntset);
    }
    return result;
  }
  for (let i = 0; i < first.size; i++) result.add(first.at(i), maxIntset);
  for (const set of others) {
    for (let i = 0; i < set.size && result.size > 0; i++) result.remove(set.at(i));
    if (result.size === 0) break;
  }
  return result;
}

function sunion(client: Client, argv: string[]): void {
  replyMembers(client, union(readSets(client, argv, 1), maxIntsetEntries(client)), true);
}

function sunionstore(client: Client, argv: string[]): void {
  storeResult(client, argv[1]!, union(readSets(client, argv, 2), maxIntsetEntries(client)), 'sunionstore');
}

function sdiff(client: Client, argv: string[]): void {
  replyMembers(client, difference(readSets(client, argv, 1), maxIntsetEntries(client)), true);
}

function sdiffstore(client: Client, argv: string[]): void {
  storeResult(client, argv[1]!, difference(readSets(client, argv, 2), maxIntsetEntries(client)), 'sdiffstore');
}

/**
 * The *STORE ending: a non-empty result replaces the destination (TTL cleared) and publishes
 * `event`, an empty one deletes it ("del"). Redis replies before notifying here.
 */
function storeResult(client: Client, destination: string, result: RedisSet, event: string): void {
  client.integer(result.size);
  if (result.size > 0) {
    client.db.set(destination, ValueType.Set, result);
    notify(client, NotifyFlag.set, event, destination);
    client.server.dirty++;
  } else if (client.db.delete(destination)) {
    notify(client, NotifyFlag.generic, 'del', destination);
    client.server.dirty++;
  }
}

// ---------------------------------------------------------------------------------------------
// SSCAN

/** An intset answers in one page, ascending, with cursor 0; a hashtable is walked like the keyspace. */
function sscan(client: Client, argv: string[]): void {
  const scan = beginElementScan(client, argv, ValueType.Set);
  if (scan === null) return;
  const set = setOfEntry(scan.entry);
  const members: string[] = [];
  if (set.encoding === 'intset') {
    for (let i = 0; i < set.size; i++) collectMatching(members, scan.pattern, set.at(i));
    replyScanPage(client, 0, members);
    return;
  }
  const window = scanWindow(set.size, scan.cursor, scan.count);
  for (let i = window.end - 1; i >= window.start; i--) collectMatching(members, scan.pattern, set.at(i));
  replyScanPage(client, window.start, members);
}

function collectMatching(out: string[], pattern: string | null, member: string): void {
  if (pattern === null || globMatch(pattern, member)) out.push(member);
}

export const setCommands: CommandFamily = {
  handlers: {
    sadd,
    srem,
    smove,
    sismember,
    smismember,
    scard,
    smembers: sinter,
    spop,
    srandmember,
    sinter,
    sintercard,
    sinterstore,
    sunion,
    sunionstore,
    sdiff,
    sdiffstore,
    sscan,
  },
};
