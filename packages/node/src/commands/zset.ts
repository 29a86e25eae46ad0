import { ValueType, type Entry } from '../keyspace/entry.js';
import { globMatch } from '../keyspace/glob.js';
import { scanWindow } from '../keyspace/scan.js';
import { Err, ReplyError } from '../protocol/errors.js';
import { formatDouble17g } from '../protocol/format.js';
import { blockingTimeout, type KeyWaiter } from '../server/blocking.js';
import type { Client } from '../server/client.js';
import { distinctPositions } from '../types/sampling.js';
import type { RedisSet } from '../types/set.js';
import { parseRangeDouble } from '../types/strtod.js';
import { SortedSet, gteMin, lexGteMin, lexLteMax, lteMax, type LexBound, type LexRange, type ScoreRange, type ZNode } from '../types/zset.js';
import { floatArgument, integerArgument, LONG_MAX, longInRange, positiveLong, rangeArgument } from './arguments.js';
import { beginElementScan, replyScanPage } from './element-scan.js';
import { lookupRead, readTyped, writeTyped } from './lookup.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import type { CommandFamily } from './table.js';

/**
 * The SORTED SET family (t_zset.c). Values are SortedSet (types/zset.ts), which also records the
 * encoding Redis would use (listpack below zset-max-listpack-entries/-value, skiplist beyond,
 * one-way except for the results of the *STORE commands, rebuilt as Redis rebuilds them).
 * Scores are replied with `double()` (%.17g, a RESP3 double); WITHSCORES replies are flat in
 * RESP2 and [member, score] pairs in RESP3, as Redis 7.0 does.
 */

// ---------------------------------------------------------------------------------------------
// Values, encodings, storage

const NAN_SCORE = 'ERR resulting score is not a number (NaN)';
const NOT_FLOAT_RANGE = 'ERR min or max is not a float';
const NOT_LEX_RANGE = 'ERR min or max not valid string range item';

/** zset-max-listpack-entries / -value, read per command as Redis reads server.* */
export interface ListpackLimits {
  entries: number;
  value: number;
}

export function listpackLimits(client: Client): ListpackLimits {
  const config = client.server.config;
  return { entries: config.int('zset-max-listpack-entries'), value: config.int('zset-max-listpack-value') };
}

export function zsetOf(entry: Entry): SortedSet {
  return entry.value as SortedSet;
}

/** ZADD's new set: a skiplist when listpacks are off or the first member is already too long. */
export function newZset(limits: ListpackLimits, firstMemberLength: number): SortedSet {
  return new SortedSet(limits.entries === 0 || limits.value < firstMemberLength ? 'skiplist' : 'listpack');
}

/** zsetAdd's encoding step: a listpack turns into a skiplist before a member that would not fit. */
export function addMember(zset: SortedSet, member: string, score: number, limits: ListpackLimits): boolean {
  if (zset.encoding === 'listpack' && zset.node(member) === undefined) {
    if (zset.size + 1 > limits.entries || member.length > limits.value) zset.encoding = 'skiplist';
  }
  return zset.set(member, score);
}

/** A new key holding a zset: blocked BZPOP* clients may be served from it. */
function createKey(client: Client, key: string, zset: SortedSet): Entry {
  const entry = client.db.set(key, ValueType.ZSet, zset);
  client.server.blocking.signalKeyReady(client.db, key);
  return entry;
}

/**
 * setKey / dbDelete of the *STORE commands: a non-empty result replaces the destination (TTL
 * dropped), replies its size and publishes `event` (the command's zset event, e.g. "zunionstore";
 * callers that have not passed theirs yet publish nothing); an empty one deletes it (publishing
 * "del" when it existed) and replies 0. One dirty per change.
 */
export function storeResult(client: Client, key: string, zset: SortedSet, event?: string): void {
  if (zset.size > 0) {
    createKey(client, key, zset);
    client.integer(zset.size);
    if (event !== undefined) notify(client, NotifyFlag.zset, event, key);
    client.server.dirty++;
    return;
  }
  client.integer(0);
  if (client.db.delete(key)) {
    notify(client, NotifyFlag.generic, 'del', key);
    client.server.dirty++;
  }
}

/**
 * After removing members: publishes `event`, then the key goes with its last member (with its
 * "del" event), otherwise its memory is recounted.
 */
function membersRemoved(client: Client, entry: Entry, event: string): void {
  notify(client, NotifyFlag.zset, event, entry.key);
  if (zsetOf(entry).size === 0) {
    client.db.remove(entry);
    notify(client, NotifyFlag.generic, 'del', entry.key);
  } else client.db.recharge(entry);
}

/** zsetConvertToListpackIfNeeded, for results built as skiplists. */
function shrinkIfSmall(zset: SortedSet, limits: ListpackLimits, maxMemberLength: number): void {
  if (zset.size <= limits.entries && maxMemberLength <= limits.value) zset.encoding = 'listpack';
}

