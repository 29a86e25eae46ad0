/**
 * Glob-style matching with the semantics of Redis's stringmatchlen (KEYS, SCAN MATCH,
 * PSUBSCRIBE, CONFIG GET): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes, and the same answers
 * for malformed patterns (`[a-` ranges that swallow the `]`, unterminated classes, a trailing
 * backslash). Strings are latin1 (one char per byte). Redis compares C `char`s, which are
 * signed on the platforms it ships for, so class ranges order bytes 0x80–0xFF below 0x00;
 * `nocase` folds ASCII letters only, as C's tolower does in the C locale.
 */

const STAR = 42;
const QUESTION = 63;
const OPEN = 91;
const CLOSE = 93;
const CARET = 94;
const BACKSLASH = 92;
const DASH = 45;

/** Outcome of matching a pattern suffix; NO_MATCH_ANYWHERE lets enclosing stars stop early. */
const enum Result {
  NoMatch,
  Match,
  /** A '*' tried every offset and failed: longer matches of earlier stars cannot succeed. */
  NoMatchAnywhere,
}

/** True when `text` matches `pattern` entirely. */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  return matchFrom(pattern, 0, text, 0, nocase) === Result.Match;
}

function lowerAscii(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/** The byte as a signed C char. */
function signed(code: number): number {
  return code > 127 ? code - 256 : code;
}

/** The pattern byte at `at`, or 0 past the end (the NUL terminator Redis reads there). */
function byteAt(pattern: string, at: number): number {
  return at < pattern.length ? pattern.charCodeAt(at) : 0;
}

function sameByte(a: number, b: number, nocase: boolean): boolean {
  return nocase ? lowerAscii(a) === lowerAscii(b) : a === b;
}

function matchFrom(pattern: string, p: number, text: string, s: number, nocase: boolean): Result {
  const plen = pattern.length;
  const slen = text.length;
  while (p < plen && s < slen) {
    const pc = pattern.charCodeAt(p);
    if (pc === STAR) {
      while (p + 1 < plen && pattern.charCodeAt(p + 1) === STAR) p++;
      if (p + 1 === plen) return Result.Match;
      for (; s < slen; s++) {
        const rest = matchFrom(pattern, p + 1, text, s, nocase);
        if (rest === Result.Match) return Result.Match;
        if (rest === Result.NoMatchAnywhere) return Result.NoMatchAnywhere;
      }
      return Result.NoMatchAnywhere;
    } else if (pc === QUESTION) {
      s++;
    } else if (pc === OPEN) {
      p = matchClass(pattern, p + 1, text.charCodeAt(s), nocase);
      if (p < 0) return Result.NoMatch;
      s++;
    } else {
      if (pc === BACKSLASH && plen - p >= 2) p++;
      if (!sameByte(pattern.charCodeAt(p), text.charCodeAt(s), nocase)) return Result.NoMatch;
      s++;
    }
    p++;
    if (s === slen) {
      while (p < plen && pattern.charCodeAt(p) === STAR) p++;
      break;
    }
  }
  return p >= plen && s === slen ? Result.Match : Result.NoMatch;
}

/**
 * Matches one byte against the class starting at `p` (just after '['). Returns the position of
 * the class's last pattern byte (its ']' or, when unterminated, the pattern's last byte), or -1
 * when the byte is not in the class.
 */
function matchClass(pattern: string, p: number, c: number, nocase: boolean): number {
  const plen = pattern.length;
  const not = byteAt(pattern, p) === CARET;
  if (not) p++;
  let match = false;
  for (;;) {
    const pc = byteAt(pattern, p);
    if (pc === BACKSLASH && plen - p >= 2) {
      p++;
      // An escaped byte is compared exactly, even with nocase (as Redis does).
      if (pattern.charCodeAt(p) === c) match = true;
    } else if (pc === CLOSE) {
      break;
    } else if (p >= plen) {
      // Unterminated class: Redis steps back onto the last byte and ends the pattern there.
      p--;
      break;
    } else if (plen - p >= 3 && pattern.charCodeAt(p + 1) === DASH) {
      let start = signed(pc);
      let end = signed(pattern.charCodeAt(p + 2));
      let code = signed(c);
      if (start > end) [start, end] = [end, start];
      if (nocase) {
        start = lowerAscii(start);
        end = lowerAscii(end);
        code = lowerAscii(code);
      }
      p += 2;
      if (code >= start && code <= end) match = true;
    } else if (sameByte(pc, c, nocase)) {
      match = true;
    }
    p++;
  }
  return match !== not ? p : -1;
}
