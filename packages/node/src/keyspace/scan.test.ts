import { describe, it, expect } from 'vitest';
import { Clock } from './clock.js';
import { Database, type KeyspaceObserver } from './database.js';
import { ValueType } from './entry.js';
import { parseElementScanOptions, parseKeyScanOptions, parseScanCursor, scanKeys, scanWindow } from './scan.js';
import { ReplyError } from '../protocol/errors.js';

const observer: KeyspaceObserver = { keyExpired: () => {}, memoryChanged: () => {}, keyModified: () => {}, keysReplaced: () => {} };

function database(keys: number): Database {
  const db = new Database(0, new Clock(), observer);
  for (let i = 0; i < keys; i++) db.set(`key:${i}`, ValueType.String, 'v');
  return db;
}

describe('parseScanCursor (strtoul as Redis checks it)', () => {
  it.each([
    ['0', 0],
    ['', 0],
    ['17', 17],
    ['007', 7],
    ['+5', 5],
    ['-0', 0],
    ['18446744073709551615', 18446744073709551615],
    ['-1', 18446744073709551615],
    ['-18446744073709551615', 1],
  ])('%j → %d', (text, expected) => {
    expect(parseScanCursor(text)).toBe(expected);
  });

  it.each([' 5', '5 ', 'abc', '-', '+', '1e3', '0x10', '18446744073709551616', '-18446744073709551616'])(
    '%j is invalid',
    (text) => {
      expect(parseScanCursor(text)).toBeNull();
    },
  );
});

describe('scanKeys', () => {
  it('visits every key once across pages and ends with cursor 0', () => {
    const db = database(95);
    const seen: string[] = [];
    let cursor = 0;
    let pages = 0;
    do {
      const page = scanKeys(db, cursor, 10);
      seen.push(...page.entries.map((entry) => entry.key));
      cursor = page.cursor;
      pages++;
    } while (cursor !== 0 && pages < 100);
    expect(cursor).toBe(0);
    expect(pages).toBe(10);
    expect(new Set(seen).size).toBe(95);
    expect(seen.length).toBe(95);
  });

  it('returns every key present for the whole scan while others are added and deleted', () => {
    const db = database(500);
    const stable = new Set<string>();
    for (let i = 0; i < 500; i += 2) stable.add(`key:${i}`);
    const seen = new Set<string>();
    let cursor = 0;
    let round = 0;
    do {
      const page = scanKeys(db, cursor, 7);
      for (const entry of page.entries) seen.add(entry.key);
      cursor = page.cursor;
      // Churn: delete some odd (unstable) keys, add new ones.
      for (let j = 0; j < 5; j++) {
        const victim = `key:${(round * 10 + j * 2 + 1) % 500}`;
        db.delete(victim);
        db.set(`new:${round}:${j}`, ValueType.String, 'v');
      }
      round++;
    } while (cursor !== 0 && round < 1000);
    expect(cursor).toBe(0);
    for (const key of stable) expect(seen.has(key), key).toBe(true);
  });

  it('clamps a cursor past the end and ends on an empty database', () => {
    const db = database(3);
    expect(scanKeys(db, 1000, 10).entries.map((entry) => entry.key).sort()).toEqual(['key:0', 'key:1', 'key:2']);
    expect(scanKeys(database(0), 42, 10)).toEqual({ cursor: 0, entries: [] });
  });
});

describe('scanWindow and element scan options (HSCAN, SSCAN, ZSCAN)', () => {
  it('walks a dense array downward from its end, cursor 0 both starting and ending', () => {
    expect(scanWindow(25, 0, 10)).toEqual({ start: 15, end: 25 });
    expect(scanWindow(25, 15, 10)).toEqual({ start: 5, end: 15 });
    expect(scanWindow(25, 5, 10)).toEqual({ start: 0, end: 5 });
    expect(scanWindow(3, 99, 10)).toEqual({ start: 0, end: 3 });
  });

  it('parses COUNT and MATCH from argv[3] on, refusing what Redis refuses', () => {
    expect(parseElementScanOptions(['hscan', 'k', '0'])).toEqual({ count: 10, pattern: null });
    expect(parseElementScanOptions(['hscan', 'k', '0', 'match', 'a*', 'COUNT', '5'])).toEqual({ count: 5, pattern: 'a*' });
    expect(parseElementScanOptions(['hscan', 'k', '0', 'MATCH', '*'])).toEqual({ count: 10, pattern: null });
    const error = (argv: string[]) => {
      try {
        parseElementScanOptions(argv);
        return null;
      } catch (e) {
        return (e as ReplyError).line;
      }
    };
    expect(error(['sscan', 'k', '0', 'COUNT', '0'])).toBe('ERR syntax error');
    expect(error(['sscan', 'k', '0', 'COUNT', 'x'])).toBe('ERR value is not an integer or out of range');
    expect(error(['sscan', 'k', '0', 'TYPE', 'set'])).toBe('ERR syntax error');
    expect(error(['sscan', 'k', '0', 'MATCH'])).toBe('ERR syntax error');
  });

  it('parses SCAN options from argv[2] on, TYPE included', () => {
    expect(parseKeyScanOptions(['scan', '0'])).toEqual({ count: 10, pattern: null, typeName: null });
    expect(parseKeyScanOptions(['scan', '0', 'TYPE', 'ZSet', 'match', 'a*', 'count', '3'])).toEqual({
      count: 3,
      pattern: 'a*',
      typeName: 'zset',
    });
    expect(() => parseKeyScanOptions(['scan', '0', 'COUNT', '0'])).toThrow('ERR syntax error');
    expect(() => parseKeyScanOptions(['scan', '0', 'TYPE'])).toThrow('ERR syntax error');
    expect(() => parseKeyScanOptions(['scan', '0', 'BOGUS', 'x'])).toThrow('ERR syntax error');
  });
});
