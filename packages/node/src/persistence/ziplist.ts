import { ByteReader, FormatError, narrow } from './bytes.js';
import type { ListpackElement } from './listpack.js';

/**
 * Redis's ziplist (ziplist.c), the pre-7.0 blob for small lists, hashes and sorted sets. Only
 * read: Redis 7.0 still loads old RDB files holding it but never writes it. Layout: 32-bit
 * total size, 32-bit tail offset, 16-bit count, entries, 0xFF. Each entry is the previous
 * entry's length (1 byte, or 0xFE + 4 bytes), an encoding header, then the data.
 */
export function decodeZiplist(blob: Buffer): ListpackElement[] {
  const reader = new ByteReader(blob);
  const total = reader.u32le();
  if (total !== blob.length) throw new FormatError('ziplist size mismatch');
  reader.u32le(); // tail offset
  const declared = reader.u16le();
  const elements: ListpackElement[] = [];
  while (reader.peek() !== 0xff) {
    if (reader.byte() === 0xfe) reader.u32le();
    const first = reader.byte();
    const kind = first >>> 6;
    if (kind === 0) {
      elements.push(reader.latin1(first & 0x3f));
    } else if (kind === 1) {
      elements.push(reader.latin1(((first & 0x3f) << 8) | reader.byte()));
    } else if (kind === 2) {
      elements.push(reader.latin1(reader.u32be()));
    } else if (first === 0xc0) {
      elements.push(reader.bytes(2).readInt16LE(0));
    } else if (first === 0xd0) {
      elements.push(reader.i32le());
    } else if (first === 0xe0) {
      elements.push(narrow(reader.bytes(8).readBigInt64LE(0)));
    } else if (first === 0xf0) {
      elements.push(reader.bytes(3).readIntLE(0, 3));
    } else if (first === 0xfe) {
      elements.push(reader.bytes(1).readInt8(0));
    } else if (first >= 0xf1 && first <= 0xfd) {
      elements.push((first & 0x0f) - 1);
    } else {
      throw new FormatError('bad ziplist encoding');
    }
  }
  if (reader.position !== blob.length - 1) throw new FormatError('ziplist trailing bytes');
  if (declared !== 65535 && declared !== elements.length) throw new FormatError('ziplist count mismatch');
  return elements;
}
