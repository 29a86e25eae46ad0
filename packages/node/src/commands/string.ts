import { constants } from 'node:buffer';
import type { Client } from '../server/client.js';
import { StringForm, ValueType, type Entry } from '../keyspace/entry.js';
import { Err, ReplyError } from '../protocol/errors.js';
import { addInt64, INT64_MAX, negateInt64, parseInt64, type Int64 } from '../types/int64.js';
import { addLongDouble, formatLongDouble, LONG_DOUBLE_ZERO, parseLongDouble } from '../types/long-double.js';
import { padTo } from '../types/bitmap.js';
import { lcsTableBytes, longestCommonSubsequence } from '../types/lcs.js';
import type { CommandFamily } from './table.js';
import { integerArgument, rangeArgument } from './arguments.js';
import { keyspaceMiss, lookupRead } from './lookup.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';

/**
 * The STRING family. Values are latin1 strings; integers are kept as their decimal text and
 * parsed on INCR (a fast numeric path for short text, BigInt beyond 2^53). Also exports the
 * lookups and argument parsers the BITMAP family shares, and OBJECT ENCODING's rules.
 */

// ---------------------------------------------------------------------------------------------
// Shared helpers

const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;
const STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';




/**
 * checkStringLength: whether a string of `length` bytes would exceed proto-max-bulk-len (and
 * replies so). V8 strings stop 24 bytes short of 512 MB, so that limit is refused the same way.
 */
export function rejectOversized(client: Client, length: number): boolean {
  if (length <= client.server.parserLimits.maxBulkLength && length <= MAX_STRING_LENGTH) return false;
  client.error(STRING_TOO_LONG);
  return true;
}

/**
 * Stores the result of an in-place edit (APPEND, SETRANGE, SETBIT, BITFIELD): into the existing
 * entry with its TTL kept, or without one through db.set (replacing whatever the key held, TTL
 * cleared — also how BITOP stores). Redis leaves such values "raw".
 */
export function storeEditedString(client: Client, key: string, entry: Entry | undefined, value: string): void {
  overwriteString(client, key, entry, value, StringForm.Raw);
}

/** dbOverwrite / dbAdd: the new value in the existing entry (TTL kept), or a new key. */
function overwriteString(client: Client, key: string, entry: Entry | undefined, value: string, form: StringForm): void {
  const target = entry ?? client.db.set(key, ValueType.String, value);
  target.value = value;
  target.stringForm = form;
  client.db.recharge(target);
}

// ---------------------------------------------------------------------------------------------
// OBJECT ENCODING

/** Longest string Redis stores embedded in its object header (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
const EMBSTR_LIMIT = 44;
/**
 * OBJECT ENCODING of a string value. Redis encodes on SET/MSET/GETSET/APPEND-to-new/INCR:
 * "int" for canonical int64 text, "embstr" up to 44 bytes, "raw" beyond. INCRBYFLOAT results
 * skip the int attempt, and in-place edits always make "raw" (entry.stringForm says which).
 */
export function stringEncoding(value: string, entry: Entry): 'int' | 'embstr' | 'raw' {
  if ((entry.stringForm & StringForm.Raw) !== 0) return 'raw';
  if ((entry.stringForm & StringForm.NotInt) === 0 && parseInt64(value) !== null) return 'int';
  return value.length <= EMBSTR_LIMIT ? 'embstr' : 'raw';
}

// ---------------------------------------------------------------------------------------------
// GET / SET and their variants

function get(client: Client, argv: string[]): void {
  const entry = client.db.lookup(argv[1]!);
  if (entry === undefined) {
    keyspaceMiss(client, argv[1]!);
    client.nullBulk();
  } else {
    client.server.stats.keyspaceHits++;
    if (entry.type !== ValueType.String) client.error(Err.wrongType);
    else client.bulk(entry.value as string);
  }
}

/** getGenericCommand: replies the value (or null); false when the key holds another type. */
function replyValue(client: Client, key: string): boolean {
  const entry = lookupRead(client, key);
  if (entry === undefined) client.nullBulk();
  else if (entry.type !== ValueType.String) {
    client.error(Err.wrongType);
    return false;
  } else client.bulk(entry.value as string);
  return true;
}

