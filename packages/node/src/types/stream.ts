import { parseInt64 } from './int64.js';
import { halfDelta, idMs, idSeq, MAX_ID, MIN_ID, type StreamId } from './stream-id.js';

/**
 * The STREAM value. Entries sit in nodes that mirror Redis's radix tree of listpacks: a node
 * takes entries until it holds stream-node-max-entries of them (live or deleted) or its
 * listpack would reach stream-node-max-bytes, and deletions only mark entries until a node
 * has no live entry left. The node layout is what approximate trimming (whole nodes only) and
 * XINFO's radix-tree-* fields depend on, so node sizes are computed as listpack bytes.
 */

/** One entry: ID and flat field/value list. A deleted entry stays as a tombstone in its node. */
export interface StreamEntry {
  readonly id: StreamId;
  readonly fields: readonly string[];
  deleted: boolean;
}

/** entries_added is a uint64 in Redis: it wraps to 0 past this. */
const U64_MAX = 2n ** 64n - 1n;

// ---------------------------------------------------------------------------------------------
// Listpack sizes (listpack.c encodings), for the node byte budget

const LISTPACK_EMPTY = 7; // 32-bit total bytes + 16-bit count + EOF byte
/** Redis caps a stream listpack at 1 GB whatever stream-node-max-bytes says. */
const LISTPACK_MAX = 1 << 30;

