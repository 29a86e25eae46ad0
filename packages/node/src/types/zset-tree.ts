/**
 * The order of a sorted set: an order-statistic B+tree over (score, member), Redis's order —
 * score, then the member's bytes as memcmp compares them (latin1 strings compare the same way).
 *
 * Why a B+tree and not Redis's skiplist: at a million members every node a skiplist visits is a
 * cache miss (about 40 visits per lookup, each touching a node, its links and its score). A tree
 * node holds CAPACITY keys as an array of unboxed scores beside an array of members, so a lookup
 * reads one node per level — four levels at 10⁶ — with a binary search over contiguous scores,
 * and only compares member strings when scores tie. Inner nodes keep the number of members under
 * each child, so rank and select are O(log n) as with a skiplist's spans.
 *
 * Each member is a ZNode (member, score) that stays the same object while it is in the set;
 * ZNodes are also linked in order (`next[0]`, `prev`) so walks from a node need no tree lookup.
 */

/** Keys per tree node, measured: 64 was fastest at 10⁶ members (32 and 128 close behind). */
const CAPACITY = 64;
/** A node below this fill is merged with a sibling or refilled from it. */
const MIN_FILL = CAPACITY / 4;

export class ZNode {
  /** The following member (an array: the command code walks `x.next[0]` like skiplist level 0). */
  readonly next: [ZNode | null] = [null];
  prev: ZNode | null = null;
  /** Position in the sorted set's dense array. */
  slot = -1;

  constructor(
    readonly member: string,
    public score: number,
  ) {}
}

/**
 * Keys of a tree node, sorted. In a leaf, key i is member i. In an inner node, key i bounds
 * child i: every member before child i sorts below it, every member of child i at or above it.
 * Key 0 of an inner node equals its own key in its parent (the root's is unused), so moving
 * children between siblings moves valid keys with them.
 */
abstract class TreeNode {
  count = 0;
  /** A plain array filled with a double so it holds unboxed doubles: measured faster than typed arrays. */
  readonly scores: number[] = new Array<number>(CAPACITY + 1).fill(0.5);
  readonly members: string[] = new Array<string>(CAPACITY + 1).fill('');

  /** Copies entry `from` of `source` (a node of the same kind) to slot `to`. */
  abstract copy(to: number, source: this, from: number): void;
  /** Drops the references held by a slot past the end, so removed members can be collected. */
  abstract release(slot: number): void;
  /** Members under this node. */
  abstract size(): number;

  setKey(slot: number, score: number, member: string): void {
    this.scores[slot] = score;
    this.members[slot] = member;
  }
}

class Leaf extends TreeNode {
  readonly nodes: (ZNode | null)[] = new Array<ZNode | null>(CAPACITY + 1).fill(null);

  copy(to: number, source: Leaf, from: number): void {
    this.scores[to] = source.scores[from]!;
    this.members[to] = source.members[from]!;
    this.nodes[to] = source.nodes[from]!;
  }

  release(slot: number): void {
    this.members[slot] = '';
    this.nodes[slot] = null;
  }

  size(): number {
    return this.count;
  }

  /** Inserts a member at `at` (the hot path: a tight shift rather than per-entry copies). */
  insertAt(at: number, node: ZNode): void {
    const { scores, members, nodes } = this;
    const count = this.count;
    for (let j = count; j > at; j--) {
      scores[j] = scores[j - 1]!;
      members[j] = members[j - 1]!;
      nodes[j] = nodes[j - 1]!;
    }
    scores[at] = node.score;
    members[at] = node.member;
    nodes[at] = node;
    this.count = count + 1;
  }

  removeAt(at: number): void {
    const { scores, members, nodes } = this;
    const count = this.count - 1;
    for (let j = at; j < count; j++) {
      scores[j] = scores[j + 1]!;
      members[j] = members[j + 1]!;
      nodes[j] = nodes[j + 1]!;
    }
    this.release(count);
    this.count = count;
  }
}

class Inner extends TreeNode {
  readonly children: (Leaf | Inner | null)[] = new Array<Leaf | Inner | null>(CAPACITY + 1).fill(null);
  /** Members under each child. */
  readonly sizes: number[] = new Array<number>(CAPACITY + 1).fill(0);

  copy(to: number, source: Inner, from: number): void {
    this.scores[to] = source.scores[from]!;
    this.members[to] = source.members[from]!;
    this.children[to] = source.children[from]!;
    this.sizes[to] = source.sizes[from]!;
  }