// Option flags of SET and GETEX (Redis's OBJ_* bits).
const NX = 1 << 0;
const XX = 1 << 1;
const EX = 1 << 2;
const PX = 1 << 3;
const KEEPTTL = 1 << 4;
const GET = 1 << 5;
const EXAT = 1 << 6;
const PXAT = 1 << 7;
const PERSIST = 1 << 8;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

interface StringOptions {
  flags: number;
  /** The expire argument of EX/PX/EXAT/PXAT. */
  expire: string | null;
}

/**
 * parseExtendedStringArgumentsOrReply: SET takes NX XX GET KEEPTTL and the expire options,
 * GETEX PERSIST and the expire options. Conflicting or unknown options, or an expire option
 * without a value, are a syntax error. Returns null after replying with it.
 */
function parseStringOptions(client: Client, argv: string[], first: number, forSet: boolean): StringOptions | null {
  let flags = 0;
  let expire: string | null = null;
  for (let j = first; j < argv.length; j++) {
    const flag = optionFlag(argv[j]!.toUpperCase(), forSet, j + 1 < argv.length);
    if (flag === 0 || (flags & conflictsOf(flag)) !== 0) {
      client.error(Err.syntax);
      return null;
    }
    flags |= flag;
    if ((flag & ANY_EXPIRE) !== 0) expire = argv[++j]!;
  }
  return { flags, expire };
}

/** The flag an option names (0 when unknown to this command, or an expire option lacks its value). */
function optionFlag(option: string, forSet: boolean, hasValue: boolean): number {
  if (forSet) {
    if (option === 'NX') return NX;
    if (option === 'XX') return XX;
    if (option === 'GET') return GET;
    if (option === 'KEEPTTL') return KEEPTTL;
  } else if (option === 'PERSIST') return PERSIST;
  if (!hasValue) return 0;
  if (option === 'EX') return EX;
  if (option === 'PX') return PX;
  if (option === 'EXAT') return EXAT;
  if (option === 'PXAT') return PXAT;
  return 0;
}

/** Options that may not precede `flag`. An expire option may repeat (the last value wins). */
function conflictsOf(flag: number): number {
  if (flag === NX) return XX;
  if (flag === XX) return NX;
  if (flag === GET) return 0;
  if (flag === KEEPTTL) return PERSIST | ANY_EXPIRE;
  if (flag === PERSIST) return KEEPTTL | ANY_EXPIRE;
  return KEEPTTL | PERSIST | (ANY_EXPIRE & ~flag);
}

/**
 * getExpireMillisecondsOrReply: the absolute expiry in ms for an EX/PX/EXAT/PXAT argument.
 * Throws "not an integer", or "invalid expire time" for values <= 0 and int64 overflow.
 */
function expireTime(client: Client, text: string, flags: number, command: string): number {
  const value = integerArgument(text);
  const seconds = (flags & (EX | EXAT)) !== 0;
  const now = (flags & (EX | PX)) !== 0 ? client.server.clock.ms : 0;
  if (typeof value === 'number') {
    if (value <= 0) throw new ReplyError(Err.invalidExpire(command));
    const ms = (seconds ? value * 1000 : value) + now;
    if (ms <= Number.MAX_SAFE_INTEGER) return ms;
  }
  const big = BigInt(value);
  if (big <= 0n || (seconds && big > INT64_MAX / 1000n)) throw new ReplyError(Err.invalidExpire(command));
  const ms = (seconds ? big * 1000n : big) + BigInt(now);
  if (ms > INT64_MAX) throw new ReplyError(Err.invalidExpire(command));
  return Number(ms);
}

/** Redis's shared replies SETNX uses instead of +OK / null. */
const enum Outcome {
  Ok,
  One,
}

/**
 * setGenericCommand: the expire is validated first, then GET replies the old value, then NX/XX
 * decide, then the key is stored (TTL cleared unless KEEPTTL) and the expiry set.
 */
