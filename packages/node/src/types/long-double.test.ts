import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addLongDouble, formatLongDouble, parseLongDouble } from './long-double.js';

/** [stored value, increment, reply] captured from redis-server 7.0.15 (x86-64) with SET + INCRBYFLOAT. */
const VECTORS = JSON.parse(readFileSync(new URL('./long-double.vectors.json', import.meta.url), 'utf8')) as [
  string,
  string,
  string,
][];

/** INCRBYFLOAT's reply for a stored value and an increment, errors included. */
function incrbyfloat(stored: string, increment: string): string {
  const value = parseLongDouble(stored);
  const delta = parseLongDouble(increment);
  if (value === null || delta === null) return 'ERR value is not a valid float';
  const sum = addLongDouble(value, delta);
  return sum === null ? 'ERR increment would produce NaN or Infinity' : formatLongDouble(sum);
}

describe('long double INCRBYFLOAT emulation', () => {
  it('has vectors to check', () => {
    expect(VECTORS.length).toBeGreaterThan(300);
  });

  it('matches every reply captured from real Redis', () => {
    const mismatches = VECTORS.filter(([a, b, reply]) => incrbyfloat(a, b) !== reply).map(
      ([a, b, reply]) => ({ a, b, reply: reply.slice(0, 60), ours: incrbyfloat(a, b).slice(0, 60) }),
    );
    expect(mismatches).toEqual([]);
  });

  it('prints the x87 result, not the double one', () => {
    expect(incrbyfloat('10.5', '0.1')).toBe('10.6');
    expect(incrbyfloat('0.1', '0.2')).toBe('0.3');
    // 1e30 is not exact in a 64-bit mantissa: every digit of the stored binary value is printed.
    expect(incrbyfloat('1e30', '0')).toBe('1000000000000000000024696061952');
  });

  it('refuses text strtold would not consume whole, NaN, and out-of-range values', () => {
    for (const text of ['', ' 1', '1 ', '1e', '0x', 'nan', '1e5000', '1e-5000', 'x'.repeat(6000)]) {
      expect(parseLongDouble(text), text.slice(0, 10)).toBeNull();
    }
  });

  it('accepts infinity but refuses to produce it', () => {
    expect(parseLongDouble('-inf')?.infinite).toBe(true);
    expect(incrbyfloat('inf', '0')).toBe('ERR increment would produce NaN or Infinity');
    expect(incrbyfloat('1e4932', '1e4932')).toBe('ERR increment would produce NaN or Infinity');
  });

  it('never prints a negative zero', () => {
    expect(incrbyfloat('-0', '-0')).toBe('0');
    expect(incrbyfloat('-1e-18', '0')).toBe('0');
  });
});
