/**
 * Bit operations on latin1 strings (one char per byte, bit 0 = the most significant bit of
 * byte 0, as Redis numbers them). Results are built in a Buffer and turned into a string once.
 */

/** Set bits per byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

export const enum BitOp {
  And,
  Or,
  Xor,
  Not,
}

/** Set bits in bytes [start, end] (inclusive, within the string). */
export function popcount(value: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i <= end; i++) count += POPCOUNT[value.charCodeAt(i)]!;
  return count;
}

/** Set bits of one byte. */
export function popcountByte(byte: number): number {
  return POPCOUNT[byte & 0xff]!;
}

/**
 * Redis's redisBitpos over `count` bytes from `start`: the position of the first bit equal to
 * `bit`, -1 when looking for 1 and there is none, count·8 when looking for 0 and every bit is
 * set (the bytes are treated as zero-padded on the right).
 */
export function firstBit(value: string, start: number, count: number, bit: number): number {
  const skip = bit === 1 ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const byte = value.charCodeAt(start + i);
    if (byte !== skip) return i * 8 + firstBitInByte(byte, bit);
  }
  return bit === 1 ? -1 : count * 8;
}

/** redisBitpos over one byte: 0–7 (0 = MSB), else -1 looking for 1 or 8 looking for 0. */
export function firstBitInByte(byte: number, bit: number): number {
  const bits = bit === 1 ? byte & 0xff : ~byte & 0xff;
  if (bits === 0) return bit === 1 ? -1 : 8;
  return Math.clz32(bits) - 24;
}

/** The value of bit `offset` (0 past the end). */
export function getBit(value: string, offset: number): number {
  const byte = Math.floor(offset / 8);
  if (byte >= value.length) return 0;
  return (value.charCodeAt(byte) >> (7 - (offset % 8))) & 1;
}

/** The string with bit `offset` set to `on`; the caller has already padded it to cover the bit. */
export function withBit(value: string, offset: number, on: number): string {
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset % 8));
  const old = value.charCodeAt(byte);
  const updated = on === 1 ? old | mask : old & ~mask;
  if (updated === old) return value;
  return value.slice(0, byte) + String.fromCharCode(updated) + value.slice(byte + 1);
}

/** The string padded with zero bytes to at least `length` (sdsgrowzero). */
export function padTo(value: string, length: number): string {
  return value.length >= length ? value : value + '\0'.repeat(length - value.length);
}

/**
 * BITOP over the sources (missing keys are empty strings): the result is as long as the
 * longest source, shorter sources read as zero bytes. NOT takes exactly one source.
 */
export function bitop(op: BitOp, sources: readonly string[]): string {
  let length = 0;
  for (const source of sources) if (source.length > length) length = source.length;
  const out = Buffer.alloc(length);
  const first = sources[0]!;
  out.write(first, 0, 'latin1');
  if (op === BitOp.Not) {
    for (let i = 0; i < length; i++) out[i] = ~out[i]! & 0xff;
  } else {
    for (let s = 1; s < sources.length; s++) combine(op, out, sources[s]!);
  }
  return out.toString('latin1');
}

/** out = out OP source, byte by byte; bytes past the source's end count as zero. */
function combine(op: BitOp, out: Buffer, source: string): void {
  const shared = Math.min(source.length, out.length);
  if (op === BitOp.And) {
    for (let i = 0; i < shared; i++) out[i] = out[i]! & source.charCodeAt(i);
    out.fill(0, shared);
  } else if (op === BitOp.Or) {
    for (let i = 0; i < shared; i++) out[i] = out[i]! | source.charCodeAt(i);
  } else {
    for (let i = 0; i < shared; i++) out[i] = out[i]! ^ source.charCodeAt(i);
  }
}
