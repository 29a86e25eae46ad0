import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  addElement,
  cacheCardinality,
  cachedCardinality,
  countHll,
  countRegisters,
  denseRegister,
  describeSparse,
  DENSE_SIZE,
  emptyHll,
  hashElement,
  HllEncoding,
  invalidateCardinality,
  isHllString,
  loadHll,
  mergeRegisters,
  REGISTERS,
  setRegister,
  sparseToDense,
  type HllBuffer,
} from './hyperloglog.js';

// Vectors captured from redis-server 7.0.15 (GET of the key as hex, or its SHA-256 when dense).
const SEVEN_LETTERS = '48594c4c010000000000000000000080466d80560c80443c84388050b184498c80426d80425a';
const SEVEN_LETTERS_COUNTED = '48594c4c010000000700000000000000466d80560c80443c84388050b184498c80426d80425a';
const EMPTY_ELEMENT = '48594c4c01000000000000000000008057318468cc';
const ONE_TO_5000_SHA256 = 'a913723c462526374131383f62bc31b1eb8f3e7ee46bc577b4df5c343ed90686';
const ONE_TO_100000_COUNTED_SHA256 = 'c65d9bc48e944a8319c21a54d0311a7f95cf81d44c35395337b09a6382d84c37';

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/** PFADD's effect on a value: the elements added, the cached cardinality marked stale. */
function pfadd(hll: HllBuffer, elements: readonly string[], maxSparseBytes = 3000): HllBuffer {
  let corrupted = false;
  for (const element of elements) corrupted ||= addElement(hll, element, maxSparseBytes) === -1;
  expect(corrupted).toBe(false);
  invalidateCardinality(hll);
  return hll;
}

const hex = (hll: HllBuffer): string => Buffer.from(hll.toString(), 'latin1').toString('hex');
const sha256 = (hll: HllBuffer): string => createHash('sha256').update(Buffer.from(hll.toString(), 'latin1')).digest('hex');

describe('HyperLogLog bytes', () => {
  it('an empty HLL is the header and one XZERO covering 16384 registers', () => {
    const hll = emptyHll();
    expect(hex(hll)).toBe('48594c4c010000000000000000000000' + '7fff');
    expect(describeSparse(hll)).toBe('Z:16384');
  });

  it('sparse values equal the bytes Redis stores', () => {
    const hll = pfadd(emptyHll(), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(hex(hll)).toBe(SEVEN_LETTERS);
    expect(countHll(hll)).toBe(7);
    cacheCardinality(hll, 7);
    expect(hex(hll)).toBe(SEVEN_LETTERS_COUNTED);
    expect(cachedCardinality(hll)).toBe(7);
    expect(hex(pfadd(emptyHll(), ['']))).toBe(EMPTY_ELEMENT);
  });

  it('promotes to dense past hll-sparse-max-bytes, with the bytes and count of Redis', () => {
    const hll = pfadd(emptyHll(), range(1, 5000));
    expect(hll.encoding).toBe(HllEncoding.Dense);
    expect(hll.length).toBe(DENSE_SIZE);
    expect(sha256(hll)).toBe(ONE_TO_5000_SHA256);
    expect(countHll(hll)).toBe(4985);
  });

  it('counts 1..100000 as Redis does (99562) and caches it in the header', () => {
    const hll = pfadd(emptyHll(), range(1, 100000));
    expect(cachedCardinality(hll)).toBeNull();
    const count = countHll(hll);
    expect(count).toBe(99562);
    cacheCardinality(hll, count);
    expect(sha256(hll)).toBe(ONE_TO_100000_COUNTED_SHA256);
  });

  it('promotes when a run does not fit a VAL opcode (over 32)', () => {
    const hll = emptyHll();
    setRegister(hll, 5, 33, 3000);
    expect(hll.encoding).toBe(HllEncoding.Dense);
    expect(denseRegister(hll, 5)).toBe(33);
    expect(denseRegister(hll, 4)).toBe(0);
  });

  it('splits XZERO / ZERO / VAL runs and merges equal neighbours', () => {
    const hll = emptyHll();
    setRegister(hll, 100, 3, 3000);
    expect(describeSparse(hll)).toBe('Z:100 v:3,1 Z:16283');
    setRegister(hll, 101, 3, 3000);
    expect(describeSparse(hll)).toBe('Z:100 v:3,2 Z:16282');
    setRegister(hll, 0, 1, 3000);
    expect(describeSparse(hll)).toBe('v:1,1 Z:99 v:3,2 Z:16282');
    setRegister(hll, 16383, 32, 3000);
    expect(describeSparse(hll)).toBe('v:1,1 Z:99 v:3,2 Z:16281 v:32,1');
    setRegister(hll, 1, 1, 3000); // joins the VAL on its left
    expect(describeSparse(hll)).toBe('v:1,2 Z:98 v:3,2 Z:16281 v:32,1');
    setRegister(hll, 102, 2, 3000);
    expect(describeSparse(hll)).toBe('v:1,2 Z:98 v:3,2 v:2,1 Z:16280 v:32,1');
    expect(countHll(hll)).toBeGreaterThan(0);
  });

  it('dense and sparse encodings of the same registers count alike', () => {
    const sparse = pfadd(emptyHll(), range(1, 300));
    expect(sparse.encoding).toBe(HllEncoding.Sparse);
    const dense = pfadd(emptyHll(), []);
    expect(sparseToDense(dense)).toBe(true);
    pfadd(dense, range(1, 300));
    expect(countHll(dense)).toBe(countHll(sparse));
    const registers = new Uint8Array(REGISTERS);
    expect(mergeRegisters(registers, sparse)).toBe(true);
    expect(countRegisters(registers)).toBe(countHll(sparse));
  });

  it('places elements by hash: register in the low 14 bits, zero run of 1..51 after', () => {
    for (const element of range(1, 2000)) {
      const packed = hashElement(element);
      const run = packed >>> 14;
      expect(run).toBeGreaterThanOrEqual(1);
      expect(run).toBeLessThanOrEqual(51);
    }
  });

  it('rejects corrupted values as Redis does', () => {
    expect(isHllString(emptyHll().toString())).toBe(true);
    expect(isHllString('HYLL')).toBe(false);
    expect(isHllString('HYLX\x01' + '\x00'.repeat(13))).toBe(false);
    expect(isHllString('HYLL\x02' + '\x00'.repeat(13))).toBe(false);
    expect(isHllString('HYLL\x00' + '\x00'.repeat(13))).toBe(false); // dense of the wrong size
    // Opcodes covering 16383 registers only: counting, merging and converting all fail.
    const short = loadHll('HYLL\x01' + '\x00'.repeat(11) + '\x7f\xfe');
    expect(countHll(short)).toBe(-1);
    expect(mergeRegisters(new Uint8Array(REGISTERS), short)).toBe(false);
    expect(sparseToDense(short)).toBe(false);
    expect(short.encoding).toBe(HllEncoding.Sparse);
    // No opcodes at all: the register to update cannot be found.
    expect(addElement(loadHll('HYLL\x01' + '\x00'.repeat(11)), 'a', 3000)).toBe(-1);
  });
});
