import { formatDouble17g } from './format.js';

/**
 * Appends RESP2/RESP3 replies to one growing per-connection buffer; `take()` hands the bytes
 * to the socket once per processed chunk. Every method writes exactly one RESP value (or the
 * header of an aggregate whose elements follow), choosing the RESP3 type when `resp` is 3.
 */


const INITIAL_SIZE = 16 * 1024;
/** Bytes or chars up to this many are copied by a loop: cheaper than a native call for so few. */
const SMALL_COPY = 16;
/** Integers written digit by digit (beyond, text conversion): every safe integer. */
const MAX_DIRECT = Number.MAX_SAFE_INTEGER;
/** Small pooled copies are cheaper than handing over (and re-allocating) the working buffer. */
const COPY_BELOW = 4096;

/** Pre-encoded headers for small aggregates and bulk lengths, like Redis's shared objects. */
const SHARED_HEADERS = 64;
function headers(prefix: string): Buffer[] {
  return Array.from({ length: SHARED_HEADERS }, (_, n) => Buffer.from(`${prefix}${n}\r\n`, 'latin1'));
}
const ARRAY_HEADERS = headers('*');
const BULK_HEADERS = headers('$');
const MAP_HEADERS = headers('%');
const SET_HEADERS = headers('~');
const PUSH_HEADERS = headers('>');

const OK = Buffer.from('+OK\r\n');
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY = Buffer.from('*-1\r\n');
const NULL3 = Buffer.from('_\r\n');
const ZERO = Buffer.from(':0\r\n');
const ONE = Buffer.from(':1\r\n');
const EMPTY_ARRAY = Buffer.from('*0\r\n');
const TRUE3 = Buffer.from('#t\r\n');
const FALSE3 = Buffer.from('#f\r\n');

/** Writes `text` (one char per byte) at `at`; the caller reserved the room. */
function writeLatin1(out: Buffer, text: string, at: number): void {
  const length = text.length;
  if (length > SMALL_COPY) out.latin1Write(text, at, length);
  else for (let i = 0; i < length; i++) out[at + i] = text.charCodeAt(i);
}

export class ReplyWriter {
  /** Protocol version negotiated with HELLO. */
  resp: 2 | 3 = 2;
  private out: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  private used = 0;

  /** Bytes written since the last `take()`. */
  get pendingBytes(): number {
    return this.used;
  }

  /** Returns the bytes written since the last call (or null) and starts a new batch. */
  take(): Buffer | null {
    const used = this.used;
    if (used === 0) return null;
    this.used = 0;
    if (used < COPY_BELOW) {
      const copy = Buffer.allocUnsafe(used);
      this.out.copy(copy, 0, 0, used);
      return copy;
    }
    const whole = this.out.subarray(0, used);
    this.out = Buffer.allocUnsafe(INITIAL_SIZE);
    return whole;
  }

  /**
   * The bytes written since the last call as a view of the working buffer, or null. The view is
   * only valid until the next write: a socket that did not send it synchronously must be given
   * the buffer with `detach()`. This saves an allocation per batch on the hot path.
   */
  takeView(): Buffer | null {
    const used = this.used;
    if (used === 0) return null;
    this.used = 0;
    return this.out.subarray(0, used);
  }

  /** Gives the working buffer away (a socket still holds a view of it) and starts a new one. */
  detach(): void {
    this.out = Buffer.allocUnsafe(INITIAL_SIZE);
  }

  /** The replies written since byte `from` of the current batch (a view: read it before writing more). */
  written(from: number): Buffer {
    return this.out.subarray(Math.min(from, this.used), this.used);
  }

  /** Drops replies written after `length` bytes (CLIENT REPLY OFF/SKIP discards a reply). */
  truncate(length: number): void {
    if (length < this.used) this.used = length;
  }

  private reserve(bytes: number): void {
    const need = this.used + bytes;
    if (need <= this.out.length) return;
    let size = this.out.length * 2;
    while (size < need) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.out.copy(grown, 0, 0, this.used);
    this.out = grown;
  }

  /** Appends pre-encoded protocol bytes. */
  raw(bytes: Buffer): void {
    const length = bytes.length;
    this.reserve(length);
    // Shared headers are a few bytes (see SMALL_COPY).
    if (length <= SMALL_COPY) {
      const out = this.out;
      const at = this.used;
      for (let i = 0; i < length; i++) out[at + i] = bytes[i]!;
    } else bytes.copy(this.out, this.used);
    this.used += length;
  }

