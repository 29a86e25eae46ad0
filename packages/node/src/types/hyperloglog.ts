import { murmurHash64A, murmurResult } from './murmur64a.js';

/**
 * HyperLogLog in Redis 7.0's byte layout (hyperloglog.c), so the string stored under an HLL key
 * is the very bytes Redis stores and HLLs move between the two servers with GET/SET.
 *
 * Layout: a 16-byte header — "HYLL", the encoding (0 dense, 1 sparse), 3 reserved bytes, the
 * cached cardinality as a little-endian uint64 whose top bit marks it stale — then the registers.
 * Dense: 16384 six-bit registers packed LSB first (12288 bytes). Sparse: run-length opcodes
 * ZERO `00xxxxxx` (1–64 zero registers), XZERO `01xxxxxx yyyyyyyy` (1–16384 zero registers),
 * VAL `1vvvvvxx` (1–4 registers of value 1–32).
 *
 * Values are edited in an HllBuffer: the bytes plus spare room, with a 0 byte kept right after
 * the content as Redis's sds strings have (the dense register macros read one byte past the last
 * register). The algorithms follow Redis step by step — including where the sparse opcodes are
 * split and merged — because the resulting bytes must be identical.
 */

export const REGISTERS = 16384;
const INDEX_BITS = 14;
const INDEX_MASK = REGISTERS - 1;
/** Hash bits left for the zero-run: runs are 1..Q+1 long. */
const Q = 64 - INDEX_BITS;
const REGISTER_MAX = 63;
export const HEADER_SIZE = 16;
export const DENSE_SIZE = HEADER_SIZE + (REGISTERS * 6) / 8;
const SEED = 0xadc83b19;

export const enum HllEncoding {
  Dense = 0,
  Sparse = 1,
}

const ENCODING_OFFSET = 4;
const CARDINALITY_OFFSET = 8;
/** card[7]: its top bit set means the cached cardinality is stale. */
const STALE_BYTE = 15;
const STALE_BIT = 0x80;

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;

/** An HLL being edited. `bytes` may be replaced (growth, sparse→dense). */
export class HllBuffer {
  constructor(
    public bytes: Buffer,
    public length: number,
  ) {}

  get encoding(): number {
    return this.bytes[ENCODING_OFFSET]!;
  }

  /** The value as a latin1 string, to store under the key. */
  toString(): string {
    return this.bytes.toString('latin1', 0, this.length);
  }
}

/** Outcome of adding to a register: 1 changed, 0 unchanged, -1 corrupted sparse value. */
export type SetResult = 1 | 0 | -1;

// ---------------------------------------------------------------------------------------------
// Creating and validating

/** createHLLObject: an empty sparse HLL (one XZERO opcode covering every register). */
export function emptyHll(): HllBuffer {
  const bytes = Buffer.alloc(HEADER_SIZE + 2 + SPARE);
  bytes.write('HYLL', 0, 'latin1');
  bytes[ENCODING_OFFSET] = HllEncoding.Sparse;
  writeXzero(bytes, HEADER_SIZE, SPARSE_XZERO_MAX_LEN);
  return new HllBuffer(bytes, HEADER_SIZE + 2);
}

/** A zeroed dense HLL (PFSELFTEST's reference counters). */
export function emptyDenseHll(): HllBuffer {
  return new HllBuffer(Buffer.alloc(DENSE_SIZE + SPARE), DENSE_SIZE);
}

/** isHLLObjectOrReply's checks on a string value: magic, known encoding, exact dense size. */
export function isHllString(value: string): boolean {
  if (value.length < HEADER_SIZE) return false;
  if (value.charCodeAt(0) !== 0x48 || value.charCodeAt(1) !== 0x59 || value.charCodeAt(2) !== 0x4c || value.charCodeAt(3) !== 0x4c) return false;
  const encoding = value.charCodeAt(ENCODING_OFFSET);
  if (encoding === HllEncoding.Dense) return value.length === DENSE_SIZE;
  return encoding === HllEncoding.Sparse;
}

/** Spare bytes kept after the content: the terminator plus a sparse split's growth. */
const SPARE = 8;
/** One reusable buffer for loading values: commands run one at a time. */
let scratch = Buffer.alloc(DENSE_SIZE + SPARE);

/**
 * The bytes of a (validated) HLL string in a reused scratch buffer: valid until the next load.
 * Callers that keep an edit store `toString()` before loading another value. `pastEnd` is the
 * byte after the content (see `bytePastEnd`), 0 for any value Redis built normally.
 */
