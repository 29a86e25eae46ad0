import { AccessPolicy } from './access.js';
import type { Clock } from './clock.js';
import { Entry, ENTRY_OVERHEAD, EXPIRE_OVERHEAD, STRING_OVERHEAD, StringForm, ValueType } from './entry.js';
import { SlotIndex } from './slot-index.js';

/** What a database tells the rest of the server about (expiry, deletions, memory). */
export interface KeyspaceObserver {
  /** A key was removed because its TTL passed. */
  keyExpired(db: Database, key: string): void;
  /** Memory charged to keys changed by `delta` bytes. */
  memoryChanged(delta: number): void;
  /** A key was written, deleted or had its TTL changed (Redis's signalModifiedKey: WATCH). */
  keyModified(db: Database, key: string): void;
  /** `db` is about to lose all its keys, replaced by those of `replacement` (FLUSHDB, SWAPDB). */
  keysReplaced(db: Database, replacement: Database | null): void;
  /** A key was created (Redis's dbAdd: the "new" keyspace event). */
  keyAdded?(db: Database, key: string): void;
}

/**
 * One logical database: a Map for lookup, a dense array for O(1) random sampling and
 * cursor scans, and a second dense array of the keys that carry a TTL (Redis's `expires`).
 * Removal is swap-remove, which is what makes SCAN walk the array from the end (DESIGN.md).
 */
export class Database {
  private dict = new Map<string, Entry>();
  private keys: Entry[] = [];
  private expiring: Entry[] = [];
  /** Where the active expiry cycle resumes in the array of keys with a TTL. */
  expiryCursor = 0;
  /**
   * Set while a snapshot runs (persistence/snapshot.ts): called before an existing entry's value,
   * TTL or presence changes, so the snapshot can keep the value it had when it started.
   */
  beforeChange: ((entry: Entry) => void) | null = null;
  /** Keys by cluster hash slot; null unless cluster-enabled (standalone pays one null test per add/remove). */
  private slots: SlotIndex | null = null;

  constructor(
    readonly index: number,
    private readonly clock: Clock,
    private readonly observer: KeyspaceObserver,
    /** LRU/LFU bookkeeping of accesses, shared by all databases of a server. */
    readonly access: AccessPolicy = new AccessPolicy(),
  ) {}

  get size(): number {
    return this.keys.length;
  }

  get expiresCount(): number {
    return this.expiring.length;
  }

  /**
   * The live entry for a key, removing it first when its TTL has passed (lazy expiry). The
   * access is recorded for LRU/LFU unless `touch` is false (Redis's LOOKUP_NOTOUCH: TYPE,
   * EXISTS, TTL, OBJECT).
   */
  lookup(key: string, touch = true): Entry | undefined {
    const entry = this.dict.get(key);
    if (entry === undefined) return undefined;
    if (this.isExpired(entry)) {
      this.expire(entry);
      return undefined;
    }
    if (touch) this.access.touch(entry, this.clock.seconds);
    return entry;
  }

  /** Like `lookup` but never expires anything: for reads that must not change the dataset. */
  peek(key: string): Entry | undefined {
    const entry = this.dict.get(key);
    if (entry === undefined) return undefined;
    return this.isExpired(entry) ? undefined : entry;
  }

  /** Whether the entry's TTL has passed: Redis keeps a key alive through its expiry millisecond. */
  isExpired(entry: Entry): boolean {
    return entry.expireAt !== 0 && this.clock.ms > entry.expireAt;
  }

  /** The entry stored under a key even if its TTL has passed (WATCH needs to tell those apart). */
  stored(key: string): Entry | undefined {
    return this.dict.get(key);
  }