  release(slot: number): void {
    this.members[slot] = '';
    this.children[slot] = null;
  }

  size(): number {
    let total = 0;
    for (let i = 0; i < this.count; i++) total += this.sizes[i]!;
    return total;
  }

  /** Puts `child` at `at`, keyed by its first key. */
  insertChild(at: number, child: Leaf | Inner): void {
    shiftRight(this, at, 1);
    this.setKey(at, child.scores[0]!, child.members[0]!);
    this.children[at] = child;
    this.sizes[at] = child.size();
  }
}

function shiftRight<T extends TreeNode>(node: T, at: number, n: number): void {
  for (let j = node.count - 1; j >= at; j--) node.copy(j + n, node, j);
  node.count += n;
}

function shiftLeft<T extends TreeNode>(node: T, at: number, n: number): void {
  for (let j = at + n; j < node.count; j++) node.copy(j - n, node, j);
  for (let j = node.count - n; j < node.count; j++) node.release(j);
  node.count -= n;
}

/** Moves entries [from, from+n) of `source` to slot `to` of `target` (distinct nodes). */
function transfer<T extends TreeNode>(target: T, to: number, source: T, from: number, n: number): void {
  for (let k = 0; k < n; k++) target.copy(to + k, source, from + k);
}

/** Index of the first key in [from, count) at or above (score, member). */
function lowerBound(node: TreeNode, from: number, score: number, member: string): number {
  const { scores, members } = node;
  let lo = from;
  let hi = node.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = scores[mid]!;
    if (s < score || (s === score && members[mid]! < member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The child of an inner node whose interval holds (score, member): the last key at or below it. */
function childFor(inner: Inner, score: number, member: string): number {
  const { scores, members } = inner;
  let lo = 1;
  let hi = inner.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = scores[mid]!;
    if (s < score || (s === score && members[mid]! <= member)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * A test on (score, member) that holds for a prefix of the order: "this member sorts before the
 * one sought". Range searches pass top-level functions of this shape, never closures.
 */
export type Before<R> = (score: number, member: string, range: R) => boolean;

/** Index of the first key in [from, count) for which `before` fails. */
function firstNotBefore<R>(node: TreeNode, from: number, before: Before<R>, range: R): number {
  const { scores, members } = node;
  let lo = from;
  let hi = node.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(scores[mid]!, members[mid]!, range)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Scratch path of the last descent (one command runs at a time, so it is never shared). */
const PATH: Inner[] = [];
const PATH_INDEX: number[] = [];

export class OrderTree {
  private root: Leaf | Inner = new Leaf();
  /** Inner levels above the leaves. */
  private depth = 0;
  first: ZNode | null = null;
  last: ZNode | null = null;
  length = 0;

  /** Tree nodes read per lookup (for the O(log n) unit test). */
  get height(): number {
    return this.depth + 1;
  }

  /** Links a node that is not in the tree at its place by (score, member). */
  insert(node: ZNode): void {
    const { score, member } = node;
    const leaf = this.descend(score, member, 1);
    const at = lowerBound(leaf, 0, score, member);
    const after = at < leaf.count ? leaf.nodes[at]! : leaf.count > 0 ? leaf.nodes[leaf.count - 1]!.next[0] : null;
    const before = after !== null ? after.prev : this.last;
    node.prev = before;
    node.next[0] = after;
    if (before !== null) before.next[0] = node;
    else this.first = node;
    if (after !== null) after.prev = node;
    else this.last = node;
    leaf.insertAt(at, node);
    this.length++;
    if (leaf.count > CAPACITY) this.splitUp(leaf);
  }

  /** Unlinks a node that is in the tree (found by its current score and member). */
  delete(node: ZNode): void {
    const { score, member } = node;
    const leaf = this.descend(score, member, -1);
    leaf.removeAt(lowerBound(leaf, 0, score, member));
    const { prev } = node;
    const after = node.next[0];
    if (prev !== null) prev.next[0] = after;
    else this.first = after;
    if (after !== null) after.prev = prev;
    else this.last = prev;
    node.prev = null;
    node.next[0] = null;
    this.length--;
    if (leaf.count < MIN_FILL) this.rebalanceUp(leaf);
  }

  /** 0-based rank of a node in the tree. */
  rank(node: ZNode): number {
    const { score, member } = node;
    let rank = 0;
    let tree = this.root;
    for (let d = 0; d < this.depth; d++) {
      const inner = tree as Inner;
      const i = childFor(inner, score, member);
      const { sizes } = inner;
      for (let j = 0; j < i; j++) rank += sizes[j]!;
      tree = inner.children[i]!;
    }
    return rank + lowerBound(tree, 0, score, member);
  }

  /** The node at a 0-based rank, or null. */
  at(rank: number): ZNode | null {
    if (rank < 0 || rank >= this.length) return null;
    let tree = this.root;
    for (let d = 0; d < this.depth; d++) {
      const inner = tree as Inner;
      const { sizes } = inner;
      let i = 0;
      while (rank >= sizes[i]!) rank -= sizes[i++]!;
      tree = inner.children[i]!;
    }
    return (tree as Leaf).nodes[rank]!;
  }

  /** The first node for which `before` fails (it must hold for a prefix of the order), or null. */
  seek<R>(before: Before<R>, range: R): ZNode | null {
    let tree = this.root;
    for (let d = 0; d < this.depth; d++) {
      const inner = tree as Inner;
      tree = inner.children[firstNotBefore(inner, 1, before, range) - 1]!;
    }
    const leaf = tree as Leaf;
    const at = firstNotBefore(leaf, 0, before, range);
    // Past this leaf's end, the answer is the first member of the following leaves.
    if (at < leaf.count) return leaf.nodes[at]!;
    return leaf.count > 0 ? leaf.nodes[leaf.count - 1]!.next[0] : null;
  }

  /** Walks to the leaf of (score, member), adding `delta` to the sizes on the way; fills PATH. */
  private descend(score: number, member: string, delta: number): Leaf {
    let tree = this.root;
    for (let d = 0; d < this.depth; d++) {
      const inner = tree as Inner;
      const i = childFor(inner, score, member);
      inner.sizes[i]! += delta;
      PATH[d] = inner;
      PATH_INDEX[d] = i;
      tree = inner.children[i]!;
    }
    return tree as Leaf;
  }

  /** Splits overfull nodes from `node` (at the bottom of PATH) up to the root. */
  private splitUp(node: Leaf | Inner): void {
    for (let d = this.depth - 1; node.count > CAPACITY; d--) {
      const right = node instanceof Leaf ? new Leaf() : new Inner();
      const half = node.count >>> 1;
      transfer<TreeNode>(right, 0, node, half, node.count - half);
      right.count = node.count - half;
      for (let j = half; j < node.count; j++) node.release(j);
      node.count = half;
      if (d < 0) {
        const root = new Inner();
        root.insertChild(0, node);
        root.insertChild(1, right);
        this.root = root;
        this.depth++;
        return;
      }
      const parent = PATH[d]!;
      const i = PATH_INDEX[d]!;
      parent.sizes[i] = node.size();
      parent.insertChild(i + 1, right);
      node = parent;
    }
  }

  /** Merges or refills underfull nodes from `node` (at the bottom of PATH) up to the root. */
  private rebalanceUp(node: Leaf | Inner): void {
    for (let d = this.depth - 1; d >= 0 && node.count < MIN_FILL; d--) {
      const parent = PATH[d]!;
      const i = PATH_INDEX[d]!;
      this.rebalancePair(parent, i > 0 ? i - 1 : i);
      node = parent;
    }
    while (this.depth > 0 && this.root.count === 1) {
      this.root = (this.root as Inner).children[0]!;
      this.depth--;
    }
  }

  /** Merges children `l` and `l + 1` of `parent`, or evens their counts when both don't fit in one. */
  private rebalancePair(parent: Inner, l: number): void {
    const left = parent.children[l]!;
    const right = parent.children[l + 1]!;
    const total = left.count + right.count;
    if (total <= CAPACITY) {
      transfer<TreeNode>(left, left.count, right, 0, right.count);
      left.count = total;
      parent.sizes[l]! += parent.sizes[l + 1]!;
      shiftLeft(parent, l + 1, 1);
      return;
    }
    const keep = total >>> 1;
    if (left.count > keep) {
      const moved = left.count - keep;
      shiftRight<TreeNode>(right, 0, moved);
      transfer<TreeNode>(right, 0, left, keep, moved);
      for (let j = keep; j < left.count; j++) left.release(j);
      left.count = keep;
    } else {
      const moved = keep - left.count;
      transfer<TreeNode>(left, left.count, right, 0, moved);
      left.count = keep;
      shiftLeft<TreeNode>(right, 0, moved);
    }
    parent.sizes[l] = left.size();
    parent.sizes[l + 1] = right.size();
    parent.setKey(l + 1, right.scores[0]!, right.members[0]!);
  }
}
