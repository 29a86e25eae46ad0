import { describe, expect, it } from 'vitest';
import { crc16, hashTag, keySlot, SLOT_COUNT } from './slots.js';

describe('CRC16/XMODEM', () => {
  it('matches the check value in the cluster specification', () => {
    expect(crc16('123456789')).toBe(0x31c3);
  });
  it('hashes bytes, not UTF-16 code units', () => {
    expect(crc16('\xff\x00')).toBe(crc16(Buffer.from([0xff, 0x00]).toString('latin1')));
  });
});

describe('hash tags', () => {
  it.each([
    ['{user1000}.following', 'user1000'],
    ['foo{}{bar}', 'foo{}{bar}'],
    ['foo{{bar}}zap', '{bar'],
    ['foo{bar}{zap}', 'bar'],
    ['nobraces', 'nobraces'],
    ['open{only', 'open{only'],
  ])('%s hashes %s', (key, tag) => {
    expect(hashTag(key)).toBe(tag);
  });
});

describe('keySlot', () => {
  // Vectors read off a real Redis 7.0 with CLUSTER KEYSLOT.
  it.each([
    ['foo', 12182],
    ['bar', 5061],
    ['hello', 866],
    ['somekey', 11058],
    ['', 0],
    ['{user1000}.following', 3443],
    ['{user1000}.followers', 3443],
  ])('slot of %j is %i', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });
  it('always lands in range', () => {
    for (let i = 0; i < 1000; i++) {
      const s = keySlot(`key:${i}`);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(SLOT_COUNT);
    }
  });
});

describe('table-driven CRC16', () => {
  it('agrees with the crc package on random binary strings', async () => {
    const { crc16xmodem } = await import('crc');
    for (let n = 0; n < 200; n++) {
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode((n * 31 + i * 97) & 0xff);
      expect(crc16(s)).toBe(crc16xmodem(Buffer.from(s, 'latin1')));
    }
  });
  it('slots of tagged keys equal the slot of their tag', () => {
    for (const key of ['a{b}c', '{x}', 'q{{r}}', 'z{}{w}', '{}', '{', '}{a}']) {
      expect(keySlot(key)).toBe(crc16(hashTag(key)) & (SLOT_COUNT - 1));
    }
  });
});
