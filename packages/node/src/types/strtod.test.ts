import { describe, expect, it } from 'vitest';
import { parseDouble, parseRangeDouble, strtod } from './strtod.js';

describe('strtod', () => {
  it('reads the longest numeric prefix as glibc does', () => {
    expect(strtod('1.5abc')).toEqual({ value: 1.5, end: 3, outOfRange: false });
    expect(strtod('  -2e3')).toEqual({ value: -2000, end: 6, outOfRange: false });
    expect(strtod('0x1p4').value).toBe(16);
    expect(strtod('0x').end).toBe(1); // "0", then an invalid hex prefix
    expect(strtod('1e').end).toBe(1);
    expect(strtod('.5').value).toBe(0.5);
    expect(strtod('5.').value).toBe(5);
    expect(strtod('-Infinity').value).toBe(-Infinity);
    expect(strtod('infinit').end).toBe(3);
    expect(Number.isNaN(strtod('nan(123)').value)).toBe(true);
    expect(strtod('abc').end).toBe(0);
    expect(strtod('1e400').outOfRange).toBe(true);
    expect(strtod('1e-400').outOfRange).toBe(true);
    expect(strtod('5e-324')).toEqual({ value: 5e-324, end: 6, outOfRange: false });
  });

  it('parseDouble is string2d: whole text, no spaces, no NaN, no overflow', () => {
    expect(parseDouble('3.25')).toBe(3.25);
    expect(parseDouble('+inf')).toBe(Infinity);
    expect(parseDouble('0x10')).toBe(16);
    for (const bad of ['', ' 1', '1 ', 'nan', '1e400', '1e-400', '1\x00', 'abc', '--1']) expect(parseDouble(bad)).toBeNull();
  });

  it('parseRangeDouble is zslParseRange: spaces, empty text and overflow allowed, stops at NUL', () => {
    expect(parseRangeDouble('')).toBe(0);
    expect(parseRangeDouble(' 1')).toBe(1);
    expect(parseRangeDouble('1e400')).toBe(Infinity);
    expect(parseRangeDouble('2\x00junk')).toBe(2);
    for (const bad of ['nan', '1 ', 'x', ' ']) expect(parseRangeDouble(bad)).toBeNull();
  });
});
