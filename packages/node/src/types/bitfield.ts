/**
 * BITFIELD arithmetic: integers of 1–64 bits (unsigned up to 63) stored big-endian at any
 * bit offset of a byte array, and the WRAP/SAT/FAIL overflow rules. Field values are bigints
 * so i64 and u63 stay exact; the overflow tests reproduce Redis's int64 arithmetic, including
 * its wrap-around in the limit computations (checkSignedBitfieldOverflow in bitops.c).
 */
import { INT64_MAX } from './int64.js';

export const enum Overflow {
  Wrap,
  Sat,
  Fail,
}

export interface FieldType {
  readonly signed: boolean;
  readonly bits: number;
}

/** Bytes read around a field: a 64-bit field at a non-byte-aligned offset spans 9 bytes. */
const WINDOW = 9;
const WINDOW_BITS = BigInt(WINDOW * 8);

/** "i1".."i64" or "u1".."u63" (the letter is case-sensitive); null otherwise. */
export function parseFieldType(text: string): FieldType | null {
  const letter = text.charCodeAt(0);
  if (letter !== 105 && letter !== 117) return null; // 'i', 'u'
  const digits = text.slice(1);
  // Canonical integer text only (Redis's string2ll): no sign, no leading zero.
  if (!/^[1-9]\d{0,2}$/.test(digits)) return null;
  const bits = Number(digits);
  const signed = letter === 105;
  return bits <= (signed ? 64 : 63) ? { signed, bits } : null;
}

/** The unsigned value of `bits` bits at bit `offset` (bytes past the end read as zero). */
export function readUnsigned(bytes: Uint8Array, offset: number, bits: number): bigint {
  const first = Math.floor(offset / 8);
  let window = 0n;
  for (let i = 0; i < WINDOW; i++) window = (window << 8n) | BigInt(bytes[first + i] ?? 0);
  return (window >> (WINDOW_BITS - BigInt((offset % 8) + bits))) & ((1n << BigInt(bits)) - 1n);
}

/** A field's value as the type reads it (two's complement for signed types). */
export function readField(bytes: Uint8Array, offset: number, type: FieldType): bigint {
  const raw = readUnsigned(bytes, offset, type.bits);
  return type.signed ? BigInt.asIntN(type.bits, raw) : raw;
}

/** Stores the low `bits` bits of value at bit `offset`; the bytes must cover the field. */
export function writeField(bytes: Uint8Array, offset: number, bits: number, value: bigint): void {
  const first = Math.floor(offset / 8);
  const shift = WINDOW_BITS - BigInt((offset % 8) + bits);
  const mask = ((1n << BigInt(bits)) - 1n) << shift;
  let window = 0n;
  for (let i = 0; i < WINDOW; i++) window = (window << 8n) | BigInt(bytes[first + i] ?? 0);
  window = (window & ~mask) | ((BigInt.asUintN(bits, value) << shift) & mask);
  for (let i = WINDOW - 1; i >= 0; i--) {
    if (first + i < bytes.length) bytes[first + i] = Number(window & 0xffn);
    window >>= 8n;
  }
}

/** What a SET or INCRBY produced: the reply (null when OVERFLOW FAIL refused) and whether bits changed. */
export interface FieldUpdate {
  readonly reply: bigint | null;
  readonly changed: boolean;
}

/**
 * BITFIELD SET (increment null: store `argument`, reply the old value) or INCRBY (add
 * `argument`, reply the new value), applying the overflow policy.
 */
export function updateField(
  bytes: Uint8Array,
  offset: number,
  type: FieldType,
  overflow: Overflow,
  argument: bigint,
  isIncrement: boolean,
): FieldUpdate {
  const old = readField(bytes, offset, type);
  // SET checks the new value itself (increment 0), as Redis does; unsigned SET sees it as uint64.
  const base = isIncrement ? old : type.signed ? argument : BigInt.asUintN(64, argument);
  const increment = isIncrement ? argument : 0n;
  const direction = type.signed
    ? signedOverflow(base, increment, type.bits)
    : unsignedOverflow(base, increment, type.bits);
  if (direction !== 0 && overflow === Overflow.Fail) return { reply: null, changed: false };
  let stored: bigint;
  if (direction === 0) stored = base + increment;
  else if (overflow === Overflow.Wrap) {
    stored = type.signed ? BigInt.asIntN(type.bits, base + increment) : BigInt.asUintN(type.bits, base + increment);
  } else stored = limit(type, direction);
  writeField(bytes, offset, type.bits, stored);
  return { reply: isIncrement ? stored : old, changed: stored !== old };
}

function limit(type: FieldType, direction: number): bigint {
  if (type.signed) {
    const max = type.bits === 64 ? INT64_MAX : (1n << BigInt(type.bits - 1)) - 1n;
    return direction > 0 ? max : -max - 1n;
  }
  return direction > 0 ? (1n << BigInt(type.bits)) - 1n : 0n;
}

/** 1 above the range, -1 below, 0 inside — with Redis's int64 wrap in maxincr/minincr. */
function signedOverflow(value: bigint, increment: bigint, bits: number): number {
  const max = bits === 64 ? INT64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncrement = BigInt.asIntN(64, max - value);
  const minIncrement = BigInt.asIntN(64, min - value);
  if (
    value > max ||
    (bits !== 64 && increment > maxIncrement) ||
    (value >= 0n && increment > 0n && increment > maxIncrement)
  ) {
    return 1;
  }
  if (
    value < min ||
    (bits !== 64 && increment < minIncrement) ||
    (value < 0n && increment < 0n && increment < minIncrement)
  ) {
    return -1;
  }
  return 0;
}

function unsignedOverflow(value: bigint, increment: bigint, bits: number): number {
  const max = (1n << BigInt(bits)) - 1n;
  if (value > max || (increment > 0n && increment > BigInt.asIntN(64, max - value))) return 1;
  if (increment < 0n && increment < BigInt.asIntN(64, -value)) return -1;
  return 0;
}
