import { describe, expect, it } from 'vitest';
import { murmurHash64A, murmurResult } from './murmur64a.js';

const MASK = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;

/** A plain BigInt MurmurHash64A, written straight from the algorithm, to check the 32-bit version. */
function reference(data: string, seed: number): bigint {
  const bytes = Buffer.from(data, 'latin1');
  let h = (BigInt(seed) ^ ((BigInt(bytes.length) * M) & MASK)) & MASK;
  const whole = bytes.length - (bytes.length % 8);
  for (let i = 0; i < whole; i += 8) {
    let k = bytes.readBigUInt64LE(i);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  if (bytes.length % 8 !== 0) {
    for (let j = bytes.length % 8 - 1; j >= 0; j--) h ^= BigInt(bytes[whole + j]!) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

function hash(data: string, seed: number): bigint {
  murmurHash64A(data, seed);
  return (BigInt(murmurResult[1]!) << 32n) | BigInt(murmurResult[0]!);
}

describe('murmurHash64A', () => {
  it('matches a BigInt implementation on every length 0–40 and on binary bytes', () => {
    let state = 12345;
    const nextByte = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
    for (let length = 0; length <= 40; length++) {
      for (let trial = 0; trial < 20; trial++) {
        const data = String.fromCharCode(...Array.from({ length }, nextByte));
        expect(hash(data, 0xadc83b19)).toBe(reference(data, 0xadc83b19));
      }
    }
    const allOnes = '\xff'.repeat(23);
    expect(hash(allOnes, 0)).toBe(reference(allOnes, 0));
  });

  it('hashes the empty string to the mixed seed alone', () => {
    expect(hash('', 0)).toBe(0n);
    expect(hash('', 0xadc83b19)).toBe(reference('', 0xadc83b19));
  });
});