  /** Whether the key exists now (expiring it lazily). */
  has(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /**
   * Stores a value under a key, replacing any previous value. The TTL is cleared unless
   * `keepTtl` is set (SET … KEEPTTL). Returns the entry.
   */
  set(key: string, type: ValueType, value: unknown, keepTtl = false): Entry {
    const existing = this.dict.get(key);
    if (existing !== undefined) {
      if (this.beforeChange !== null) this.beforeChange(existing);
      existing.type = type;
      existing.value = value;
      existing.stringForm = StringForm.Encoded;
      existing.accessedAt = this.clock.seconds;
      if (!keepTtl && existing.expireAt !== 0) this.clearExpiry(existing);
      this.recharge(existing);
      return existing;
    }
    const entry = new Entry(key, type, value, this.clock.seconds);
    entry.slotInKeys = this.keys.length;
    this.keys.push(entry);
    this.dict.set(key, entry);
    if (this.slots !== null) this.slots.add(entry);
    this.recharge(entry);
    this.observer.keyAdded?.(this, key);
    return entry;
  }

  /** Removes a key. Returns false when it did not exist (expired keys count as absent). */
  delete(key: string): boolean {
    const entry = this.lookup(key);
    if (entry === undefined) return false;
    this.remove(entry);
    return true;
  }

  /** Removes an entry known to be in this database. */
  remove(entry: Entry): void {
    if (this.beforeChange !== null) this.beforeChange(entry);
    this.dict.delete(entry.key);
    if (this.slots !== null) this.slots.remove(entry);
    swapRemove(this.keys, entry.slotInKeys, 'keys');
    entry.slotInKeys = -1;
    if (entry.slotInExpiring !== -1) this.clearExpiry(entry);
    this.observer.memoryChanged(-entry.bytes);
    entry.bytes = 0;
    this.observer.keyModified(this, entry.key);
  }

  /** Sets an absolute expiry time in ms; the key must exist. */
  setExpiry(entry: Entry, at: number): void {
    if (this.beforeChange !== null) this.beforeChange(entry);
    if (entry.slotInExpiring === -1) {
      entry.slotInExpiring = this.expiring.length;
      this.expiring.push(entry);
      this.chargeExpiry(entry, EXPIRE_OVERHEAD);
    }
    entry.expireAt = at;
    this.observer.keyModified(this, entry.key);
  }

  /** Removes a key's TTL. Returns false when it had none. */
  clearExpiry(entry: Entry): boolean {
    if (entry.slotInExpiring === -1) return false;
    if (this.beforeChange !== null) this.beforeChange(entry);
    swapRemove(this.expiring, entry.slotInExpiring, 'expiring');
    entry.slotInExpiring = -1;
    entry.expireAt = 0;
    this.chargeExpiry(entry, -EXPIRE_OVERHEAD);
    this.observer.keyModified(this, entry.key);
    return true;
  }

  /**
   * Re-computes the memory charged to an entry after its value changed. Every write of a value
   * ends here (set() included), which makes it the one place a modification is signalled.
   */
  recharge(entry: Entry): void {
    const bytes = chargeOf(entry);
    const delta = bytes - entry.bytes;
    entry.bytes = bytes;
    if (delta !== 0) this.observer.memoryChanged(delta);
    this.observer.keyModified(this, entry.key);
  }

  /** A TTL costs an entry in the dict of keys with a TTL. */
  private chargeExpiry(entry: Entry, delta: number): void {
    entry.bytes += delta;
    this.observer.memoryChanged(delta);
  }

  /** Removes every key. Returns how many there were. */
  flush(): number {
    this.observer.keysReplaced(this, null);
    const count = this.keys.length;
    let bytes = 0;
    for (const entry of this.keys) bytes += entry.bytes;
    this.dict.clear();
    this.slots?.clear();
    this.keys.length = 0;
    this.expiring.length = 0;
    if (bytes !== 0) this.observer.memoryChanged(-bytes);
    return count;
  }

  /** Exchanges contents with another database (SWAPDB). */
  swapWith(other: Database): void {
    this.observer.keysReplaced(this, other);
    this.observer.keysReplaced(other, this);
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.keys, other.keys] = [other.keys, this.keys];
    [this.expiring, other.expiring] = [other.expiring, this.expiring];
    [this.slots, other.slots] = [other.slots, this.slots];
  }

