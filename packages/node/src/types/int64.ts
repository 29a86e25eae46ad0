/**
 * Signed 64-bit integers as Redis reads and writes them (string2ll, long long arithmetic).
 *
 * An `Int64` is a plain number while it is a safe integer (|v| < 2^53) — the common case, kept
 * on the fast path — and a bigint beyond, so values up to ±2^63 stay exact.
 */
export type Int64 = number | bigint;

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

/** Digits that always fit a double exactly: 10^15 < 2^53. */
const SAFE_DIGITS = 15;
/** Redis rejects integer text of 21 bytes or more (LONG_STR_SIZE) before looking at it. */
const MAX_INT_TEXT = 20;

/**
 * Parses canonical decimal int64 text exactly as Redis's string2ll does: no spaces, no '+',
 * no leading zeros ("0" alone is fine, "-0" is not), at most 20 bytes, within int64.
 * Returns null when the text is not such an integer.
 */
export function parseInt64(text: string): Int64 | null {
  const length = text.length;
  if (length === 0 || length > MAX_INT_TEXT) return null;
  let at = 0;
  const negative = text.charCodeAt(0) === 45; // '-'
  if (negative) {
    at = 1;
    if (length === 1) return null;
  }
  const first = text.charCodeAt(at);
  if (first < 49 || first > 57) return length === 1 && first === 48 ? 0 : null; // 1-9, or "0" alone
  if (length - at <= SAFE_DIGITS) {
    let value = first - 48;
    for (let i = at + 1; i < length; i++) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return null;
      value = value * 10 + digit;
    }
    return negative ? -value : value;
  }
  for (let i = at + 1; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return null;
  }
  const value = BigInt(text);
  return value > INT64_MAX || value < INT64_MIN ? null : normalize(value);
}

/** Like parseInt64 but as a number: for offsets and ranges, where huge values only need their order. */
export function parseInt64Number(text: string): number | null {
  const value = parseInt64(text);
  return typeof value === 'bigint' ? Number(value) : value;
}

/** a + b, or null when the sum leaves int64 (Redis: "increment or decrement would overflow"). */
export function addInt64(a: Int64, b: Int64): Int64 | null {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    // Both operands are safe, so a sum inside the safe range was computed exactly.
    if (sum <= Number.MAX_SAFE_INTEGER && sum >= -Number.MAX_SAFE_INTEGER) return sum;
  }
  const sum = BigInt(a) + BigInt(b);
  return sum > INT64_MAX || sum < INT64_MIN ? null : normalize(sum);
}

/** -v; null for INT64_MIN, which has no int64 negation. */
export function negateInt64(value: Int64): Int64 | null {
  if (typeof value === 'number') return -value;
  return value === INT64_MIN ? null : normalize(-value);
}

/** Whether the text is one Redis would store as an integer (OBJECT ENCODING "int"). */
export function isInt64Text(text: string): boolean {
  return parseInt64(text) !== null;
}

/** Back to a number when the value is safe, so the fast path stays numeric. */
export function normalize(value: bigint): Int64 {
  return value <= 9007199254740991n && value >= -9007199254740991n ? Number(value) : value;
}
