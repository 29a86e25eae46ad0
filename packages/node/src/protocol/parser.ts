/**
 * RESP request parser: multibulk (`*N\r\n$len\r\n...`) and inline commands.
 *
 * It keeps state between chunks (arguments read so far, the bulk being read) so a frame split
 * anywhere costs nothing extra, and it concatenates buffered bytes only when a frame crosses a
 * chunk boundary; a large bulk that arrives in many chunks is gathered once, when complete.
 * Arguments come out as latin1 strings (one char per byte), which is how the keyspace stores them.
 */

/** Longest inline command or `*N`/`$N` header line Redis accepts (PROTO_INLINE_MAX_SIZE). */
const INLINE_MAX = 64 * 1024;
const INT_MAX = 2147483647;
const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLength: number;
  /** client-query-buffer-limit: unparsed bytes a client may hold. */
  maxQueryBuffer: number;
}

export class RequestParser {
  /** The protocol error text to reply with before closing, once `next()` has failed. */
  error: string | null = null;
  /** The query buffer grew past client-query-buffer-limit: close without a reply. */
  overflow = false;
  /** Set while the client must authenticate: Redis caps frame sizes for such clients. */
  unauthenticated = false;

  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Chunks held back until a large bulk is complete. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Arguments of the multibulk being read, and how many are still missing. */
  private argv: string[] | null = null;
  private missing = 0;
  /** Length of the bulk being read, or -1 when its `$len` line has not been read yet. */
  private bulkLength = -1;

  constructor(readonly limits: ParserLimits) {}

