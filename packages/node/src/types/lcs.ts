/**
 * Longest common subsequence for the LCS command: the classic dynamic-programming table,
 * walked back from the end the way Redis walks it, so ties pick the same subsequence and the
 * matched ranges come out in the same order (last match first).
 */

/** One contiguous run of the subsequence: inclusive byte ranges in a and b. */
export interface LcsMatch {
  readonly aStart: number;
  readonly aEnd: number;
  readonly bStart: number;
  readonly bEnd: number;
  readonly length: number;
}

export interface LcsResult {
  readonly length: number;
  /** The subsequence itself (empty when only the length was asked for). */
  readonly text: string;
  /** Runs of at least the minimum length, from the end of the strings backwards. */
  readonly matches: readonly LcsMatch[];
}

/** Bytes of transient memory the table needs (Redis refuses above proto-max-bulk-len). */
export function lcsTableBytes(a: string, b: string): number {
  return (a.length + 1) * (b.length + 1) * 4;
}

/** Computes the LCS; `walk` false gives only the length (LCS … LEN). */
export function longestCommonSubsequence(a: string, b: string, walk: boolean, minMatchLength: number): LcsResult {
  const alen = a.length;
  const blen = b.length;
  const width = blen + 1;
  // table[i * width + j] = LCS length of a[0..i) and b[0..j); row and column 0 stay zero.
  const table = new Uint32Array((alen + 1) * width);
  for (let i = 1; i <= alen; i++) {
    const ai = a.charCodeAt(i - 1);
    const row = i * width;
    const above = row - width;
    for (let j = 1; j <= blen; j++) {
      if (ai === b.charCodeAt(j - 1)) table[row + j] = table[above + j - 1]! + 1;
      else {
        const up = table[above + j]!;
        const left = table[row + j - 1]!;
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const length = table[alen * width + blen]!;
  if (!walk) return { length, text: '', matches: [] };

  const text = Buffer.allocUnsafe(length);
  const matches: LcsMatch[] = [];
  let idx = length;
  // aStart === alen means "no run open", as in Redis.
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      text[idx - 1] = a.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * width + j]! > table[i * width + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const runLength = aEnd - aStart + 1;
      if (minMatchLength === 0 || runLength >= minMatchLength) {
        matches.push({ aStart, aEnd, bStart, bEnd, length: runLength });
      }
      aStart = alen;
    }
  }
  return { length, text: text.toString('latin1'), matches };
}
