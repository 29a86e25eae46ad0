import type { Client } from '../server/client.js';
import { ValueType, type Entry } from '../keyspace/entry.js';
import { Err } from '../protocol/errors.js';
import { INT64_MIN } from '../types/int64.js';
import {
  addElement,
  bytePastEnd,
  cacheCardinality,
  cachedCardinality,
  countHll,
  countRegisters,
  denseRegister,
  describeSparse,
  emptyHll,
  HllEncoding,
  invalidateCardinality,
  isHllString,
  LLROUND_OVERFLOW,
  loadHll,
  mergeRegisters,
  REGISTERS,
  setRegister,
  sparseToDense,
  type HllBuffer,
} from '../types/hyperloglog.js';
import { selfTest } from '../types/hyperloglog-selftest.js';
import type { CommandFamily } from './table.js';
import { lookupRead } from './lookup.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import { storeEditedString } from './string.js';

/**
 * The HYPERLOGLOG family. An HLL is a plain string value (GET, APPEND, … work on it) whose
 * bytes follow Redis's layout exactly (types/hyperloglog.ts). Every command that opens an
 * existing HLL for writing leaves it "raw", as Redis's dbUnshareStringValue does.
 */

const INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';
const NOT_AN_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

/** isHLLObjectOrReply: the value of an entry holding a valid HLL, or null after replying why not. */
function hllValue(client: Client, entry: Entry): string | null {
  if (entry.type !== ValueType.String) {
    client.error(Err.wrongType);
    return null;
  }
  const value = entry.value as string;
  if (!isHllString(value)) {
    client.error(NOT_AN_HLL);
    return null;
  }
  return value;
}

/**
 * Values whose byte past the end is not 0 (types/hyperloglog.ts bytePastEnd): only corrupted
 * HLLs edited by PFADD/PFMERGE. The mark holds the value it was made for, so any other write
 * to the key voids it.
 */
const pastEndBytes = new WeakMap<Entry, { value: string; byte: number }>();

/** The value of an entry (already validated as an HLL) loaded for reading or editing. */
function open(entry: Entry, value: string): HllBuffer {
  const mark = pastEndBytes.get(entry);
  return loadHll(value, mark !== undefined && mark.value === value ? mark.byte : 0);
}

function maxSparseBytes(client: Client): number {
  return client.server.config.int('hll-sparse-max-bytes');
}

/** Stores an edited HLL under the key (keeping its TTL), marked raw like any in-place edit. */
function store(client: Client, key: string, entry: Entry | undefined, hll: HllBuffer): void {
  const value = hll.toString();
  storeEditedString(client, key, entry, value);
  // A new key holds a freshly built HLL, whose byte past the end is always 0.
  if (entry === undefined) return;
  const byte = bytePastEnd(hll);
  if (byte !== 0) pastEndBytes.set(entry, { value, byte });
  else pastEndBytes.delete(entry);
}

/** dbUnshareStringValue on an unchanged HLL: only the encoding becomes raw. */
function unshare(client: Client, key: string, entry: Entry): void {
  storeEditedString(client, key, entry, entry.value as string);
}

/** addReplyLongLong of a uint64 count: past 2^53 exactly, and 2^63 (llround's overflow) as negative. */
function replyCardinality(client: Client, cardinality: number): void {
  if (cardinality === LLROUND_OVERFLOW) client.integer(INT64_MIN);
  else if (cardinality > Number.MAX_SAFE_INTEGER) client.integer(BigInt(cardinality));
  else client.integer(cardinality);
}

function pfadd(client: Client, argv: string[]): void {
  const key = argv[1]!;
  const entry = client.db.lookup(key);
  let hll: HllBuffer;
  let updated = 0;
  if (entry === undefined) {
    hll = emptyHll();
    updated++;
  } else {
    const value = hllValue(client, entry);
    if (value === null) return;
    hll = open(entry, value);
  }
  const maxBytes = maxSparseBytes(client);
  for (let i = 2; i < argv.length; i++) {
    const result = addElement(hll, argv[i]!, maxBytes);
    if (result === -1) {
      // Registers set before the corrupted part stay set, as in Redis's in-place edit.
      store(client, key, entry, hll);
      client.error(INVALID_HLL);
      return;
    }
    updated += result;
  }
  if (updated === 0) {
    unshare(client, key, entry!);
    client.integer(0);
    return;
  }
  invalidateCardinality(hll);
  store(client, key, entry, hll);
  notify(client, NotifyFlag.string, 'pfadd', key);
  client.server.dirty += updated;
  client.integer(1);
}

/** Registers merged over several keys (PFCOUNT of many keys, PFMERGE). */
const mergedRegisters = new Uint8Array(REGISTERS);