function setGeneric(
  client: Client,
  key: string,
  value: string,
  flags: number,
  expire: string | null,
  command: string,
  outcome: Outcome,
): void {
  const at = expire === null ? 0 : expireTime(client, expire, flags, command);
  if ((flags & GET) !== 0 && !replyValue(client, key)) return;
  const db = client.db;
  const found = db.lookup(key) !== undefined;
  if (((flags & NX) !== 0 && found) || ((flags & XX) !== 0 && !found)) {
    if ((flags & GET) === 0) {
      if (outcome === Outcome.One) client.integer(0);
      else client.nullBulk();
    }
    return;
  }
  const entry = db.set(key, ValueType.String, value, (flags & KEEPTTL) !== 0);
  client.server.dirty++;
  notify(client, NotifyFlag.string, 'set', key);
  if (expire !== null) {
    db.setExpiry(entry, at);
    notify(client, NotifyFlag.generic, 'expire', key);
  }
  if ((flags & GET) === 0) {
    if (outcome === Outcome.One) client.integer(1);
    else client.ok();
  }
}

function set(client: Client, argv: string[]): void {
  if (argv.length === 3) {
    client.db.set(argv[1]!, ValueType.String, argv[2]!);
    client.server.dirty++;
    notify(client, NotifyFlag.string, 'set', argv[1]!);
    client.ok();
    return;
  }
  const options = parseStringOptions(client, argv, 3, true);
  if (options !== null) setGeneric(client, argv[1]!, argv[2]!, options.flags, options.expire, 'set', Outcome.Ok);
}

function setnx(client: Client, argv: string[]): void {
  setGeneric(client, argv[1]!, argv[2]!, NX, null, 'setnx', Outcome.One);
}

function setex(client: Client, argv: string[]): void {
  setGeneric(client, argv[1]!, argv[3]!, EX, argv[2]!, 'setex', Outcome.Ok);
}

function psetex(client: Client, argv: string[]): void {
  setGeneric(client, argv[1]!, argv[3]!, PX, argv[2]!, 'psetex', Outcome.Ok);
}

function getex(client: Client, argv: string[]): void {
  const options = parseStringOptions(client, argv, 2, false);
  if (options === null) return;
  const key = argv[1]!;
  const entry = lookupRead(client, key);
  if (entry === undefined) {
    client.nullBulk();
    return;
  }
  if (entry.type !== ValueType.String) {
    client.error(Err.wrongType);
    return;
  }
  const { flags, expire } = options;
  const at = expire === null ? 0 : expireTime(client, expire, flags, 'getex');
  client.bulk(entry.value as string);
  const db = client.db;
  if ((flags & (EXAT | PXAT)) !== 0 && at <= client.server.clock.ms) {
    // An absolute time already past deletes the key right away.
    db.remove(entry);
    notify(client, NotifyFlag.generic, 'del', key);
    client.server.dirty++;
  } else if (expire !== null) {
    db.setExpiry(entry, at);
    notify(client, NotifyFlag.generic, 'expire', key);
    client.server.dirty++;
  } else if ((flags & PERSIST) !== 0 && db.clearExpiry(entry)) {
    notify(client, NotifyFlag.generic, 'persist', key);
    client.server.dirty++;
  }
}

function getdel(client: Client, argv: string[]): void {
  const key = argv[1]!;
  if (!replyValue(client, key)) return;
  if (client.db.delete(key)) {
    notify(client, NotifyFlag.generic, 'del', key);
    client.server.dirty++;
  }
}

function getset(client: Client, argv: string[]): void {
  if (!replyValue(client, argv[1]!)) return;
  client.db.set(argv[1]!, ValueType.String, argv[2]!);
  notify(client, NotifyFlag.string, 'set', argv[1]!);
  client.server.dirty++;
}

function mget(client: Client, argv: string[]): void {
  client.arrayLength(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const entry = lookupRead(client, argv[i]!);
    if (entry === undefined || entry.type !== ValueType.String) client.nullBulk();
    else client.bulk(entry.value as string);
  }
}

function mset(client: Client, argv: string[]): void {
  if (argv.length % 2 === 0) {
    client.error(Err.arity('mset'));
    return;
  }
  storeAll(client, argv);
  client.ok();
}

