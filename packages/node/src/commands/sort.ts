import type { Client } from '../server/client.js';
import { ValueType, type Entry } from '../keyspace/entry.js';
import { Err, ReplyError } from '../protocol/errors.js';
import type { RedisHash } from '../types/hash.js';
import { List } from '../types/list.js';
import type { RedisSet } from '../types/set.js';
import { strtod } from '../types/strtod.js';
import type { SortedSet } from '../types/zset.js';
import { rangeArgument } from './arguments.js';
import { lookupRead } from './lookup.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import type { CommandFamily } from './table.js';

/**
 * SORT and SORT_RO, as Redis 7.0's sort.c: the elements of a list, set or sorted set, ordered
 * by their own value or by keys/hash fields named by a BY pattern (numerically, or ALPHA),
 * sliced by LIMIT, replaced by GET patterns, replied or stored as a list.
 */

const CONVERSION_ERROR = "ERR One or more scores can't be converted into double";

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  /** The BY pattern; null sorts by the elements themselves. */
  by: string | null;
  /** BY a pattern without '*': keep the stored order. */
  dontSort: boolean;
  gets: string[];
  store: string | null;
}

/** One element being sorted with its weight: a score, or the text ALPHA compares. */
interface SortItem {
  element: string;
  score: number;
  /** ALPHA BY: the looked-up value; null when the key or field is missing. */
  compareBy: string | null;
}

function parseOptions(argv: readonly string[], readonly: boolean): SortOptions {
  const options: SortOptions = {
    desc: false,
    alpha: false,
    limitStart: 0,
    limitCount: -1,
    by: null,
    dontSort: false,
    gets: [],
    store: null,
  };
  for (let j = 2; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    const left = argv.length - j - 1;
    if (option === 'asc') options.desc = false;
    else if (option === 'desc') options.desc = true;
    else if (option === 'alpha') options.alpha = true;
    else if (option === 'limit' && left >= 2) {
      options.limitStart = rangeArgument(argv[j + 1]!);
      options.limitCount = rangeArgument(argv[j + 2]!);
      j += 2;
    } else if (!readonly && option === 'store' && left >= 1) options.store = argv[++j]!;
    else if (option === 'by' && left >= 1) {
      options.by = argv[++j]!;
      options.dontSort = !cString(options.by).includes('*');
    } else if (option === 'get' && left >= 1) options.gets.push(argv[++j]!);
    else throw new ReplyError(Err.syntax);
  }
  return options;
}

