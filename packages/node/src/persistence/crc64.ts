/**
 * CRC-64/Jones as Redis computes it (crc64.c): reflected polynomial 0xad93d23594c935a9, initial
 * value 0, no final xor; check value of "123456789" is 0xe9c6d914c4b8d9ca. RDB files end with
 * it and DUMP payloads carry it. The 64-bit state is kept as two 32-bit halves so the hot loop
 * stays in small integers (no BigInt per byte).
 */

/** The reflected form of 0xad93d23594c935a9, as high and low 32-bit words. */
const POLY_HIGH = 0x95ac9329;
const POLY_LOW = 0xac4bc9b5;

const TABLE_HIGH = new Uint32Array(256);
const TABLE_LOW = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let high = 0;
  let low = n;
  for (let bit = 0; bit < 8; bit++) {
    const carry = low & 1;
    low = ((low >>> 1) | ((high & 1) << 31)) >>> 0;
    high >>>= 1;
    if (carry !== 0) {
      high = (high ^ POLY_HIGH) >>> 0;
      low = (low ^ POLY_LOW) >>> 0;
    }
  }
  TABLE_HIGH[n] = high;
  TABLE_LOW[n] = low;
}

/** A running CRC-64 over bytes fed in pieces (an RDB is checksummed while it streams out). */
export class Crc64 {
  private high = 0;
  private low = 0;

  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    let high = this.high;
    let low = this.low;
    for (let i = start; i < end; i++) {
      const index = (low ^ bytes[i]!) & 0xff;
      low = ((low >>> 8) | (high << 24)) ^ TABLE_LOW[index]!;
      high = (high >>> 8) ^ TABLE_HIGH[index]!;
    }
    this.high = high >>> 0;
    this.low = low >>> 0;
    return this;
  }

  get value(): bigint {
    return (BigInt(this.high) << 32n) | BigInt(this.low);
  }

  /** The 8 bytes Redis stores: the CRC in little-endian order. */
  littleEndian(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32LE(this.low, 0);
    out.writeUInt32LE(this.high, 4);
    return out;
  }
}

/** CRC-64 of a whole buffer. */
export function crc64(bytes: Uint8Array): bigint {
  return new Crc64().update(bytes).value;
}