/** MSET / MSETNX: every key-value pair, one "set" event each. */
function storeAll(client: Client, argv: string[]): void {
  const db = client.db;
  for (let i = 1; i < argv.length; i += 2) {
    db.set(argv[i]!, ValueType.String, argv[i + 1]!);
    notify(client, NotifyFlag.string, 'set', argv[i]!);
  }
  client.server.dirty += (argv.length - 1) / 2;
}

function msetnx(client: Client, argv: string[]): void {
  if (argv.length % 2 === 0) {
    client.error(Err.arity('msetnx'));
    return;
  }
  const db = client.db;
  for (let i = 1; i < argv.length; i += 2) {
    if (db.lookup(argv[i]!) !== undefined) {
      client.integer(0);
      return;
    }
  }
  storeAll(client, argv);
  client.integer(1);
}

// ---------------------------------------------------------------------------------------------
// Counters

/** incrDecrCommand: the stored integer (0 when missing) plus increment, TTL kept. */
function incrementBy(client: Client, key: string, increment: Int64): void {
  const entry = client.db.lookup(key);
  let current: Int64 = 0;
  if (entry !== undefined) {
    if (entry.type !== ValueType.String) {
      client.error(Err.wrongType);
      return;
    }
    const parsed = parseInt64(entry.value as string);
    if (parsed === null) {
      client.error(Err.notInteger);
      return;
    }
    current = parsed;
  }
  const sum = addInt64(current, increment);
  if (sum === null) {
    client.error(Err.overflow);
    return;
  }
  overwriteString(client, key, entry, String(sum), StringForm.Encoded);
  notify(client, NotifyFlag.string, 'incrby', key);
  client.server.dirty++;
  client.integer(sum);
}

function incr(client: Client, argv: string[]): void {
  incrementBy(client, argv[1]!, 1);
}

function decr(client: Client, argv: string[]): void {
  incrementBy(client, argv[1]!, -1);
}

function incrby(client: Client, argv: string[]): void {
  incrementBy(client, argv[1]!, integerArgument(argv[2]!));
}

function decrby(client: Client, argv: string[]): void {
  const decrement = negateInt64(integerArgument(argv[2]!));
  if (decrement === null) client.error('ERR decrement would overflow');
  else incrementBy(client, argv[1]!, decrement);
}

