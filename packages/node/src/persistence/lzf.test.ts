import { describe, expect, it } from 'vitest';
import { lzfCompress, lzfDecompress } from './lzf.js';

function roundTrip(data: Buffer): Buffer | null {
  const packed = lzfCompress(data, data.length);
  if (packed === null) return null;
  return lzfDecompress(packed, data.length);
}

describe('lzf', () => {
  it('compresses repetitive data and restores it exactly', () => {
    const data = Buffer.from('a'.repeat(1000) + 'hello world '.repeat(50), 'latin1');
    const packed = lzfCompress(data, data.length - 4)!;
    expect(packed.length).toBeLessThan(100);
    expect(lzfDecompress(packed, data.length)!.equals(data)).toBe(true);
  });

  it('gives up when the output would not be smaller than the limit', () => {
    const random = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 255));
    expect(lzfCompress(random, 10)).toBeNull();
  });

  it('round-trips pseudo-random data with repeats at every size up to 600', () => {
    let seed = 7;
    for (let size = 1; size <= 600; size += 7) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        data[i] = i > 8 && seed % 3 === 0 ? data[i - 1 - (seed % 8)]! : seed >>> 24;
      }
      const restored = roundTrip(data);
      if (restored !== null) expect(restored.equals(data)).toBe(true);
    }
  });

  // Bytes taken from the DUMP payloads of real Redis 7.0 for these strings.
  const REDIS_VECTORS: [string, number[]][] = [
    ['a'.repeat(44), [0x01, 0x61, 0x61, 0xe0, 0x1f, 0x00, 0x01, 0x61, 0x61]],
    ['hello world '.repeat(20), [0x0c, ...Buffer.from('hello world h'), 0xe0, 0xd8, 0x0b, 0x01, 0x64, 0x20]],
  ];

  it('decodes what Redis wrote and compresses to the same bytes', () => {
    for (const [text, bytes] of REDIS_VECTORS) {
      const data = Buffer.from(text, 'latin1');
      expect(lzfDecompress(Buffer.from(bytes), data.length)?.toString('latin1')).toBe(text);
      expect([...lzfCompress(data, data.length - 4)!]).toEqual(bytes);
    }
  });

  it('rejects corrupt input instead of reading outside the output', () => {
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 10)).toBeNull();
    expect(lzfDecompress(Buffer.from([0x05, 0x61]), 6)).toBeNull();
  });
});
