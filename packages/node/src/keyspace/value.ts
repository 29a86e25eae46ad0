import { stringEncoding } from '../commands/string.js';
import type { RedisHash } from '../types/hash.js';
import { parseInt64 } from '../types/int64.js';
import type { Stream } from '../types/stream.js';
import type { List } from '../types/list.js';
import type { RedisSet } from '../types/set.js';
import type { SortedSet } from '../types/zset.js';
import { type Entry, StringForm, TYPE_NAMES, ValueType } from './entry.js';

/**
 * Per-type knowledge the generic commands need about values, kept in one place: each data
 * type module adds its case to these switches when it lands.
 */

/** Redis keeps one shared object for each integer 0..9999 (OBJ_SHARED_INTEGERS). */
const SHARED_INTEGERS = 10000;
/** The refcount Redis reports for shared objects (OBJ_SHARED_REFCOUNT, INT_MAX). */
const SHARED_REFCOUNT = 2147483647;

/**
 * An independent copy of a value, for COPY (and anything else that duplicates a key).
 * Strings are immutable JS strings, so the copy shares them; mutable types must deep-copy.
 */
export function cloneValue(type: ValueType, value: unknown): unknown {
  switch (type) {
    case ValueType.String:
      return value;
    case ValueType.List:
      return (value as List).clone();
    case ValueType.Hash:
      return (value as RedisHash).clone();
    case ValueType.Set:
      return (value as RedisSet).clone();
    case ValueType.ZSet:
      return (value as SortedSet).clone();
    case ValueType.Stream:
      return (value as Stream).clone();
    default:
      throw new Error(`cloneValue: no copy defined for ${TYPE_NAMES[type]} values`);
  }
}

/** A value moved or copied to another entry keeps the encoding Redis's object would keep. */
export function carryEncoding(from: Entry, to: Entry, copied: boolean): void {
  if (from.type === ValueType.String) to.stringForm = from.stringForm | (copied ? StringForm.Unshared : 0);
}

/** OBJECT ENCODING: the representation Redis would use for this value. */
export function encodingOf(entry: Entry): string {
  switch (entry.type) {
    case ValueType.String:
      return stringEncoding(entry.value as string, entry);
    case ValueType.List:
      // Redis 7.0 keeps every list in a quicklist (listpack lists came with 7.2).
      return 'quicklist';
    case ValueType.Hash:
      return (entry.value as RedisHash).encoding;
    case ValueType.Set:
      return (entry.value as RedisSet).encoding;
    case ValueType.ZSet:
      return (entry.value as SortedSet).encoding;
    case ValueType.Stream:
      return 'stream';
    default:
      throw new Error(`encodingOf: no encoding defined for ${TYPE_NAMES[entry.type]} values`);
  }
}

/**
 * OBJECT REFCOUNT. Redis shares the objects of small integer strings (0..9999) unless an LRU/LFU
 * maxmemory policy needs a private access clock per key; every other value has one reference.
 */
export function refcountOf(entry: Entry, sharedIntegers: boolean): number {
  if ((entry.stringForm & StringForm.Unshared) !== 0) return 1;
  if (sharedIntegers && entry.type === ValueType.String && encodingOf(entry) === 'int') {
    const n = parseInt64(entry.value as string);
    if (typeof n === 'number' && n >= 0 && n < SHARED_INTEGERS) return SHARED_REFCOUNT;
  }
  return 1;
}
