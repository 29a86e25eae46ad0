/**
 * Emulation of the C `long double` Redis uses for INCRBYFLOAT and HINCRBYFLOAT on x86-64:
 * the x87 80-bit extended format (64-bit mantissa with an explicit integer bit, exponents down
 * to the subnormal 2^-16445, overflow at 2^16384). JS doubles would print different digits
 * (10.5 + 0.1 is "10.6" in Redis but 10.6 + tiny error in doubles), so values are kept exactly
 * as mantissa·2^exponent in BigInt arithmetic and rounded the way the FPU rounds (to nearest,
 * ties to even). Only parsing, addition and the "%.17Lf" human format are needed.
 */

/** A finite value: (-1)^negative · mantissa · 2^exponent, mantissa < 2^64. */
export interface LongDouble {
  readonly negative: boolean;
  readonly mantissa: bigint;
  readonly exponent: number;
  /** ±infinity (strtold accepts "inf"); mantissa and exponent are then meaningless. */
  readonly infinite: boolean;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const MANTISSA_BITS = 64;
const TWO_63 = 1n << 63n;
const TWO_64 = 1n << 64n;
/** Exponent of the smallest subnormal: 2^-16445. */
const MIN_EXPONENT = -16445;
/** Values at or above 2^16384 are infinite. */
const MAX_BINARY_EXPONENT = 16384;
/** Redis copies the text into a buffer of MAX_LONG_DOUBLE_CHARS (5 KiB) and rejects longer input. */
const MAX_TEXT = 5 * 1024;
/** Decimal magnitudes far beyond the format's range (1e4932, 3.6e-4951) need no exact arithmetic. */
const DECIMAL_LIMIT = 5000;
/** "%.17Lf": 17 fractional digits. */
const FRACTION_DIGITS = 17;
const FRACTION_SCALE = 10n ** BigInt(FRACTION_DIGITS);

/** Zero, the value of a missing key or field. */
export const LONG_DOUBLE_ZERO: LongDouble = { negative: false, mantissa: 0n, exponent: 0, infinite: false };

const DECIMAL = /^([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

/**
 * Parses text the way Redis's string2ld does (strtold on the whole string): decimal or hex
 * floats, "inf"/"infinity"; no surrounding spaces, no NaN, and no values that overflow or
 * underflow to zero. Returns null when Redis would say "value is not a valid float".
 */
export function parseLongDouble(text: string): LongDouble | null {
  if (text.length === 0 || text.length >= MAX_TEXT) return null;
  const decimal = DECIMAL.exec(text);
  if (decimal !== null) {
    const [, sign, whole, fraction, onlyFraction, exponent] = decimal;
    const digits = whole !== undefined ? whole + fraction : onlyFraction!;
    const shift = whole !== undefined ? fraction!.length : onlyFraction!.length;
    return fromDecimal(sign === '-', digits, exponentValue(exponent) - shift);
  }
  const hex = HEX.exec(text);
  if (hex !== null) {
    const [, sign, whole, fraction, onlyFraction, exponent] = hex;
    const digits = whole !== undefined ? whole + fraction : onlyFraction!;
    const shift = whole !== undefined ? fraction!.length : onlyFraction!.length;
    return fromBinary(sign === '-', BigInt(`0x${digits}`), exponentValue(exponent) - 4 * shift);
  }
  const infinity = INFINITY.exec(text);
  if (infinity !== null) return { negative: infinity[1] === '-', mantissa: 0n, exponent: 0, infinite: true };
  return null;
}

/** a + b rounded to the format; null when the result is NaN or infinite (Redis refuses both). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.infinite || b.infinite) return null; // inf + x is inf, inf - inf is NaN
  const exponent = Math.min(a.exponent, b.exponent);
  const left = a.mantissa << BigInt(a.exponent - exponent);
  const right = b.mantissa << BigInt(b.exponent - exponent);
  const sum = (a.negative ? -left : left) + (b.negative ? -right : right);
  if (sum === 0n) return LONG_DOUBLE_ZERO;
  const result = round(sum < 0n, sum < 0n ? -sum : sum, 1n, exponent);
  return result === null || result.infinite ? null : result;
}

/**
 * ceill(value · factor) converted to a C long long the way x86-64 does it: a result outside the
 * int64 range (or infinite) becomes the "integer indefinite" INT64_MIN. The product is rounded to
 * the format first, as the FPU rounds it (getTimeoutFromObjectOrReply: seconds → milliseconds).
 */
export function ceilScaledToInt64(value: LongDouble, factor: bigint): bigint {
  if (value.infinite) return INT64_MIN;
  if (value.mantissa === 0n) return 0n;
  const product = round(value.negative, value.mantissa * factor, 1n, value.exponent);
  if (product === null || product.infinite) return product === null ? 0n : INT64_MIN;
  let magnitude: bigint;
  if (product.exponent >= 0) magnitude = product.mantissa << BigInt(product.exponent);
  else {
    const shift = BigInt(-product.exponent);
    magnitude = product.mantissa >> shift;
    // Rounding towards +infinity: a positive value with a fraction goes up, a negative one truncates.
    if (!product.negative && magnitude << shift !== product.mantissa) magnitude++;
  }
  const result = product.negative ? -magnitude : magnitude;
  return result > INT64_MAX || result < INT64_MIN ? INT64_MIN : result;
}

/**
 * Formats like Redis's ld2string in LD_STR_HUMAN mode: printf "%.17Lf" (exact digits, rounded
 * half to even), trailing zeros and a bare '.' removed, "-0" turned into "0".
 */
export function formatLongDouble(value: LongDouble): string {
  if (value.infinite) return value.negative ? '-inf' : 'inf';
  const scaled = value.mantissa * FRACTION_SCALE;
  let units: bigint;
  if (value.exponent >= 0) units = scaled << BigInt(value.exponent);
  else {
    const shift = BigInt(-value.exponent);
    units = scaled >> shift;
    const twiceRemainder = (scaled - (units << shift)) << 1n;
    const half = 1n << shift;
    if (twiceRemainder > half || (twiceRemainder === half && (units & 1n) === 1n)) units++;
  }
  const digits = units.toString().padStart(FRACTION_DIGITS + 1, '0');
  const point = digits.length - FRACTION_DIGITS;
  let end = digits.length;
  while (end > point && digits.charCodeAt(end - 1) === 48) end--;
  const text = end === point ? digits.slice(0, point) : `${digits.slice(0, point)}.${digits.slice(point, end)}`;
  return value.negative && text !== '0' ? `-${text}` : text;
}

function exponentValue(text: string | undefined): number {
  if (text === undefined) return 0;
  // Saturate: anything this large over/underflows whatever the digits are.
  const value = Number(text);
  return Math.max(-1e9, Math.min(1e9, value));
}

/** digits · 10^exponent, correctly rounded; null on overflow or underflow to zero (ERANGE). */
function fromDecimal(negative: boolean, digits: string, exponent: number): LongDouble | null {
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  if (start === digits.length) return { ...LONG_DOUBLE_ZERO, negative };
  const significant = digits.length - start;
  const magnitude = significant + exponent; // value < 10^magnitude
  if (magnitude > DECIMAL_LIMIT || magnitude < -DECIMAL_LIMIT) return null;
  const mantissa = BigInt(digits.slice(start));
  const result =
    exponent >= 0
      ? round(negative, mantissa * 10n ** BigInt(exponent), 1n, 0)
      : round(negative, mantissa, 10n ** BigInt(-exponent), 0);
  return result === null || result.infinite ? null : result;
}

/** mantissa · 2^exponent (hex floats), correctly rounded; null on overflow or underflow to zero. */
function fromBinary(negative: boolean, mantissa: bigint, exponent: number): LongDouble | null {
  if (mantissa === 0n) return { ...LONG_DOUBLE_ZERO, negative };
  const top = bitLength(mantissa) + exponent;
  if (top > MAX_BINARY_EXPONENT + 1 || top < MIN_EXPONENT - 2) return null;
  const result = round(negative, mantissa, 1n, exponent);
  return result === null || result.infinite ? null : result;
}

/**
 * Rounds (numerator / denominator) · 2^exponent (positive) to 64 mantissa bits, ties to even,
 * with the subnormal floor. Returns null when it rounds to zero, an infinite value on overflow.
 */
function round(negative: boolean, numerator: bigint, denominator: bigint, exponent: number): LongDouble | null {
  // Pick e so that the quotient numerator / (denominator · 2^e) lies in [2^63, 2^64).
  let e = exponent + bitLength(numerator) - bitLength(denominator) - MANTISSA_BITS;
  let quotient = scaledQuotient(numerator, denominator, e - exponent);
  if (quotient >= TWO_64) quotient = scaledQuotient(numerator, denominator, ++e - exponent);
  else if (quotient < TWO_63) quotient = scaledQuotient(numerator, denominator, --e - exponent);
  if (e < MIN_EXPONENT) e = MIN_EXPONENT;
  const shift = e - exponent;
  const num = shift >= 0 ? numerator : numerator << BigInt(-shift);
  const den = shift >= 0 ? denominator << BigInt(shift) : denominator;
  let mantissa = num / den;
  const twiceRemainder = (num - mantissa * den) << 1n;
  if (twiceRemainder > den || (twiceRemainder === den && (mantissa & 1n) === 1n)) mantissa++;
  if (mantissa === TWO_64) {
    mantissa = TWO_63;
    e++;
  }
  if (mantissa === 0n) return null;
  if (e + MANTISSA_BITS > MAX_BINARY_EXPONENT) return { negative, mantissa: 0n, exponent: 0, infinite: true };
  return { negative, mantissa, exponent: e, infinite: false };
}

/** floor(numerator / (denominator · 2^shift)) for a shift of either sign. */
function scaledQuotient(numerator: bigint, denominator: bigint, shift: number): bigint {
  return shift >= 0 ? numerator / (denominator << BigInt(shift)) : (numerator << BigInt(-shift)) / denominator;
}

function bitLength(value: bigint): number {
  return value.toString(2).length;
}