/**
 * Merges the HLLs under `keys` (missing keys count as empty) into mergedRegisters, looking each
 * up as a read. Null after replying an error, otherwise whether any input was dense.
 */
function mergeKeys(client: Client, keys: readonly string[], from: number): boolean | null {
  mergedRegisters.fill(0);
  let anyDense = false;
  for (let i = from; i < keys.length; i++) {
    const entry = lookupRead(client, keys[i]!);
    if (entry === undefined) continue;
    const value = hllValue(client, entry);
    if (value === null) return null;
    const hll = open(entry, value);
    if (hll.encoding === HllEncoding.Dense) anyDense = true;
    if (!mergeRegisters(mergedRegisters, hll)) {
      client.error(INVALID_HLL);
      return null;
    }
  }
  return anyDense;
}

function pfcount(client: Client, argv: string[]): void {
  if (argv.length > 2) {
    if (mergeKeys(client, argv, 1) !== null) replyCardinality(client, countRegisters(mergedRegisters));
    return;
  }
  const key = argv[1]!;
  const entry = lookupRead(client, key);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const value = hllValue(client, entry);
  if (value === null) return;
  const hll = open(entry, value);
  const cached = cachedCardinality(hll);
  if (cached !== null) {
    unshare(client, key, entry);
    client.integer(cached);
    return;
  }
  const cardinality = countHll(hll);
  if (cardinality === -1) {
    unshare(client, key, entry);
    client.error(INVALID_HLL);
    return;
  }
  // The cache lives in the value, so even this read-only command rewrites it.
  cacheCardinality(hll, cardinality);
  store(client, key, entry, hll);
  client.server.dirty++;
  replyCardinality(client, cardinality);
}

function pfmerge(client: Client, argv: string[]): void {
  const anyDense = mergeKeys(client, argv, 1);
  if (anyDense === null) return;
  const key = argv[1]!;
  const entry = client.db.lookup(key);
  // The destination was validated as one of the inputs.
  const hll = entry === undefined ? emptyHll() : open(entry, entry.value as string);
  if (anyDense && !sparseToDense(hll)) {
    if (entry !== undefined) unshare(client, key, entry);
    client.error(INVALID_HLL);
    return;
  }
  const maxBytes = maxSparseBytes(client);
  for (let i = 0; i < REGISTERS; i++) {
    const run = mergedRegisters[i]!;
    if (run !== 0) setRegister(hll, i, run, maxBytes);
  }
  invalidateCardinality(hll);
  store(client, key, entry, hll);
  // Redis publishes "pfadd" for PFMERGE too (a mass add of elements).
  notify(client, NotifyFlag.string, 'pfadd', key);
  client.server.dirty++;
  client.ok();
}

// ---------------------------------------------------------------------------------------------
// Debugging

function pfdebug(client: Client, argv: string[]): void {
  const subcommand = argv[1]!;
  const key = argv[2]!;
  const entry = client.db.lookup(key);
  if (entry === undefined) {
    client.error('ERR The specified key does not exist');
    return;
  }
  const value = hllValue(client, entry);
  if (value === null) return;
  unshare(client, key, entry);
  const hll = open(entry, value);
  switch (subcommand.toLowerCase()) {
    case 'getreg':
      if (!convertToDense(client, key, entry, hll)) return;
      client.arrayLength(REGISTERS);
      for (let i = 0; i < REGISTERS; i++) client.integer(denseRegister(hll, i));
      return;
    case 'decode':
      if (hll.encoding !== HllEncoding.Sparse) client.error('ERR HLL encoding is not sparse');
      else client.bulk(describeSparse(hll));
      return;
    case 'encoding':
      client.simple(hll.encoding === HllEncoding.Dense ? 'dense' : 'sparse');
      return;
    case 'todense': {
      const wasSparse = hll.encoding === HllEncoding.Sparse;
      if (convertToDense(client, key, entry, hll)) client.integer(wasSparse ? 1 : 0);
      return;
    }
    default:
      client.error(`ERR Unknown PFDEBUG subcommand '${subcommand}'`);
  }
}

/** PFDEBUG's forced sparse→dense conversion (stored, and counted as a change); false after an error. */
function convertToDense(client: Client, key: string, entry: Entry, hll: HllBuffer): boolean {
  if (hll.encoding === HllEncoding.Dense) return true;
  if (!sparseToDense(hll)) {
    client.error(INVALID_HLL);
    return false;
  }
  store(client, key, entry, hll);
  client.server.dirty++;
  return true;
}

function pfselftest(client: Client): void {
  const failure = selfTest(maxSparseBytes(client));
  if (failure === null) client.ok();
  else client.error(failure);
}

export const hyperloglogCommands: CommandFamily = {
  handlers: { pfadd, pfcount, pfmerge, pfdebug, pfselftest },
};
