import { describe, it, expect } from 'vitest';
import { globMatch } from './glob.js';

/**
 * [pattern, text, matches] — each checked against redis-server 7.0 with KEYS (nocase off).
 * Bytes are latin1 chars; '\x80'–'\xff' are negative C chars in Redis's range comparisons.
 */
const CASES: Array<[string, string, boolean]> = [
  ['*', '', false], // only KEYS/SCAN short-circuit a lone '*'; the matcher wants one byte
  ['**', 'abc', true],
  ['a*', 'a', true],
  ['*a', 'ba', true],
  ['a*b*c', 'axxbyyc', true],
  ['a*b*c', 'axxbyy', false],
  ['?', 'a', true],
  ['?', '', false],
  ['??', 'a', false],
  ['h?llo', 'hello', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[b-a]llo', 'hallo', true], // reversed ranges are swapped
  ['[a-]', ']', true], // the range swallows the ']': it is a..']' reversed
  ['[a-]', '_', true],
  ['[a-]', 'b', false],
  ['[a-]', '-', false],
  ['[', 'a', false], // unterminated class at the end never matches
  ['[^', 'a', true], // "[^" negates an empty class
  ['[abc', 'b', true],
  ['[abc', 'd', false],
  ['[\\]]', ']', true],
  ['[\\', '\\', true],
  ['a\\*', 'a*', true],
  ['a\\*', 'ab', false],
  ['a\\', 'a\\', true], // a trailing backslash is literal
  ['\\?', '?', true],
  ['\\?', 'a', false],
  ['A', 'a', false],
  ['[A-Z]', 'a', false],
  ['[a-\xff]', 'b', false], // 0xff is -1: the range is -1..97
  ['[a-\xff]', '\x00', true],
  ['[a-\xff]', '\xff', true],
  ['[a-\xff]', '\x80', false],
  ['[\x80-\xff]', '\x90', true],
  ['[\x80-\xff]', 'a', false],
  ['a\x00b', 'a\x00b', true],
  ['*x*', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaay', false],
];

describe('globMatch (Redis stringmatchlen)', () => {
  it.each(CASES)('%j against %j → %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it('folds ASCII letters only when nocase is set', () => {
    expect(globMatch('HELLO', 'hello', true)).toBe(true);
    expect(globMatch('[A-C]x', 'bX', true)).toBe(true);
    expect(globMatch('\xc9', '\xe9', true)).toBe(false);
    expect(globMatch('[\\A]', 'a', true)).toBe(false); // escaped class bytes compare exactly
  });

  it('gives up early on patterns with many stars instead of backtracking exponentially', () => {
    const text = 'a'.repeat(5000);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*b', text)).toBe(false);
  });
});
