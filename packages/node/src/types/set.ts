import { parseInt64, type Int64 } from './int64.js';
import { randomPosition } from './sampling.js';

/**
 * A Redis set with the two encodings of Redis 7.0:
 * - intset: only canonical int64 members, kept sorted ascending (binary search, O(n) insert
 *   and remove like Redis's intset), so every reply that walks it is in numeric order;
 * - hashtable: a Map from member to its position in a dense array, for O(1) membership and
 *   O(1) uniform random members; removal is swap-remove.
 * A set starts as an intset (Redis's createIntsetObject/setTypeCreate give the same result)
 * and becomes a hashtable for good when a non-integer member arrives or it outgrows
 * set-max-intset-entries.
 */

/** Redis caps set-max-intset-entries at 2^30 (intset internals). */
const INTSET_CAP = 1 << 30;
/** Estimated bytes: intset header and element, dict header and per-member entry + sds. */
const INTSET_HEADER = 16;
/** Members as int32, the usual width of integer IDs (Redis picks 2, 4 or 8 bytes by range). */
const INTSET_ELEMENT = 4;
const DICT_HEADER = 96;
/** dictEntry, bucket share and sds header of a member. */
const DICT_MEMBER = 48;

export type SetEncoding = 'intset' | 'hashtable';

export class RedisSet {
  /** The intset's members, ascending; null once the set is a hashtable. */
  private ints: Int64[] | null = [];
  /** Hashtable: member → position in `members`. */
  private positions: Map<string, number> | null = null;
  private members: string[] = [];
  /** Bytes charged for this value (read by Database.recharge), kept up to date by every change. */
  memoryBytes = INTSET_HEADER;

  get size(): number {
    return this.ints !== null ? this.ints.length : this.members.length;
  }

  get encoding(): SetEncoding {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  has(member: string): boolean {
    if (this.ints === null) return this.positions!.has(member);
    const value = parseInt64(member);
    return value !== null && this.search(value) >= 0;
  }

  /** setTypeAdd: adds a member; false when it was already there. */
  add(member: string, maxIntsetEntries: number): boolean {
    if (this.ints !== null) {
      const value = parseInt64(member);
      if (value === null) {
        this.convertToHashtable();
        this.addToHashtable(member);
        return true;
      }
      const at = this.search(value);
      if (at >= 0) return false;
      this.ints.splice(-at - 1, 0, value);
      this.memoryBytes += INTSET_ELEMENT;
      if (this.ints.length > Math.min(maxIntsetEntries, INTSET_CAP)) this.convertToHashtable();
      return true;
    }
    if (this.positions!.has(member)) return false;
    this.addToHashtable(member);
    return true;
  }

  /** setTypeRemove: removes a member; false when it was not there. */
  remove(member: string): boolean {
    if (this.ints === null) {
      const position = this.positions!.get(member);
      if (position === undefined) return false;
      this.removeFromHashtable(position);
      return true;
    }
    const value = parseInt64(member);
    if (value === null) return false;
    const at = this.search(value);
    if (at < 0) return false;
    this.removeFromIntset(at);
    return true;
  }

  /** The member at a position of the walk order (ascending for an intset). */
  at(position: number): string {
    return this.ints !== null ? String(this.ints[position]!) : this.members[position]!;
  }

  /** A uniformly random member; the set must not be empty. */
  random(): string {
    return this.at(randomPosition(this.size));
  }

  /** Removes and returns a uniformly random member; the set must not be empty. */
  popRandom(): string {
    const position = randomPosition(this.size);
    const member = this.at(position);
    if (this.ints !== null) this.removeFromIntset(position);
    else this.removeFromHashtable(position);
    return member;
  }

  /** Every member in walk order (intset: ascending; hashtable: unspecified, as in Redis). */
  toArray(): string[] {
    return this.ints !== null ? this.ints.map(String) : this.members.slice();
  }

  /** setTypeDup: an independent copy with the same encoding. */
  clone(): RedisSet {
    const copy = new RedisSet();
    copy.ints = this.ints === null ? null : this.ints.slice();
    copy.positions = this.positions === null ? null : new Map(this.positions);
    copy.members = this.members.slice();
    copy.memoryBytes = this.memoryBytes;
    return copy;
  }

  /** Binary search in the intset: the index of `value`, or -(insertion point) - 1. */
  private search(value: Int64): number {
    const ints = this.ints!;
    let low = 0;
    let high = ints.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const probe = ints[mid]!;
      if (probe < value) low = mid + 1;
      else if (probe > value) high = mid - 1;
      else return mid;
    }
    return -low - 1;
  }

  private removeFromIntset(position: number): void {
    this.ints!.splice(position, 1);
    this.memoryBytes -= INTSET_ELEMENT;
  }

  private convertToHashtable(): void {
    const ints = this.ints!;
    this.ints = null;
    this.positions = new Map();
    this.members = [];
    this.memoryBytes = DICT_HEADER;
    for (const value of ints) this.addToHashtable(String(value));
  }

  private addToHashtable(member: string): void {
    this.positions!.set(member, this.members.length);
    this.members.push(member);
    this.memoryBytes += DICT_MEMBER + member.length;
  }

  private removeFromHashtable(position: number): void {
    const members = this.members;
    const member = members[position]!;
    const last = members.pop()!;
    this.positions!.delete(member);
    if (position < members.length) {
      members[position] = last;
      this.positions!.set(last, position);
    }
    this.memoryBytes -= DICT_MEMBER + member.length;
  }
}

/** A new set holding `members` as Redis builds one from scratch (intset while it can be). */
export function setOf(members: Iterable<string>, maxIntsetEntries: number): RedisSet {
  const set = new RedisSet();
  for (const member of members) set.add(member, maxIntsetEntries);
  return set;
}
