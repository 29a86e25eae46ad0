import { describe, expect, it } from 'vitest';
import { addInt64, INT64_MAX, INT64_MIN, negateInt64, parseInt64, parseInt64Number } from './int64.js';

describe('parseInt64 (Redis string2ll)', () => {
  it('accepts canonical decimal integers, as numbers while they are safe', () => {
    expect(parseInt64('0')).toBe(0);
    expect(parseInt64('-1')).toBe(-1);
    expect(parseInt64('123456789012345')).toBe(123456789012345);
    expect(parseInt64('9007199254740991')).toBe(9007199254740991);
  });

  it('keeps values beyond 2^53 exact as bigints, up to the int64 limits', () => {
    expect(parseInt64('9007199254740993')).toBe(9007199254740993n);
    expect(parseInt64('9223372036854775807')).toBe(INT64_MAX);
    expect(parseInt64('-9223372036854775808')).toBe(INT64_MIN);
  });

  it.each(['', '-', '+1', ' 1', '1 ', '01', '-0', '00', '1.0', '1e3', '0x10', '9223372036854775808',
    '-9223372036854775809', '99999999999999999999', '000000000000000000001', '12a'])('rejects %j', (text) => {
    expect(parseInt64(text)).toBeNull();
  });

  it('gives ordered approximations as numbers for range arguments', () => {
    expect(parseInt64Number('9223372036854775807')).toBe(9223372036854775807);
    expect(parseInt64Number('x')).toBeNull();
  });
});

describe('int64 arithmetic', () => {
  it('adds on the number path and crosses into bigint exactly', () => {
    expect(addInt64(1, 2)).toBe(3);
    expect(addInt64(9007199254740991, 2)).toBe(9007199254740993n);
    expect(addInt64(9007199254740993n, -2)).toBe(9007199254740991);
  });

  it('reports overflow past either int64 limit', () => {
    expect(addInt64(INT64_MAX, 1)).toBeNull();
    expect(addInt64(INT64_MIN, -1)).toBeNull();
    expect(addInt64(INT64_MAX, INT64_MIN)).toBe(-1);
  });

  it('negates everything but INT64_MIN', () => {
    expect(negateInt64(5)).toBe(-5);
    expect(negateInt64(INT64_MAX)).toBe(-INT64_MAX);
    expect(negateInt64(INT64_MIN)).toBeNull();
  });
});