// ---------------------------------------------------------------------------------------------
// Replies

/** Members (and scores): flat in RESP2, [member, score] pairs in RESP3. */
function replyNodes(client: Client, nodes: readonly ZNode[], withScores: boolean): void {
  const nested = withScores && client.resp === 3;
  client.arrayLength(withScores && !nested ? nodes.length * 2 : nodes.length);
  for (const node of nodes) {
    if (nested) client.arrayLength(2);
    client.bulk(node.member);
    if (withScores) client.double(node.score);
  }
}

/** d2string: how a listpack stores a score (integers print as integers, others %.17g). */
function listpackScoreText(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) <= 4611686018427387903 && !Object.is(score, -0)) {
    return BigInt(score).toString();
  }
  return formatDouble17g(score);
}

// ---------------------------------------------------------------------------------------------
// ZADD, ZINCRBY

const enum AddFlag {
  NX = 1,
  XX = 2,
  GT = 4,
  LT = 8,
  INCR = 16,
  CH = 32,
}

const ADD_OPTIONS: Record<string, AddFlag> = { nx: AddFlag.NX, xx: AddFlag.XX, gt: AddFlag.GT, lt: AddFlag.LT, incr: AddFlag.INCR, ch: AddFlag.CH };

/** zaddGenericCommand: ZADD, and ZINCRBY as ZADD with INCR (it reads options the same way). */
function zaddGeneric(client: Client, argv: string[], flags: number): void {
  let first = 2;
  for (; first < argv.length; first++) {
    const option = ADD_OPTIONS[argv[first]!.toLowerCase()];
    if (option === undefined) break;
    flags |= option;
  }
  const pairs = argv.length - first;
  if (pairs % 2 !== 0 || pairs === 0) {
    client.error(Err.syntax);
    return;
  }
  const nx = (flags & AddFlag.NX) !== 0;
  const xx = (flags & AddFlag.XX) !== 0;
  const gt = (flags & AddFlag.GT) !== 0;
  const lt = (flags & AddFlag.LT) !== 0;
  const incr = (flags & AddFlag.INCR) !== 0;
  if (nx && xx) {
    client.error('ERR XX and NX options at the same time are not compatible');
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    client.error('ERR GT, LT, and/or NX options at the same time are not compatible');
    return;
  }
  if (incr && pairs > 2) {
    client.error('ERR INCR option supports a single increment-element pair');
    return;
  }
  const scores: number[] = [];
  for (let i = first; i < argv.length; i += 2) scores.push(floatArgument(argv[i]!));

  const key = argv[1]!;
  let entry = writeTyped(client, key, ValueType.ZSet);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (entry !== undefined || !xx) {
    const limits = listpackLimits(client);
    const zset = entry !== undefined ? zsetOf(entry) : newZset(limits, argv[first + 1]!.length);
    for (let j = 0; j < scores.length; j++) {
      const member = argv[first + 1 + 2 * j]!;
      score = scores[j]!;
      const current = zset.score(member);
      if (current === undefined) {
        if (xx) continue;
        addMember(zset, member, score, limits);
        added++;
        processed++;
        continue;
      }
      if (nx) continue;
      if (incr) {
        score += current;
        if (Number.isNaN(score)) {
          finishAdd(client, key, entry, zset, added + updated);
          client.error(NAN_SCORE);
          return;
        }
      }
      if ((lt && score >= current) || (gt && score <= current)) continue;
      processed++;
      if (score !== current) {
        zset.set(member, score);
        updated++;
      }
    }
    entry = finishAdd(client, key, entry, zset, added + updated);
  }
  if (incr) {
    if (processed > 0) client.double(score);
    else client.nullBulk();
  } else client.integer((flags & AddFlag.CH) !== 0 ? added + updated : added);
  notifyAdded(client, key, added + updated, incr);
}

/** ZADD's event, after its reply: "zincr" or "zadd" when some member was added or changed. */
function notifyAdded(client: Client, key: string, changes: number, incr: boolean): void {
  if (changes > 0) notify(client, NotifyFlag.zset, incr ? 'zincr' : 'zadd', key);
}

/** Stores a new set (Redis created it before adding, so it exists even when nothing was added). */
function finishAdd(client: Client, key: string, entry: Entry | undefined, zset: SortedSet, changes: number): Entry {
  client.server.dirty += changes;
  if (entry === undefined) return createKey(client, key, zset);
  client.db.recharge(entry);
  return entry;
}

function zadd(client: Client, argv: string[]): void {
  zaddGeneric(client, argv, 0);
}

function zincrby(client: Client, argv: string[]): void {
  zaddGeneric(client, argv, AddFlag.INCR);
}

