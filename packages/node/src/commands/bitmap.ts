import type { Client } from '../server/client.js';
import { ValueType, type Entry } from '../keyspace/entry.js';
import { Err, ReplyError } from '../protocol/errors.js';
import { parseInt64 } from '../types/int64.js';
import {
  BitOp,
  bitop as combineBits,
  firstBit,
  firstBitInByte,
  getBit,
  padTo,
  popcount,
  popcountByte,
  withBit,
} from '../types/bitmap.js';
import { Overflow, parseFieldType, readField, updateField, type FieldType } from '../types/bitfield.js';
import { integerArgument, rangeArgument } from './arguments.js';
import { lookupRead } from './lookup.js';
import { rejectOversized, storeEditedString } from './string.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import type { CommandFamily } from './table.js';

/** The BITMAP family: bit-level commands over string values (types/bitmap.ts, types/bitfield.ts). */

const BIT_OFFSET_ERROR = 'ERR bit offset is not an integer or out of range';
const BIT_VALUE_ERROR = 'ERR bit is not an integer or out of range';
const BITFIELD_TYPE_ERROR =
  'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/**
 * getBitOffsetFromArgument: a bit offset, or with `fieldBits` > 0 also "#n" meaning n fields
 * of that width. Negative offsets and bytes at or past proto-max-bulk-len are refused.
 */
function bitOffsetArgument(client: Client, text: string, fieldBits: number): number {
  const byIndex = fieldBits > 0 && text.charCodeAt(0) === 35; // '#'
  const value = parseInt64(byIndex ? text.slice(1) : text);
  if (value === null) throw new ReplyError(BIT_OFFSET_ERROR);
  let offset = Number(value);
  if (byIndex) {
    offset *= fieldBits;
    // Redis multiplies in int64 and may wrap; only exactness beyond 2^53 needs BigInt.
    if (!Number.isSafeInteger(offset)) offset = Number(BigInt.asIntN(64, BigInt(value) * BigInt(fieldBits)));
  }
  if (offset < 0 || Math.floor(offset / 8) >= client.server.parserLimits.maxBulkLength) {
    throw new ReplyError(BIT_OFFSET_ERROR);
  }
  return offset;
}

/** A key that must hold a string (or nothing): false after replying WRONGTYPE. */
function holdsString(client: Client, entry: Entry | undefined): boolean {
  if (entry === undefined || entry.type === ValueType.String) return true;
  client.error(Err.wrongType);
  return false;
}

/** "BIT" or "BYTE" (any case) → true for BIT; throws a syntax error otherwise. */
function bitUnitArgument(text: string): boolean {
  const unit = text.toUpperCase();
  if (unit === 'BIT') return true;
  if (unit === 'BYTE') return false;
  throw new ReplyError(Err.syntax);
}

function setbit(client: Client, argv: string[]): void {
  const offset = bitOffsetArgument(client, argv[2]!, 0);
  const on = parseInt64(argv[3]!);
  if (on !== 0 && on !== 1) {
    client.error(BIT_VALUE_ERROR);
    return;
  }
  const key = argv[1]!;
  const entry = client.db.lookup(key);
  if (!holdsString(client, entry)) return;
  const old = entry === undefined ? '' : (entry.value as string);
  if (rejectOversized(client, Math.floor(offset / 8) + 1)) return;
  const padded = padTo(old, Math.floor(offset / 8) + 1);
  const previous = getBit(padded, offset);
  // Redis creates or grows the string (and unshares it) even when the bit does not change.
  storeEditedString(client, key, entry, withBit(padded, offset, on));
  if (entry === undefined || padded.length !== old.length || previous !== on) {
    notify(client, NotifyFlag.string, 'setbit', key);
    client.server.dirty++;
  }
  client.integer(previous);
}

function getbit(client: Client, argv: string[]): void {
  const offset = bitOffsetArgument(client, argv[2]!, 0);
  const entry = lookupRead(client, argv[1]!);
  if (entry === undefined) client.integer(0);
  else if (holdsString(client, entry)) client.integer(getBit(entry.value as string, offset));
}

/**
 * A [start, end] range given in bytes or bits, resolved as Redis's BITCOUNT/BITPOS do: negative
 * indexes from the end, clamped into the string; bit ranges become byte ranges plus masks of
 * the bits outside the range in the first and last byte.
 */
interface BitRange {
  start: number;
  end: number;
  firstMask: number;
  lastMask: number;
}

function resolveRange(start: number, end: number, length: number, inBits: boolean): BitRange {
  const total = inBits ? length * 8 : length;
  if (start < 0) start = Math.max(0, total + start);
  if (end < 0) end = Math.max(0, total + end);
  if (end >= total) end = total - 1;
  if (!inBits || start > end) return { start, end, firstMask: 0, lastMask: 0 };
  return {
    start: Math.floor(start / 8),
    end: Math.floor(end / 8),
    firstMask: ~((1 << (8 - (start % 8))) - 1) & 0xff,
    lastMask: (1 << (7 - (end % 8))) - 1,
  };
}

