import { describe, expect, it } from 'vitest';
import { partialSort } from './partial-sort.js';

interface Item {
  key: number;
  id: number;
}

const byKey = (a: Item, b: Item): number => (a.key > b.key ? 1 : a.key === b.key ? 0 : -1);

/** A small deterministic generator, so a failure reproduces. */
function items(seed: number, n: number, distinct: number): Item[] {
  let state = seed;
  return Array.from({ length: n }, (_, id) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return { key: state % distinct, id };
  });
}

describe('partialSort (Redis pqsort)', () => {
  it('puts the smallest elements, in order, in the wanted positions', () => {
    for (const n of [0, 1, 5, 7, 8, 40, 41, 100, 1000]) {
      for (const count of [1, 3, 10, 50]) {
        if (count > n) continue;
        const list = items(n * 31 + count, n, 1000);
        const expected = [...list].sort(byKey).slice(0, count).map((x) => x.key);
        partialSort(list, byKey, 0, count - 1);
        expect(list.slice(0, count).map((x) => x.key)).toEqual(expected);
        expect(list.length).toBe(n);
      }
    }
  });

  it('leaves ties where pqsort.c leaves them (orders taken from the C code)', () => {
    const run = (keys: number[], count: number): number[] => {
      const list = keys.map((key, id) => ({ key, id }));
      partialSort(list, byKey, 0, count - 1);
      return list.map((x) => x.id);
    };
    expect(run([3, 1, 3, 2], 2)).toEqual([1, 3, 0, 2]);
    expect(run([1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1], 3)).toEqual([7, 1, 2, 3, 4, 5, 6, 8, 9, 10, 0, 11]);
    const keys = [1, 0, 3, 2, 2, 1, 3, 2, 2, 1, 0, 2, 2, 1, 3, 2, 1, 1, 3, 0, 1, 0, 0, 1, 3, 3, 2, 3, 2, 3, 0, 2, 2, 2, 1, 2, 1, 1, 3, 0, 3];
    expect(run(keys, 31)).toEqual([
      39, 21, 30, 19, 1, 22, 10, 13, 36, 16, 0, 17, 20, 23, 34, 9, 5, 37, 35, 3, 4, 7, 8, 11, 12, 15, 26, 28, 31, 32, 33, 38, 2, 40, 24, 18,
      14, 27, 6, 29, 25,
    ]);
  });

  it('sorts everything when the range covers the whole array', () => {
    const list = items(7, 300, 20);
    partialSort(list, byKey, 0, list.length - 1);
    const keys = list.map((x) => x.key);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
  });
});