function integerEncoding(v: number | bigint): number {
  if (typeof v === 'bigint') return 9;
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** Bytes of an integer element: its encoding plus a one-byte back length. */
function integerElement(v: number | bigint): number {
  return integerEncoding(v) + 1;
}

function backlenSize(length: number): number {
  if (length <= 127) return 1;
  if (length < 16383) return 2;
  if (length < 2097151) return 3;
  if (length < 268435455) return 4;
  return 5;
}

/** Bytes of a string element; integer-looking strings are stored as integers. */
function stringElement(text: string): number {
  const asInteger = parseInt64(text);
  if (asInteger !== null) return integerElement(asInteger);
  const length = text.length;
  const encoded = (length < 64 ? 1 : length < 4096 ? 2 : 5) + length;
  return encoded + backlenSize(encoded);
}

// ---------------------------------------------------------------------------------------------
// Memory estimate (deterministic, kept incrementally)

const STREAM_OVERHEAD = 96;
const NODE_OVERHEAD = 48;
const GROUP_OVERHEAD = 96;
const CONSUMER_OVERHEAD = 64;
const NACK_OVERHEAD = 56;
/** Redis 7.0 allocates a new tail listpack this large up front (STREAM_LISTPACK_MAX_PRE_ALLOCATE). */
const LISTPACK_PREALLOCATION = 4096;

/** The listpack bytes allocated for a new tail node under stream-node-max-bytes. */
function preallocation(maxBytes: number): number {
  return maxBytes > 0 && maxBytes < LISTPACK_PREALLOCATION ? maxBytes : LISTPACK_PREALLOCATION;
}

/** A node as persistence reads it: the master entry's fields and every entry, tombstones included. */
export interface StreamNodeView {
  readonly master: StreamId;
  readonly masterFields: readonly string[];
  readonly entries: readonly StreamEntry[];
  readonly live: number;
  readonly deletedCount: number;
}

/** A listpack node: entries (with tombstones) in ID order after a master entry of field names. */
class StreamNode {
  readonly entries: StreamEntry[] = [];
  live = 0;
  deletedCount = 0;
  bytes: number;
  /** Bytes allocated ahead for a tail node; 0 once shrunk to fit (the tail filled up) or loaded. */
  capacity = 0;
  /** The master ID's halves, which every entry's listpack deltas are taken from. */
  readonly masterMs: number | bigint;
  readonly masterSeq: number | bigint;

  constructor(
    /** The first ID ever stored in the node (the rax key). */
    readonly master: StreamId,
    readonly masterFields: readonly string[],
  ) {
    this.masterMs = idMs(master);
    this.masterSeq = idSeq(master);
    this.bytes = LISTPACK_EMPTY + integerElement(0) * 2 + integerElement(masterFields.length) + integerElement(0);
    for (const field of masterFields) this.bytes += stringElement(field);
  }

  /** Moves `by` entries from live to deleted, keeping the header counters' sizes right. */
  markDeleted(by: number): void {
    this.bytes +=
      integerElement(this.live - by) - integerElement(this.live) +
      integerElement(this.deletedCount + by) - integerElement(this.deletedCount);
    this.live -= by;
    this.deletedCount += by;
  }

  /** Index of the first entry whose ID is >= id (> id when `after`). */
  lowerBound(id: StreamId, after = false): number {
    const entries = this.entries;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const at = entries[mid]!.id;
      if (at < id || (after && at === id)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Bytes charged for a node: its radix tree share and its listpack allocation (entries live in it). */
function nodeCharge(node: StreamNode): number {
  return NODE_OVERHEAD + Math.max(node.bytes, node.capacity);
}

/** Fields given as names at even positions of a flat list. */
function fieldNames(fields: readonly string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < fields.length; i += 2) names.push(fields[i]!);
  return names;
}

function sameNames(fields: readonly string[], names: readonly string[]): boolean {
  if (fields.length !== names.length * 2) return false;
  for (let i = 0; i < names.length; i++) if (fields[i * 2] !== names[i]) return false;
  return true;
}

/** Bytes an entry adds to its node's listpack (streamAppendItem's layout). */
function entryBytes(id: StreamId, node: StreamNode, fields: readonly string[], sameFields: boolean): number {
  const count = fields.length / 2;
  let bytes = integerElement(0) + integerElement(halfDelta(idMs(id), node.masterMs)) + integerElement(halfDelta(idSeq(id), node.masterSeq));
  let lpCount = count + 3;
  if (!sameFields) {
    bytes += integerElement(count);
    lpCount += count + 1;
  }
  for (let i = 0; i < fields.length; i += 2) {
    if (!sameFields) bytes += stringElement(fields[i]!);
    bytes += stringElement(fields[i + 1]!);
  }
  return bytes + integerElement(lpCount);
}

// ---------------------------------------------------------------------------------------------
// Consumer groups

/** A delivered, not yet acknowledged entry (streamNACK), shared by the group's and consumer's PEL. */
export class Nack {
  deliveryCount = 1n;

  constructor(
    readonly id: StreamId,
    public deliveryTime: number,
    /** Null only for a NACK XCLAIM FORCE just created, before it gets its owner. */
    public consumer: Consumer | null,
  ) {}
}

/** A pending entries list: NACKs in ID order with lookup by ID. */
export class PendingList {
  private readonly ordered: Nack[] = [];
  private readonly byId = new Map<StreamId, Nack>();

  get size(): number {
    return this.ordered.length;
  }

  get(id: StreamId): Nack | undefined {
    return this.byId.get(id);
  }

  /** The NACK at an ordered position (for scans that start at `indexFrom`). */
  at(index: number): Nack | undefined {
    return this.ordered[index];
  }

  /** Position of the first NACK with an ID >= id. */
  indexFrom(id: StreamId): number {
    const ordered = this.ordered;
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (ordered[mid]!.id < id) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  add(nack: Nack): void {
    const ordered = this.ordered;
    const last = ordered[ordered.length - 1];
    if (last === undefined || last.id < nack.id) ordered.push(nack);
    else ordered.splice(this.indexFrom(nack.id), 0, nack);
    this.byId.set(nack.id, nack);
  }

  remove(id: StreamId): void {
    if (!this.byId.delete(id)) return;
    this.ordered.splice(this.indexFrom(id), 1);
  }

  values(): readonly Nack[] {
    return this.ordered;
  }
}

export class Consumer {
  readonly pel = new PendingList();

  constructor(
    readonly name: string,
    public seenTime: number,
  ) {}
}

/** entries_read value meaning "unknown" (SCG_INVALID_ENTRIES_READ). */
export const INVALID_ENTRIES_READ = -1n;

export class ConsumerGroup {
  readonly pel = new PendingList();
  readonly consumers = new Map<string, Consumer>();

  constructor(
    private readonly stream: Stream,
    readonly name: string,
    public lastId: StreamId,
    /** Logical read counter of lastId, or INVALID_ENTRIES_READ. */
    public entriesRead: bigint,
  ) {}

  /** streamLookupConsumer; `now` refreshes its seen-time (omit for SLC_NO_REFRESH). */
  consumer(name: string, now?: number): Consumer | undefined {
    const consumer = this.consumers.get(name);
    if (consumer !== undefined && now !== undefined) consumer.seenTime = now;
    return consumer;
  }

  /** streamCreateConsumer: null when it already exists. */
  createConsumer(name: string, now: number): Consumer | null {
    if (this.consumers.has(name)) return null;
    const consumer = new Consumer(name, now);
    this.consumers.set(name, consumer);
    this.stream.memoryBytes += CONSUMER_OVERHEAD + name.length;
    return consumer;
  }

  /** streamDelConsumer: drops its pending entries from the group too; returns how many it had. */
  deleteConsumer(consumer: Consumer): number {
    const pending = consumer.pel.size;
    for (const nack of consumer.pel.values()) this.pel.remove(nack.id);
    this.consumers.delete(consumer.name);
    this.stream.memoryBytes -= CONSUMER_OVERHEAD + consumer.name.length + pending * NACK_OVERHEAD;
    return pending;
  }

  /** XREADGROUP delivered `id` to `consumer`: a new NACK, or the existing one moved and reset. */
  deliver(id: StreamId, consumer: Consumer, now: number): void {
    const existing = this.pel.get(id);
    if (existing === undefined) {
      const nack = new Nack(id, now, consumer);
      this.pel.add(nack);
      consumer.pel.add(nack);
      this.stream.memoryBytes += NACK_OVERHEAD;
      return;
    }
    existing.consumer?.pel.remove(id);
    existing.consumer = consumer;
    existing.deliveryTime = now;
    existing.deliveryCount = 1n;
    consumer.pel.add(existing);
  }

  /** XCLAIM FORCE: a NACK with no owner yet for an entry that is not pending. */
  createOrphanNack(id: StreamId, now: number): Nack {
    const nack = new Nack(id, now, null);
    this.pel.add(nack);
    this.stream.memoryBytes += NACK_OVERHEAD;
    return nack;
  }

  /** Gives a NACK to `consumer` (no-op when it already owns it). */
  transfer(nack: Nack, consumer: Consumer): void {
    if (nack.consumer === consumer) return;
    nack.consumer?.pel.remove(nack.id);
    consumer.pel.add(nack);
    nack.consumer = consumer;
  }

  /** Forgets a pending entry (XACK, or a claim finding the entry deleted). */
  removeNack(nack: Nack): void {
    this.pel.remove(nack.id);
    nack.consumer?.pel.remove(nack.id);
    this.stream.memoryBytes -= NACK_OVERHEAD;
  }

  /** Consumers ordered by name, as Redis's rax iterates them. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

// ---------------------------------------------------------------------------------------------
// The stream

export const enum TrimStrategy {
  None,
  MaxLen,
  MinId,
}

export interface TrimOptions {
  strategy: TrimStrategy;
  /** MAXLEN: the length to trim to. */
  maxLength: number;
  /** MINID: entries below this ID go. */
  minId: StreamId;
  /** "~": only whole nodes are removed. */
  approximate: boolean;
  /** At most this many entries are removed (0: no limit). */
  limit: number;
}

export interface NodeLimits {
  maxBytes: number;
  maxEntries: number;
}

export class Stream {
  private nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamId = MIN_ID;
  /** The first live entry's ID as last recorded (XINFO's recorded-first-entry-id). */
  firstId: StreamId = MIN_ID;
  maxDeletedId: StreamId = MIN_ID;
  /** All-time count of added entries (uint64). */
  entriesAdded = 0n;
  private groupsByName: Map<string, ConsumerGroup> | null = null;
  memoryBytes = STREAM_OVERHEAD;

  /** The nodes in ID order (RDB and DUMP write one listpack per node). */
  nodeViews(): readonly StreamNodeView[] {
    return this.nodes;
  }

  /**
   * Appends a node read from an RDB listpack (persistence/rdb-reader.ts): entries in ID order,
   * tombstones included, after the nodes already restored. `bytes` is the listpack's size. The
   * loader sets length, IDs and counters itself, as they are stored beside the nodes.
   */
  restoreNode(master: StreamId, masterFields: readonly string[], entries: StreamEntry[], bytes: number): void {
    const node = new StreamNode(master, masterFields);
    for (const entry of entries) {
      node.entries.push(entry);
      if (entry.deleted) node.deletedCount++;
      else node.live++;
    }
    node.bytes = bytes;
    this.nodes.push(node);
    this.memoryBytes += nodeCharge(node);
  }

  /** Nodes in the radix tree (raxSize). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  get groupCount(): number {
    return this.groupsByName?.size ?? 0;
  }

  /**
   * streamAppendItem with the ID already decided (greater than lastId): to the tail node, or
   * a new node when the tail is full by entries or bytes. Returns false when the fields are
   * too large for a listpack. The stream keeps `fields` as the entry's (names may be swapped
   * for equal strings).
   */
  append(id: StreamId, fields: string[], limits: NodeLimits): boolean {
    let valueBytes = 0;
    for (const text of fields) valueBytes += text.length;
    if (valueBytes > LISTPACK_MAX) return false;
    let node = this.nodes[this.nodes.length - 1];
    if (node !== undefined) {
      const maxBytes = limits.maxBytes === 0 || limits.maxBytes > LISTPACK_MAX ? LISTPACK_MAX : limits.maxBytes;
      const full =
        node.bytes + valueBytes >= maxBytes || (limits.maxEntries !== 0 && node.live + node.deletedCount >= limits.maxEntries);
      if (full) {
        // Redis shrinks the full node's listpack to fit before starting the next one.
        this.memoryBytes -= nodeCharge(node);
        node.capacity = 0;
        this.memoryBytes += nodeCharge(node);
        node = undefined;
      }
    }
    let sameFields: boolean;
    if (node === undefined) {
      node = new StreamNode(id, fieldNames(fields));
      node.capacity = preallocation(limits.maxBytes);
      this.nodes.push(node);
      this.memoryBytes += nodeCharge(node);
      sameFields = true;
    } else {
      sameFields = sameNames(fields, node.masterFields);
      // The entry keeps the master's name strings, so its own copies can be collected young.
      if (sameFields) for (let i = 0; i < fields.length; i += 2) fields[i] = node.masterFields[i / 2]!;
    }
    const before = nodeCharge(node);
    node.bytes += integerElement(node.live + 1) - integerElement(node.live) + entryBytes(id, node, fields, sameFields);
    node.live++;
    node.entries.push({ id, fields, deleted: false });
    this.memoryBytes += nodeCharge(node) - before;
    this.length++;
    this.entriesAdded = this.entriesAdded === U64_MAX ? 0n : this.entriesAdded + 1n;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
    return true;
  }

  /** streamTrim: removes entries from the head by MAXLEN or MINID; returns how many went. */
  trim(options: TrimOptions): number {
    if (options.strategy === TrimStrategy.None) return 0;
    const byLength = options.strategy === TrimStrategy.MaxLen;
    let deleted = 0;
    let removeNodes = 0;
    for (; removeNodes < this.nodes.length; removeNodes++) {
      if (byLength && this.length <= options.maxLength) break;
      const node = this.nodes[removeNodes]!;
      const entries = node.live;
      if (options.limit !== 0 && deleted + entries > options.limit) break;
      const wholeNode = byLength
        ? this.length - entries >= options.maxLength
        : node.entries[node.entries.length - 1]!.id < options.minId;
      if (wholeNode) {
        this.length -= entries;
        deleted += entries;
        this.memoryBytes -= nodeCharge(node);
        continue;
      }
      if (options.approximate) break;
      deleted += this.trimInside(node, options);
      break;
    }
    if (removeNodes > 0) this.nodes.splice(0, removeNodes);
    if (this.length === 0) this.firstId = MIN_ID;
    else if (deleted > 0) this.firstId = this.edgeId(true);
    return deleted;
  }

  /** Marks entries of the head node deleted until the trim condition holds. */
  private trimInside(node: StreamNode, options: TrimOptions): number {
    const byLength = options.strategy === TrimStrategy.MaxLen;
    let marked = 0;
    for (const entry of node.entries) {
      if (byLength ? this.length <= options.maxLength : entry.id >= options.minId) break;
      if (!entry.deleted) {
        entry.deleted = true;
        marked++;
        this.length--;
      }
    }
    const before = nodeCharge(node);
    node.markDeleted(marked);
    this.memoryBytes += nodeCharge(node) - before;
    return marked;
  }

  /** The live entry with this ID, if any. */
  get(id: StreamId): StreamEntry | undefined {
    const node = this.nodes[this.nodeFloor(id)];
    if (node === undefined) return undefined;
    const entry = node.entries[node.lowerBound(id)];
    return entry !== undefined && entry.id === id && !entry.deleted ? entry : undefined;
  }

  /** streamDeleteItem: tombstones a live entry; a node left without live entries goes. */
  private deleteOne(id: StreamId): boolean {
    const at = this.nodeFloor(id);
    const node = this.nodes[at];
    if (node === undefined) return false;
    const entry = node.entries[node.lowerBound(id)];
    if (entry === undefined || entry.id !== id || entry.deleted) return false;
    entry.deleted = true;
    if (node.live === 1) {
      this.nodes.splice(at, 1);
      this.memoryBytes -= nodeCharge(node);
    } else {
      const before = nodeCharge(node);
      node.markDeleted(1);
      this.memoryBytes += nodeCharge(node) - before;
    }
    this.length--;
    return true;
  }

  /** XDEL: deletes the given IDs, tracking max-deleted-entry-id and the first entry. */
  delete(ids: readonly StreamId[]): number {
    let deleted = 0;
    let firstDeleted = false;
    for (const id of ids) {
      if (!this.deleteOne(id)) continue;
      if (id === this.firstId) firstDeleted = true;
      if (id > this.maxDeletedId) this.maxDeletedId = id;
      deleted++;
    }
    if (deleted > 0) {
      if (this.length === 0) this.firstId = MIN_ID;
      else if (firstDeleted) this.firstId = this.edgeId(true);
    }
    return deleted;
  }

  /** streamGetEdgeID skipping tombstones: the first (or last) live ID; MAX/0-0 when empty. */
  edgeId(first: boolean): StreamId {
    const nodes = this.nodes;
    if (first) {
      for (const node of nodes) for (const entry of node.entries) if (!entry.deleted) return entry.id;
      return MAX_ID;
    }
    for (let n = nodes.length - 1; n >= 0; n--) {
      const entries = nodes[n]!.entries;
      for (let i = entries.length - 1; i >= 0; i--) if (!entries[i]!.deleted) return entries[i]!.id;
    }
    return MIN_ID;
  }

  /** Index of the last node whose master ID is <= id, or -1. */
  private nodeFloor(id: StreamId): number {
    const nodes = this.nodes;
    let low = 0;
    let high = nodes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (nodes[mid]!.master <= id) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }

  /** Live entries with start <= ID <= end, ascending (or descending), at most `count` (0: all). */
  range(start: StreamId, end: StreamId, reverse: boolean, count: number): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (start > end) return out;
    const nodes = this.nodes;
    if (!reverse) {
      let n = Math.max(0, this.nodeFloor(start));
      let i = nodes[n] === undefined ? 0 : nodes[n]!.lowerBound(start);
      for (; n < nodes.length; n++, i = 0) {
        const entries = nodes[n]!.entries;
        for (; i < entries.length; i++) {
          const entry = entries[i]!;
          if (entry.id > end) return out;
          if (entry.deleted) continue;
          out.push(entry);
          if (out.length === count) return out;
        }
      }
      return out;
    }
    const last = this.nodeFloor(end);
    for (let n = last; n >= 0; n--) {
      const node = nodes[n]!;
      const entries = node.entries;
      let i = n === last ? node.lowerBound(end, true) - 1 : entries.length - 1;
      for (; i >= 0; i--) {
        const entry = entries[i]!;
        if (entry.id < start) return out;
        if (entry.deleted) continue;
        out.push(entry);
        if (out.length === count) return out;
      }
    }
    return out;
  }

  // -- consumer groups --------------------------------------------------------------------------

  group(name: string): ConsumerGroup | undefined {
    return this.groupsByName?.get(name);
  }

  /** streamCreateCG: null when the name is taken. */
  createGroup(name: string, lastId: StreamId, entriesRead: bigint): ConsumerGroup | null {
    this.groupsByName ??= new Map();
    if (this.groupsByName.has(name)) return null;
    const group = new ConsumerGroup(this, name, lastId, entriesRead);
    this.groupsByName.set(name, group);
    this.memoryBytes += GROUP_OVERHEAD + name.length;
    return group;
  }

  destroyGroup(group: ConsumerGroup): void {
    this.groupsByName?.delete(group.name);
    let bytes = GROUP_OVERHEAD + group.name.length + group.pel.size * NACK_OVERHEAD;
    for (const consumer of group.consumers.values()) bytes += CONSUMER_OVERHEAD + consumer.name.length;
    this.memoryBytes -= bytes;
  }

  /** Groups ordered by name, as Redis's rax iterates them. */
  sortedGroups(): ConsumerGroup[] {
    if (this.groupsByName === null) return [];
    return [...this.groupsByName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // -- logical read counters (entries_read / lag) ------------------------------------------------

  /** streamRangeHasTombstones for [start, +]: whether a deleted entry may lie at or after start. */
  tombstonesFrom(start: StreamId): boolean {
    if (this.length === 0 || this.maxDeletedId === MIN_ID) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId;
  }

  /** streamEstimateDistanceFromFirstEverEntry: the read counter of `id`, or INVALID_ENTRIES_READ. */
  estimateEntriesRead(id: StreamId): bigint {
    if (this.entriesAdded === 0n) return 0n;
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return INVALID_ENTRIES_READ;
    if (this.maxDeletedId === MIN_ID || this.maxDeletedId < this.firstId) {
      const length = BigInt(this.length);
      if (id < this.firstId) return this.entriesAdded - length;
      if (id === this.firstId) return this.entriesAdded - length + 1n;
    }
    return INVALID_ENTRIES_READ;
  }

  /** streamReplyWithCGLag's value: entries not yet delivered to the group, or null if unknown. */
  lag(group: ConsumerGroup): bigint | null {
    if (this.entriesAdded === 0n) return 0n;
    if (group.entriesRead !== INVALID_ENTRIES_READ && !this.tombstonesFrom(group.lastId)) {
      return BigInt.asIntN(64, this.entriesAdded - group.entriesRead);
    }
    const read = this.estimateEntriesRead(group.lastId);
    return read === INVALID_ENTRIES_READ ? null : BigInt.asIntN(64, this.entriesAdded - read);
  }

  /** The group read `id`: advance its last ID and read counter as streamReplyWithRange does. */
  advanceGroup(group: ConsumerGroup, id: StreamId): void {
    if (id <= group.lastId) return;
    if (group.entriesRead !== INVALID_ENTRIES_READ && !this.tombstonesFrom(id)) group.entriesRead++;
    else if (this.entriesAdded !== 0n) group.entriesRead = this.estimateEntriesRead(id);
    group.lastId = id;
  }

  // -- XINFO ---------------------------------------------------------------------------------------

  /** rax->numnodes of the radix tree keyed by the nodes' master IDs. */
  radixTreeNodes(): number {
    return raxNodeCount(this.nodes.map((node) => node.master));
  }

  /**
   * The memory figure recounted from the content (listpack sizes from the entries, groups, NACKs,
   * consumers): equal to the incremental `memoryBytes` for a stream built by commands. Tests use
   * it to catch drift; a node restored from an RDB keeps the byte size its listpack had instead.
   */
  measureMemory(): number {
    let bytes = STREAM_OVERHEAD;
    for (const node of this.nodes) {
      let listpack = new StreamNode(node.master, node.masterFields).bytes;
      listpack += integerElement(node.live) - integerElement(0) + integerElement(node.deletedCount) - integerElement(0);
      for (const entry of node.entries) listpack += entryBytes(entry.id, node, entry.fields, sameNames(entry.fields, node.masterFields));
      bytes += NODE_OVERHEAD + Math.max(listpack, node.capacity);
    }
    for (const group of this.groupsByName?.values() ?? []) {
      bytes += GROUP_OVERHEAD + group.name.length + group.pel.size * NACK_OVERHEAD;
      for (const consumer of group.consumers.values()) bytes += CONSUMER_OVERHEAD + consumer.name.length;
    }
    return bytes;
  }

  /** An independent copy (COPY). */
  clone(): Stream {
    const copy = new Stream();
    for (const node of this.nodes) {
      const twin = new StreamNode(node.master, node.masterFields);
      for (const entry of node.entries) twin.entries.push({ id: entry.id, fields: entry.fields, deleted: entry.deleted });
      twin.live = node.live;
      twin.deletedCount = node.deletedCount;
      twin.bytes = node.bytes;
      twin.capacity = node.capacity;
      copy.nodes.push(twin);
    }
    copy.length = this.length;
    copy.lastId = this.lastId;
    copy.firstId = this.firstId;
    copy.maxDeletedId = this.maxDeletedId;
    copy.entriesAdded = this.entriesAdded;
    copy.memoryBytes = this.memoryBytes;
    for (const group of this.sortedGroups()) {
      const twin = new ConsumerGroup(copy, group.name, group.lastId, group.entriesRead);
      (copy.groupsByName ??= new Map()).set(group.name, twin);
      const nacks = new Map<Nack, Nack>();
      for (const nack of group.pel.values()) {
        const copied = new Nack(nack.id, nack.deliveryTime, null);
        copied.deliveryCount = nack.deliveryCount;
        nacks.set(nack, copied);
        twin.pel.add(copied);
      }
      for (const consumer of group.consumers.values()) {
        const copiedConsumer = new Consumer(consumer.name, consumer.seenTime);
        twin.consumers.set(consumer.name, copiedConsumer);
        for (const nack of consumer.pel.values()) {
          const copied = nacks.get(nack)!;
          copied.consumer = copiedConsumer;
          copiedConsumer.pel.add(copied);
        }
      }
    }
    return copy;
  }
}

/**
 * Nodes of a compressed radix tree (Redis's rax) holding these sorted, distinct, equal-length
 * keys: the root, every branching point, every child of a branching point and every leaf.
 * Chains between them are compressed into one node each. An empty tree is its root alone.
 */
export function raxNodeCount(keys: readonly string[]): number {
  if (keys.length === 0) return 1;
  const starts = new Set<string>(['']);
  for (const key of keys) starts.add(key);
  for (let i = 0; i + 1 < keys.length; i++) {
    const a = keys[i]!;
    const b = keys[i + 1]!;
    let common = 0;
    while (common < a.length && a.charCodeAt(common) === b.charCodeAt(common)) common++;
    starts.add(a.slice(0, common));
    starts.add(a.slice(0, common + 1));
    starts.add(b.slice(0, common + 1));
  }
  return starts.size;
}
