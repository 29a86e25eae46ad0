import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';

describe('globMatch (Redis stringmatchlen semantics)', () => {
  it('matches *, ? and literal characters', () => {
    expect(globMatch('h*llo', 'heeello')).toBe(true);
    expect(globMatch('h?llo', 'hallo')).toBe(true);
    expect(globMatch('h?llo', 'hllo')).toBe(false);
    // Redis's loop never runs on an empty string, so even '*' fails (KEYS special-cases '*').
    expect(globMatch('*', '')).toBe(false);
    expect(globMatch('a*', 'b')).toBe(false);
  });

  it('handles classes, negation, ranges (reversed too) and escapes', () => {
    expect(globMatch('h[ae]llo', 'hello')).toBe(true);
    expect(globMatch('h[^e]llo', 'hello')).toBe(false);
    expect(globMatch('h[a-b]llo', 'hbllo')).toBe(true);
    expect(globMatch('h[z-a]llo', 'hmllo')).toBe(true);
    expect(globMatch('h\\*llo', 'h*llo')).toBe(true);
    expect(globMatch('h\\*llo', 'hello')).toBe(false);
    expect(globMatch('[\\]]', ']')).toBe(true);
  });

  it('treats an unterminated class as ending the pattern', () => {
    expect(globMatch('a[bc', 'ab')).toBe(true);
    expect(globMatch('a[', 'a')).toBe(false);
  });

  it('folds ASCII case only with nocase', () => {
    expect(globMatch('HZ', 'hz')).toBe(false);
    expect(globMatch('HZ', 'hz', true)).toBe(true);
    expect(globMatch('[A-C]x', 'bx', true)).toBe(true);
    expect(globMatch('\xc0', '\xe0', true)).toBe(false);
  });
});
