import { describe, expect, it } from 'vitest';
import { SortedSet, type LexRange, type ScoreRange } from './zset.js';

/** A seeded PRNG so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Redis's order: score, then member bytes. */
function compare(a: [string, number], b: [string, number]): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function walk(zset: SortedSet): [string, number][] {
  const out: [string, number][] = [];
  for (let x = zset.first; x !== null; x = x.next[0]!) out.push([x.member, x.score]);
  return out;
}

describe('SortedSet', () => {
  it('keeps (score, member) order, ranks and positions through random inserts, updates and deletes', () => {
    const next = random(42);
    const zset = new SortedSet('skiplist');
    const model = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const member = `m${Math.floor(next() * 500)}`;
      const roll = next();
      if (roll < 0.6) {
        const score = Math.floor(next() * 50) - 25;
        expect(zset.set(member, score)).toBe(!model.has(member));
        model.set(member, score);
      } else {
        expect(zset.delete(member)).toBe(model.delete(member));
      }
    }
    const expected = [...model].sort(compare);
    expect(walk(zset)).toEqual(expected);
    expect(zset.size).toBe(expected.length);
    // Backward links mirror the forward ones.
    const backward: string[] = [];
    for (let x = zset.last; x !== null; x = x.prev) backward.push(x.member);
    expect(backward).toEqual(expected.map(([m]) => m).reverse());
    expected.forEach(([member], rank) => {
      expect(zset.rank(member, false)).toBe(rank);
      expect(zset.rank(member, true)).toBe(expected.length - 1 - rank);
      expect(zset.at(rank)!.member).toBe(member);
    });
    expect(zset.at(expected.length)).toBeNull();
    expect(zset.rank('absent', false)).toBe(-1);
    const dense = Array.from({ length: zset.size }, (_, i) => zset.nodeAt(i).member).sort();
    expect(dense).toEqual([...model.keys()].sort());
  });

  it('finds the first and last node of score ranges, exclusive bounds included', () => {
    const zset = new SortedSet('skiplist');
    [1, 2, 2, 3, 5].forEach((score, i) => zset.set(`m${i}`, score));
    const range = (min: number, max: number, minex = false, maxex = false): ScoreRange => ({ min, max, minex, maxex });
    expect(zset.firstInScore(range(2, 3))!.member).toBe('m1');
    expect(zset.lastInScore(range(2, 3))!.member).toBe('m3');
    expect(zset.firstInScore(range(2, 3, true))!.member).toBe('m3');
    expect(zset.lastInScore(range(2, 3, false, true))!.member).toBe('m2');
    expect(zset.firstInScore(range(3, 3, true))).toBeNull();
    expect(zset.firstInScore(range(4, 2))).toBeNull();
    expect(zset.firstInScore(range(6, Infinity))).toBeNull();
    expect(zset.lastInScore(range(-Infinity, 0))).toBeNull();
  });

  it('searches lex ranges linearly as a listpack and through the levels as a skiplist', () => {
    const bounds = (min: string, max: string): LexRange => ({
      min: min === '-' ? { kind: 'min' } : { kind: 'value', value: min.slice(1), exclusive: min[0] === '(' },
      max: max === '+' ? { kind: 'max' } : { kind: 'value', value: max.slice(1), exclusive: max[0] === '(' },
    });
    for (const encoding of ['listpack', 'skiplist'] as const) {
      const zset = new SortedSet(encoding);
      for (const member of ['a', 'b', 'c', 'd']) zset.set(member, 0);
      expect(zset.firstInLex(bounds('(a', '+'))!.member).toBe('b');
      expect(zset.lastInLex(bounds('-', '(d'))!.member).toBe('c');
      expect(zset.firstInLex(bounds('[c', '(c'))).toBeNull();
      expect(zset.firstInLex(bounds('[e', '+'))).toBeNull();
    }
  });

  it('never holds -0 as a listpack, as Redis stores it as the integer 0', () => {
    const listpack = new SortedSet('listpack');
    listpack.set('a', -0);
    expect(Object.is(listpack.score('a'), 0)).toBe(true);
    const skiplist = new SortedSet('skiplist');
    skiplist.set('a', -0);
    expect(Object.is(skiplist.score('a'), -0)).toBe(true);
    skiplist.encoding = 'listpack';
    expect(Object.is(skiplist.score('a'), 0)).toBe(true);
  });

  it('keeps memoryBytes up to date on every change', () => {
    const zset = new SortedSet('listpack');
    const empty = zset.memoryBytes;
    zset.set('member', 1);
    const one = zset.memoryBytes;
    expect(one).toBeGreaterThan(empty);
    zset.set('member', 2);
    expect(zset.memoryBytes).toBe(one);
    zset.encoding = 'skiplist';
    expect(zset.memoryBytes).toBeGreaterThan(one);
    zset.delete('member');
    expect(zset.memoryBytes).toBe(new SortedSet('skiplist').memoryBytes);
  });

  it('reads O(log n) tree nodes per lookup (not a timing: the height of the tree)', () => {
    // Every insert, delete, rank and select reads one tree node per level; a linear structure
    // would grow with n, a B+tree of 64-key nodes by one level per ~32× more members.
    const heightAt = (n: number): number => {
      const zset = new SortedSet('skiplist');
      for (let i = 0; i < n; i++) zset.set(`m${i}`, (i * 7919) % 1000);
      return zset.height;
    };
    expect(heightAt(50)).toBe(1);
    expect(heightAt(1_000)).toBe(2);
    expect(heightAt(200_000)).toBeLessThanOrEqual(4);
  });

  it('stays ordered, ranked and linked through node splits, merges and refills', () => {
    // Enough members for three tree levels; ties on score exercise the member order, and the
    // deletes (most of the set, then refills) merge and rebalance nodes at every level.
    const next = random(7);
    const zset = new SortedSet('skiplist');
    const model = new Map<string, number>();
    const check = (): void => {
      const expected = [...model].sort(compare);
      expect(walk(zset)).toEqual(expected);
      let back = 0;
      for (let x = zset.last; x !== null; x = x.prev) back++;
      expect(back).toBe(expected.length);
      for (let rank = 0; rank < expected.length; rank += 97) {
        const [member] = expected[rank]!;
        expect(zset.rank(member, false)).toBe(rank);
        expect(zset.at(rank)!.member).toBe(member);
      }
    };
    for (let i = 0; i < 40_000; i++) {
      const member = `k${Math.floor(next() * 30_000)}`;
      const score = Math.floor(next() * 100);
      zset.set(member, score);
      model.set(member, score);
    }
    check();
    for (const member of [...model.keys()]) {
      if (next() < 0.97) {
        expect(zset.delete(member)).toBe(true);
        model.delete(member);
      }
    }
    check();
    for (let i = 0; i < 20_000; i++) {
      const member = `k${Math.floor(next() * 30_000)}`;
      if (next() < 0.5) {
        expect(zset.delete(member)).toBe(model.delete(member));
      } else {
        const score = Math.floor(next() * 100);
        zset.set(member, score);
        model.set(member, score);
      }
    }
    check();
    for (const member of [...model.keys()]) zset.delete(member);
    expect(zset.size).toBe(0);
    expect(zset.first).toBeNull();
    expect(zset.last).toBeNull();
    expect(zset.height).toBe(1);
  });
});
