/**
 * The sorted set value: a member → node Map for O(1) scores, a skiplist with spans for
 * O(log n) insert, delete, rank and range by (score, member) — Redis's order: score, then the
 * member's bytes as memcmp compares them (latin1 strings compare the same way) — and a dense
 * array of the nodes for O(1) random picks and ZSCAN's cursor (same walk as keyspace/scan.ts).
 *
 * Redis keeps small sets as a listpack and large ones as skiplist + dict; tsredis always uses
 * the skiplist but records which encoding Redis would have, because it shows in OBJECT ENCODING,
 * in ZSCAN (a listpack is returned whole) and in lex ranges over mixed scores (a listpack is
 * searched linearly, a skiplist by its levels).
 */

const MAX_LEVEL = 32;
/** Chance that a node reaches the next level (ZSKIPLIST_P). */
const LEVEL_P = 0.25;

export type ZSetEncoding = 'listpack' | 'skiplist';

/** Memory estimate: per-structure and per-member costs of each encoding, plus member bytes. */
const LISTPACK_BASE = 24;
const LISTPACK_PER_MEMBER = 12;
const SKIPLIST_BASE = 96;
const SKIPLIST_PER_MEMBER = 88;

export class ZNode {
  readonly next: (ZNode | null)[];
  readonly span: number[];
  prev: ZNode | null = null;
  /** Position in the dense node array. */
  slot = -1;

  constructor(
    readonly member: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<ZNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

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

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < LEVEL_P) level++;
  return level;
}

/** Whether `node` sorts before (score, member). */
function precedes(node: ZNode, score: number, member: string): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

/** Scratch arrays for insert/delete (one command runs at a time, so they are never shared). */
const UPDATE: ZNode[] = new Array<ZNode>(MAX_LEVEL);
const RANK: number[] = new Array<number>(MAX_LEVEL).fill(0);

/** Redis's zskiplist: levels with spans so ranks are O(log n); `prev` links level 0 backwards. */
export class SkipList {
  readonly head = new ZNode('', 0, MAX_LEVEL);
  tail: ZNode | null = null;
  level = 1;
  length = 0;
  /** Nodes stepped over by the last insert/delete/rank walk (for the O(log n) unit test). */
  steps = 0;

  get first(): ZNode | null {
    return this.head.next[0]!;
  }

  /** Links a node (its level fixed at creation) at its place by (score, member). */
  insert(node: ZNode): void {
    const head = this.head;
    let x = head;
    let steps = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      RANK[i] = i === this.level - 1 ? 0 : RANK[i + 1]!;
      let next = x.next[i]!;
      while (next !== null && precedes(next, node.score, node.member)) {
        RANK[i]! += x.span[i]!;
        x = next;
        next = x.next[i]!;
        steps++;
      }
      UPDATE[i] = x;
    }
    this.steps = steps;
    const level = node.next.length;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        RANK[i] = 0;
        UPDATE[i] = head;
        head.span[i] = this.length;
      }
      this.level = level;
    }
    const rank0 = RANK[0]!;
    for (let i = 0; i < level; i++) {
      const before = UPDATE[i]!;
      node.next[i] = before.next[i]!;
      before.next[i] = node;
      node.span[i] = before.span[i]! - (rank0 - RANK[i]!);
      before.span[i] = rank0 - RANK[i]! + 1;
    }
    for (let i = level; i < this.level; i++) UPDATE[i]!.span[i]!++;
    node.prev = UPDATE[0] === head ? null : UPDATE[0]!;
    const after = node.next[0]!;
    if (after !== null) after.prev = node;
    else this.tail = node;
    this.length++;
  }

  /** Unlinks a node that is in the list (found by its current score and member). */
  delete(node: ZNode): void {
    let x = this.head;
    let steps = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.next[i]!;
      while (next !== null && precedes(next, node.score, node.member)) {
        x = next;
        next = x.next[i]!;
        steps++;
      }
      UPDATE[i] = x;
    }
    this.steps = steps;
    for (let i = 0; i < this.level; i++) {
      const before = UPDATE[i]!;
      if (before.next[i] === node) {
        before.span[i]! += node.span[i]! - 1;
        before.next[i] = node.next[i]!;
      } else {
        before.span[i]!--;
      }
    }
    const after = node.next[0]!;
    if (after !== null) after.prev = node.prev;
    else this.tail = node.prev;
    while (this.level > 1 && this.head.next[this.level - 1] === null) this.level--;
    this.length--;
  }

  /** 1-based rank of a node in the list. */
  rank(node: ZNode): number {
    let x = this.head;
    let rank = 0;
    let steps = 0;
    const { score, member } = node;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.next[i]!;
      while (next !== null && (next.score < score || (next.score === score && next.member <= member))) {
        rank += x.span[i]!;
        x = next;
        next = x.next[i]!;
        steps++;
      }
      if (x === node) break;
    }
    this.steps = steps;
    return rank;
  }

  /** The node at a 1-based rank, or null. */
  at(rank: number): ZNode | null {
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.next[i]!;
      while (next !== null && traversed + x.span[i]! <= rank) {
        traversed += x.span[i]!;
        x = next;
        next = x.next[i]!;
      }
      if (traversed === rank) return x === this.head ? null : x;
    }
    return null;
  }

  firstInScore(range: ScoreRange): ZNode | null {
    if (!this.intersectsScore(range)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.next[i]!;
      while (next !== null && !gteMin(next.score, range)) {
        x = next;
        next = x.next[i]!;
      }
    }
    const found = x.next[0]!;
    return found !== null && lteMax(found.score, range) ? found : null;
  }

  lastInScore(range: ScoreRange): ZNode | null {
    if (!this.intersectsScore(range)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.next[i]!;
      while (next !== null && lteMax(next.score, range)) {
        x = next;
        next = x.next[i]!;
      }
    }
    return x !== this.head && gteMin(x.score, range) ? x : null;
  }

  /** Lex search through the levels (a skiplist-encoded set). */
  firstInLex(range: LexRange): ZNode | null {
    if (!this.intersectsLex(range)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.next[i]!;
      while (next !== null && !lexGteMin(next.member, range)) {
        x = next;
        next = x.next[i]!;
      }
    }
    const found = x.next[0]!;
    return found !== null && lexLteMax(found.member, range) ? found : null;
  }

  lastInLex(range: LexRange): ZNode | null {
    if (!this.intersectsLex(range)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.next[i]!;
      while (next !== null && lexLteMax(next.member, range)) {
        x = next;
        next = x.next[i]!;
      }
    }
    return x !== this.head && lexGteMin(x.member, range) ? x : null;
  }

  private intersectsScore(range: ScoreRange): boolean {
    if (scoreRangeEmpty(range)) return false;
    const tail = this.tail;
    const first = this.first;
    return tail !== null && gteMin(tail.score, range) && first !== null && lteMax(first.score, range);
  }

  /** zslIsInLexRange: the interval is not empty and overlaps [first, last]. */
  intersectsLex(range: LexRange): boolean {
    if (lexRangeEmpty(range)) return false;
    const tail = this.tail;
    const first = this.first;
    return tail !== null && lexGteMin(tail.member, range) && first !== null && lexLteMax(first.member, range);
  }
}

