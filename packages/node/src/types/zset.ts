/**
 * The sorted set value: a member → node Map for O(1) scores, an order-statistic B+tree
 * (zset-tree.ts) for O(log n) insert, delete, rank and range by (score, member), and a dense
 * array of the nodes for O(1) random picks and ZSCAN's cursor (same walk as keyspace/scan.ts).
 *
 * Redis keeps small sets as a listpack and large ones as skiplist + dict; tsredis always uses
 * the tree but records which encoding Redis would have, because it shows in OBJECT ENCODING,
 * in ZSCAN (a listpack is returned whole) and in lex ranges over mixed scores (a listpack is
 * searched linearly, a skiplist by a descent that assumes members ordered).
 */

import { OrderTree, ZNode } from './zset-tree.js';

export { ZNode };

export type ZSetEncoding = 'listpack' | 'skiplist';

/** Memory estimate: per-structure and per-member costs of each encoding, plus member bytes. */
const LISTPACK_BASE = 24;
const LISTPACK_PER_MEMBER = 12;
const SKIPLIST_BASE = 96;
const SKIPLIST_PER_MEMBER = 88;

/** A score interval; `minex`/`maxex` make a bound exclusive ("(" in the command). */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A bound of a lex interval: `-` and `+` are below and above every member. */
export type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'value'; value: string; exclusive: boolean };

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

export function gteMin(score: number, range: ScoreRange): boolean {
  return range.minex ? score > range.min : score >= range.min;
}

export function lteMax(score: number, range: ScoreRange): boolean {
  return range.maxex ? score < range.max : score <= range.max;
}

/** sdscmplex: a member against a bound, `-`/`+` being the smallest/largest strings. */
function compareLex(member: string, bound: LexBound): number {
  if (bound.kind === 'min') return 1;
  if (bound.kind === 'max') return -1;
  return member < bound.value ? -1 : member > bound.value ? 1 : 0;
}

/** Whether a bound is exclusive; `-` and `+` are, as Redis marks them. */
function exclusive(bound: LexBound): boolean {
  return bound.kind !== 'value' || bound.exclusive;
}

export function lexGteMin(member: string, range: LexRange): boolean {
  const c = compareLex(member, range.min);
  return exclusive(range.min) ? c > 0 : c >= 0;
}

export function lexLteMax(member: string, range: LexRange): boolean {
  const c = compareLex(member, range.max);
  return exclusive(range.max) ? c < 0 : c <= 0;
}

/** Whether a lex interval can contain anything at all (zslIsInLexRange's first test). */
function lexRangeEmpty(range: LexRange): boolean {
  const { min, max } = range;
  let c: number;
  if (min.kind === max.kind && min.kind !== 'value') c = 0;
  else if (min.kind === 'max' || max.kind === 'min') c = 1;
  else if (min.kind === 'min' || max.kind === 'max') c = -1;
  else c = compareLex(min.value, max);
  return c > 0 || (c === 0 && (exclusive(min) || exclusive(max)));
}

function scoreRangeEmpty(range: ScoreRange): boolean {
  return range.min > range.max || (range.min === range.max && (range.minex || range.maxex));
}

/* Range searches as prefixes of the order: "sorts before the member sought". */
function belowMin(score: number, _member: string, range: ScoreRange): boolean {
  return !gteMin(score, range);
}

function withinMax(score: number, _member: string, range: ScoreRange): boolean {
  return lteMax(score, range);
}

function belowLexMin(_score: number, member: string, range: LexRange): boolean {
  return !lexGteMin(member, range);
}

function withinLexMax(_score: number, member: string, range: LexRange): boolean {
  return lexLteMax(member, range);
}

/** Lex search from the ends, one member at a time, as Redis does in a listpack. */
function firstInLexLinear(first: ZNode | null, range: LexRange): ZNode | null {
  for (let x = first; x !== null; x = x.next[0]) {
    if (lexGteMin(x.member, range)) return lexLteMax(x.member, range) ? x : null;
  }
  return null;
}

function lastInLexLinear(last: ZNode | null, range: LexRange): ZNode | null {
  for (let x = last; x !== null; x = x.prev) {
    if (lexLteMax(x.member, range)) return lexGteMin(x.member, range) ? x : null;
  }
  return null;
}

export class SortedSet {
  private readonly nodes = new Map<string, ZNode>();
  private readonly order = new OrderTree();
  private readonly dense: ZNode[] = [];
  private memberBytes = 0;

  constructor(private kind: ZSetEncoding) {}

  get encoding(): ZSetEncoding {
    return this.kind;
  }

  /** Changes the encoding Redis would use; becoming a listpack stores -0 scores as 0. */
  set encoding(encoding: ZSetEncoding) {
    this.kind = encoding;
    if (encoding === 'listpack') for (const node of this.dense) node.score += 0;
  }

  get size(): number {
    return this.dense.length;
  }

  /** Tree nodes read per lookup: grows with log n (for the unit test of the O(log n) claim). */
  get height(): number {
    return this.order.height;
  }