// ---------------------------------------------------------------------------------------------
// Members

function zrem(client: Client, argv: string[]): void {
  const entry = writeTyped(client, argv[1]!, ValueType.ZSet);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const zset = zsetOf(entry);
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (zset.delete(argv[i]!)) deleted++;
    if (zset.size === 0) break;
  }
  if (deleted > 0) membersRemoved(client, entry, 'zrem');
  client.server.dirty += deleted;
  client.integer(deleted);
}

function zcard(client: Client, argv: string[]): void {
  const entry = readTyped(client, argv[1]!, ValueType.ZSet);
  client.integer(entry === undefined ? 0 : zsetOf(entry).size);
}

function zscore(client: Client, argv: string[]): void {
  const entry = readTyped(client, argv[1]!, ValueType.ZSet);
  const score = entry === undefined ? undefined : zsetOf(entry).score(argv[2]!);
  if (score === undefined) client.nullBulk();
  else client.double(score);
}

function zmscore(client: Client, argv: string[]): void {
  const entry = readTyped(client, argv[1]!, ValueType.ZSet);
  client.arrayLength(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = entry === undefined ? undefined : zsetOf(entry).score(argv[i]!);
    if (score === undefined) client.nullBulk();
    else client.double(score);
  }
}

function zrankGeneric(client: Client, argv: string[], reverse: boolean): void {
  const entry = readTyped(client, argv[1]!, ValueType.ZSet);
  const rank = entry === undefined ? -1 : zsetOf(entry).rank(argv[2]!, reverse);
  if (rank < 0) client.nullBulk();
  else client.integer(rank);
}

function zrank(client: Client, argv: string[]): void {
  zrankGeneric(client, argv, false);
}

function zrevrank(client: Client, argv: string[]): void {
  zrankGeneric(client, argv, true);
}

// ---------------------------------------------------------------------------------------------
// Ranges

/** zslParseRange: "(" makes a bound exclusive; the rest is read by strtod. */
function parseScoreRange(minText: string, maxText: string): ScoreRange {
  const minex = minText.charCodeAt(0) === 40; // '('
  const maxex = maxText.charCodeAt(0) === 40;
  const min = parseRangeDouble(minex ? minText.slice(1) : minText);
  const max = parseRangeDouble(maxex ? maxText.slice(1) : maxText);
  if (min === null || max === null) throw new ReplyError(NOT_FLOAT_RANGE);
  return { min, max, minex, maxex };
}

/** zslParseLexRangeItem: "-", "+", "(value" or "[value" (C strings: a NUL ends "-"/"+"). */
function parseLexBound(text: string): LexBound | null {
  const first = text.charCodeAt(0);
  const alone = text.length === 1 || text.charCodeAt(1) === 0;
  if (first === 43) return alone ? { kind: 'max' } : null; // '+'
  if (first === 45) return alone ? { kind: 'min' } : null; // '-'
  if (first === 40 || first === 91) return { kind: 'value', value: text.slice(1), exclusive: first === 40 };
  return null;
}

function parseLexRange(minText: string, maxText: string): LexRange {
  const min = parseLexBound(minText);
  const max = parseLexBound(maxText);
  if (min === null || max === null) throw new ReplyError(NOT_LEX_RANGE);
  return { min, max };
}

/** The nodes between two 0-based ranks (negative from the end), in reply order. */
function nodesByRank(zset: SortedSet, start: number, end: number, reverse: boolean): ZNode[] {
  const length = zset.size;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) return [];
  if (end >= length) end = length - 1;
  const nodes = new Array<ZNode>(end - start + 1);
  let x = reverse ? zset.at(length - 1 - start) : zset.at(start);
  for (let i = 0; i < nodes.length; i++) {
    nodes[i] = x!;
    x = reverse ? x!.prev : x!.next[0]!;
  }
  return nodes;
}

interface Window {
  offset: number;
  /** Negative: no limit (Redis counts it down without ever reaching 0). */
  limit: number;
}

const WHOLE: Window = { offset: 0, limit: -1 };

/**
 * Walks from `start` in reply order, skipping `offset` nodes (a negative offset, like Redis's
 * `while (offset--)`, skips everything), collecting up to `limit` while `inRange` holds.
 */
function walkRange(start: ZNode | null, reverse: boolean, window: Window, inRange: (node: ZNode) => boolean): ZNode[] {
  let x = start;
  let { offset, limit } = window;
  while (x !== null && offset-- !== 0) x = reverse ? x.prev : x.next[0]!;
  const nodes: ZNode[] = [];
  while (x !== null && limit-- !== 0) {
    if (!inRange(x)) break;
    nodes.push(x);
    x = reverse ? x.prev : x.next[0]!;
  }
  return nodes;
}