export function loadHll(value: string, pastEnd = 0): HllBuffer {
  if (scratch.length < value.length + SPARE) scratch = Buffer.alloc(value.length * 2 + SPARE);
  scratch.write(value, 0, 'latin1');
  scratch[value.length] = pastEnd;
  return new HllBuffer(scratch, value.length);
}

/**
 * The byte Redis's sds buffer holds right after the content. It is the 0 terminator, except
 * after a sparse edit of a corrupted value whose last opcode is an XZERO cut short by the end of
 * the string (e.g. after APPEND): the split sequence is copied one byte past the new end there,
 * and that byte is then read as the truncated XZERO's second byte until the length changes.
 */
export function bytePastEnd(hll: HllBuffer): number {
  return hll.bytes[hll.length]!;
}

/** sdsMakeRoomFor: at least `extra` bytes (plus the terminator) after the content, kept as they are. */
function ensureRoom(hll: HllBuffer, extra: number): void {
  if (hll.bytes.length >= hll.length + extra + 1) return;
  const grown = Buffer.alloc((hll.length + extra + 1) * 2);
  hll.bytes.copy(grown, 0, 0, hll.length + 1);
  hll.bytes = grown;
}

/** sdsIncrLen: a new content length, re-zeroing the byte after it. */
function setLength(hll: HllBuffer, length: number): void {
  hll.length = length;
  hll.bytes[length] = 0;
}

// ---------------------------------------------------------------------------------------------
// Hashing

/**
 * hllPatLen: the register an element hashes to (low 14 bits of the hash) and the length of the
 * zero run that ends with the first 1 in the remaining 50 bits (1..51), packed as
 * `run << 14 | register` so the hot path allocates nothing.
 */
export function hashElement(element: string): number {
  murmurHash64A(element, SEED);
  const hashLow = murmurResult[0]!;
  const hashHigh = murmurResult[1]!;
  const register = hashLow & INDEX_MASK;
  // hash >> 14 with bit 50 forced on, as two 32-bit halves.
  const rest = ((hashLow >>> INDEX_BITS) | (hashHigh << (32 - INDEX_BITS))) >>> 0;
  const run = rest !== 0 ? trailingZeros(rest) + 1 : 32 + trailingZeros(((hashHigh >>> INDEX_BITS) | (1 << (Q - 32))) >>> 0) + 1;
  return (run << INDEX_BITS) | register;
}

function trailingZeros(word: number): number {
  return 31 - Math.clz32(word & -word);
}

// ---------------------------------------------------------------------------------------------
// Dense registers

/** Register `index` of the dense registers starting at `offset`. */
function denseGet(bytes: Uint8Array, offset: number, index: number): number {
  const bit = index * 6;
  const byte = offset + (bit >> 3);
  const shift = bit & 7;
  return ((bytes[byte]! >> shift) | (bytes[byte + 1]! << (8 - shift))) & REGISTER_MAX;
}

function denseStore(bytes: Uint8Array, offset: number, index: number, value: number): void {
  const bit = index * 6;
  const byte = offset + (bit >> 3);
  const shift = bit & 7;
  bytes[byte] = (bytes[byte]! & ~(REGISTER_MAX << shift)) | (value << shift);
  bytes[byte + 1] = (bytes[byte + 1]! & ~(REGISTER_MAX >> (8 - shift))) | (value >> (8 - shift));
}

/** hllDenseSet: raises a register to `run` when lower. */
function denseSet(bytes: Uint8Array, index: number, run: number): SetResult {
  if (run <= denseGet(bytes, HEADER_SIZE, index)) return 0;
  denseStore(bytes, HEADER_SIZE, index, run);
  return 1;
}

/** The value of dense register `index` (PFDEBUG GETREG). */
export function denseRegister(hll: HllBuffer, index: number): number {
  return denseGet(hll.bytes, HEADER_SIZE, index);
}

/** Overwrites dense register `index` (PFSELFTEST's register access test). */
export function storeDenseRegister(hll: HllBuffer, index: number, value: number): void {
  denseStore(hll.bytes, HEADER_SIZE, index, value);
}

// ---------------------------------------------------------------------------------------------
// Sparse opcodes