  /** Starts keeping keys by cluster hash slot (cluster-enabled), indexing the keys already here. */
  indexSlots(): void {
    if (this.slots !== null) return;
    this.slots = new SlotIndex();
    for (const entry of this.keys) this.slots.add(entry);
  }

  /** Keys stored in a hash slot, expired ones not yet reaped included (COUNTKEYSINSLOT). O(1). */
  countKeysInSlot(slot: number): number {
    return this.slots === null ? 0 : this.slots.count(slot);
  }

  /** Up to `count` keys of a hash slot (GETKEYSINSLOT). */
  keysInSlot(slot: number, count: number): string[] {
    return this.slots === null ? [] : this.slots.keys(slot, count);
  }

  /**
   * Deletes every key of a hash slot (the slot was lost or flushed: Redis 7.0's delKeysInSlot,
   * which neither propagates nor notifies, since replicas drop the slot themselves). Returns how many.
   */
  deleteKeysInSlot(slot: number): number {
    if (this.slots === null) return 0;
    const entries = this.slots.entries(slot);
    for (const entry of entries) this.remove(entry);
    return entries.length;
  }

  /**
   * A uniformly random live key, or null when there is none. Expired samples are reaped on the
   * way, as Redis does: each try either returns or removes a key, so the loop ends.
   */
  randomKey(): string | null {
    while (this.keys.length > 0) {
      const entry = this.keys[(Math.random() * this.keys.length) | 0]!;
      if (!this.isExpired(entry)) return entry.key;
      this.expire(entry);
    }
    return null;
  }

  /** The entry at a dense-array position (for sampling and cursor scans). */
  entryAt(position: number): Entry | undefined {
    return this.keys[position];
  }

  /** The entry at a position of the array of keys with a TTL (the active expiry cursor walks it). */
  expiringAt(position: number): Entry | undefined {
    return this.expiring[position];
  }

  /** A random entry that has a TTL, or undefined (sampling for volatile-* eviction). */
  randomExpiring(): Entry | undefined {
    const n = this.expiring.length;
    return n === 0 ? undefined : this.expiring[(Math.random() * n) | 0];
  }

  /** The dense array of entries as it is now, copied (a snapshot walks it while the original changes). */
  entriesCopy(): Entry[] {
    return this.keys.slice();
  }

  /** Iterates all entries (including ones whose TTL has passed but are not yet reaped). */
  entries(): IterableIterator<Entry> {
    return this.dict.values();
  }

  /** Removes an entry whose TTL has passed and tells the observer. */
  expire(entry: Entry): void {
    this.remove(entry);
    this.observer.keyExpired(this, entry.key);
  }
}

/** The bytes an entry is charged for, from its key, value and TTL (MEMORY USAGE recounts with it). */
export function chargeOf(entry: Entry): number {
  return ENTRY_OVERHEAD + entry.key.length + measure(entry) + (entry.slotInExpiring === -1 ? 0 : EXPIRE_OVERHEAD);
}

/** Bytes charged for a value; mutable types keep their own running count in `memoryBytes`. */
function measure(entry: Entry): number {
  const value = entry.value;
  if (typeof value === 'string') return STRING_OVERHEAD + value.length;
  if (value !== null && typeof value === 'object' && 'memoryBytes' in value) {
    return (value as { memoryBytes: number }).memoryBytes;
  }
  return 0;
}

function swapRemove(array: Entry[], position: number, index: 'keys' | 'expiring'): void {
  const last = array.pop()!;
  if (position < array.length) {
    array[position] = last;
    if (index === 'keys') last.slotInKeys = position;
    else last.slotInExpiring = position;
  }
}