export function nodesByScore(zset: SortedSet, range: ScoreRange, reverse: boolean, window: Window): ZNode[] {
  if (window.offset > 0 && window.offset >= zset.size) return [];
  const start = reverse ? zset.lastInScore(range) : zset.firstInScore(range);
  return walkRange(start, reverse, window, reverse ? (x) => gteMin(x.score, range) : (x) => lteMax(x.score, range));
}

function nodesByLex(zset: SortedSet, range: LexRange, reverse: boolean, window: Window): ZNode[] {
  const start = reverse ? zset.lastInLex(range) : zset.firstInLex(range);
  return walkRange(start, reverse, window, reverse ? (x) => lexGteMin(x.member, range) : (x) => lexLteMax(x.member, range));
}

type RangeKind = 'rank' | 'score' | 'lex';

/**
 * zrangeGenericCommand: ZRANGE and its older forms, and ZRANGESTORE (`destination` set). The
 * arguments after <key> <min> <max> are read first, then the range, then the key.
 */
function zrangeGeneric(
  client: Client,
  argv: string[],
  keyIndex: number,
  destination: string | null,
  fixedKind: RangeKind | null,
  fixedReverse: boolean | null,
): void {
  let kind = fixedKind;
  let reverse = fixedReverse;
  let withScores = false;
  let window: Window | null = null;
  for (let j = keyIndex + 3; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    if (destination === null && option === 'withscores') withScores = true;
    else if (option === 'limit' && argv.length - j - 1 >= 2) {
      window = { offset: rangeArgument(argv[j + 1]!), limit: rangeArgument(argv[j + 2]!) };
      j += 2;
    } else if (reverse === null && option === 'rev') reverse = true;
    else if (fixedKind === null && kind === null && option === 'bylex') kind = 'lex';
    else if (fixedKind === null && kind === null && option === 'byscore') kind = 'score';
    else {
      client.error(Err.syntax);
      return;
    }
  }
  kind ??= 'rank';
  reverse ??= false;
  if (window !== null && kind === 'rank') {
    client.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return;
  }
  if (withScores && kind === 'lex') {
    client.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return;
  }
  // BYSCORE and BYLEX ranges in reverse are given as <max> <min>.
  const swap = reverse && kind !== 'rank';
  const minText = argv[keyIndex + (swap ? 2 : 1)]!;
  const maxText = argv[keyIndex + (swap ? 1 : 2)]!;
  let select: (zset: SortedSet) => ZNode[];
  if (kind === 'rank') {
    const start = rangeArgument(minText);
    const end = rangeArgument(maxText);
    select = (zset) => nodesByRank(zset, start, end, reverse);
  } else if (kind === 'score') {
    const range = parseScoreRange(minText, maxText);
    select = (zset) => nodesByScore(zset, range, reverse, window ?? WHOLE);
  } else {
    const range = parseLexRange(minText, maxText);
    select = (zset) => nodesByLex(zset, range, reverse, window ?? WHOLE);
  }

  const entry = lookupRead(client, argv[keyIndex]!);
  if (entry === undefined) {
    if (destination !== null) storeResult(client, destination, new SortedSet('listpack'), 'zrangestore');
    else client.emptyArray();
    return;
  }
  if (entry.type !== ValueType.ZSet) throw new ReplyError(Err.wrongType);
  const nodes = select(zsetOf(entry));
  if (destination === null) {
    replyNodes(client, nodes, withScores);
    return;
  }
  // zrangeResultBeginStore: a rank range knows its length up front, the others start as listpack.
  const limits = listpackLimits(client);
  const result = new SortedSet(kind === 'rank' && nodes.length > limits.entries ? 'skiplist' : 'listpack');
  for (const node of nodes) addMember(result, node.member, node.score, limits);
  storeResult(client, destination, result, 'zrangestore');
}

function zrange(client: Client, argv: string[]): void {
  zrangeGeneric(client, argv, 1, null, null, null);
}

function zrangestore(client: Client, argv: string[]): void {
  zrangeGeneric(client, argv, 2, argv[1]!, null, null);
}

function zrevrange(client: Client, argv: string[]): void {
  zrangeGeneric(client, argv, 1, null, 'rank', true);
}

function zrangebyscore(client: Client, argv: string[]): void {
  zrangeGeneric(client, argv, 1, null, 'score', false);
}

function zrevrangebyscore(client: Client, argv: string[]): void {
  zrangeGeneric(client, argv, 1, null, 'score', true);
}

function zrangebylex(client: Client, argv: string[]): void {
  zrangeGeneric(client, argv, 1, null, 'lex', false);
}

function zrevrangebylex(client: Client, argv: string[]): void {
  zrangeGeneric(client, argv, 1, null, 'lex', true);
}

