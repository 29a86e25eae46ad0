import { describe, expect, it } from 'vitest';
import { distinctPositions } from './sampling.js';

describe('distinctPositions', () => {
  it.each([
    [10, 3],
    [10, 9],
    [1000, 5],
    [5, 5],
    [1, 1],
  ])('size %d, count %d: distinct, ascending, in range', (size, count) => {
    for (let run = 0; run < 50; run++) {
      const positions = distinctPositions(size, count);
      expect(positions).toHaveLength(count);
      expect(new Set(positions).size).toBe(count);
      for (let i = 0; i < count; i++) {
        expect(positions[i]).toBeGreaterThanOrEqual(0);
        expect(positions[i]).toBeLessThan(size);
        if (i > 0) expect(positions[i]).toBeGreaterThan(positions[i - 1]!);
      }
    }
  });

  it('reaches every position (sparse and dense strategies)', () => {
    for (const count of [1, 8]) {
      const seen = new Set<number>();
      for (let run = 0; run < 400; run++) for (const p of distinctPositions(10, count)) seen.add(p);
      expect(seen.size).toBe(10);
    }
  });
});