/** The text C's string functions see: up to the first NUL. */
function cString(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

/**
 * lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by the
 * element and the key read (counting a hit or miss) — its string value, or with "->field" the
 * field of a hash. Null when the pattern has no '*' or the key, type or field does not match.
 */
function lookupByPattern(client: Client, pattern: string, element: string): string | null {
  if (pattern === '#' || pattern.startsWith('#\0')) return element;
  const text = cString(pattern);
  const star = text.indexOf('*');
  if (star === -1) return null;
  const arrow = text.indexOf('->', star + 1);
  const hasField = arrow !== -1 && arrow + 2 < text.length;
  // The key is the pattern with the element for '*', minus the "->field" tail (measured on the full pattern).
  const tail = hasField ? pattern.slice(star + 1, arrow) : pattern.slice(star + 1);
  const entry = lookupRead(client, pattern.slice(0, star) + element + tail);
  if (entry === undefined) return null;
  if (hasField) {
    if (entry.type !== ValueType.Hash) return null;
    return (entry.value as RedisHash).get(pattern.slice(arrow + 2)) ?? null;
  }
  return entry.type === ValueType.String ? (entry.value as string) : null;
}

/** The score strtod gives a weight; null when Redis refuses it (junk, overflow, NaN). */
function weightScore(text: string): number | null {
  const c = cString(text);
  const result = strtod(c);
  if (result.end !== c.length || result.outOfRange || Number.isNaN(result.value)) return null;
  return result.value;
}

/** memcmp order, shorter first on a tie (compareStringObjects). */
function binaryCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale the server runs with: strcmp, so the texts end at a NUL. */
function collate(a: string, b: string): number {
  return binaryCompare(cString(a), cString(b));
}

/** sortCompare for the options in force (DESC reverses the whole comparison, ties included). */
function comparatorFor(options: SortOptions): (a: SortItem, b: SortItem) => number {
  const sign = options.desc ? -1 : 1;
  const text = options.store !== null ? binaryCompare : collate;
  if (!options.alpha) {
    return (a, b) => sign * (a.score > b.score ? 1 : a.score < b.score ? -1 : binaryCompare(a.element, b.element));
  }
  if (options.by === null) return (a, b) => sign * text(a.element, b.element);
  return (a, b) => {
    if (a.compareBy === null || b.compareBy === null) {
      return sign * (a.compareBy === b.compareBy ? 0 : a.compareBy === null ? -1 : 1);
    }
    return sign * text(a.compareBy, b.compareBy);
  };
}

/** The elements of the sorted value (all of them, or the [start, end] window when not sorting). */
function loadElements(entry: Entry | undefined, options: SortOptions, start: number, end: number): string[] {
  if (entry === undefined) return [];
  const windowOnly = options.dontSort && end >= start;
  switch (entry.type) {
    case ValueType.List: {
      const list = entry.value as List;
      if (!options.dontSort) return list.toArray();
      const out: string[] = [];
      for (let i = start; windowOnly && i <= end; i++) out.push(list.at(options.desc ? list.length - 1 - i : i));
      return out;
    }
    case ValueType.ZSet: {
      const zset = entry.value as SortedSet;
      const out: string[] = [];
      const first = options.dontSort ? start : 0;
      const last = options.dontSort ? (windowOnly ? end : start - 1) : zset.size - 1;
      for (let rank = first; rank <= last; rank++) {
        out.push(zset.at(options.dontSort && options.desc ? zset.size - 1 - rank : rank)!.member);
      }
      return out;
    }
    default:
      return (entry.value as RedisSet).toArray();
  }
}

function sortGeneric(client: Client, argv: string[], readonly: boolean): void {
  const options = parseOptions(argv, readonly);
  const entry = lookupRead(client, argv[1]!);
  if (entry !== undefined && entry.type !== ValueType.List && entry.type !== ValueType.Set && entry.type !== ValueType.ZSet) {
    client.error(Err.wrongType);
    return;
  }
  // A set has no order of its own: stored (or scripted) results are sorted anyway.
  if (options.dontSort && entry?.type === ValueType.Set && options.store !== null) {
    options.dontSort = false;
    options.alpha = true;
    options.by = null;
  }
  if (entry?.type === ValueType.ZSet) toSkiplist(client, entry);

  const size = entry === undefined ? 0 : sizeOf(entry);
  let start = Math.min(Math.max(options.limitStart, 0), size);
  const count = Math.min(Math.max(options.limitCount, -1), size);
  let end = count < 0 ? size - 1 : start + count - 1;
  if (start >= size) {
    start = size - 1;
    end = size - 2;
  }
  if (end >= size) end = size - 1;

  const elements = loadElements(entry, options, start, end);
  let items: SortItem[];
  let conversionError = false;
  if (options.dontSort) {
    if (entry?.type !== ValueType.Set) {
      end -= start;
      start = 0;
    }
    items = elements.map((element) => ({ element, score: 0, compareBy: null }));
  } else {
    items = new Array<SortItem>(elements.length);
    for (let i = 0; i < elements.length; i++) {
      const element = elements[i]!;
      const item: SortItem = { element, score: 0, compareBy: null };
      items[i] = item;
      const weight = options.by === null ? element : lookupByPattern(client, options.by, element);
      if (weight === null) continue;
      if (options.alpha) {
        if (options.by !== null) item.compareBy = weight;
      } else {
        const score = weightScore(weight);
        if (score === null) conversionError = true;
        else item.score = score;
      }
    }
    items.sort(comparatorFor(options));
  }

  const outputLength = (options.gets.length === 0 ? 1 : options.gets.length) * Math.max(0, end - start + 1);
  if (conversionError) client.error(CONVERSION_ERROR);
  else if (options.store === null) replySorted(client, items, start, end, options.gets);
  else storeSorted(client, options.store, items, start, end, options.gets, outputLength);
}

function sizeOf(entry: Entry): number {
  switch (entry.type) {
    case ValueType.List:
      return (entry.value as List).length;
    case ValueType.ZSet:
      return (entry.value as SortedSet).size;
    default:
      return (entry.value as RedisSet).size;
  }
}

/** SORT turns a sorted set into a skiplist (zsetConvert), whatever its size. */
function toSkiplist(client: Client, entry: Entry): void {
  const zset = entry.value as SortedSet;
  if (zset.encoding === 'skiplist') return;
  zset.encoding = 'skiplist';
  client.db.recharge(entry);
}

function replySorted(client: Client, items: SortItem[], start: number, end: number, gets: readonly string[]): void {
  client.arrayLength((gets.length === 0 ? 1 : gets.length) * Math.max(0, end - start + 1));
  for (let j = start; j <= end; j++) {
    const element = items[j]!.element;
    if (gets.length === 0) client.bulk(element);
    for (const pattern of gets) client.bulkOrNull(lookupByPattern(client, pattern, element));
  }
}

/** STORE: the result replaces the destination as a list (TTL cleared), or deletes it when empty. */
function storeSorted(
  client: Client,
  destination: string,
  items: SortItem[],
  start: number,
  end: number,
  gets: readonly string[],
  outputLength: number,
): void {
  const list = new List(outputLength);
  for (let j = start; j <= end; j++) {
    const element = items[j]!.element;
    if (gets.length === 0) list.pushTail(element);
    for (const pattern of gets) list.pushTail(lookupByPattern(client, pattern, element) ?? '');
  }
  const db = client.db;
  if (outputLength > 0) {
    // setKey: only a key that did not exist wakes blocked clients (dbAdd; an overwrite does not).
    const existed = db.lookup(destination) !== undefined;
    db.set(destination, ValueType.List, list);
    if (!existed) client.server.blocking.signalKeyReady(db, destination);
    notify(client, NotifyFlag.list, 'sortstore', destination);
    client.server.dirty += outputLength;
  } else if (db.delete(destination)) {
    notify(client, NotifyFlag.generic, 'del', destination);
    client.server.dirty++;
  }
  client.integer(outputLength);
}

function sort(client: Client, argv: string[]): void {
  sortGeneric(client, argv, false);
}

function sortRo(client: Client, argv: string[]): void {
  sortGeneric(client, argv, true);
}

export const sortCommands: CommandFamily = {
  handlers: {
    sort,
    sort_ro: sortRo,
  },
};