/** Members between the first and last node of a range, from their ranks (zslGetRank). */
function countBetween(zset: SortedSet, first: ZNode | null, last: ZNode | null): number {
  if (first === null) return 0;
  let count = zset.size - zset.rankOf(first);
  if (last !== null) count -= zset.size - 1 - zset.rankOf(last);
  return count;
}

function zcount(client: Client, argv: string[]): void {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  const entry = readTyped(client, argv[1]!, ValueType.ZSet);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const zset = zsetOf(entry);
  client.integer(countBetween(zset, zset.firstInScore(range), zset.lastInScore(range)));
}

function zlexcount(client: Client, argv: string[]): void {
  const range = parseLexRange(argv[2]!, argv[3]!);
  const entry = readTyped(client, argv[1]!, ValueType.ZSet);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const zset = zsetOf(entry);
  // A listpack counts forward from the first match; a skiplist subtracts ranks.
  if (zset.encoding === 'listpack') client.integer(nodesByLex(zset, range, false, WHOLE).length);
  else client.integer(countBetween(zset, zset.firstInLex(range), zset.lastInLex(range)));
}

const REMRANGE_EVENTS: Record<RangeKind, string> = { rank: 'zremrangebyrank', score: 'zremrangebyscore', lex: 'zremrangebylex' };

/** zremrangeGenericCommand: the range is parsed before the key is looked up. */
function zremrangeGeneric(client: Client, argv: string[], kind: RangeKind): void {
  let select: (zset: SortedSet) => ZNode[];
  if (kind === 'rank') {
    const start = rangeArgument(argv[2]!);
    const end = rangeArgument(argv[3]!);
    select = (zset) => nodesByRank(zset, start, end, false);
  } else if (kind === 'score') {
    const range = parseScoreRange(argv[2]!, argv[3]!);
    select = (zset) => walkRange(zset.firstInScore(range), false, WHOLE, (x) => lteMax(x.score, range));
  } else {
    const range = parseLexRange(argv[2]!, argv[3]!);
    select = (zset) => nodesByLex(zset, range, false, WHOLE);
  }
  const entry = writeTyped(client, argv[1]!, ValueType.ZSet);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const zset = zsetOf(entry);
  const nodes = select(zset);
  for (const node of nodes) zset.deleteNode(node);
  if (nodes.length > 0) membersRemoved(client, entry, REMRANGE_EVENTS[kind]);
  client.server.dirty += nodes.length;
  client.integer(nodes.length);
}

function zremrangebyrank(client: Client, argv: string[]): void {
  zremrangeGeneric(client, argv, 'rank');
}

function zremrangebyscore(client: Client, argv: string[]): void {
  zremrangeGeneric(client, argv, 'score');
}

function zremrangebylex(client: Client, argv: string[]): void {
  zremrangeGeneric(client, argv, 'lex');
}

// ---------------------------------------------------------------------------------------------
// Pops, blocking pops

const enum Reply {
  /** ZPOPMIN key: member, score, … */
  Flat,
  /** ZPOPMIN key count in RESP3: [member, score] pairs. */
  Nested,
  /** BZPOPMIN: key, member, score. */
  FlatWithKey,
  /** ZMPOP/BZMPOP: [key, [[member, score], …]]. */
  NestedWithKey,
}

/**
 * genericZpopCommand on one zset: removes up to `count` members from the low (or high) end
 * (count -1: one) and replies in `shape`.
 */
function popFrom(client: Client, entry: Entry, max: boolean, count: number, shape: Reply): void {
  const zset = zsetOf(entry);
  const n = Math.min(count === -1 ? 1 : count, zset.size);
  const nodes = new Array<ZNode>(n);
  for (let i = 0; i < n; i++) {
    const node = max ? zset.last! : zset.first!;
    zset.deleteNode(node);
    nodes[i] = node;
  }
  client.server.dirty += n;
  const nested = shape === Reply.Nested || shape === Reply.NestedWithKey;
  if (shape === Reply.Flat) client.arrayLength(n * 2);
  else if (shape === Reply.Nested) client.arrayLength(n);
  else if (shape === Reply.FlatWithKey) {
    client.arrayLength(n * 2 + 1);
    client.bulk(entry.key);
  } else {
    client.arrayLength(2);
    client.bulk(entry.key);
    client.arrayLength(n);
  }
  for (const node of nodes) {
    if (nested) client.arrayLength(2);
    client.bulk(node.member);
    client.double(node.score);
  }
  // One event per call, published after the whole reply.
  membersRemoved(client, entry, max ? 'zpopmax' : 'zpopmin');
}

/** The first of `keys` holding a zset (lookupKeyWrite; another type is WRONGTYPE). */
function firstZset(client: Client, keys: readonly string[]): Entry | undefined {
  for (const key of keys) {
    const entry = writeTyped(client, key, ValueType.ZSet);
    if (entry !== undefined) return entry;
  }
  return undefined;
}

