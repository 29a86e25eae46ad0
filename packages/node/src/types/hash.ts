/**
 * A Redis hash with the two encodings of Redis 7.0. Fields and values sit in parallel dense
 * arrays with a Map from field to position, so lookups are O(1) and a random field is O(1).
 * - listpack: the arrays keep insertion order and a delete closes the gap (O(n), as deleting
 *   from Redis's listpack is), so walks reply in the order Redis's listpack does;
 * - hashtable: the same arrays, delete by swap-remove (order unspecified, as in Redis).
 * A hash becomes a hashtable for good once it has more than hash-max-listpack-entries fields
 * or a field or value longer than hash-max-listpack-value bytes.
 */

/** Estimated bytes: listpack header and per-entry overhead, dict header and per-field entry. */
const LISTPACK_HEADER = 16;
const LISTPACK_ENTRY = 4;
const DICT_HEADER = 96;
const DICT_ENTRY = 56;

export type HashEncoding = 'listpack' | 'hashtable';

/** The thresholds of the listpack encoding (hash-max-listpack-entries / -value). */
export interface HashLimits {
  readonly maxEntries: number;
  readonly maxValue: number;
}

export class RedisHash {
  private positions = new Map<string, number>();
  private fields: string[] = [];
  private values: string[] = [];
  private listpack = true;
  /** Bytes charged for this value (read by Database.recharge), kept up to date by every change. */
  memoryBytes = LISTPACK_HEADER;

  get size(): number {
    return this.fields.length;
  }

  get encoding(): HashEncoding {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get(field: string): string | undefined {
    const position = this.positions.get(field);
    return position === undefined ? undefined : this.values[position];
  }

  has(field: string): boolean {
    return this.positions.has(field);
  }

  /**
   * hashTypeSet: sets a field, converting to a hashtable first when the field or value is too
   * long for a listpack, or after the insert when there are too many fields. Returns true when
   * the field is new.
   */
  set(field: string, value: string, limits: HashLimits): boolean {
    if (this.listpack && (field.length > limits.maxValue || value.length > limits.maxValue)) this.convert();
    const position = this.positions.get(field);
    if (position !== undefined) {
      this.memoryBytes += value.length - this.values[position]!.length;
      this.values[position] = value;
      return false;
    }
    this.positions.set(field, this.fields.length);
    this.fields.push(field);
    this.values.push(value);
    this.memoryBytes += this.entryBytes() + field.length + value.length;
    if (this.listpack && this.fields.length > limits.maxEntries) this.convert();
    return true;
  }

  /** Removes a field; false when it was not there. */
  delete(field: string): boolean {
    const position = this.positions.get(field);
    if (position === undefined) return false;
    this.memoryBytes -= this.entryBytes() + field.length + this.values[position]!.length;
    this.positions.delete(field);
    if (this.listpack) this.closeGap(position);
    else this.swapRemove(position);
    return true;
  }

  /** The field at a position of the walk order. */
  fieldAt(position: number): string {
    return this.fields[position]!;
  }

  /** The value at a position of the walk order. */
  valueAt(position: number): string {
    return this.values[position]!;
  }

  /** hashTypeDup: an independent copy with the same encoding. */
  clone(): RedisHash {
    const copy = new RedisHash();
    copy.positions = new Map(this.positions);
    copy.fields = this.fields.slice();
    copy.values = this.values.slice();
    copy.listpack = this.listpack;
    copy.memoryBytes = this.memoryBytes;
    return copy;
  }

  private entryBytes(): number {
    return this.listpack ? LISTPACK_ENTRY : DICT_ENTRY;
  }

  /** One-way, as in Redis: the arrays stay, only the bookkeeping of the encoding changes. */
  private convert(): void {
    this.listpack = false;
    let bytes = DICT_HEADER;
    for (let i = 0; i < this.fields.length; i++) bytes += DICT_ENTRY + this.fields[i]!.length + this.values[i]!.length;
    this.memoryBytes = bytes;
  }

  private closeGap(position: number): void {
    this.fields.splice(position, 1);
    this.values.splice(position, 1);
    for (let i = position; i < this.fields.length; i++) this.positions.set(this.fields[i]!, i);
  }

  private swapRemove(position: number): void {
    const lastField = this.fields.pop()!;
    const lastValue = this.values.pop()!;
    if (position < this.fields.length) {
      this.fields[position] = lastField;
      this.values[position] = lastValue;
      this.positions.set(lastField, position);
    }
  }
}