const isZero = (op: number): boolean => (op & 0xc0) === 0;
const isXzero = (op: number): boolean => (op & 0xc0) === 0x40;
const isVal = (op: number): boolean => (op & 0x80) !== 0;
const zeroLength = (op: number): number => (op & 0x3f) + 1;
const xzeroLength = (op: number, next: number): number => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number): number => ((op >> 2) & 0x1f) + 1;
const valLength = (op: number): number => (op & 3) + 1;
const valOpcode = (value: number, length: number): number => 0x80 | ((value - 1) << 2) | (length - 1);

function writeXzero(bytes: Uint8Array, at: number, length: number): void {
  bytes[at] = 0x40 | ((length - 1) >> 8);
  bytes[at + 1] = (length - 1) & 0xff;
}

/** Appends a ZERO or XZERO run of `length` registers to `out` at `at`; the new end. */
function writeZeroRun(out: Uint8Array, at: number, length: number): number {
  if (length > SPARSE_ZERO_MAX_LEN) {
    writeXzero(out, at, length);
    return at + 2;
  }
  out[at] = length - 1;
  return at + 1;
}

/**
 * hllSparseToDense: rewrites a sparse HLL as dense (the header, cached cardinality included,
 * carried over). False, leaving it untouched, when the opcodes don't cover exactly 16384 registers.
 */
export function sparseToDense(hll: HllBuffer): boolean {
  if (hll.encoding === HllEncoding.Dense) return true;
  const sparse = hll.bytes;
  const dense = Buffer.alloc(DENSE_SIZE + SPARE);
  sparse.copy(dense, 0, 0, HEADER_SIZE);
  dense[ENCODING_OFFSET] = HllEncoding.Dense;
  let index = 0;
  let p = HEADER_SIZE;
  while (p < hll.length) {
    const op = sparse[p]!;
    if (isZero(op)) {
      index += zeroLength(op);
      p++;
    } else if (isXzero(op)) {
      index += xzeroLength(op, sparse[p + 1]!);
      p += 2;
    } else {
      const length = valLength(op);
      if (index + length > REGISTERS) break;
      const value = valValue(op);
      for (let end = index + length; index < end; index++) denseStore(dense, HEADER_SIZE, index, value);
      p++;
    }
  }
  if (index !== REGISTERS) return false;
  hll.bytes = dense;
  hll.length = DENSE_SIZE;
  return true;
}

/** The opcode sequence replacing a split opcode (at most XZERO VAL XZERO: 5 bytes). */
const splitSequence = new Uint8Array(5);

/**
 * hllSparseSet: raises register `index` to `run` in a sparse HLL, splitting the opcode that
 * covers it and merging equal neighbours as Redis does. Promotes to dense when the value does not
 * fit a VAL opcode or the string would outgrow `maxSparseBytes` (hll-sparse-max-bytes).
 */
export function sparseSet(hll: HllBuffer, index: number, run: number, maxSparseBytes: number): SetResult {
  if (run > SPARSE_VAL_MAX_VALUE) return promote(hll, index, run);
  ensureRoom(hll, 3);
  const bytes = hll.bytes;
  let end = hll.length;

  // Step 1: find the opcode covering the register.
  let p = HEADER_SIZE;
  let first = 0;
  let previous = -1;
  let span = 0;
  while (p < end) {
    const op = bytes[p]!;
    let opLength = 1;
    if (isZero(op)) span = zeroLength(op);
    else if (isVal(op)) span = valLength(op);
    else {
      span = xzeroLength(op, bytes[p + 1]!);
      opLength = 2;
    }
    if (index <= first + span - 1) break;
    previous = p;
    p += opLength;
    first += span;
  }
  if (span === 0 || p >= end) return -1;

  const op = bytes[p]!;
  const oldLength = isXzero(op) ? 2 : 1;
  const next = p + oldLength < end ? p + oldLength : -1;

  // Step 2: the cases updated in place, then the general split.
  if (isVal(op)) {
    if (valValue(op) >= run) return 0;
    if (valLength(op) === 1) {
      bytes[p] = valOpcode(run, 1);
      return finishSparseUpdate(hll, previous);
    }
  } else if (isZero(op) && zeroLength(op) === 1) {
    bytes[p] = valOpcode(run, 1);
    return finishSparseUpdate(hll, previous);
  }

  const last = first + span - 1;
  let n = 0;
  if (isVal(op)) {
    const current = valValue(op);
    if (index !== first) splitSequence[n++] = valOpcode(current, index - first);
    splitSequence[n++] = valOpcode(run, 1);
    if (index !== last) splitSequence[n++] = valOpcode(current, last - index);
  } else {
    if (index !== first) n = writeZeroRun(splitSequence, n, index - first);
    splitSequence[n++] = valOpcode(run, 1);
    if (index !== last) n = writeZeroRun(splitSequence, n, last - index);
  }

  // Step 3: put the sequence in place of the old opcode.
  const delta = n - oldLength;
  if (delta > 0 && hll.length + delta > maxSparseBytes) return promote(hll, index, run);
  if (delta !== 0 && next !== -1) bytes.copyWithin(next + delta, next, end);
  setLength(hll, hll.length + delta);
  bytes.set(splitSequence.subarray(0, n), p);
  end += delta;
  return finishSparseUpdate(hll, previous);
}