function zpopGeneric(client: Client, argv: string[], max: boolean): void {
  if (argv.length > 3) {
    client.error(Err.syntax);
    return;
  }
  const count = argv.length === 3 ? positiveLong(argv[2]!) : -1;
  const entry = writeTyped(client, argv[1]!, ValueType.ZSet);
  if (entry === undefined || count === 0) {
    client.emptyArray();
    return;
  }
  popFrom(client, entry, max, count, client.resp === 3 && count !== -1 ? Reply.Nested : Reply.Flat);
}

function zpopmin(client: Client, argv: string[]): void {
  zpopGeneric(client, argv, false);
}

function zpopmax(client: Client, argv: string[]): void {
  zpopGeneric(client, argv, true);
}

/** ZMPOP/BZMPOP arguments: numkeys key… MIN|MAX [COUNT count]. */
interface MultiPop {
  keys: string[];
  max: boolean;
  count: number;
}

function parseMultiPop(argv: readonly string[], numkeysIndex: number): MultiPop {
  const numkeys = Number(longInRange(argv[numkeysIndex]!, 1n, LONG_MAX, 'ERR numkeys should be greater than 0'));
  const whereIndex = numkeysIndex + numkeys + 1;
  if (whereIndex >= argv.length) throw new ReplyError(Err.syntax);
  const where = argv[whereIndex]!.toLowerCase();
  if (where !== 'min' && where !== 'max') throw new ReplyError(Err.syntax);
  let count = -1;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && j + 1 < argv.length) {
      count = Number(longInRange(argv[++j]!, 1n, LONG_MAX, 'ERR count should be greater than 0'));
    } else throw new ReplyError(Err.syntax);
  }
  return { keys: argv.slice(numkeysIndex + 1, whereIndex), max: where === 'max', count: count === -1 ? 1 : count };
}

function zmpop(client: Client, argv: string[]): void {
  const { keys, max, count } = parseMultiPop(argv, 1);
  const entry = firstZset(client, keys);
  if (entry === undefined) client.nullArray();
  else popFrom(client, entry, max, count, Reply.NestedWithKey);
}

/** Served when a key a BZPOPMIN/BZPOPMAX/BZMPOP client waits on gets a zset. */
const ZSET_WAITER: KeyWaiter = {
  type: ValueType.ZSet,
  serve(client, argv, _key, entry) {
    const name = argv[0]!.toLowerCase();
    if (name === 'bzmpop') {
      const { max, count } = parseMultiPop(argv, 2);
      popFrom(client, entry, max, count, Reply.NestedWithKey);
    } else popFrom(client, entry, name === 'bzpopmax', -1, Reply.FlatWithKey);
  },
};

function replyTimedOut(client: Client): void {
  client.nullArray();
}

/** blockingGenericZpopCommand: the timeout is read first, then the keys in order. */
function blockingPop(client: Client, keys: readonly string[], timeoutText: string, pop: (entry: Entry) => void): void {
  const timeoutAt = blockingTimeout(timeoutText, client.server.clock.ms);
  const entry = firstZset(client, keys);
  if (entry !== undefined) pop(entry);
  else client.server.blocking.block(client, keys, timeoutAt, replyTimedOut, ZSET_WAITER);
}

function bzpopmin(client: Client, argv: string[]): void {
  blockingPop(client, argv.slice(1, -1), argv[argv.length - 1]!, (entry) => popFrom(client, entry, false, -1, Reply.FlatWithKey));
}

function bzpopmax(client: Client, argv: string[]): void {
  blockingPop(client, argv.slice(1, -1), argv[argv.length - 1]!, (entry) => popFrom(client, entry, true, -1, Reply.FlatWithKey));
}