  /** Bytes received but not yet turned into commands. */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.heldBytes;
  }

  /** Adds a chunk from the socket. Returns false when nothing new can be parsed yet. */
  feed(chunk: Buffer): boolean {
    const rest = this.buf.length - this.pos;
    if (rest === 0 && this.heldBytes === 0) {
      this.buf = chunk;
      this.pos = 0;
      return true;
    }
    if (this.bulkLength >= 0 && rest + this.heldBytes + chunk.length < this.bulkLength + 2) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.bufferedBytes > this.limits.maxQueryBuffer) this.overflow = true;
      return false;
    }
    const parts = [this.buf.subarray(this.pos), ...this.held, chunk];
    this.buf = Buffer.concat(parts, rest + this.heldBytes + chunk.length);
    this.pos = 0;
    this.held.length = 0;
    this.heldBytes = 0;
    return true;
  }

  /**
   * The next complete command, or null when more bytes are needed or the input is bad
   * (then `error` or `overflow` says so and the connection must be closed).
   */
  next(): string[] | null {
    for (;;) {
      const buf = this.buf;
      if (this.pos >= buf.length) return this.drained();
      let argv: string[] | null;
      if (this.argv !== null || buf[this.pos] === 42 /* '*' */) argv = this.multibulk();
      else argv = this.inline();
      if (argv === null) return this.stalled();
      if (argv.length > 0) return argv;
      // `*0`, `*-1` and blank inline lines are skipped, as Redis does.
    }
  }

  private drained(): null {
    this.buf = EMPTY;
    this.pos = 0;
    return null;
  }

  private stalled(): null {
    if (this.error === null && this.bufferedBytes > this.limits.maxQueryBuffer) this.overflow = true;
    return null;
  }

  private fail(message: string): null {
    this.error = message;
    return null;
  }

  private inline(): string[] | null {
    const buf = this.buf;
    const start = this.pos;
    const newline = findInLine(buf, LF, start);
    if (newline === -1) {
      if (buf.length - start > INLINE_MAX) return this.fail('Protocol error: too big inline request');
      return null;
    }
    const end = newline > start && buf[newline - 1] === CR ? newline - 1 : newline;
    const argv = splitInlineArgs(buf.latin1Slice(start, end));
    if (argv === null) return this.fail('Protocol error: unbalanced quotes in request');
    this.pos = newline + 1;
    return argv;
  }

  private multibulk(): string[] | null {
    const buf = this.buf;
    if (this.argv === null) {
      let count = this.plainLength();
      if (count === -1) {
        const cr = findInLine(buf, CR, this.pos);
        if (cr === -1) {
          if (buf.length - this.pos > INLINE_MAX) return this.fail('Protocol error: too big mbulk count string');
          return null;
        }
        if (cr + 1 >= buf.length) return null;
        count = parseLength(buf, this.pos + 1, cr);
        if (Number.isNaN(count)) return this.fail('Protocol error: invalid multibulk length');
        this.pos = cr + 2;
      }
      if (count > INT_MAX) return this.fail('Protocol error: invalid multibulk length');
      if (count > 10 && this.unauthenticated) return this.fail('Protocol error: unauthenticated multibulk length');
      if (count <= 0) return EMPTY_ARGV;
      this.argv = [];
      this.missing = count;
    }
    const argv = this.argv;
    while (this.missing > 0) {
      if (this.bulkLength === -1) {
        let length = buf[this.pos] === 36 /* '$' */ ? this.plainLength() : -1;
        if (length === -1) {
          const cr = findInLine(buf, CR, this.pos);
          if (cr === -1) {
            if (buf.length - this.pos > INLINE_MAX) return this.fail('Protocol error: too big bulk count string');
            return null;
          }
          if (cr + 1 >= buf.length) return null;
          if (buf[this.pos] !== 36 /* '$' */) {
            // Redis's error formatter turns CR and LF into spaces so the reply stays one line.
            const got = buf[this.pos] === CR || buf[this.pos] === LF ? ' ' : String.fromCharCode(buf[this.pos]!);
            return this.fail(`Protocol error: expected '$', got '${got}'`);
          }
          length = parseLength(buf, this.pos + 1, cr);
          if (Number.isNaN(length) || length < 0) return this.fail('Protocol error: invalid bulk length');
          this.pos = cr + 2;
        }
        if (length > this.limits.maxBulkLength) return this.fail('Protocol error: invalid bulk length');
        if (length > 16384 && this.unauthenticated) return this.fail('Protocol error: unauthenticated bulk length');
        this.bulkLength = length;
      }
      // Like Redis, the two bytes after the payload are skipped without being checked.
      const end = this.pos + this.bulkLength;
      if (end + 2 > buf.length) return null;
      argv.push(argv.length === 0 ? commandName(buf, this.pos, end) : buf.latin1Slice(this.pos, end));
      this.pos = end + 2;
      this.bulkLength = -1;
      this.missing--;
    }
    this.argv = null;
    return argv;
  }

  /**
   * The common header line, `*N\r\n` or `$N\r\n` with N plain decimal digits (no sign, no
   * leading zero, at most 15 digits) and the byte after CR present: returns N and moves past
   * the line. Anything else returns -1 and leaves the line to the general path, which knows
   * every error and the partial cases.
   */
  private plainLength(): number {
    const buf = this.buf;
    const start = this.pos + 1;
    const limit = Math.min(buf.length, start + 15);
    let i = start;
    let value = 0;
    while (i < limit) {
      const digit = buf[i]! - 48;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || i + 1 >= buf.length || buf[i] !== CR || (buf[start] === 48 && digits > 1)) return -1;
    this.pos = i + 2;
    return value;
  }
}

const EMPTY_ARGV: string[] = [];

/** Command names recently parsed, by a hash of their bytes (see commandName). */
const NAME_SLOTS = 256;
const NAME_MAX = 24;
const recentNames: string[] = new Array<string>(NAME_SLOTS).fill('');

/**
 * argv[0] as a string: clients repeat the same few command names, so a name already seen is
 * returned as the same string instead of a new one. That saves the allocation and lets the
 * command table's map lookups reuse the string's cached hash. The slot hash ignores case
 * only to spread names; the bytes are compared exactly.
 */
