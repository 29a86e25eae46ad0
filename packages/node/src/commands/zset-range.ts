import { ValueType } from '../keyspace/entry.js';
import { Err, ReplyError } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import { parseRangeDouble } from '../types/strtod.js';
import { SortedSet, gteMin, lexGteMin, lexLteMax, lteMax, type LexBound, type LexRange, type ScoreRange, type ZNode } from '../types/zset.js';
import { rangeArgument } from './arguments.js';
import { lookupRead, readTyped, writeTyped } from './lookup.js';
import { addMember, listpackLimits, membersRemoved, replyNodes, storeResult, zsetOf } from './zset-value.js';
import type { CommandFamily } from './table.js';

/** Sorted-set ranges by rank, score and lex: ZRANGE and its older forms, ZRANGESTORE, Z*COUNT, ZREMRANGEBY*. */

const NOT_FLOAT_RANGE = 'ERR min or max is not a float';
const NOT_LEX_RANGE = 'ERR min or max not valid string range item';

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
export function nodesByRank(zset: SortedSet, start: number, end: number, reverse: boolean): ZNode[] {
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

export interface Window {
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

export const zsetRangeCommands: CommandFamily = {
  handlers: {
    zrange,
    zrangestore,
    zrevrange,
    zrangebyscore,
    zrevrangebyscore,
    zrangebylex,
    zrevrangebylex,
    zcount,
    zlexcount,
    zremrangebyrank,
    zremrangebyscore,
    zremrangebylex,
  },
};