function bzmpop(client: Client, argv: string[]): void {
  const { keys, max, count } = parseMultiPop(argv, 2);
  blockingPop(client, keys, argv[1]!, (entry) => popFrom(client, entry, max, count, Reply.NestedWithKey));
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

/** WITHSCORES counts are capped so the doubled reply length cannot overflow a long. */
const HALF_LONG = 4611686018427387903n;

function zrandmember(client: Client, argv: string[]): void {
  if (argv.length < 3) {
    const entry = readTyped(client, argv[1]!, ValueType.ZSet);
    if (entry === undefined) client.nullBulk();
    else client.bulk(zsetOf(entry).randomNode().member);
    return;
  }
  const requested = longInRange(argv[2]!, -LONG_MAX, LONG_MAX);
  if (argv.length > 4 || (argv.length === 4 && argv[3]!.toLowerCase() !== 'withscores')) {
    client.error(Err.syntax);
    return;
  }
  const withScores = argv.length === 4;
  if (withScores && (requested < -HALF_LONG || requested > HALF_LONG)) {
    client.error('ERR value is out of range');
    return;
  }
  const entry = readTyped(client, argv[1]!, ValueType.ZSet);
  if (entry === undefined || requested == 0) {
    client.emptyArray();
    return;
  }
  const zset = zsetOf(entry);
  const size = zset.size;
  const count = Number(requested < 0 ? -requested : requested);
  let nodes: ZNode[];
  if (requested < 0 || count === 1) {
    // With repetitions: independent picks (the reply may be huge: Redis streams it the same way).
    nodes = Array.from({ length: count }, () => zset.randomNode());
  } else if (count >= size) {
    // The whole set, as Redis's zset iterator walks it: from the highest score down.
    nodes = nodesByRank(zset, 0, -1, true);
  } else if (zset.encoding === 'listpack' || count * 3 > size) {
    // Redis returns these in listpack order (or its dict's order, which is unspecified).
    nodes = distinctPositions(size, count).map((rank) => zset.at(rank)!);
  } else {
    nodes = distinctPositions(size, count).map((position) => zset.nodeAt(position));
  }
  replyNodes(client, nodes, withScores);
}

// ---------------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF (+STORE), ZINTERCARD

/** One input of a set operation: a zset, or a set whose members all score 1. */
interface Source {
  value: SortedSet | RedisSet | null;
  size: number;
  weight: number;
}

function scoreIn(source: Source, member: string): number | undefined {
  const value = source.value;
  if (value === null) return undefined;
  if (value instanceof SortedSet) return value.score(member);
  return value.has(member) ? 1 : undefined;
}

/** Visits every (member, score) of a source: a zset in order, a set in its walk order. */
function forEachIn(source: Source, visit: (member: string, score: number) => boolean | void): void {
  const value = source.value;
  if (value === null) return;
  if (value instanceof SortedSet) {
    for (let x = value.first; x !== null; x = x.next[0]!) if (visit(x.member, x.score) === false) return;
  } else {
    for (let i = 0; i < value.size; i++) if (visit(value.at(i), 1) === false) return;
  }
}

const enum SetOp {
  Union,
  Inter,
  Diff,
}

const enum Aggregate {
  Sum,
  Min,
  Max,
}

function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === Aggregate.Sum) {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum; // inf + -inf: Redis keeps 0
  }
  if (how === Aggregate.Min) return value < target ? value : target;
  return value > target ? value : target;
}

const STORE_EVENTS: Record<SetOp, string> = { [SetOp.Union]: 'zunionstore', [SetOp.Inter]: 'zinterstore', [SetOp.Diff]: 'zdiffstore' };

/** zunionInterDiffGenericCommand: `destination` for the *STORE forms, `cardinalityOnly` for ZINTERCARD. */
function setOperation(client: Client, argv: string[], numkeysIndex: number, op: SetOp, destination: string | null, cardinalityOnly = false): void {
  const setnum = Number(integerArgument(argv[numkeysIndex]!));
  if (setnum < 1) {
    client.error(`ERR at least 1 input key is needed for '${argv[0]!.toLowerCase()}' command`);
    return;
  }
  if (setnum > argv.length - (numkeysIndex + 1)) {
    client.error(Err.syntax);
    return;
  }
  const sources: Source[] = [];
  let j = numkeysIndex + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const entry = lookupRead(client, argv[j]!);
    let value: SortedSet | RedisSet | null = null;
    if (entry !== undefined) {
      if (entry.type !== ValueType.ZSet && entry.type !== ValueType.Set) {
        client.error(Err.wrongType);
        return;
      }
      value = entry.value as SortedSet | RedisSet;
    }
    sources.push({ value, size: value === null ? 0 : value.size, weight: 1 });
  }

  let how = Aggregate.Sum;
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const option = argv[j]!.toLowerCase();
    if (op !== SetOp.Diff && !cardinalityOnly && remaining >= setnum + 1 && option === 'weights') {
      j++;
      for (const source of sources) source.weight = floatArgument(argv[j++]!, 'ERR weight value is not a float');
    } else if (op !== SetOp.Diff && !cardinalityOnly && remaining >= 2 && option === 'aggregate') {
      const name = argv[j + 1]!.toLowerCase();
      if (name === 'sum') how = Aggregate.Sum;
      else if (name === 'min') how = Aggregate.Min;
      else if (name === 'max') how = Aggregate.Max;
      else {
        client.error(Err.syntax);
        return;
      }
      j += 2;
    } else if (destination === null && !cardinalityOnly && option === 'withscores') {
      withScores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && option === 'limit') {
      limit = positiveLong(argv[j + 1]!, "ERR LIMIT can't be negative");
      j += 2;
    } else {
      client.error(Err.syntax);
      return;
    }
  }

  // Smallest inputs first (a stable sort, like glibc's qsort): it also fixes the order sums are made in.
  if (op !== SetOp.Diff) sources.sort((a, b) => a.size - b.size);
  const result = new SortedSet('skiplist');
  let maxMemberLength = 0;
  const keep = (member: string, score: number): void => {
    result.set(member, score);
    if (member.length > maxMemberLength) maxMemberLength = member.length;
  };

  if (op === SetOp.Inter) {
    let cardinality = 0;
    const [smallest, ...others] = sources;
    forEachIn(smallest!, (member, score) => {
      let total = smallest!.weight * score;
      if (Number.isNaN(total)) total = 0;
      for (const other of others) {
        // The same key twice: Redis reuses the score it is iterating.
        const found = other.value === smallest!.value ? score : scoreIn(other, member);
        if (found === undefined) return;
        total = aggregate(total, found * other.weight, how);
      }
      if (!cardinalityOnly) keep(member, total);
      else if (++cardinality === limit) return false;
    });
    if (cardinalityOnly) {
      client.integer(cardinality);
      return;
    }
  } else if (op === SetOp.Union) {
    const totals = new Map<string, number>();
    for (const source of sources) {
      forEachIn(source, (member, score) => {
        let weighted = source.weight * score;
        if (Number.isNaN(weighted)) weighted = 0;
        const total = totals.get(member);
        totals.set(member, total === undefined ? weighted : aggregate(total, weighted, how));
      });
    }
    for (const [member, total] of totals) keep(member, total);
  } else {
    const [first, ...others] = sources;
    // Subtracting a set from itself leaves nothing.
    if (!others.some((other) => other.value !== null && other.value === first!.value)) {
      forEachIn(first!, (member, score) => {
        if (!others.some((other) => scoreIn(other, member) !== undefined)) keep(member, score);
      });
    }
  }

  if (destination !== null) {
    shrinkIfSmall(result, listpackLimits(client), maxMemberLength);
    storeResult(client, destination, result, STORE_EVENTS[op]);
  } else replyNodes(client, nodesByRank(result, 0, -1, false), withScores);
}