/** Lex search from the ends, one member at a time, as Redis does in a listpack. */
function firstInLexLinear(list: SkipList, range: LexRange): ZNode | null {
  if (!list.intersectsLex(range)) return null;
  for (let x = list.first; x !== null; x = x.next[0]!) {
    if (lexGteMin(x.member, range)) return lexLteMax(x.member, range) ? x : null;
  }
  return null;
}

function lastInLexLinear(list: SkipList, range: LexRange): ZNode | null {
  if (!list.intersectsLex(range)) return null;
  for (let x = list.tail; x !== null; x = x.prev) {
    if (lexLteMax(x.member, range)) return lexGteMin(x.member, range) ? x : null;
  }
  return null;
}

export class SortedSet {
  private readonly nodes = new Map<string, ZNode>();
  readonly list = new SkipList();
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

  /** Kept incrementally: only counters, never a walk over the members. */
  get memoryBytes(): number {
    const n = this.dense.length;
    return this.encoding === 'listpack'
      ? LISTPACK_BASE + n * LISTPACK_PER_MEMBER + this.memberBytes
      : SKIPLIST_BASE + n * SKIPLIST_PER_MEMBER + this.memberBytes;
  }

  get first(): ZNode | null {
    return this.list.first;
  }

  get last(): ZNode | null {
    return this.list.tail;
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
        this.list.delete(node);
        node.score = score;
        this.list.insert(node);
      }
      return false;
    }
    const created = new ZNode(member, score, randomLevel());
    this.list.insert(created);
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
    this.list.delete(node);
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
    const rank = this.list.rank(node);
    return reverse ? this.size - rank : rank - 1;
  }

  /** The node at a 0-based rank. */
  at(rank: number): ZNode | null {
    return this.list.at(rank + 1);
  }

  /** 0-based rank of a node known to be in the set. */
  rankOf(node: ZNode): number {
    return this.list.rank(node) - 1;
  }

  firstInScore(range: ScoreRange): ZNode | null {
    return this.list.firstInScore(range);
  }

  lastInScore(range: ScoreRange): ZNode | null {
    return this.list.lastInScore(range);
  }

  firstInLex(range: LexRange): ZNode | null {
    return this.encoding === 'listpack' ? firstInLexLinear(this.list, range) : this.list.firstInLex(range);
  }

  lastInLex(range: LexRange): ZNode | null {
    return this.encoding === 'listpack' ? lastInLexLinear(this.list, range) : this.list.lastInLex(range);
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
    for (let x = this.first; x !== null; x = x.next[0]!) copy.set(x.member, x.score);
    return copy;
  }

  /** Longest member length, for the listpack decision of stored results. */
  maxMemberLength(): number {
    let max = 0;
    for (const node of this.dense) if (node.member.length > max) max = node.member.length;
    return max;
  }
}
