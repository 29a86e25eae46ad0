import { describe, expect, it } from 'vitest';
import { readReply } from './reply-reader.js';

const read = (text: string) => readReply(Buffer.from(text, 'latin1'));

describe('readReply', () => {
  it('decodes RESP2 and RESP3 replies into strings and arrays', () => {
    expect(read('$3\r\nfoo\r\n')).toBe('foo');
    expect(read('*2\r\n$1\r\nl\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n')).toEqual(['l', ['a', 'b']]);
    expect(read('~2\r\n$1\r\na\r\n:7\r\n')).toEqual(['a', '7']);
    expect(read('*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n')).toEqual(['z', [['m', '1.5']]]);
  });

  it('gives null for nulls, errors and truncated input', () => {
    expect(read('$-1\r\n')).toBeNull();
    expect(read('_\r\n')).toBeNull();
    expect(read('-ERR no\r\n')).toBeNull();
    expect(read('*2\r\n$1\r\na\r\n')).toBeNull();
  });
});
