/**
 * C's strtod as glibc implements it, for the places Redis reads doubles: scores, weights,
 * score ranges, geo coordinates. It reads the longest valid prefix (leading white space, sign,
 * decimal or hex digits with an exponent, "inf"/"infinity", "nan"/"nan(…)", case-insensitive)
 * and reports where it stopped and whether the value overflowed or underflowed to zero (ERANGE).
 */

const PREFIX =
  /[\t\n\v\f\r ]*([+-]?)(?:0x((?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+))(?:p([+-]?\d+))?|((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)|(inf(?:inity)?)|nan(?:\([0-9a-z_]*\))?)/iy;

export interface StrtodResult {
  value: number;
  /** Index just past the characters read; 0 when nothing was converted. */
  end: number;
  /** ERANGE with a result of ±HUGE_VAL or zero (what Redis's string2d rejects). */
  outOfRange: boolean;
}

export function strtod(text: string): StrtodResult {
  PREFIX.lastIndex = 0;
  const match = PREFIX.exec(text);
  if (match === null) return { value: 0, end: 0, outOfRange: false };
  const [whole, sign, hex, binaryExponent, decimal, infinity] = match;
  const negative = sign === '-';
  let value: number;
  let outOfRange = false;
  if (hex !== undefined) {
    value = hexValue(hex, binaryExponent);
    outOfRange = !Number.isFinite(value) || (value === 0 && /[1-9a-f]/i.test(hex));
  } else if (decimal !== undefined) {
    value = Number(decimal);
    outOfRange = !Number.isFinite(value) || (value === 0 && /[1-9]/.test(decimal.split(/e/i)[0]!));
  } else {
    value = infinity !== undefined ? Infinity : NaN;
  }
  return { value: negative ? -value : value, end: whole.length, outOfRange };
}

/** A hex float's digits and binary exponent, as the nearest double. */
function hexValue(digits: string, exponent: string | undefined): number {
  const point = digits.indexOf('.');
  const fraction = point === -1 ? 0 : digits.length - point - 1;
  const mantissa = Number(BigInt(`0x${point === -1 ? digits : digits.replace('.', '') || '0'}`));
  let power = (exponent === undefined ? 0 : Math.max(-100000, Math.min(100000, Number(exponent)))) - 4 * fraction;
  // Scale in steps so an intermediate 2^power never overflows or flushes to zero on its own.
  let value = mantissa;
  while (power > 1000 && Number.isFinite(value) && value !== 0) {
    value *= 2 ** 1000;
    power -= 1000;
  }
  while (power < -1000 && value !== 0) {
    value *= 2 ** -1000;
    power += 1000;
  }
  return value * 2 ** power;
}

/**
 * Redis's string2d (ZADD scores, ZINCRBY, WEIGHTS, GEOADD coordinates): the whole text is one
 * float, with no leading white space, no NaN, and no overflow or underflow to zero.
 */
export function parseDouble(text: string): number | null {
  if (text.length === 0) return null;
  const code = text.charCodeAt(0);
  if (code === 32 || (code >= 9 && code <= 13)) return null;
  const result = strtod(text);
  if (result.end !== text.length || result.outOfRange || Number.isNaN(result.value)) return null;
  return result.value;
}

/**
 * A bound of ZRANGEBYSCORE and friends: strtod on the C string (so it ends at the first NUL),
 * which must be read to its end. Unlike string2d this accepts leading white space, the empty
 * string (0) and out-of-range values (±inf, 0); only NaN and trailing garbage are refused.
 */
export function parseRangeDouble(text: string): number | null {
  const nul = text.indexOf('\0');
  const c = nul === -1 ? text : text.slice(0, nul);
  const result = strtod(c);
  if (result.end !== c.length) return null;
  return Number.isNaN(result.value) ? null : result.value;
}
