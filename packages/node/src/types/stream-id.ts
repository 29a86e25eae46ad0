/**
 * Stream IDs: two unsigned 64-bit halves, <ms>-<seq>. Inside the server an ID is kept as its
 * 16-byte big-endian encoding in a latin1 string (Redis's rax key), so plain string comparison
 * orders IDs and the same string keys maps. Decimal text is produced on output; numbers are
 * used while a half fits 2^53, BigInt beyond.
 */
export type StreamId = string;

const TWO32 = 4294967296;
/** Below this high word a 64-bit half is a safe JS integer (2^53 / 2^32). */
const SAFE_HIGH = 2097152;
const U64_MAX = 18446744073709551615n;

export const MIN_ID: StreamId = '\0'.repeat(16);
export const MAX_ID: StreamId = '\xff'.repeat(16);

/** The four 32-bit words of an ID: ms high, ms low, seq high, seq low. */
function word(id: StreamId, index: number): number {
  const at = index * 4;
  return (
    ((id.charCodeAt(at) << 24) | (id.charCodeAt(at + 1) << 16) | (id.charCodeAt(at + 2) << 8) | id.charCodeAt(at + 3)) >>>
    0
  );
}

/** Built in one call so the ID is a flat string (concatenated pieces would make a rope). */
export function idFromWords(msHigh: number, msLow: number, seqHigh: number, seqLow: number): StreamId {
  return String.fromCharCode(
    msHigh >>> 24, (msHigh >>> 16) & 255, (msHigh >>> 8) & 255, msHigh & 255,
    msLow >>> 24, (msLow >>> 16) & 255, (msLow >>> 8) & 255, msLow & 255,
    seqHigh >>> 24, (seqHigh >>> 16) & 255, (seqHigh >>> 8) & 255, seqHigh & 255,
    seqLow >>> 24, (seqLow >>> 16) & 255, (seqLow >>> 8) & 255, seqLow & 255,
  );
}

/** An ID from safe-integer halves (auto-generated IDs, small explicit ones). */
export function idFromNumbers(ms: number, seq: number): StreamId {
  return idFromWords(Math.floor(ms / TWO32), ms >>> 0, Math.floor(seq / TWO32), seq >>> 0);
}

export function idFromBigInts(ms: bigint, seq: bigint): StreamId {
  return idFromWords(Number(ms >> 32n), Number(ms & 0xffffffffn), Number(seq >> 32n), Number(seq & 0xffffffffn));
}

/** One half as a number when it is a safe integer, else as a bigint. */
function half(high: number, low: number): number | bigint {
  return high < SAFE_HIGH ? high * TWO32 + low : (BigInt(high) << 32n) | BigInt(low);
}

export function idMs(id: StreamId): number | bigint {
  return half(word(id, 0), word(id, 1));
}

export function idSeq(id: StreamId): number | bigint {
  return half(word(id, 2), word(id, 3));
}

/** "<ms>-<seq>", as Redis prints IDs. */
export function formatId(id: StreamId): string {
  return `${idMs(id)}-${idSeq(id)}`;
}

/** streamIncrID: the next ID, or null when `id` is the largest one. */
export function incrementId(id: StreamId): StreamId | null {
  if (id === MAX_ID) return null;
  // The common case first: the low sequence word has room (XADD with the clock standing still).
  const seqLow = word(id, 3);
  if (seqLow !== 0xffffffff) return idFromWords(word(id, 0), word(id, 1), word(id, 2), seqLow + 1);
  const words = [word(id, 0), word(id, 1), word(id, 2), 0];
  for (let i = 2; i >= 0; i--) {
    if (words[i] !== 0xffffffff) {
      words[i]! += 1;
      break;
    }
    words[i] = 0;
  }
  return idFromWords(words[0]!, words[1]!, words[2]!, words[3]!);
}

