import type { Database } from './database.js';
import type { Entry } from './entry.js';
import { integerArgument } from '../commands/arguments.js';
import { Err, ReplyError } from '../protocol/errors.js';

/** 2^64: cursors are unsigned 64-bit, as strtoul reads them. */
const CURSOR_SPACE = 1n << 64n;

/**
 * Reads a SCAN cursor the way Redis's parseScanCursorOrReply does with strtoul: decimal digits
 * with an optional sign (a negative cursor wraps modulo 2^64), no leading whitespace, nothing
 * after the digits, no overflow; the empty string is cursor 0. Returns null when invalid.
 * Cursors beyond the safe-integer range come back rounded: they only ever mean "past the end".
 */
export function parseScanCursor(text: string): number | null {
  if (text === '') return 0;
  if (!/^[+-]?[0-9]+$/.test(text)) return null;
  const negative = text.charCodeAt(0) === 45; // '-'
  const magnitude = BigInt(negative || text.charCodeAt(0) === 43 ? text.slice(1) : text);
  if (magnitude >= CURSOR_SPACE) return null;
  return Number(negative ? (CURSOR_SPACE - magnitude) % CURSOR_SPACE : magnitude);
}

/** One step of a keyspace scan: the entries visited and the cursor to continue from. */
export interface ScanPage {
  readonly cursor: number;
  readonly entries: Entry[];
}

/**
 * Visits up to `count` positions of the database's dense key array, walking from the end
 * toward the start (DESIGN.md). A cursor is the number of positions still to visit, so 0 both
 * starts a scan (at the current end) and ends it. Deletion is swap-remove, which only moves the
 * last element — already visited — into a hole, so every key present for the whole scan is
 * returned at least once; keys added during a scan land past the cursor and may be missed.
 */
export function scanKeys(db: Database, cursor: number, count: number): ScanPage {
  const window = scanWindow(db.size, cursor, count);
  const entries: Entry[] = [];
  for (let position = window.end - 1; position >= window.start; position--) entries.push(db.entryAt(position)!);
  return { cursor: window.start, entries };
}

/**
 * The positions [start, end) of a dense swap-remove array that one scan step visits, walking
 * downward from the end; `start` is the next cursor (0 when done). Shared by SCAN and the
 * collection scans (HSCAN, SSCAN, ZSCAN) of hashtable-encoded values, with the same guarantees.
 */
export function scanWindow(size: number, cursor: number, count: number): { start: number; end: number } {
  const end = cursor === 0 ? size : Math.min(cursor, size);
  return { start: Math.max(end - count, 0), end };
}

/** The options of HSCAN, SSCAN and ZSCAN: COUNT and MATCH. */
export interface ElementScanOptions {
  count: number;
  /** null when absent or "*" (Redis skips matching altogether then). */
  pattern: string | null;
}

/** SCAN's options: those of the element scans, plus TYPE. */
export interface KeyScanOptions extends ElementScanOptions {
  /** The lowercased TYPE argument; null when absent. */
  typeName: string | null;
}

/** scanGenericCommand's option parsing for a key's elements (HSCAN, SSCAN, ZSCAN), from argv[3] on. */
export function parseElementScanOptions(argv: readonly string[]): ElementScanOptions {
  const { count, pattern } = parseScanOptions(argv, 3, false);
  return { count, pattern };
}

/** scanGenericCommand's option parsing for SCAN, from argv[2] on: TYPE is accepted too. */
export function parseKeyScanOptions(argv: readonly string[]): KeyScanOptions {
  return parseScanOptions(argv, 2, true);
}

/**
 * scanGenericCommand's option loop: a COUNT that is not a long is "not an integer", below 1 a
 * syntax error, like any unknown or incomplete option (TYPE too, unless `acceptsType`).
 * Throws ReplyError.
 */
function parseScanOptions(argv: readonly string[], first: number, acceptsType: boolean): KeyScanOptions {
  const options: KeyScanOptions = { count: DEFAULT_SCAN_COUNT, pattern: null, typeName: null };
  for (let i = first; i < argv.length; i += 2) {
    const option = argv[i]!.toLowerCase();
    const value = argv[i + 1];
    if (value === undefined) throw new ReplyError(Err.syntax);
    if (option === 'count') {
      options.count = Number(integerArgument(value));
      if (options.count < 1) throw new ReplyError(Err.syntax);
    } else if (option === 'match') {
      options.pattern = value === '*' ? null : value;
    } else if (option === 'type' && acceptsType) {
      options.typeName = value.toLowerCase();
    } else throw new ReplyError(Err.syntax);
  }
  return options;
}

/** SCAN's default COUNT. */
export const DEFAULT_SCAN_COUNT = 10;
