import { ByteReader, FormatError } from './bytes.js';

/**
 * Redis's zipmap (zipmap.c), the Redis 2.4 blob for small hashes, read when loading very old
 * RDB files: a count byte, then per pair a length, the field, a length, a free-space byte, the
 * value and that many unused bytes; 0xFF ends it. A length below 254 is one byte, 254 is
 * followed by a 32-bit little-endian length.
 */
export function decodeZipmap(blob: Buffer): [string, string][] {
  const reader = new ByteReader(blob);
  reader.byte(); // count hint (254+ means "count it")
  const pairs: [string, string][] = [];
  const length = (): number => {
    const first = reader.byte();
    if (first < 254) return first;
    if (first === 254) return reader.u32le();
    throw new FormatError('bad zipmap length');
  };
  while (reader.peek() !== 0xff) {
    const field = reader.latin1(length());
    const valueLength = length();
    const free = reader.byte();
    const value = reader.latin1(valueLength);
    reader.skip(free);
    pairs.push([field, value]);
  }
  if (reader.position !== blob.length - 1) throw new FormatError('zipmap trailing bytes');
  return pairs;
}