function bitcount(client: Client, argv: string[]): void {
  const entry = lookupRead(client, argv[1]!);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  if (!holdsString(client, entry)) return;
  const value = entry.value as string;
  let range: BitRange;
  if (argv.length === 4 || argv.length === 5) {
    const start = rangeArgument(argv[2]!);
    const end = rangeArgument(argv[3]!);
    if (start < 0 && end < 0 && start > end) {
      client.integer(0);
      return;
    }
    range = resolveRange(start, end, value.length, argv.length === 5 && bitUnitArgument(argv[4]!));
  } else if (argv.length === 2) {
    range = { start: 0, end: value.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    client.error(Err.syntax);
    return;
  }
  if (range.start > range.end) {
    client.integer(0);
    return;
  }
  let count = popcount(value, range.start, range.end);
  // The edge bytes were counted whole: take back the bits outside the range.
  count -= popcountByte(value.charCodeAt(range.start) & range.firstMask);
  count -= popcountByte(value.charCodeAt(range.end) & range.lastMask);
  client.integer(count);
}

function bitpos(client: Client, argv: string[]): void {
  const bit = rangeArgument(argv[2]!);
  if (bit !== 0 && bit !== 1) {
    client.error('ERR The bit argument must be 1 or 0.');
    return;
  }
  const entry = lookupRead(client, argv[1]!);
  if (entry === undefined) {
    // A missing key is an endless run of zeros.
    client.integer(bit === 1 ? -1 : 0);
    return;
  }
  if (!holdsString(client, entry)) return;
  const value = entry.value as string;
  const argc = argv.length;
  let range: BitRange;
  const endGiven = argc >= 5;
  if (argc >= 4 && argc <= 6) {
    const start = rangeArgument(argv[3]!);
    const inBits = argc === 6 && bitUnitArgument(argv[5]!);
    const end = endGiven ? rangeArgument(argv[4]!) : value.length - 1;
    range = resolveRange(start, end, value.length, inBits);
  } else if (argc === 3) {
    range = { start: 0, end: value.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    client.error(Err.syntax);
    return;
  }
  client.integer(range.start > range.end ? -1 : findBit(value, range, bit, endGiven));
}

/** The bitposCommand search over a resolved range, edge bytes masked as Redis masks them. */
function findBit(value: string, range: BitRange, bit: number, endGiven: boolean): number {
  const { end, firstMask, lastMask } = range;
  let start = range.start;
  let bytes = end - start + 1;
  let pos = -1;
  let found = false;
  if (firstMask !== 0) {
    let edge = maskOutside(value.charCodeAt(start), firstMask, bit);
    if (lastMask !== 0 && bytes === 1) edge = maskOutside(edge, lastMask, bit);
    pos = firstBitInByte(edge, bit);
    found = bytes === 1 || (pos !== -1 && pos !== 8);
    if (!found) {
      start++;
      bytes--;
    }
  }
  if (!found) {
    const middle = bytes - (lastMask !== 0 ? 1 : 0);
    if (middle > 0) {
      pos = firstBit(value, start, middle, bit);
      found = bytes === middle || (pos !== -1 && pos !== middle * 8);
      if (!found) {
        start += middle;
        bytes -= middle;
      }
    }
  }
  if (!found) pos = firstBitInByte(maskOutside(value.charCodeAt(end), lastMask, bit), bit);
  // With an explicit end, "first 0 right after the range" does not count.
  if (endGiven && bit === 0 && pos === bytes * 8) return -1;
  return pos === -1 ? -1 : pos + start * 8;
}

/** Forces the bits of `outside` to the value not searched for, so they cannot match. */
function maskOutside(byte: number, outside: number, bit: number): number {
  return (bit === 1 ? byte & ~outside : byte | outside) & 0xff;
}

function bitop(client: Client, argv: string[]): void {
  const name = argv[1]!.toUpperCase();
  const op = name === 'AND' ? BitOp.And : name === 'OR' ? BitOp.Or : name === 'XOR' ? BitOp.Xor : name === 'NOT' ? BitOp.Not : -1;
  if (op === -1) {
    client.error(Err.syntax);
    return;
  }
  if (op === BitOp.Not && argv.length !== 4) {
    client.error('ERR BITOP NOT must be called with a single source key.');
    return;
  }
  const sources: string[] = [];
  for (let i = 3; i < argv.length; i++) {
    const entry = lookupRead(client, argv[i]!);
    if (!holdsString(client, entry)) return;
    sources.push(entry === undefined ? '' : (entry.value as string));
  }
  const result = combineBits(op, sources);
  const target = argv[2]!;
  if (result.length > 0) {
    // A fresh value replacing the target (TTL cleared); Redis builds it raw.
    storeEditedString(client, target, undefined, result);
    notify(client, NotifyFlag.string, 'set', target);
    client.server.dirty++;
  } else if (client.db.delete(target)) {
    notify(client, NotifyFlag.generic, 'del', target);
    client.server.dirty++;
  }
  client.integer(result.length);
}

const enum FieldOpKind {
  Get,
  Set,
  Incrby,
}

interface FieldOp {
  kind: FieldOpKind;
  type: FieldType;
  offset: number;
  overflow: Overflow;
  argument: bigint;
}

/**
 * Parses every BITFIELD operation before touching the key, as Redis does, so argument errors
 * come first. Returns null after replying with an error.
 */
function parseFieldOps(client: Client, argv: string[]): FieldOp[] | null {
  const ops: FieldOp[] = [];
  let overflow = Overflow.Wrap;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const name = argv[j]!.toUpperCase();
    let kind: FieldOpKind;
    if (name === 'GET' && remaining >= 2) kind = FieldOpKind.Get;
    else if (name === 'SET' && remaining >= 3) kind = FieldOpKind.Set;
    else if (name === 'INCRBY' && remaining >= 3) kind = FieldOpKind.Incrby;
    else if (name === 'OVERFLOW' && remaining >= 1) {
      const policy = argv[++j]!.toUpperCase();
      if (policy === 'WRAP') overflow = Overflow.Wrap;
      else if (policy === 'SAT') overflow = Overflow.Sat;
      else if (policy === 'FAIL') overflow = Overflow.Fail;
      else {
        client.error('ERR Invalid OVERFLOW type specified');
        return null;
      }
      continue;
    } else {
      client.error(Err.syntax);
      return null;
    }
    const type = parseFieldType(argv[j + 1]!);
    if (type === null) {
      client.error(BITFIELD_TYPE_ERROR);
      return null;
    }
    const offset = bitOffsetArgument(client, argv[j + 2]!, type.bits);
    const argument = kind === FieldOpKind.Get ? 0n : BigInt(integerArgument(argv[j + 3]!));
    ops.push({ kind, type, offset, overflow, argument });
    j += kind === FieldOpKind.Get ? 2 : 3;
  }
  return ops;
}

function bitfieldGeneric(client: Client, argv: string[], readOnly: boolean): void {
  const ops = parseFieldOps(client, argv);
  if (ops === null) return;
  let highestBit = -1;
  for (const op of ops) {
    if (op.kind !== FieldOpKind.Get) highestBit = Math.max(highestBit, op.offset + op.type.bits - 1);
  }
  const key = argv[1]!;
  if (highestBit < 0) {
    const entry = lookupRead(client, key);
    if (!holdsString(client, entry)) return;
    const value = entry === undefined ? '' : (entry.value as string);
    client.arrayLength(ops.length);
    for (const op of ops) client.integer(readFromString(value, op));
    return;
  }
  if (readOnly) {
    client.error('ERR BITFIELD_RO only supports the GET subcommand');
    return;
  }
  const entry = client.db.lookup(key);
  if (!holdsString(client, entry)) return;
  const old = entry === undefined ? '' : (entry.value as string);
  if (rejectOversized(client, Math.floor(highestBit / 8) + 1)) return;
  const bytes = Buffer.alloc(Math.max(old.length, Math.floor(highestBit / 8) + 1));
  bytes.write(old, 0, 'latin1');
  const grown = entry === undefined || bytes.length !== old.length;
  let changes = 0;
  client.arrayLength(ops.length);
  for (const op of ops) {
    if (op.kind === FieldOpKind.Get) {
      client.integer(readField(bytes, op.offset, op.type));
      continue;
    }
    const update = updateField(bytes, op.offset, op.type, op.overflow, op.argument, op.kind === FieldOpKind.Incrby);
    if (update.reply === null) client.nullBulk();
    else {
      client.integer(update.reply);
      if (grown || update.changed) changes++;
    }
  }
  storeEditedString(client, key, entry, bytes.toString('latin1'));
  if (changes > 0) notify(client, NotifyFlag.string, 'setbit', key);
  client.server.dirty += changes;
}

/** A GET on a string that may be far longer than the field: copy only the bytes it spans. */
function readFromString(value: string, op: FieldOp): bigint {
  const first = Math.floor(op.offset / 8);
  const window = Buffer.alloc(9);
  for (let i = 0; i < 9 && first + i < value.length; i++) window[i] = value.charCodeAt(first + i);
  return readField(window, op.offset - first * 8, op.type);
}

function bitfield(client: Client, argv: string[]): void {
  bitfieldGeneric(client, argv, false);
}

function bitfieldRo(client: Client, argv: string[]): void {
  bitfieldGeneric(client, argv, true);
}

export const bitmapCommands: CommandFamily = {
  handlers: { setbit, getbit, bitcount, bitpos, bitop, bitfield, bitfield_ro: bitfieldRo },
};
