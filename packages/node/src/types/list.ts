/**
 * The list value: a deque of latin1 strings in a ring buffer whose capacity is a power of two
 * (it doubles when full), so pushes and pops at either end and access by index are O(1).
 * Inserting or removing in the middle moves the elements after that point (Redis's quicklist
 * is O(n) there too). `memoryBytes` follows every mutation for the keyspace accounting.
 */

/** Fixed bytes charged for a list: quicklist header, its first node and listpack header. */
const LIST_OVERHEAD = 80;
/** Bytes charged per element on top of its length: listpack entry header and back length, node share. */
const ELEMENT_OVERHEAD = 3;
const INITIAL_CAPACITY = 8;

export class List {
  private items: (string | undefined)[];
  private mask: number;
  private head = 0;
  private count = 0;
  memoryBytes = LIST_OVERHEAD;

  constructor(capacity = INITIAL_CAPACITY) {
    let size = INITIAL_CAPACITY;
    while (size < capacity) size *= 2;
    this.items = new Array<string | undefined>(size);
    this.mask = size - 1;
  }

  /** A list holding `values` in order. */
  static of(values: readonly string[]): List {
    const list = new List(values.length);
    for (let i = 0; i < values.length; i++) list.pushTail(values[i]!);
    return list;
  }

  get length(): number {
    return this.count;
  }

  pushHead(value: string): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = value;
    this.count++;
    this.memoryBytes += ELEMENT_OVERHEAD + value.length;
  }

  pushTail(value: string): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = value;
    this.count++;
    this.memoryBytes += ELEMENT_OVERHEAD + value.length;
  }

  /** Removes and returns the first element (undefined when empty). */
  popHead(): string | undefined {
    if (this.count === 0) return undefined;
    const value = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    this.memoryBytes -= ELEMENT_OVERHEAD + value.length;
    return value;
  }

  /** Removes and returns the last element (undefined when empty). */
  popTail(): string | undefined {
    if (this.count === 0) return undefined;
    const slot = (this.head + this.count - 1) & this.mask;
    const value = this.items[slot]!;
    this.items[slot] = undefined;
    this.count--;
    this.memoryBytes -= ELEMENT_OVERHEAD + value.length;
    return value;
  }

  /** The element at `index` (0-based from the head); the caller keeps it in range. */
  at(index: number): string {
    return this.items[(this.head + index) & this.mask]!;
  }

  /** Replaces the element at `index` (in range). */
  set(index: number, value: string): void {
    const slot = (this.head + index) & this.mask;
    this.memoryBytes += value.length - this.items[slot]!.length;
    this.items[slot] = value;
  }

  /** Inserts `value` so that it ends up at `index` (0 … length), moving the shorter side. */
  insert(index: number, value: string): void {
    if (index === 0) return this.pushHead(value);
    if (index === this.count) return this.pushTail(value);
    if (this.count === this.items.length) this.grow();
    if (index < this.count / 2) {
      this.head = (this.head - 1) & this.mask;
      for (let i = 0; i < index; i++) this.move(i + 1, i);
    } else {
      for (let i = this.count; i > index; i--) this.move(i - 1, i);
    }
    this.items[(this.head + index) & this.mask] = value;
    this.count++;
    this.memoryBytes += ELEMENT_OVERHEAD + value.length;
  }

  /**
   * Removes up to `limit` elements equal to `value` (0 = all), scanning from the head, or from
   * the tail when `fromTail`. Returns how many went. One compacting pass: O(n).
   */
  removeMatching(value: string, limit: number, fromTail: boolean): number {
    const n = this.count;
    let removed = 0;
    if (!fromTail) {
      let write = 0;
      for (let read = 0; read < n; read++) {
        const element = this.at(read);
        if (element === value && (limit === 0 || removed < limit)) removed++;
        else this.items[(this.head + write++) & this.mask] = element;
      }
      for (let i = write; i < n; i++) this.items[(this.head + i) & this.mask] = undefined;
    } else {
      let write = n - 1;
      for (let read = n - 1; read >= 0; read--) {
        const element = this.at(read);
        if (element === value && (limit === 0 || removed < limit)) removed++;
        else this.items[(this.head + write--) & this.mask] = element;
      }
      for (let i = 0; i <= write; i++) this.items[(this.head + i) & this.mask] = undefined;
      this.head = (this.head + write + 1) & this.mask;
    }
    this.count = n - removed;
    this.memoryBytes -= removed * (ELEMENT_OVERHEAD + value.length);
    return removed;
  }

  /** Drops `fromHead` elements at the head and `fromTail` at the tail (their sum ≤ length). */
  trim(fromHead: number, fromTail: number): void {
    for (let i = 0; i < fromHead; i++) this.popHead();
    for (let i = 0; i < fromTail; i++) this.popTail();
  }

  /** Position of the first element equal to `value`, or -1. */
  indexOf(value: string): number {
    for (let i = 0; i < this.count; i++) if (this.at(i) === value) return i;
    return -1;
  }

  /** The elements in order, as a new array. */
  toArray(): string[] {
    const out = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.at(i);
    return out;
  }

  clone(): List {
    const copy = new List(this.count);
    for (let i = 0; i < this.count; i++) copy.items[i] = this.at(i);
    copy.count = this.count;
    copy.memoryBytes = this.memoryBytes;
    return copy;
  }

  private move(from: number, to: number): void {
    this.items[(this.head + to) & this.mask] = this.items[(this.head + from) & this.mask];
  }

  /** Doubles the capacity, unrolling the ring so the head is at slot 0. */
  private grow(): void {
    const size = this.items.length * 2;
    const items = new Array<string | undefined>(size);
    for (let i = 0; i < this.count; i++) items[i] = this.at(i);
    this.items = items;
    this.mask = size - 1;
    this.head = 0;
  }
}
