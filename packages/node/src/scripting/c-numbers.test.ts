import { describe, expect, it } from 'vitest';
import { INT64_MIN, toInt64, toUint64 } from './c-numbers.js';

describe('C double → integer casts (x86-64)', () => {
  it('(long) truncates toward zero and gives LONG_MIN outside the range or for NaN', () => {
    expect(toInt64(3.7)).toBe(3n);
    expect(toInt64(-3.7)).toBe(-3n);
    expect(toInt64(2 ** 53)).toBe(9007199254740992n);
    expect(toInt64(-(2 ** 63))).toBe(INT64_MIN);
    expect(toInt64(2 ** 63)).toBe(INT64_MIN);
    expect(toInt64(-1e300)).toBe(INT64_MIN);
    expect(toInt64(Number.NaN)).toBe(INT64_MIN);
  });

  it('(unsigned long) wraps negatives, handles 2^63 … 2^64 and gives 0 from 2^64 up', () => {
    expect(toUint64(-1)).toBe(2n ** 64n - 1n);
    expect(toUint64(-5)).toBe(2n ** 64n - 5n);
    expect(toUint64(2 ** 63)).toBe(2n ** 63n);
    expect(toUint64(2 ** 63 + 2 ** 62)).toBe(2n ** 63n + 2n ** 62n);
    expect(toUint64(1e300)).toBe(0n);
    expect(toUint64(-1e300)).toBe(2n ** 63n);
    expect(toUint64(Number.NaN)).toBe(2n ** 63n);
  });
});
