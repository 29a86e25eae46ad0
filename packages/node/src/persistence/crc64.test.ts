import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from './crc64.js';

describe('crc64', () => {
  it('matches the check value Redis documents for "123456789"', () => {
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
  });

  it('is 0 for no bytes', () => {
    expect(crc64(Buffer.alloc(0))).toBe(0n);
  });

  it('gives the same value fed in pieces as in one go', () => {
    const data = Buffer.from('This is a test of the emergency broadcast system. '.repeat(40));
    const whole = crc64(data);
    const pieces = new Crc64();
    for (let at = 0; at < data.length; at += 37) pieces.update(data, at, Math.min(at + 37, data.length));
    expect(pieces.value).toBe(whole);
  });

  it('stores the value little-endian', () => {
    const bytes = new Crc64().update(Buffer.from('123456789')).littleEndian();
    expect(bytes.readBigUInt64LE(0)).toBe(0xe9c6d914c4b8d9can);
  });
});
