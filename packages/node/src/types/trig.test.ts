import { describe, expect, it } from 'vitest';
import { asin, cos, sin } from './trig.js';

/**
 * Correctly rounded values (computed with 200-bit arithmetic), chosen where V8's Math.sin/cos/
 * asin return a neighbouring double, so the tests fail if the functions fall back to Math.
 */
describe('correctly rounded sin, cos, asin', () => {
  it('sin', () => {
    expect(sin(2.5)).toBe(0.5984721441039565);
    expect(sin(0.5)).toBe(0.479425538604203);
    expect(sin(-3)).toBe(-0.1411200080598672);
    expect(sin(3.141592653589793)).toBe(1.2246467991473532e-16);
    expect(Object.is(sin(-0), -0)).toBe(true);
  });

  it('cos', () => {
    expect(cos(-2.0954077532831423)).toBe(-0.5008767248805394);
    expect(cos(0.5739014304118228)).toBe(0.8397892362708003);
    expect(cos(0.7207568126715715)).toBe(0.751306483209193);
    expect(cos(0)).toBe(1);
    expect(cos(1.4835298641951802)).toBe(0.08715574274765814);
  });

  it('asin', () => {
    expect(asin(0.6714114753695926)).toBe(0.7361117553709152);
    expect(asin(0.9654801388982029)).toBe(1.3072804323543397);
    expect(asin(0.5072429838290595)).toBe(0.5319826417696091);
    expect(asin(1)).toBe(1.5707963267948966);
    expect(asin(0)).toBe(0);
    expect(asin(1e-9)).toBe(1e-9);
  });

  it('stays within one ulp of Math everywhere geo calls it', () => {
    for (let i = 0; i <= 2000; i++) {
      const x = -3.2 + (6.4 * i) / 2000;
      expect(Math.abs(sin(x) - Math.sin(x))).toBeLessThanOrEqual(Number.EPSILON * Math.max(Math.abs(Math.sin(x)), 2 ** -60));
      expect(Math.abs(cos(x) - Math.cos(x))).toBeLessThanOrEqual(Number.EPSILON * Math.max(Math.abs(Math.cos(x)), 2 ** -60));
      const a = i / 2000;
      expect(Math.abs(asin(a) - Math.asin(a))).toBeLessThanOrEqual(Number.EPSILON * 2);
    }
  });

  it('leaves large and non-finite arguments to Math', () => {
    expect(sin(1e6)).toBe(Math.sin(1e6));
    expect(cos(Infinity)).toBeNaN();
    expect(asin(2)).toBeNaN();
  });
});
