/**
 * MurmurHash64A (MurmurHash2, 64-bit), as Redis's HyperLogLog uses it: the input read as
 * little-endian 64-bit words whatever the host. The 64-bit state is kept in two uint32 halves
 * so hashing never allocates (no BigInt); the result lands in `murmurResult` ([low, high]).
 */

// The multiplier m = 0xc6a4a7935bd1e995, split into 32-bit halves and the low half into 16 bits.
const M_HIGH = 0xc6a4a793;
const M_LOW = 0x5bd1e995;
const M_LOW_0 = M_LOW & 0xffff;
const M_LOW_1 = M_LOW >>> 16;

/** The last hash computed: [low 32 bits, high 32 bits]. */
export const murmurResult = new Uint32Array(2);

/**
 * The high word of (high:low)·m mod 2^64; the low word is Math.imul(low, M_LOW). The low 32×32
 * product needs its upper half exactly, so it is formed from 16-bit pieces.
 */
function highOfProduct(low: number, high: number): number {
  const a0 = low & 0xffff;
  const a1 = low >>> 16;
  const p00 = a0 * M_LOW_0;
  const p01 = a0 * M_LOW_1;
  const p10 = a1 * M_LOW_0;
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * M_LOW_1 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16);
  return (carry + Math.imul(low, M_HIGH) + Math.imul(high, M_LOW)) >>> 0;
}

/** Hashes the bytes of a latin1 string (one char per byte) with `seed`; see murmurResult. */
export function murmurHash64A(data: string, seed: number): void {
  const length = data.length;
  // h = seed ^ (length · m)
  let high = highOfProduct(length, 0);
  let low = (Math.imul(length, M_LOW) ^ seed) >>> 0;
  const wholeWords = length - (length & 7);
  let i = 0;
  for (; i < wholeWords; i += 8) {
    let kLow = (data.charCodeAt(i) | (data.charCodeAt(i + 1) << 8) | (data.charCodeAt(i + 2) << 16) | (data.charCodeAt(i + 3) << 24)) >>> 0;
    let kHigh = (data.charCodeAt(i + 4) | (data.charCodeAt(i + 5) << 8) | (data.charCodeAt(i + 6) << 16) | (data.charCodeAt(i + 7) << 24)) >>> 0;
    // k *= m; k ^= k >> 47; k *= m
    let next = highOfProduct(kLow, kHigh);
    kLow = Math.imul(kLow, M_LOW) >>> 0;
    kHigh = next;
    kLow = (kLow ^ (kHigh >>> 15)) >>> 0;
    next = highOfProduct(kLow, kHigh);
    kLow = Math.imul(kLow, M_LOW) >>> 0;
    kHigh = next;
    // h ^= k; h *= m
    low = (low ^ kLow) >>> 0;
    high = (high ^ kHigh) >>> 0;
    next = highOfProduct(low, high);
    low = Math.imul(low, M_LOW) >>> 0;
    high = next;
  }
  const tail = length & 7;
  if (tail !== 0) {
    // The 1–7 trailing bytes, xored in at their little-endian positions, then h *= m.
    for (let j = tail - 1; j >= 0; j--) {
      const byte = data.charCodeAt(i + j);
      if (j >= 4) high = (high ^ (byte << ((j - 4) * 8))) >>> 0;
      else low = (low ^ (byte << (j * 8))) >>> 0;
    }
    const next = highOfProduct(low, high);
    low = Math.imul(low, M_LOW) >>> 0;
    high = next;
  }
  // h ^= h >> 47; h *= m; h ^= h >> 47
  low = (low ^ (high >>> 15)) >>> 0;
  const next = highOfProduct(low, high);
  low = Math.imul(low, M_LOW) >>> 0;
  high = next;
  murmurResult[0] = (low ^ (high >>> 15)) >>> 0;
  murmurResult[1] = high;
}
