import type { Entry, ValueType } from '../keyspace/entry.js';
import { parseElementScanOptions, parseScanCursor, type ElementScanOptions } from '../keyspace/scan.js';
import { Err } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import { readTyped } from './lookup.js';

/**
 * The steps HSCAN, SSCAN and ZSCAN share, in Redis's order: the cursor is checked first, then
 * the key is looked up (a missing key answers an empty page), then its type, and only then the
 * options — so "HSCAN nokey 0 BOGUS" is an empty page, not a syntax error.
 */

export interface ElementScan extends ElementScanOptions {
  entry: Entry;
  cursor: number;
}

/** Validates an element scan; null after replying (invalid cursor, or the empty page). */
export function beginElementScan(client: Client, argv: readonly string[], type: ValueType): ElementScan | null {
  const cursor = parseScanCursor(argv[2]!);
  if (cursor === null) {
    client.error(Err.invalidCursor);
    return null;
  }
  const entry = readTyped(client, argv[1]!, type);
  if (entry === undefined) {
    replyScanPage(client, 0, []);
    return null;
  }
  return { entry, cursor, ...parseElementScanOptions(argv) };
}

/** `[cursor, [elements…]]`. */
export function replyScanPage(client: Client, cursor: number, elements: readonly string[]): void {
  client.arrayLength(2);
  client.bulk(String(cursor));
  client.bulkArray(elements);
}