/**
 * Step 4 of hllSparseSet: merges adjacent VAL opcodes of equal value (up to 4 registers), scanning
 * at most 5 opcodes from the one before the change, then marks the cached cardinality stale.
 */
function finishSparseUpdate(hll: HllBuffer, previous: number): 1 {
  const bytes = hll.bytes;
  let end = hll.length;
  let p = previous !== -1 ? previous : HEADER_SIZE;
  let budget = 5;
  while (p < end && budget-- !== 0) {
    const op = bytes[p]!;
    if (isXzero(op)) {
      p += 2;
      continue;
    }
    if (isZero(op)) {
      p++;
      continue;
    }
    if (p + 1 < end && isVal(bytes[p + 1]!)) {
      const following = bytes[p + 1]!;
      const length = valLength(op) + valLength(following);
      if (valValue(op) === valValue(following) && length <= SPARSE_VAL_MAX_LEN) {
        bytes[p + 1] = valOpcode(valValue(op), length);
        bytes.copyWithin(p, p + 1, end);
        end--;
        setLength(hll, end);
        continue; // the merged opcode may merge again with the next one
      }
    }
    p++;
  }
  invalidateCardinality(hll);
  return 1;
}

/** The promotion path of hllSparseSet: convert, then set the register (which must change). */
function promote(hll: HllBuffer, index: number, run: number): SetResult {
  if (!sparseToDense(hll)) return -1;
  return denseSet(hll.bytes, index, run);
}

/** hllAdd: adds one element; -1 when a sparse value turns out corrupted. */
export function addElement(hll: HllBuffer, element: string, maxSparseBytes: number): SetResult {
  return addHashed(hll, hashElement(element), maxSparseBytes);
}

/** addElement after hashElement (to add one element to several HLLs with one hash). */
export function addHashed(hll: HllBuffer, packed: number, maxSparseBytes: number): SetResult {
  return setRegister(hll, packed & INDEX_MASK, packed >>> INDEX_BITS, maxSparseBytes);
}

/** Raises register `index` to `run` in either encoding (also PFMERGE's write-back). */
export function setRegister(hll: HllBuffer, index: number, run: number, maxSparseBytes: number): SetResult {
  if (hll.encoding === HllEncoding.Dense) return denseSet(hll.bytes, index, run);
  return sparseSet(hll, index, run, maxSparseBytes);
}

// ---------------------------------------------------------------------------------------------
// Merging and counting

/**
 * hllMerge: max[i] = max(max[i], register i) over one HLL. False when a sparse value does not
 * cover exactly 16384 registers.
 */
export function mergeRegisters(max: Uint8Array, hll: HllBuffer): boolean {
  const bytes = hll.bytes;
  if (hll.encoding === HllEncoding.Dense) {
    for (let i = 0; i < REGISTERS; i++) {
      const value = denseGet(bytes, HEADER_SIZE, i);
      if (value > max[i]!) max[i] = value;
    }
    return true;
  }
  let index = 0;
  let p = HEADER_SIZE;
  while (p < hll.length) {
    const op = bytes[p]!;
    if (isZero(op)) {
      index += zeroLength(op);
      p++;
    } else if (isXzero(op)) {
      index += xzeroLength(op, bytes[p + 1]!);
      p += 2;
    } else {
      const length = valLength(op);
      if (index + length > REGISTERS) break;
      const value = valValue(op);
      for (let end = index + length; index < end; index++) if (value > max[index]!) max[index] = value;
      p++;
    }
  }
  return index === REGISTERS;
}

/** Register histogram (64 slots: a dense register holds up to 63). */
const histogram = new Float64Array(64);