  /** Appends protocol text that is already RESP (one char per byte). */
  rawText(text: string): void {
    this.reserve(text.length);
    writeLatin1(this.out, text, this.used);
    this.used += text.length;
  }

  ok(): void {
    this.raw(OK);
  }

  /** `+text` — the text must not contain CR or LF. */
  simple(text: string): void {
    this.rawText(`+${text}\r\n`);
  }

  /** `-CODE message`: the caller gives the full line after '-', e.g. "ERR syntax error". */
  error(line: string): void {
    this.rawText(`-${line}\r\n`);
  }

  integer(n: number | bigint): void {
    if (n === 0) this.raw(ZERO);
    else if (n === 1) this.raw(ONE);
    else if (typeof n === 'number' && n > 0 && n <= MAX_DIRECT && Number.isInteger(n)) this.positiveInteger(n);
    else this.rawText(`:${n}\r\n`);
  }

  /** `:n\r\n` for a positive integer, digits written straight into the buffer (no string). */
  private positiveInteger(n: number): void {
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    this.reserve(digits + 3);
    const out = this.out;
    const start = this.used;
    out[start] = 58; // ':'
    let rest = n;
    for (let at = start + digits; at > start; at--) {
      out[at] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    out[start + digits + 1] = 13;
    out[start + digits + 2] = 10;
    this.used = start + digits + 3;
  }

  bulk(value: string): void {
    const length = value.length;
    if (length < SHARED_HEADERS) this.raw(BULK_HEADERS[length]!);
    else this.rawText(`$${length}\r\n`);
    this.reserve(length + 2);
    const out = this.out;
    writeLatin1(out, value, this.used);
    let at = this.used + length;
    out[at++] = 13;
    out[at++] = 10;
    this.used = at;
  }

  /** A bulk string, or the null reply when the value is absent. */
  bulkOrNull(value: string | null | undefined): void {
    if (value == null) this.nullBulk();
    else this.bulk(value);
  }

  /** The "no value" reply where RESP2 uses a null bulk string (`$-1`). */
  nullBulk(): void {
    this.raw(this.resp === 3 ? NULL3 : NULL_BULK);
  }

  /** The "no value" reply where RESP2 uses a null array (`*-1`). */
  nullArray(): void {
    this.raw(this.resp === 3 ? NULL3 : NULL_ARRAY);
  }

  arrayLength(n: number): void {
    if (n < SHARED_HEADERS) this.raw(ARRAY_HEADERS[n]!);
    else this.rawText(`*${n}\r\n`);
  }

  emptyArray(): void {
    this.raw(EMPTY_ARRAY);
  }

  /** A map of n pairs: `%n` in RESP3, a flat array of 2n in RESP2. */
  mapLength(n: number): void {
    if (this.resp === 2) this.arrayLength(n * 2);
    else if (n < SHARED_HEADERS) this.raw(MAP_HEADERS[n]!);
    else this.rawText(`%${n}\r\n`);
  }

  /** A set: `~n` in RESP3, an array in RESP2. */
  setLength(n: number): void {
    if (this.resp === 2) this.arrayLength(n);
    else if (n < SHARED_HEADERS) this.raw(SET_HEADERS[n]!);
    else this.rawText(`~${n}\r\n`);
  }

  /** An out-of-band push (`>n` in RESP3); RESP2 clients get a plain array. */
  pushLength(n: number): void {
    if (this.resp === 2) this.arrayLength(n);
    else if (n < SHARED_HEADERS) this.raw(PUSH_HEADERS[n]!);
    else this.rawText(`>${n}\r\n`);
  }

  /** A double as Redis 7.0 prints it (`%.17g`): a bulk string in RESP2, `,` in RESP3. */
  double(d: number): void {
    const text = formatDouble17g(d);
    if (this.resp === 3) this.rawText(`,${text}\r\n`);
    else this.bulk(text);
  }

  /** A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2. */
  boolean(value: boolean): void {
    if (this.resp === 3) this.raw(value ? TRUE3 : FALSE3);
    else this.raw(value ? ONE : ZERO);
  }

  /** A verbatim string (`=len\r\ntxt:...`) in RESP3, a bulk string in RESP2. */
  verbatim(text: string, format = 'txt'): void {
    if (this.resp === 2) {
      this.bulk(text);
      return;
    }
    this.rawText(`=${text.length + 4}\r\n${format}:`);
    this.rawText(text);
    this.rawText('\r\n');
  }

  /** An array of bulk strings. */
  bulkArray(values: readonly string[]): void {
    this.arrayLength(values.length);
    for (let i = 0; i < values.length; i++) this.bulk(values[i]!);
  }
}
