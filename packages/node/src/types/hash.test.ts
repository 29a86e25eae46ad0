import { describe, expect, it } from 'vitest';
import { RedisHash } from './hash.js';

const LIMITS = { maxEntries: 4, maxValue: 8 };

function fields(hash: RedisHash): string[] {
  return Array.from({ length: hash.size }, (_, i) => `${hash.fieldAt(i)}=${hash.valueAt(i)}`);
}

describe('RedisHash', () => {
  it('keeps insertion order in a listpack, also across deletes and overwrites', () => {
    const hash = new RedisHash();
    for (const f of ['a', 'b', 'c', 'd']) hash.set(f, f.toUpperCase(), LIMITS);
    expect(hash.delete('b')).toBe(true);
    expect(hash.set('a', 'AA', LIMITS)).toBe(false);
    expect(hash.set('e', 'E', LIMITS)).toBe(true);
    expect(fields(hash)).toEqual(['a=AA', 'c=C', 'd=D', 'e=E']);
    expect(hash.get('c')).toBe('C');
    expect(hash.encoding).toBe('listpack');
  });

  it('becomes a hashtable for good past the entry or value limits', () => {
    const many = new RedisHash();
    for (const f of ['a', 'b', 'c', 'd', 'e']) many.set(f, '1', LIMITS);
    expect(many.encoding).toBe('hashtable');
    for (const f of ['a', 'b', 'c']) many.delete(f);
    expect(many.encoding).toBe('hashtable');
    expect(new Set(fields(many))).toEqual(new Set(['d=1', 'e=1']));

    const long = new RedisHash();
    long.set('f', '123456789', LIMITS);
    expect(long.encoding).toBe('hashtable');
    const longField = new RedisHash();
    longField.set('123456789', 'v', LIMITS);
    expect(longField.encoding).toBe('hashtable');
  });

  it('keeps positions right after swap-removes in a hashtable', () => {
    const hash = new RedisHash();
    for (let i = 0; i < 10; i++) hash.set(`f${i}`, `v${i}`, LIMITS);
    for (const i of [0, 5, 9, 3]) expect(hash.delete(`f${i}`)).toBe(true);
    for (const i of [1, 2, 4, 6, 7, 8]) expect(hash.get(`f${i}`)).toBe(`v${i}`);
    expect(hash.size).toBe(6);
  });

  it('charges memory incrementally and gives it back', () => {
    const hash = new RedisHash();
    hash.set('a', '1', LIMITS);
    const before = hash.memoryBytes;
    hash.set('b', '22', LIMITS);
    hash.set('b', '333', LIMITS);
    expect(hash.memoryBytes).toBeGreaterThan(before);
    hash.delete('b');
    expect(hash.memoryBytes).toBe(before);
  });

  it('clone is independent and keeps the encoding', () => {
    const hash = new RedisHash();
    hash.set('a', '1', LIMITS);
    const copy = hash.clone();
    copy.set('b', '2', LIMITS);
    expect(hash.has('b')).toBe(false);
    expect(copy.encoding).toBe('listpack');
  });
});
