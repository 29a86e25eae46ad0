import { ValueType, type Entry } from '../keyspace/entry.js';
import { globMatch } from '../keyspace/glob.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import { scanWindow } from '../keyspace/scan.js';
import { Err } from '../protocol/errors.js';
import { formatDouble17g } from '../protocol/format.js';
import type { Client } from '../server/client.js';
import { distinctPositions } from '../types/sampling.js';
import type { SortedSet, ZNode } from '../types/zset.js';
import { floatArgument, LONG_MAX, longInRange } from './arguments.js';
import { beginElementScan, replyScanPage } from './element-scan.js';
import { readTyped, writeTyped } from './lookup.js';
import { zsetAlgebraCommands } from './zset-algebra.js';
import { zsetPopCommands } from './zset-pop.js';
import { nodesByRank, zsetRangeCommands } from './zset-range.js';
import { addMember, createKey, listpackLimits, membersRemoved, newZset, replyNodes, zsetOf } from './zset-value.js';
import type { CommandFamily } from './table.js';

/**
 * The SORTED SET family (t_zset.c). Values are SortedSet (types/zset.ts), which also records the
 * encoding Redis would use (listpack below zset-max-listpack-entries/-value, skiplist beyond,
 * one-way except for the results of the *STORE commands, rebuilt as Redis rebuilds them).
 * Scores are replied with `double()` (%.17g, a RESP3 double); WITHSCORES replies are flat in
 * RESP2 and [member, score] pairs in RESP3, as Redis 7.0 does.
 *
 * This module holds ZADD/ZINCRBY, the per-member commands, ZRANDMEMBER and ZSCAN; ranges, pops
 * and the set algebra have their own modules, and zset-value.ts the helpers they share.
 */

const NAN_SCORE = 'ERR resulting score is not a number (NaN)';

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
// ZSCAN

/** d2string: how a listpack stores a score (integers print as integers, others %.17g). */
function listpackScoreText(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) <= 4611686018427387903 && !Object.is(score, -0)) {
    return BigInt(score).toString();
  }
  return formatDouble17g(score);
}

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

/** The whole SORTED SET family: this module's commands and those of its range, pop and algebra modules. */
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
    zrandmember,
    zscan,
    ...zsetRangeCommands.handlers,
    ...zsetPopCommands.handlers,
    ...zsetAlgebraCommands.handlers,
  },
};
