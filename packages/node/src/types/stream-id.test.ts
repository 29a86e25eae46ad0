import { describe, expect, it } from 'vitest';
import { decrementId, formatId, idFromBigInts, incrementId, MAX_ID, MIN_ID, parseId, parseUnsigned64 } from './stream-id.js';

describe('stream IDs', () => {
  it('orders IDs as 128-bit big-endian numbers by plain string comparison', () => {
    const small = parseId('5-9', 'min', true)!.id;
    const larger = parseId('5-10', 'min', true)!.id;
    const huge = parseId('18446744073709551615-0', 'min', true)!.id;
    expect(small < larger && larger < huge && huge < MAX_ID && MIN_ID < small).toBe(true);
  });

  it('formats both halves exactly, beyond 2^53 too', () => {
    expect(formatId(parseId('18446744073709551615-18446744073709551615', 'min', true)!.id)).toBe('18446744073709551615-18446744073709551615');
    expect(formatId(idFromBigInts(9007199254740993n, 1n))).toBe('9007199254740993-1');
    expect(formatId(parseId('7', 'max', false)!.id)).toBe('7-18446744073709551615');
  });

  it('reads numbers as string2ull does, strtoull quirks included', () => {
    expect(parseUnsigned64('42')).toBe(42);
    expect(parseUnsigned64('-1')).toBeNull();
    expect(parseUnsigned64('-01')).toBe(18446744073709551615n);
    expect(parseUnsigned64(' +7')).toBe(7n);
    expect(parseUnsigned64('7 ')).toBeNull();
    expect(parseUnsigned64('18446744073709551616')).toBeNull();
    expect(parseUnsigned64('')).toBeNull();
  });

  it('parses the special forms and stops at a NUL byte', () => {
    expect(parseId('-', 'min', true)).toBeNull();
    expect(parseId('+', 'min', false)!.id).toBe(MAX_ID);
    expect(parseId('3-*', 'min', true, true)).toEqual({ id: parseId('3-0', 'min', true)!.id, seqGiven: false });
    expect(parseId('3-*', 'min', true)).toBeNull();
    expect(formatId(parseId('12\x00junk', 'min', true)!.id)).toBe('12-0');
    expect(parseId('1'.repeat(128), 'min', true)).toBeNull();
  });

  it('increments and decrements across the 64-bit boundary, refusing to wrap', () => {
    const id = parseId('1-18446744073709551615', 'min', true)!.id;
    expect(formatId(incrementId(id)!)).toBe('2-0');
    expect(formatId(decrementId(incrementId(id)!)!)).toBe('1-18446744073709551615');
    expect(incrementId(MAX_ID)).toBeNull();
    expect(decrementId(MIN_ID)).toBeNull();
  });
});
