import { parseInt64, type Int64 } from '../types/int64.js';
import { ByteReader, ByteWriter, FormatError, narrow } from './bytes.js';

/**
 * Redis's listpack (listpack.c), the blob RDB stores for small hashes, sorted sets, list nodes
 * and stream nodes: a 32-bit total size, a 16-bit element count (65535 = "count it"), the
 * elements, and a 0xFF terminator. Each element is an encoding header, its data and a
 * back-length that lets Redis walk backwards. Strings that are canonical integers are stored
 * as integers, exactly as lpAppend does.
 */

const HEADER_SIZE = 6;
const EOF = 0xff;
const UNKNOWN_COUNT = 65535;

/** An element read back: integers come out as numbers (bigints beyond 2^53). */
export type ListpackElement = string | Int64;

/** Builds one listpack. */
export class ListpackBuilder {
  private readonly out = new ByteWriter(256);
  private count = 0;

  constructor() {
    this.out.u32le(0);
    this.out.u16le(0);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes so far, terminator included (what lpBytes would say once finished). */
  get bytes(): number {
    return this.out.length + 1;
  }

  /** lpAppend: a string, stored as an integer when it is canonical int64 text. */
  string(text: string): this {
    const asInteger = text.length <= 20 ? parseInt64(text) : null;
    if (asInteger !== null) return this.integer(asInteger);
    const out = this.out;
    const length = text.length;
    let header: number;
    if (length < 64) {
      out.byte(0x80 | length);
      header = 1;
    } else if (length < 4096) {
      out.byte(0xe0 | (length >>> 8));
      out.byte(length & 0xff);
      header = 2;
    } else {
      out.byte(0xf0);
      out.u32le(length);
      header = 5;
    }
    out.latin1(text);
    this.backLength(header + length);
    this.count++;
    return this;
  }

  /** lpAppendInteger: the smallest integer encoding that holds the value. */
  integer(integer: Int64): this {
    const out = this.out;
    const value = typeof integer === 'bigint' ? narrow(integer) : integer;
    let size: number;
    if (typeof value === 'number' && value >= 0 && value <= 127) {
      out.byte(value);
      size = 1;
    } else if (typeof value === 'number' && value >= -4096 && value <= 4095) {
      const v = value < 0 ? (1 << 13) + value : value;
      out.byte(0xc0 | (v >>> 8));
      out.byte(v & 0xff);
      size = 2;
    } else if (typeof value === 'number' && value >= -32768 && value <= 32767) {
      const v = value < 0 ? 65536 + value : value;
      out.byte(0xf1);
      out.byte(v & 0xff);
      out.byte(v >>> 8);
      size = 3;
    } else if (typeof value === 'number' && value >= -8388608 && value <= 8388607) {
      const v = value < 0 ? 16777216 + value : value;
      out.byte(0xf2);
      out.byte(v & 0xff);
      out.byte((v >>> 8) & 0xff);
      out.byte(v >>> 16);
      size = 4;
    } else if (typeof value === 'number' && value >= -2147483648 && value <= 2147483647) {
      out.byte(0xf3);
      out.u32le(value >>> 0);
      size = 5;
    } else {
      out.byte(0xf4);
      out.i64le(value);
      size = 9;
    }
    this.backLength(size);
    this.count++;
    return this;
  }

  private backLength(length: number): void {
    const out = this.out;
    if (length <= 127) {
      out.byte(length);
    } else if (length < 16383) {
      out.byte(length >>> 7);
      out.byte((length & 127) | 128);
    } else if (length < 2097151) {
      out.byte(length >>> 14);
      out.byte(((length >>> 7) & 127) | 128);
      out.byte((length & 127) | 128);
    } else if (length < 268435455) {
      out.byte(length >>> 21);
      out.byte(((length >>> 14) & 127) | 128);
      out.byte(((length >>> 7) & 127) | 128);
      out.byte((length & 127) | 128);
    } else {
      out.byte(Math.floor(length / 268435456));
      out.byte(((length >>> 21) & 127) | 128);
      out.byte(((length >>> 14) & 127) | 128);
      out.byte(((length >>> 7) & 127) | 128);
      out.byte((length & 127) | 128);
    }
  }

  /** The finished blob. */
  finish(): Buffer {
    const out = this.out;
    out.byte(EOF);
    out.patchU32le(0, out.length);
    out.patchU16le(4, this.count < UNKNOWN_COUNT ? this.count : UNKNOWN_COUNT);
    return out.view();
  }
}

/** A listpack of strings (hash pairs, list nodes). */
export function listpackOf(elements: Iterable<string>): Buffer {
  const builder = new ListpackBuilder();
  for (const element of elements) builder.string(element);
  return builder.finish();
}

/** Bytes of the back-length that follows an element of `length` bytes. */
function backLengthSize(length: number): number {
  return length <= 127 ? 1 : length < 16383 ? 2 : length < 2097151 ? 3 : length < 268435455 ? 4 : 5;
}

/** Two's complement of the low `bits` of `value`. */
function signed(value: number, bits: number): number {
  const limit = 2 ** (bits - 1);
  return value >= limit ? value - 2 * limit : value;
}

/**
 * Every element of a listpack, validating the structure as it goes (header size, each
 * element's back-length, the terminator, the declared count when it is known).
 */
export function decodeListpack(blob: Buffer): ListpackElement[] {
  const reader = new ByteReader(blob);
  if (blob.length < HEADER_SIZE + 1) throw new FormatError('listpack too short');
  const total = reader.u32le();
  if (total !== blob.length) throw new FormatError('listpack size mismatch');
  const declared = reader.u16le();
  const elements: ListpackElement[] = [];
  while (reader.peek() !== EOF) {
    const start = reader.position;
    const first = reader.byte();
    let element: ListpackElement;
    if ((first & 0x80) === 0) {
      element = first;
    } else if ((first & 0xc0) === 0x80) {
      element = reader.latin1(first & 0x3f);
    } else if ((first & 0xe0) === 0xc0) {
      element = signed(((first & 0x1f) << 8) | reader.byte(), 13);
    } else if ((first & 0xf0) === 0xe0) {
      element = reader.latin1(((first & 0x0f) << 8) | reader.byte());
    } else if (first === 0xf0) {
      element = reader.latin1(reader.u32le());
    } else if (first === 0xf1) {
      element = signed(reader.u16le(), 16);
    } else if (first === 0xf2) {
      const low = reader.u16le();
      element = signed(low | (reader.byte() << 16), 24);
    } else if (first === 0xf3) {
      element = reader.i32le();
    } else if (first === 0xf4) {
      element = narrow(reader.i64le());
    } else {
      throw new FormatError('bad listpack encoding');
    }
    const length = reader.position - start;
    reader.skip(backLengthSize(length));
    elements.push(element);
  }
  if (reader.position !== blob.length - 1) throw new FormatError('listpack trailing bytes');
  if (declared !== UNKNOWN_COUNT && declared !== elements.length) throw new FormatError('listpack count mismatch');
  return elements;
}

/** An element as the string Redis would reply with. */
export function elementText(element: ListpackElement): string {
  return typeof element === 'string' ? element : String(element);
}
