/**
 * C's double → integer casts as Redis's x86-64 build performs them (the Lua libraries it bundles
 * format and pack numbers through `long` and `unsigned long`).
 */

export const INT64_MIN = -(2n ** 63n);
export const UINT64_MASK = 2n ** 64n - 1n;
const TWO_63 = 2 ** 63;

/** (long)n: truncation; NaN and out-of-range values give LONG_MIN (cvttsd2si's "indefinite"). */
export function toInt64(n: number): bigint {
  if (Number.isNaN(n) || n >= TWO_63 || n < -TWO_63) return INT64_MIN;
  return BigInt(Math.trunc(n));
}

/** (unsigned long)n as gcc compiles it: values from 2^63 up are converted shifted down by 2^63. */
export function toUint64(n: number): bigint {
  if (n >= TWO_63) return (toInt64(n - TWO_63) ^ INT64_MIN) & UINT64_MASK;
  return toInt64(n) & UINT64_MASK;
}
