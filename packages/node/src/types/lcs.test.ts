import { describe, expect, it } from 'vitest';
import { longestCommonSubsequence } from './lcs.js';

describe('LCS', () => {
  it('finds the subsequence and its matches from the end backwards, like Redis', () => {
    const result = longestCommonSubsequence('ohmytext', 'mynewtext', true, 0);
    expect(result.text).toBe('mytext');
    expect(result.length).toBe(6);
    expect(result.matches).toEqual([
      { aStart: 4, aEnd: 7, bStart: 5, bEnd: 8, length: 4 },
      { aStart: 2, aEnd: 3, bStart: 0, bEnd: 1, length: 2 },
    ]);
  });

  it('filters matches shorter than the minimum', () => {
    const result = longestCommonSubsequence('ohmytext', 'mynewtext', true, 4);
    expect(result.matches.map((match) => match.length)).toEqual([4]);
  });

  it('gives only the length when not walking the table', () => {
    expect(longestCommonSubsequence('rosettacode', 'raisethysword', false, 0)).toEqual({ length: 6, text: '', matches: [] });
  });

  it('is empty for an empty side', () => {
    expect(longestCommonSubsequence('', 'abc', true, 0)).toEqual({ length: 0, text: '', matches: [] });
  });
});
