/**
 * Byte buffers for the binary formats (RDB, listpack, DUMP payloads). Redis strings are latin1
 * JS strings here, so a string goes in and comes out with one byte per char.
 */

/** Thrown on malformed input; the RDB loader and RESTORE turn it into their own errors. */
export class FormatError extends Error {
  override name = 'FormatError';
}

const INITIAL_SIZE = 4096;

/** An append-only buffer that grows by doubling. */
export class ByteWriter {
  private buffer: Buffer;
  length = 0;

  constructor(size = INITIAL_SIZE) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  private reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** A latin1 string's bytes. */
  latin1(text: string): void {
    this.reserve(text.length);
    this.length += this.buffer.latin1Write(text, this.length);
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  u16le(value: number): void {
    this.reserve(2);
    this.length = this.buffer.writeUInt16LE(value, this.length);
  }

  u32le(value: number): void {
    this.reserve(4);
    this.length = this.buffer.writeUInt32LE(value, this.length);
  }

  u32be(value: number): void {
    this.reserve(4);
    this.length = this.buffer.writeUInt32BE(value, this.length);
  }

  u64be(value: bigint): void {
    this.reserve(8);
    this.length = this.buffer.writeBigUInt64BE(value, this.length);
  }

  i64le(value: number | bigint): void {
    this.reserve(8);
    this.length = this.buffer.writeBigInt64LE(BigInt(value), this.length);
  }

  doubleLE(value: number): void {
    this.reserve(8);
    this.length = this.buffer.writeDoubleLE(value, this.length);
  }

  /** Overwrites 4 bytes already written (listpack total size). */
  patchU32le(at: number, value: number): void {
    this.buffer.writeUInt32LE(value, at);
  }

  patchU16le(at: number, value: number): void {
    this.buffer.writeUInt16LE(value, at);
  }

  /** A view of everything written so far (valid until the next write). */
  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** Hands out the bytes written so far and starts over (a fresh buffer: the view stays valid). */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(Math.max(INITIAL_SIZE, Math.min(this.buffer.length, 1 << 20)));
    this.length = 0;
    return out;
  }
}

/** A cursor over a buffer; every read checks bounds and throws FormatError past the end. */
export class ByteReader {
  position: number;

  constructor(
    readonly buffer: Buffer,
    start = 0,
    readonly end = buffer.length,
  ) {
    this.position = start;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  private need(bytes: number): number {
    const at = this.position;
    if (bytes < 0 || at + bytes > this.end) throw new FormatError('unexpected end of data');
    this.position = at + bytes;
    return at;
  }

  byte(): number {
    return this.buffer[this.need(1)]!;
  }

  peek(): number {
    if (this.position >= this.end) throw new FormatError('unexpected end of data');
    return this.buffer[this.position]!;
  }

  /** `count` bytes as a view (no copy). */
  bytes(count: number): Buffer {
    const at = this.need(count);
    return this.buffer.subarray(at, at + count);
  }

  latin1(count: number): string {
    const at = this.need(count);
    return this.buffer.latin1Slice(at, at + count);
  }

  u16le(): number {
    return this.buffer.readUInt16LE(this.need(2));
  }

  u16be(): number {
    return this.buffer.readUInt16BE(this.need(2));
  }

  u32le(): number {
    return this.buffer.readUInt32LE(this.need(4));
  }

  u32be(): number {
    return this.buffer.readUInt32BE(this.need(4));
  }

  i32le(): number {
    return this.buffer.readInt32LE(this.need(4));
  }

  u64be(): bigint {
    return this.buffer.readBigUInt64BE(this.need(8));
  }

  i64le(): bigint {
    return this.buffer.readBigInt64LE(this.need(8));
  }

  doubleLE(): number {
    return this.buffer.readDoubleLE(this.need(8));
  }

  skip(count: number): void {
    this.need(count);
  }
}

/** A bigint as a number when it is safe, else kept as a bigint (Int64 convention). */
export function narrow(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}