function zunion(client: Client, argv: string[]): void {
  setOperation(client, argv, 1, SetOp.Union, null);
}

function zinter(client: Client, argv: string[]): void {
  setOperation(client, argv, 1, SetOp.Inter, null);
}

function zdiff(client: Client, argv: string[]): void {
  setOperation(client, argv, 1, SetOp.Diff, null);
}

function zunionstore(client: Client, argv: string[]): void {
  setOperation(client, argv, 2, SetOp.Union, argv[1]!);
}

function zinterstore(client: Client, argv: string[]): void {
  setOperation(client, argv, 2, SetOp.Inter, argv[1]!);
}

function zdiffstore(client: Client, argv: string[]): void {
  setOperation(client, argv, 2, SetOp.Diff, argv[1]!);
}

function zintercard(client: Client, argv: string[]): void {
  setOperation(client, argv, 1, SetOp.Inter, null, true);
}

// ---------------------------------------------------------------------------------------------
// ZSCAN

/**
 * A listpack is returned whole with cursor 0 (scores as the listpack stores them); a skiplist
 * is walked COUNT members at a time over its dense array, like the keyspace SCAN.
 */
function zscan(client: Client, argv: string[]): void {
  const scan = beginElementScan(client, argv, ValueType.ZSet);
  if (scan === null) return;
  const zset = zsetOf(scan.entry);
  const elements: string[] = [];
  const visit = (member: string, scoreText: string): void => {
    if (scan.pattern === null || globMatch(scan.pattern, member)) elements.push(member, scoreText);
  };
  if (zset.encoding === 'listpack') {
    for (let x = zset.first; x !== null; x = x.next[0]!) visit(x.member, listpackScoreText(x.score));
    replyScanPage(client, 0, elements);
    return;
  }
  const window = scanWindow(zset.size, scan.cursor, scan.count);
  for (let position = window.end - 1; position >= window.start; position--) {
    const node = zset.nodeAt(position);
    visit(node.member, formatDouble17g(node.score));
  }
  replyScanPage(client, window.start, elements);
}

export const zsetCommands: CommandFamily = {
  handlers: {
    zadd,
    zincrby,
    zrem,
    zcard,
    zscore,
    zmscore,
    zrank,
    zrevrank,
    zcount,
    zlexcount,
    zrange,
    zrangestore,
    zrevrange,
    zrangebyscore,
    zrevrangebyscore,
    zrangebylex,
    zrevrangebylex,
    zremrangebyrank,
    zremrangebyscore,
    zremrangebylex,
    zpopmin,
    zpopmax,
    bzpopmin,
    bzpopmax,
    zmpop,
    bzmpop,
    zrandmember,
    zunion,
    zinter,
    zdiff,
    zunionstore,
    zinterstore,
    zdiffstore,
    zintercard,
    zscan,
  },
};
