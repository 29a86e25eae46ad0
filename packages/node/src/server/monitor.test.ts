import { describe, expect, it } from 'vitest';
import { monitorLine, quoteRepr } from './monitor.js';

describe('quoteRepr (sdscatrepr)', () => {
  it('keeps printable ASCII and quotes the whole argument', () => {
    expect(quoteRepr('SET')).toBe('"SET"');
    expect(quoteRepr('')).toBe('""');
    expect(quoteRepr('a b~')).toBe('"a b~"');
  });

  it('escapes backslash, double quote and the named control characters', () => {
    expect(quoteRepr('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteRepr('\n\r\t\x07\x08')).toBe('"\\n\\r\\t\\a\\b"');
  });

  it('writes every other byte as lower-case \\xhh', () => {
    expect(quoteRepr('\x00\x01\x1f\x7f\x80\xff')).toBe('"\\x00\\x01\\x1f\\x7f\\x80\\xff"');
    expect(quoteRepr('caf\xe9')).toBe('"caf\\xe9"');
  });
});

describe('monitorLine', () => {
  it('formats seconds, six-digit microseconds, db, address and quoted args', () => {
    expect(monitorLine(0, '127.0.0.1:5555', ['SET', 'k', 'v'], 1_700_000_000_123_456)).toBe(
      '+1700000000.123456 [0 127.0.0.1:5555] "SET" "k" "v"\r\n',
    );
  });

  it('zero-pads the microseconds', () => {
    expect(monitorLine(3, '[::1]:6000', ['PING'], 1_700_000_000_000_042)).toBe(
      '+1700000000.000042 [3 [::1]:6000] "PING"\r\n',
    );
  });
});
