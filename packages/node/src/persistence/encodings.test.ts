import { describe, expect, it } from 'vitest';
import { decodeIntset, encodeIntset } from './intset.js';
import { decodeListpack, ListpackBuilder, listpackOf } from './listpack.js';
import { FormatError } from './bytes.js';
import { decodeZiplist } from './ziplist.js';

describe('listpack', () => {
  it('stores canonical integers as integers of every width and reads everything back', () => {
    const values = ['0', '127', '128', '-1', '4095', '-4096', '4096', '32767', '-32768', '8388607', '-8388608',
      '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808', '007', '-0', '1.5', ''];
    const decoded = decodeListpack(listpackOf(values)).map(String);
    expect(decoded).toEqual(values);
  });

  it('encodes strings of each length class with the right header and back-length', () => {
    for (const length of [0, 63, 64, 4095, 4096, 20000]) {
      const text = 'x'.repeat(length);
      expect(decodeListpack(listpackOf([text, 'after']))).toEqual([text, 'after']);
    }
  });

  it('matches the bytes Redis writes for a small hash (f=v, f2=2)', () => {
    const blob = new ListpackBuilder().string('f').string('v').string('f2').string('2').finish();
    expect(blob.toString('hex')).toBe('130000000400816602817602826632030201ff');
  });

  it('rejects a blob whose size, count or terminator is wrong', () => {
    const blob = Buffer.from(listpackOf(['a', 'b']));
    expect(() => decodeListpack(blob.subarray(0, blob.length - 1))).toThrow(FormatError);
    const badCount = Buffer.from(blob);
    badCount[4] = 3;
    expect(() => decodeListpack(badCount)).toThrow(FormatError);
  });
});

describe('intset', () => {
  it('picks the width of the largest member and round-trips', () => {
    expect(encodeIntset([1, 2, 3]).readUInt32LE(0)).toBe(2);
    expect(encodeIntset([1, 70000]).readUInt32LE(0)).toBe(4);
    const wide = [-9223372036854775808n, 1, 5000000000];
    expect(encodeIntset(wide).readUInt32LE(0)).toBe(8);
    expect(decodeIntset(encodeIntset(wide))).toEqual(wide);
  });

  it('refuses unsorted members', () => {
    const blob = encodeIntset([1, 2]);
    blob.writeInt16LE(5, 8);
    expect(() => decodeIntset(blob)).toThrow(FormatError);
  });
});

describe('ziplist', () => {
  it('reads the entry encodings Redis 6 wrote (strings, 4-bit, 8/16/24/32/64-bit integers)', () => {
    // A ziplist of "ab", 7, -2, 1000, 100000, 3000000000 built by hand from ziplist.c's layout.
    const entries = [
      [0x00, 0x02, 0x61, 0x62],
      [0x04, 0xf8],
      [0x02, 0xfe, 0xfe],
      [0x03, 0xc0, 0xe8, 0x03],
      [0x04, 0xf0, 0xa0, 0x86, 0x01],
      [0x05, 0xe0, 0x00, 0x5e, 0xd0, 0xb2, 0x00, 0x00, 0x00, 0x00],
    ];
    const body = Buffer.from(entries.flat());
    const header = Buffer.alloc(10);
    header.writeUInt32LE(10 + body.length + 1, 0);
    header.writeUInt16LE(entries.length, 8);
    const blob = Buffer.concat([header, body, Buffer.from([0xff])]);
    expect(decodeZiplist(blob)).toEqual(['ab', 7, -2, 1000, 100000, 3000000000]);
  });
});