  /** Kept incrementally: only counters, never a walk over the members. */
  get memoryBytes(): number {
    const n = this.dense.length;
    return this.encoding === 'listpack'
      ? LISTPACK_BASE + n * LISTPACK_PER_MEMBER + this.memberBytes
      : SKIPLIST_BASE + n * SKIPLIST_PER_MEMBER + this.memberBytes;
  }

  get first(): ZNode | null {
    return this.order.first;
  }

  get last(): ZNode | null {
    return this.order.last;
  }

  score(member: string): number | undefined {
    return this.nodes.get(member)?.score;
  }

  node(member: string): ZNode | undefined {
    return this.nodes.get(member);
  }

  /**
   * Sets a member's score; returns true when the member is new. A listpack stores -0 as the
   * integer 0, so a listpack-encoded set never holds -0.
   */
  set(member: string, score: number): boolean {
    if (this.encoding === 'listpack') score += 0;
    const node = this.nodes.get(member);
    if (node !== undefined) {
      if (node.score !== score) {
        this.order.delete(node);
        node.score = score;
        this.order.insert(node);
      }
      return false;
    }
    const created = new ZNode(member, score);
    this.order.insert(created);
    this.nodes.set(member, created);
    created.slot = this.dense.length;
    this.dense.push(created);
    this.memberBytes += member.length;
    return true;
  }

  /** Removes a member; returns false when it was absent. */
  delete(member: string): boolean {
    const node = this.nodes.get(member);
    if (node === undefined) return false;
    this.deleteNode(node);
    return true;
  }

  deleteNode(node: ZNode): void {
    this.order.delete(node);
    this.nodes.delete(node.member);
    const last = this.dense.pop()!;
    if (last !== node) {
      this.dense[node.slot] = last;
      last.slot = node.slot;
    }
    node.slot = -1;
    this.memberBytes -= node.member.length;
  }

  /** 0-based rank of a member from the lowest (or highest) score, or -1. */
  rank(member: string, reverse: boolean): number {
    const node = this.nodes.get(member);
    if (node === undefined) return -1;
    const rank = this.order.rank(node);
    return reverse ? this.size - 1 - rank : rank;
  }

  /** The node at a 0-based rank. */
  at(rank: number): ZNode | null {
    return this.order.at(rank);
  }

  /** 0-based rank of a node known to be in the set. */
  rankOf(node: ZNode): number {
    return this.order.rank(node);
  }

  firstInScore(range: ScoreRange): ZNode | null {
    if (!this.intersectsScore(range)) return null;
    const found = this.order.seek(belowMin, range);
    return found !== null && lteMax(found.score, range) ? found : null;
  }

  lastInScore(range: ScoreRange): ZNode | null {
    if (!this.intersectsScore(range)) return null;
    const found = this.order.seek(withinMax, range);
    const last = found !== null ? found.prev : this.last;
    return last !== null && gteMin(last.score, range) ? last : null;
  }

  /** A listpack is searched linearly from its ends, a skiplist through its levels (here: the tree). */
  firstInLex(range: LexRange): ZNode | null {
    if (!this.intersectsLex(range)) return null;
    if (this.encoding === 'listpack') return firstInLexLinear(this.first, range);
    const found = this.order.seek(belowLexMin, range);
    return found !== null && lexLteMax(found.member, range) ? found : null;
  }

  lastInLex(range: LexRange): ZNode | null {
    if (!this.intersectsLex(range)) return null;
    if (this.encoding === 'listpack') return lastInLexLinear(this.last, range);
    const found = this.order.seek(withinLexMax, range);
    const last = found !== null ? found.prev : this.last;
    return last !== null && lexGteMin(last.member, range) ? last : null;
  }

  /** The node at a position of the dense array (random picks, ZSCAN). */
  nodeAt(position: number): ZNode {
    return this.dense[position]!;
  }

  randomNode(): ZNode {
    return this.dense[(Math.random() * this.dense.length) | 0]!;
  }

  /** An independent copy with the same encoding (COPY). */
  clone(): SortedSet {
    const copy = new SortedSet(this.encoding);
    for (let x = this.first; x !== null; x = x.next[0]) copy.set(x.member, x.score);
    return copy;
  }

  /** Longest member length, for the listpack decision of stored results. */
  maxMemberLength(): number {
    let max = 0;
    for (const node of this.dense) if (node.member.length > max) max = node.member.length;
    return max;
  }

  private intersectsScore(range: ScoreRange): boolean {
    if (scoreRangeEmpty(range)) return false;
    const { first, last } = this;
    return last !== null && gteMin(last.score, range) && first !== null && lteMax(first.score, range);
  }

  /** zslIsInLexRange: the interval is not empty and overlaps [first, last]. */
  private intersectsLex(range: LexRange): boolean {
    if (lexRangeEmpty(range)) return false;
    const { first, last } = this;
    return last !== null && lexGteMin(last.member, range) && first !== null && lexLteMax(first.member, range);
  }
}
