import { describe, expect, it } from 'vitest';
import { Overflow, parseFieldType, readField, updateField, writeField } from './bitfield.js';

const i8 = { signed: true, bits: 8 };
const u8 = { signed: false, bits: 8 };

describe('bitfield types', () => {
  it('parses i1..i64 and u1..u63 only', () => {
    expect(parseFieldType('i64')).toEqual({ signed: true, bits: 64 });
    expect(parseFieldType('u63')).toEqual({ signed: false, bits: 63 });
    for (const text of ['u64', 'i65', 'i0', 'I8', 'i08', 'i+8', '8', '']) expect(parseFieldType(text), text).toBeNull();
  });
});

describe('bitfield storage', () => {
  it('reads and writes big-endian fields at unaligned offsets', () => {
    const bytes = new Uint8Array(3);
    writeField(bytes, 5, 8, 0xffn);
    expect([...bytes]).toEqual([0b00000111, 0b11111000, 0]);
    expect(readField(bytes, 5, u8)).toBe(255n);
    expect(readField(bytes, 5, i8)).toBe(-1n);
    expect(readField(bytes, 20, u8)).toBe(0n); // past the end reads zeros
  });

  it('handles 64-bit fields spanning nine bytes', () => {
    const bytes = new Uint8Array(9);
    writeField(bytes, 3, 64, -2n);
    expect(readField(bytes, 3, { signed: true, bits: 64 })).toBe(-2n);
    expect(bytes[0]).toBe(0b00011111);
  });
});

describe('bitfield overflow policies', () => {
  function incr(start: bigint, by: bigint, overflow: Overflow, type = i8): bigint | null {
    const bytes = new Uint8Array(2);
    writeField(bytes, 0, type.bits, start);
    return updateField(bytes, 0, type, overflow, by, true).reply;
  }

  it('wraps, saturates or fails on signed overflow', () => {
    expect(incr(100n, 100n, Overflow.Wrap)).toBe(-56n);
    expect(incr(100n, 100n, Overflow.Sat)).toBe(127n);
    expect(incr(100n, 100n, Overflow.Fail)).toBeNull();
    expect(incr(-100n, -100n, Overflow.Sat)).toBe(-128n);
  });

  it('wraps, saturates or fails on unsigned overflow', () => {
    expect(incr(200n, 100n, Overflow.Wrap, u8)).toBe(44n);
    expect(incr(200n, 100n, Overflow.Sat, u8)).toBe(255n);
    expect(incr(10n, -20n, Overflow.Sat, u8)).toBe(0n);
    expect(incr(10n, -20n, Overflow.Fail, u8)).toBeNull();
  });

  it('SET replies the old value and checks the new one against the type', () => {
    const bytes = new Uint8Array(1);
    expect(updateField(bytes, 0, u8, Overflow.Sat, -1n, false)).toEqual({ reply: 0n, changed: true });
    expect(readField(bytes, 0, u8)).toBe(255n); // a negative unsigned SET is a huge uint64: saturates high
    expect(updateField(bytes, 0, u8, Overflow.Wrap, 255n, false).changed).toBe(false);
  });
});