/** streamDecrID: the previous ID, or null when `id` is 0-0. */
export function decrementId(id: StreamId): StreamId | null {
  if (id === MIN_ID) return null;
  const words = [word(id, 0), word(id, 1), word(id, 2), word(id, 3)];
  for (let i = 3; i >= 0; i--) {
    if (words[i] !== 0) {
      words[i]! -= 1;
      break;
    }
    words[i] = 0xffffffff;
  }
  return idFromWords(words[0]!, words[1]!, words[2]!, words[3]!);
}

/** Whether two IDs share their ms half. */
export function sameMs(a: StreamId, b: StreamId): boolean {
  return a.slice(0, 8) === b.slice(0, 8);
}

/** The ID with the same ms and a sequence one above `id`'s, or null when the sequence is maxed. */
export function nextSeq(id: StreamId): StreamId | null {
  if (id.endsWith('\xff'.repeat(8))) return null;
  return incrementId(id);
}

/**
 * The ID Redis's streamNextID generates: `nowMs`-0 when the clock moved past the last ID,
 * else the last ID plus one (or null when that wraps).
 */
export function nextAutoId(last: StreamId, nowMs: number): StreamId | null {
  const lastMs = idMs(last);
  if (typeof lastMs === 'number' && nowMs > lastMs) return idFromNumbers(nowMs, 0);
  return incrementId(last);
}

/** The signed 64-bit difference a - b of two uint64 halves, as the listpack delta stores it. */
export function halfDelta(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return BigInt.asIntN(64, BigInt(a) - BigInt(b));
}

const ASCII_SPACE = /^[ \t\n\v\f\r]*/;

/**
 * string2ull: canonical int64 text that is not negative, or else what C's strtoull accepts in
 * full (leading spaces, a sign — a minus wraps around — and leading zeros), within 64 bits.
 */
export function parseUnsigned64(text: string): number | bigint | null {
  if (text.length > 0 && text.length <= 15 && /^(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  const match = /^([+-]?)([0-9]+)$/.exec(text.replace(ASCII_SPACE, ''));
  if (match === null) return null;
  const magnitude = BigInt(match[2]!);
  if (magnitude > U64_MAX) return null;
  const value = match[1] === '-' ? BigInt.asUintN(64, -magnitude) : magnitude;
  // The canonical form "-5" is read by string2ll first and refused as negative.
  if (match[1] === '-' && magnitude !== 0n && /^-[1-9][0-9]*$/.test(text) && magnitude <= 9223372036854775808n) return null;
  return value;
}

function toId(ms: number | bigint, seq: number | bigint): StreamId {
  return typeof ms === 'number' && typeof seq === 'number' ? idFromNumbers(ms, seq) : idFromBigInts(BigInt(ms), BigInt(seq));
}

/** Longest ID text Redis copies into its parse buffer. */
const MAX_ID_TEXT = 127;

export interface ParsedId {
  id: StreamId;
  /** False for XADD's "<ms>-*" form: the sequence is to be generated. */
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: "-" and "+" (unless `strict`), "<ms>" (sequence `missingSeq`),
 * "<ms>-<seq>", and with `allowSeqStar` "<ms>-*". The text is read as a C string (up to a
 * NUL). Returns null for an invalid ID.
 */
export function parseId(text: string, missingSeq: 'min' | 'max', strict: boolean, allowSeqStar = false): ParsedId | null {
  if (text.length > MAX_ID_TEXT) return null;
  const nul = text.indexOf('\0');
  const buf = nul === -1 ? text : text.slice(0, nul);
  if (buf === '-') return strict ? null : { id: MIN_ID, seqGiven: true };
  if (buf === '+') return strict ? null : { id: MAX_ID, seqGiven: true };
  const dash = buf.indexOf('-');
  const ms = parseUnsigned64(dash === -1 ? buf : buf.slice(0, dash));
  if (ms === null) return null;
  if (dash === -1) return { id: toId(ms, missingSeq === 'min' ? 0 : U64_MAX), seqGiven: true };
  const seqText = buf.slice(dash + 1);
  if (allowSeqStar && seqText === '*') return { id: toId(ms, 0), seqGiven: false };
  const seq = parseUnsigned64(seqText);
  return seq === null ? null : { id: toId(ms, seq), seqGiven: true };
}
