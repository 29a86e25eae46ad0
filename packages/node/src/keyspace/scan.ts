import type { Database } from './database.js';
import type { Entry } from './entry.js';

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
  let position = cursor === 0 ? db.size : Math.min(cursor, db.size);
  const stop = Math.max(position - count, 0);
  const entries: Entry[] = [];
  while (position > stop) {
    position--;
    entries.push(db.entryAt(position)!);
  }
  return { cursor: position, entries };
}