function commandName(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length === 0 || length > NAME_MAX) return buf.latin1Slice(start, end);
  const slot = ((buf[start]! | 32) * 31 + (buf[end - 1]! | 32) * 7 + length) & (NAME_SLOTS - 1);
  const seen = recentNames[slot]!;
  if (seen.length === length) {
    let i = 0;
    while (i < length && seen.charCodeAt(i) === buf[start + i]) i++;
    if (i === length) return seen;
  }
  const name = buf.latin1Slice(start, end);
  recentNames[slot] = name;
  return name;
}

/**
 * Position of `byte` at or after `start`, or -1. Redis searches its query buffer with strchr,
 * which stops at a NUL byte: a line with a NUL before its terminator is not complete yet.
 */
function findInLine(buf: Buffer, byte: number, start: number): number {
  const at = buf.indexOf(byte, start);
  for (let i = start; i < at; i++) if (buf[i] === 0) return -1;
  return at;
}

/**
 * Parses a `*N`/`$N` length the way Redis's string2ll does: optional '-', digits, no leading
 * zeros, no spaces. Returns NaN when the text is not such an integer.
 */
export function parseLength(buf: Buffer, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (buf[i] === 45 /* '-' */) {
    negative = true;
    i++;
  }
  const digits = end - i;
  if (digits <= 0 || digits > 19) return NaN;
  if (buf[i] === 48 /* '0' */) return digits === 1 && !negative ? 0 : NaN;
  let value = 0;
  for (let j = i; j < end; j++) {
    const d = buf[j]! - 48;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  if (digits > 15) {
    // Past 2^53 the digit loop rounds at every step: let Number() round once, and compare
    // 19-digit numbers as text because doubles cannot tell 2^63 - 1 from 2^63.
    const text = (buf).latin1Slice(i, end);
    if (digits === 19 && text > (negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS)) return NaN;
    value = Number(text);
  }
  return negative ? -value : value;
}

const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

function hexValue(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  if (ch >= 97 && ch <= 102) return ch - 87;
  if (ch >= 65 && ch <= 70) return ch - 55;
  return -1;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/**
 * Splits an inline command line as Redis's sdssplitargs does: whitespace separates words,
 * "double quotes" understand \xHH and \n \r \t \b \a escapes, 'single quotes' only \'.
 * A closing quote must be followed by whitespace or the end. Returns null on unbalanced quotes.
 */
export function splitInlineArgs(text: string): string[] | null {
  // Redis splits a C string: a NUL byte ends the line.
  const nul = text.indexOf('\0');
  const line = nul === -1 ? text : text.slice(0, nul);
  const args: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return args;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      if (inDouble) {
        if (i >= n) return null;
        const ch = line[i]!;
        if (ch === '\\' && line[i + 1] === 'x' && i + 3 < n &&
            hexValue(line.charCodeAt(i + 2)) >= 0 && hexValue(line.charCodeAt(i + 3)) >= 0) {
          current += String.fromCharCode(hexValue(line.charCodeAt(i + 2)) * 16 + hexValue(line.charCodeAt(i + 3)));
          i += 4;
          continue;
        }
        if (ch === '\\' && i + 1 < n) {
          const next = line[i + 1]!;
          current += ESCAPES[next] ?? next;
          i += 2;
          continue;
        }
        if (ch === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        }
        current += ch;
        i++;
      } else if (inSingle) {
        if (i >= n) return null;
        const ch = line[i]!;
        if (ch === '\\' && line[i + 1] === "'") {
          current += "'";
          i += 2;
          continue;
        }
        if (ch === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        }
        current += ch;
        i++;
      } else {
        if (i >= n) break;
        const code = line.charCodeAt(i);
        if (code === 32 || code === 10 || code === 13 || code === 9) {
          i++;
          break;
        }
        if (code === 34) inDouble = true;
        else if (code === 39) inSingle = true;
        else current += line[i];
        i++;
      }
    }
    args.push(current);
  }
}