/** INCRBYFLOAT in x87 long double arithmetic (types/long-double.ts); the TTL is kept. */
function incrbyfloat(client: Client, argv: string[]): void {
  const key = argv[1]!;
  const entry = client.db.lookup(key);
  if (entry !== undefined && entry.type !== ValueType.String) {
    client.error(Err.wrongType);
    return;
  }
  const current = entry === undefined ? LONG_DOUBLE_ZERO : parseLongDouble(entry.value as string);
  const increment = current === null ? null : parseLongDouble(argv[2]!);
  if (current === null || increment === null) {
    client.error(Err.notFloat);
    return;
  }
  const sum = addLongDouble(current, increment);
  if (sum === null) {
    client.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const text = formatLongDouble(sum);
  overwriteString(client, key, entry, text, StringForm.NotInt);
  notify(client, NotifyFlag.string, 'incrbyfloat', key);
  client.server.dirty++;
  client.bulk(text);
}

// ---------------------------------------------------------------------------------------------
// Lengths and ranges

function append(client: Client, argv: string[]): void {
  const key = argv[1]!;
  const suffix = argv[2]!;
  const entry = client.db.lookup(key);
  let length: number;
  if (entry === undefined) {
    client.db.set(key, ValueType.String, suffix);
    length = suffix.length;
  } else {
    if (entry.type !== ValueType.String) {
      client.error(Err.wrongType);
      return;
    }
    const value = entry.value as string;
    if (rejectOversized(client, value.length + suffix.length)) return;
    storeEditedString(client, key, entry, value + suffix);
    length = value.length + suffix.length;
  }
  notify(client, NotifyFlag.string, 'append', key);
  client.server.dirty++;
  client.integer(length);
}

function strlen(client: Client, argv: string[]): void {
  const entry = lookupRead(client, argv[1]!);
  if (entry === undefined) client.integer(0);
  else if (entry.type !== ValueType.String) client.error(Err.wrongType);
  else client.integer((entry.value as string).length);
}

/** GETRANGE / SUBSTR: inclusive byte range, negative indexes from the end, clamped. */
function getrange(client: Client, argv: string[]): void {
  let start = rangeArgument(argv[2]!);
  let end = rangeArgument(argv[3]!);
  const entry = lookupRead(client, argv[1]!);
  if (entry === undefined) {
    client.bulk('');
    return;
  }
  if (entry.type !== ValueType.String) {
    client.error(Err.wrongType);
    return;
  }
  const value = entry.value as string;
  const length = value.length;
  if (start < 0 && end < 0 && start > end) {
    client.bulk('');
    return;
  }
  if (start < 0) start = Math.max(0, length + start);
  if (end < 0) end = Math.max(0, length + end);
  if (end >= length) end = length - 1;
  client.bulk(start > end || length === 0 ? '' : value.slice(start, end + 1));
}

function setrange(client: Client, argv: string[]): void {
  const offset = rangeArgument(argv[2]!);
  const patch = argv[3]!;
  if (offset < 0) {
    client.error('ERR offset is out of range');
    return;
  }
  const key = argv[1]!;
  const entry = client.db.lookup(key);
  if (entry !== undefined && entry.type !== ValueType.String) {
    client.error(Err.wrongType);
    return;
  }
  const value = entry === undefined ? '' : (entry.value as string);
  if (patch.length === 0) {
    // Setting nothing creates nothing and changes nothing.
    client.integer(value.length);
    return;
  }
  if (rejectOversized(client, offset + patch.length)) return;
  const padded = padTo(value, offset);
  const updated = padded.slice(0, offset) + patch + padded.slice(offset + patch.length);
  storeEditedString(client, key, entry, updated);
  notify(client, NotifyFlag.string, 'setrange', key);
  client.server.dirty++;
  client.integer(updated.length);
}

// ---------------------------------------------------------------------------------------------
// LCS

function lcs(client: Client, argv: string[]): void {
  const first = lookupRead(client, argv[1]!);
  const second = lookupRead(client, argv[2]!);
  if ((first !== undefined && first.type !== ValueType.String) || (second !== undefined && second.type !== ValueType.String)) {
    client.error('ERR The specified keys must contain string values');
    return;
  }
  let wantLength = false;
  let wantIndexes = false;
  let withMatchLength = false;
  let minMatchLength = 0;
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j]!.toUpperCase();
    if (option === 'IDX') wantIndexes = true;
    else if (option === 'LEN') wantLength = true;
    else if (option === 'WITHMATCHLEN') withMatchLength = true;
    else if (option === 'MINMATCHLEN' && j + 1 < argv.length) {
      minMatchLength = Math.max(0, rangeArgument(argv[++j]!));
    } else {
      client.error(Err.syntax);
      return;
    }
  }
  if (wantLength && wantIndexes) {
    client.error('ERR If you want both the length and indexes, please just use IDX.');
    return;
  }
  const a = first === undefined ? '' : (first.value as string);
  const b = second === undefined ? '' : (second.value as string);
  if (lcsTableBytes(a, b) > client.server.parserLimits.maxBulkLength) {
    client.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  const result = longestCommonSubsequence(a, b, wantIndexes || !wantLength, minMatchLength);
  if (wantIndexes) {
    client.mapLength(2);
    client.bulk('matches');
    client.arrayLength(result.matches.length);
    for (const match of result.matches) {
      client.arrayLength(withMatchLength ? 3 : 2);
      client.arrayLength(2);
      client.integer(match.aStart);
      client.integer(match.aEnd);
      client.arrayLength(2);
      client.integer(match.bStart);
      client.integer(match.bEnd);
      if (withMatchLength) client.integer(match.length);
    }
    client.bulk('len');
    client.integer(result.length);
  } else if (wantLength) client.integer(result.length);
  else client.bulk(result.text);
}

export const stringCommands: CommandFamily = {
  handlers: {
    get,
    set,
    setnx,
    setex,
    psetex,
    getex,
    getdel,
    getset,
    mget,
    mset,
    msetnx,
    incr,
    decr,
    incrby,
    decrby,
    incrbyfloat,
    append,
    strlen,
    getrange,
    substr: getrange,
    setrange,
    lcs,
  },
};
