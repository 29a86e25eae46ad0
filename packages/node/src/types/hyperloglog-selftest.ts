import {
  addHashed,
  countHll,
  denseRegister,
  emptyDenseHll,
  emptyHll,
  hashElement,
  HllEncoding,
  REGISTERS,
  storeDenseRegister,
} from './hyperloglog.js';

/**
 * PFSELFTEST: Redis's two self-checks of the HLL code. First, dense registers keep random values
 * without disturbing their neighbours. Second, 10^7 distinct elements added to a dense and a
 * sparse HLL at once: at each power of ten the sparse one must still be sparse while small, both
 * must agree, and the estimate must be within 6 standard errors. Null when all pass, else the
 * error line.
 */

const REGISTER_CYCLES = 1000;
const ELEMENTS = 10_000_000;

export function selfTest(maxSparseBytes: number): string | null {
  return registerAccess() ?? approximation(maxSparseBytes);
}

function registerAccess(): string | null {
  const hll = emptyDenseHll();
  const expected = new Uint8Array(REGISTERS);
  for (let cycle = 0; cycle < REGISTER_CYCLES; cycle++) {
    for (let i = 0; i < REGISTERS; i++) {
      const value = Math.floor(Math.random() * 64);
      expected[i] = value;
      storeDenseRegister(hll, i, value);
    }
    for (let i = 0; i < REGISTERS; i++) {
      const value = denseRegister(hll, i);
      if (value !== expected[i]) return `ERR TESTFAILED Register ${i} should be ${expected[i]} but is ${value}`;
    }
  }
  return null;
}

function approximation(maxSparseBytes: number): string | null {
  const dense = emptyDenseHll();
  const sparse = emptyHll();
  const relativeError = 1.04 / Math.sqrt(REGISTERS);
  const seedLow = (Math.random() * 4294967296) >>> 0;
  const seedHigh = (Math.random() * 4294967296) >>> 0;
  let checkpoint = 1;
  for (let j = 1; j <= ELEMENTS; j++) {
    const packed = hashElement(uint64Bytes((j ^ seedLow) >>> 0, seedHigh));
    addHashed(dense, packed, maxSparseBytes);
    addHashed(sparse, packed, maxSparseBytes);
    if (j !== checkpoint) continue;
    if (j < Math.floor(maxSparseBytes / 2) && sparse.encoding !== HllEncoding.Sparse) {
      return 'ERR TESTFAILED sparse encoding not used';
    }
    const estimate = countHll(dense);
    if (estimate !== countHll(sparse)) return 'ERR TESTFAILED dense/sparse disagree';
    const maxError = j === 10 ? 1 : Math.ceil(relativeError * 6 * checkpoint);
    const error = Math.abs(checkpoint - estimate);
    if (error > maxError) return `ERR TESTFAILED Too big error. card:${checkpoint} abserr:${error}`;
    checkpoint *= 10;
  }
  return null;
}

/** A uint64 as its 8 little-endian bytes in a latin1 string. */
function uint64Bytes(low: number, high: number): string {
  return String.fromCharCode(
    low & 0xff, (low >>> 8) & 0xff, (low >>> 16) & 0xff, low >>> 24,
    high & 0xff, (high >>> 8) & 0xff, (high >>> 16) & 0xff, high >>> 24,
  );
}
