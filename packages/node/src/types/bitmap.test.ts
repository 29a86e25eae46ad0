import { describe, expect, it } from 'vitest';
import { BitOp, bitop, firstBit, firstBitInByte, getBit, padTo, popcount, withBit } from './bitmap.js';

describe('bit access on latin1 strings', () => {
  it('numbers bits from the most significant bit of the first byte', () => {
    expect(getBit('\x80', 0)).toBe(1);
    expect(getBit('\x80', 1)).toBe(0);
    expect(getBit('\x01', 7)).toBe(1);
    expect(getBit('\x01', 100)).toBe(0);
  });

  it('sets and clears bits, leaving the string alone when nothing changes', () => {
    const value = padTo('', 2);
    expect(value).toBe('\0\0');
    const set = withBit(value, 9, 1);
    expect(set).toBe('\0\x40');
    expect(withBit(set, 9, 0)).toBe('\0\0');
    expect(withBit(set, 9, 1)).toBe(set);
  });

  it('counts set bits in an inclusive byte range', () => {
    expect(popcount('foobar', 0, 5)).toBe(26);
    expect(popcount('\xff\x0f', 1, 1)).toBe(4);
  });
});

describe('redisBitpos', () => {
  it('finds the first set or clear bit', () => {
    expect(firstBit('\x00\x10', 0, 2, 1)).toBe(11);
    expect(firstBit('\xff\xf7', 0, 2, 0)).toBe(12);
  });

  it('returns -1 when no 1 exists and the bit after the range when no 0 exists', () => {
    expect(firstBit('\x00\x00', 0, 2, 1)).toBe(-1);
    expect(firstBit('\xff\xff', 0, 2, 0)).toBe(16);
    expect(firstBitInByte(0xff, 0)).toBe(8);
    expect(firstBitInByte(0, 1)).toBe(-1);
  });
});

describe('BITOP', () => {
  it('pads shorter sources with zero bytes', () => {
    expect(bitop(BitOp.And, ['\xff\xff', '\x0f'])).toBe('\x0f\x00');
    expect(bitop(BitOp.Or, ['\x01', '\x10\x20'])).toBe('\x11\x20');
    expect(bitop(BitOp.Xor, ['\xff', '\x0f', ''])).toBe('\xf0');
  });

  it('NOT inverts every byte, and an empty input gives an empty result', () => {
    expect(bitop(BitOp.Not, ['\x0f\x00'])).toBe('\xf0\xff');
    expect(bitop(BitOp.And, ['', ''])).toBe('');
  });
});
