import type { Int64 } from '../types/int64.js';
import { ByteReader, ByteWriter, FormatError, narrow } from './bytes.js';

/**
 * Redis's intset (intset.c): a 32-bit element width (2, 4 or 8 bytes), a 32-bit count, then
 * the integers ascending, little-endian, all in the width the largest one needs.
 */

function widthOf(value: Int64): number {
  if (typeof value === 'bigint') return 8;
  if (value >= -32768 && value <= 32767) return 2;
  if (value >= -2147483648 && value <= 2147483647) return 4;
  return 8;
}

/** The blob for integers already sorted ascending without duplicates. */
export function encodeIntset(values: readonly Int64[]): Buffer {
  let width = 2;
  for (const value of values) width = Math.max(width, widthOf(value));
  const out = new ByteWriter(8 + values.length * width);
  out.u32le(width);
  out.u32le(values.length);
  const scratch = Buffer.allocUnsafe(8);
  for (const value of values) {
    if (width === 8) out.i64le(value);
    else {
      scratch.writeIntLE(Number(value), 0, width);
      out.bytes(scratch.subarray(0, width));
    }
  }
  return out.view();
}

/** The integers of an intset blob; checks the width, the size and the ascending order. */
export function decodeIntset(blob: Buffer): Int64[] {
  const reader = new ByteReader(blob);
  const width = reader.u32le();
  if (width !== 2 && width !== 4 && width !== 8) throw new FormatError('bad intset encoding');
  const count = reader.u32le();
  if (blob.length !== 8 + count * width) throw new FormatError('intset size mismatch');
  const values: Int64[] = [];
  let previous: Int64 | null = null;
  for (let i = 0; i < count; i++) {
    const value: Int64 = width === 8 ? narrow(reader.i64le()) : reader.bytes(width).readIntLE(0, width);
    if (previous !== null && !(previous < value)) throw new FormatError('intset not sorted');
    values.push(value);
    previous = value;
  }
  return values;
}
