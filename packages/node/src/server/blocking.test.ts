import { describe, expect, it } from 'vitest';
import { ReplyError } from '../protocol/errors.js';
import { blockingTimeout } from './blocking.js';

function errorOf(text: string): string {
  try {
    blockingTimeout(text, 1000);
  } catch (error) {
    return (error as ReplyError).line;
  }
  return 'no error';
}

describe('blockingTimeout (getTimeoutFromObjectOrReply in seconds)', () => {
  it('rounds fractions of a millisecond up and makes the deadline absolute', () => {
    expect(blockingTimeout('1', 1000)).toBe(2000);
    expect(blockingTimeout('0.1', 1000)).toBe(1100);
    expect(blockingTimeout('0.0001', 1000)).toBe(1001);
    expect(blockingTimeout('1e-3', 1000)).toBe(1001);
    expect(blockingTimeout('0x1p-1', 1000)).toBe(1500);
  });

  it('0, and negatives that round up to 0, wait forever', () => {
    expect(blockingTimeout('0', 1000)).toBe(0);
    expect(blockingTimeout('-0', 1000)).toBe(0);
    expect(blockingTimeout('-0.0001', 1000)).toBe(0);
  });

  it('refuses text that is not a long double, and negative or out-of-range timeouts', () => {
    for (const text of ['', 'abc', ' 1', '1 ', 'nan', '0x', '1e99999']) {
      expect(errorOf(text)).toBe('ERR timeout is not a float or out of range');
    }
    for (const text of ['-1', '-0.002', 'inf', '-inf', '1e400', '9223372036854775807', '92233720368547758']) {
      expect(errorOf(text)).toBe('ERR timeout is negative');
    }
  });

  it('a deadline beyond what the clock can hold waits forever', () => {
    expect(blockingTimeout('9223372036854775', 1000)).toBe(0);
  });
});