/** hllCount: the estimated cardinality (as a uint64), or -1 when a sparse value is corrupted. */
export function countHll(hll: HllBuffer): number {
  histogram.fill(0);
  const bytes = hll.bytes;
  if (hll.encoding === HllEncoding.Dense) {
    // Four 6-bit registers in every 3 bytes.
    for (let p = HEADER_SIZE; p < DENSE_SIZE; p += 3) {
      const b0 = bytes[p]!;
      const b1 = bytes[p + 1]!;
      const b2 = bytes[p + 2]!;
      histogram[b0 & 63]!++;
      histogram[((b0 >> 6) | (b1 << 2)) & 63]!++;
      histogram[((b1 >> 4) | (b2 << 4)) & 63]!++;
      histogram[b2 >> 2]!++;
    }
    return estimate();
  }
  let index = 0;
  let p = HEADER_SIZE;
  while (p < hll.length) {
    const op = bytes[p]!;
    if (isZero(op)) {
      const length = zeroLength(op);
      index += length;
      histogram[0]! += length;
      p++;
    } else if (isXzero(op)) {
      const length = xzeroLength(op, bytes[p + 1]!);
      index += length;
      histogram[0]! += length;
      p += 2;
    } else {
      const length = valLength(op);
      index += length;
      histogram[valValue(op)]! += length;
      p++;
    }
  }
  return index === REGISTERS ? estimate() : -1;
}

/** hllCount over plain one-byte registers (PFCOUNT of several keys merges into these). */
export function countRegisters(registers: Uint8Array): number {
  histogram.fill(0);
  for (let i = 0; i < REGISTERS; i++) histogram[registers[i]!]!++;
  return estimate();
}

/**
 * What Redis's llroundl gives (as uint64) for an estimate past the int64 range or infinite, as
 * crafted registers can produce: the x86 "integer indefinite" 0x8000000000000000.
 */
export const LLROUND_OVERFLOW = 2 ** 63;

/** 0.5 / ln 2: the bias constant of the estimator for m → ∞. */
const ALPHA_INF = 0.72134752044448170368;

/**
 * The estimator Redis uses since 5.0: Otmar Ertl, "New cardinality estimation algorithms for
 * HyperLogLog sketches" (arXiv:1702.01284), over the register histogram.
 */
function estimate(): number {
  const m = REGISTERS;
  let z = m * tau((m - histogram[Q + 1]!) / m);
  for (let j = Q; j >= 1; j--) {
    z += histogram[j]!;
    z *= 0.5;
  }
  z += m * sigma(histogram[0]! / m);
  const rounded = Math.round((ALPHA_INF * m * m) / z);
  return rounded < LLROUND_OVERFLOW ? rounded : LLROUND_OVERFLOW;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (previous !== z);
  return z / 3;
}

// ---------------------------------------------------------------------------------------------
// The cached cardinality

/** The cached cardinality, or null when stale. */
export function cachedCardinality(hll: HllBuffer): number | bigint | null {
  const bytes = hll.bytes;
  if ((bytes[STALE_BYTE]! & STALE_BIT) !== 0) return null;
  const low = bytes.readUInt32LE(CARDINALITY_OFFSET);
  const high = bytes.readUInt32LE(CARDINALITY_OFFSET + 4);
  if (high < 0x200000) return high * 4294967296 + low;
  return bytes.readBigUInt64LE(CARDINALITY_OFFSET);
}

export function cacheCardinality(hll: HllBuffer, cardinality: number): void {
  hll.bytes.writeUInt32LE(cardinality % 4294967296, CARDINALITY_OFFSET);
  hll.bytes.writeUInt32LE(Math.floor(cardinality / 4294967296), CARDINALITY_OFFSET + 4);
}

export function invalidateCardinality(hll: HllBuffer): void {
  hll.bytes[STALE_BYTE] = hll.bytes[STALE_BYTE]! | STALE_BIT;
}

// ---------------------------------------------------------------------------------------------
// PFDEBUG DECODE

/** The sparse opcodes as text: "z:LEN" for ZERO, "Z:LEN" for XZERO, "v:VALUE,LEN" for VAL. */
export function describeSparse(hll: HllBuffer): string {
  const bytes = hll.bytes;
  const parts: string[] = [];
  let p = HEADER_SIZE;
  while (p < hll.length) {
    const op = bytes[p]!;
    if (isZero(op)) {
      parts.push(`z:${zeroLength(op)}`);
      p++;
    } else if (isXzero(op)) {
      parts.push(`Z:${xzeroLength(op, bytes[p + 1]!)}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valLength(op)}`);
      p++;
    }
  }
  return parts.join(' ');
}
