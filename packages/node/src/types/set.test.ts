import { describe, expect, it } from 'vitest';
import { RedisSet, setOf } from './set.js';

const MAX = 512;

describe('RedisSet encodings', () => {
  it('keeps an all-integer set as an intset in ascending numeric order', () => {
    const set = setOf(['10', '-3', '2', '9223372036854775807', '-9223372036854775808', '2'], MAX);
    expect(set.encoding).toBe('intset');
    expect(set.toArray()).toEqual(['-9223372036854775808', '-3', '2', '10', '9223372036854775807']);
    expect(set.size).toBe(5);
  });

  it('treats non-canonical integer text as a string member (and converts for good)', () => {
    const set = setOf(['1', '2'], MAX);
    expect(set.has('01')).toBe(false);
    expect(set.add('01', MAX)).toBe(true);
    expect(set.encoding).toBe('hashtable');
    expect(set.remove('01')).toBe(true);
    expect(set.encoding).toBe('hashtable');
    expect(new Set(set.toArray())).toEqual(new Set(['1', '2']));
  });

  it('converts when the intset outgrows set-max-intset-entries', () => {
    const set = setOf(['1', '2', '3'], 3);
    expect(set.encoding).toBe('intset');
    set.add('4', 3);
    expect(set.encoding).toBe('hashtable');
    expect(set.has('4') && set.has('1')).toBe(true);
  });

  it('adds and removes report whether anything changed', () => {
    const set = new RedisSet();
    expect(set.add('5', MAX)).toBe(true);
    expect(set.add('5', MAX)).toBe(false);
    expect(set.remove('6')).toBe(false);
    expect(set.remove('x')).toBe(false);
    expect(set.remove('5')).toBe(true);
    expect(set.size).toBe(0);
  });
});

describe('RedisSet memory and sampling', () => {
  it('returns to its starting size after adding and removing the same members', () => {
    for (const members of [['1', '2', '3'], ['a', 'bb', 'ccc']]) {
      const set = setOf(members.slice(0, 1), MAX);
      const before = set.memoryBytes;
      for (const m of members.slice(1)) set.add(m, MAX);
      expect(set.memoryBytes).toBeGreaterThan(before);
      for (const m of members.slice(1)) set.remove(m);
      expect(set.memoryBytes).toBe(before);
    }
  });

  it('popRandom drains every member exactly once in both encodings', () => {
    for (const members of [['1', '2', '3', '4'], ['a', 'b', 'c', 'd']]) {
      const set = setOf(members, MAX);
      const popped: string[] = [];
      while (set.size > 0) popped.push(set.popRandom());
      expect(popped.sort()).toEqual(members.slice().sort());
    }
  });

  it('clone is independent and keeps the encoding', () => {
    const set = setOf(['1', 'x'], MAX);
    const copy = set.clone();
    copy.add('y', MAX);
    expect(set.has('y')).toBe(false);
    expect(copy.encoding).toBe('hashtable');
    expect(setOf(['3', '1'], MAX).clone().toArray()).toEqual(['1', '3']);
  });
});
