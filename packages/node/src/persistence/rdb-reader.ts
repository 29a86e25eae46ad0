import { ValueType } from '../keyspace/entry.js';
import { RedisHash } from '../types/hash.js';
import { List } from '../types/list.js';
import { setOf, type RedisSet } from '../types/set.js';
import { Stream, type StreamEntry } from '../types/stream.js';
import { idFromBigInts, idFromNumbers, idMs, idSeq, MIN_ID, type StreamId } from '../types/stream-id.js';
import { strtod } from '../types/strtod.js';
import { SortedSet } from '../types/zset.js';
import { ByteReader, FormatError, narrow } from './bytes.js';
import { Crc64 } from './crc64.js';
import { decodeIntset } from './intset.js';
import { decodeListpack, elementText, type ListpackElement } from './listpack.js';
import { lzfDecompress } from './lzf.js';
import {
  isObjectType,
  ModuleOpcode,
  QUICKLIST_PACKED,
  QUICKLIST_PLAIN,
  RDB_VERSION,
  RdbOpcode,
  RdbStringEncoding,
  RdbType,
  STREAM_ITEM_DELETED,
  STREAM_ITEM_SAME_FIELDS,
} from './rdb-format.js';
import { decodeZiplist } from './ziplist.js';
import { decodeZipmap } from './zipmap.js';

/**
 * Reads Redis RDB files (versions 1 … 10) and DUMP payloads: every encoding Redis 7.0 writes
 * or still loads (rdb.c's rdbLoadObject), turned into tsredis values with the encoding Redis
 * would give them after loading under the same configuration.
 */

/** The encoding thresholds of the loading server (they decide listpack vs hashtable…). */
export interface ValueLimits {
  hashMaxEntries: number;
  hashMaxValue: number;
  setMaxIntsetEntries: number;
  zsetMaxEntries: number;
  zsetMaxValue: number;
}

/** A decoded value. */
export interface RdbValue {
  type: ValueType;
  value: unknown;
}

/** One key read from a file, with what the opcodes before it said. */
export interface RdbKey extends RdbValue {
  key: string;
  /** Absolute expiry in ms, 0 when none. */
  expireAt: number;
  /** RDB_OPCODE_IDLE (seconds), -1 when absent. */
  idleSeconds: number;
  /** RDB_OPCODE_FREQ, -1 when absent. */
  frequency: number;
}

/** What the loader does with what it reads. */
export interface RdbLoadHandler {
  aux?(key: string, value: string): void;
  selectDb(index: number): void;
  resizeDb?(size: number, expires: number): void;
  key(record: RdbKey): void;
  functionLibrary?(code: string): void;
  /** A module value or module AUX data we cannot interpret was skipped. */
  skipped?(what: string): void;
}

export interface RdbLoadResult {
  version: number;
  /** Bytes consumed, footer included. */
  bytes: number;
  /** False when the file carried a zero checksum (written with rdbchecksum no). */
  checksumVerified: boolean;
}

/** Signals a checksum mismatch specifically (Redis: "Wrong RDB checksum"). */
export class ChecksumError extends FormatError {
  override name = 'ChecksumError';
}

/** A cursor over RDB bytes with the primitive decoders (lengths, strings, doubles). */
export class RdbReader {
  readonly input: ByteReader;

  constructor(
    buffer: Buffer,
    readonly limits: ValueLimits,
    start = 0,
    end = buffer.length,
  ) {
    this.input = new ByteReader(buffer, start, end);
  }

  /** rdbLoadLen as a bigint (64-bit lengths and stream IDs). */
  lengthBig(): bigint {
    const first = this.input.byte();
    const kind = first >>> 6;
    if (kind === 0) return BigInt(first & 0x3f);
    if (kind === 1) return BigInt(((first & 0x3f) << 8) | this.input.byte());
    if (first === 0x80) return BigInt(this.input.u32be());
    if (first === 0x81) return this.input.u64be();
    throw new FormatError(`unknown length encoding ${first}`);
  }

  /** rdbLoadLen for counts and sizes: a safe integer. */
  length(): number {
    const first = this.input.peek();
    if (first < 0x80) {
      this.input.byte();
      return first < 0x40 ? first : ((first & 0x3f) << 8) | this.input.byte();
    }
    const value = this.lengthBig();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError('length too large');
    return Number(value);
  }

  /** rdbGenericLoadStringObject: plain, integer-encoded or LZF-compressed, as a latin1 string. */
  string(): string {
    const first = this.input.peek();
    if (first >>> 6 !== 3) return this.input.latin1(this.length());
    this.input.byte();
    switch (first & 0x3f) {
      case RdbStringEncoding.Int8:
        return String(this.input.bytes(1).readInt8(0));
      case RdbStringEncoding.Int16:
        return String(this.input.bytes(2).readInt16LE(0));
      case RdbStringEncoding.Int32:
        return String(this.input.i32le());
      case RdbStringEncoding.Lzf:
        return this.lzf().toString('latin1');
      default:
        throw new FormatError(`unknown string encoding ${first & 0x3f}`);
    }
  }

  /** A string read as bytes (listpack, ziplist and intset blobs). */
  blob(): Buffer {
    const first = this.input.peek();
    if (first === 0xc0 + RdbStringEncoding.Lzf) {
      this.input.byte();
      return this.lzf();
    }
    if (first >>> 6 === 3) return Buffer.from(this.string(), 'latin1');
    return this.input.bytes(this.length());
  }

  private lzf(): Buffer {
    const compressedLength = this.length();
    const length = this.length();
    const out = lzfDecompress(this.input.bytes(compressedLength), length);
    if (out === null) throw new FormatError('Invalid LZF compressed string');
    return out;
  }

  /** rdbLoadDoubleValue (the text form of RDB_TYPE_ZSET). */
  textDouble(): number {
    const length = this.input.byte();
    if (length === 255) return -Infinity;
    if (length === 254) return Infinity;
    if (length === 253) return NaN;
    return parseScore(this.input.latin1(length));
  }

  milliseconds(): number {
    return Number(this.input.i64le());
  }

  /** A stream ID stored as two lengths (ms, seq). */
  streamId(): StreamId {
    return idFromBigInts(this.lengthBig(), this.lengthBig());
  }

  /** rdbLoadObject: a value of the given RDB type; null for an empty aggregate (skipped). */
  value(type: number): RdbValue | null {
    switch (type) {
      case RdbType.String:
        return { type: ValueType.String, value: this.string() };
      case RdbType.List:
        return this.listOf(this.strings(this.length()));
      case RdbType.Set:
        return this.setOf(this.strings(this.length()));
      case RdbType.ZSet:
      case RdbType.ZSet2:
        return this.zsetPairs(type === RdbType.ZSet2);
      case RdbType.Hash:
        return this.hashOf(this.strings(this.length() * 2), this.limits.hashMaxValue);
      case RdbType.HashZipmap:
        return this.hashOf(decodeZipmap(this.blob()).flat(), this.limits.hashMaxValue);
      case RdbType.ListZiplist:
        return this.listOf(decodeZiplist(this.blob()).map(elementText));
      case RdbType.SetIntset:
        return this.setOf(decodeIntset(this.blob()).map(String));
      case RdbType.ZSetZiplist:
        return this.zsetListpack(decodeZiplist(this.blob()));
      case RdbType.ZSetListpack:
        return this.zsetListpack(decodeListpack(this.blob()));
      case RdbType.HashZiplist:
        return this.hashOf(decodeZiplist(this.blob()).map(elementText), Number.MAX_SAFE_INTEGER);
      case RdbType.HashListpack:
        return this.hashOf(decodeListpack(this.blob()).map(elementText), Number.MAX_SAFE_INTEGER);
      case RdbType.ListQuicklist:
      case RdbType.ListQuicklist2:
        return this.quicklist(type === RdbType.ListQuicklist2);
      case RdbType.StreamListpacks:
      case RdbType.StreamListpacks2:
        return { type: ValueType.Stream, value: this.stream(type === RdbType.StreamListpacks2) };
      case RdbType.Module:
      case RdbType.Module2:
        throw new FormatError('The RDB file contains module data I can\'t load');
      default:
        throw new FormatError(`unknown RDB value type ${type}`);
    }
  }

  private strings(count: number): string[] {
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = this.string();
    return out;
  }

  private listOf(elements: string[]): RdbValue | null {
    return elements.length === 0 ? null : { type: ValueType.List, value: List.of(elements) };
  }

  /** Sets load as Redis builds them: an intset while members are integers and few enough. */
  private setOf(members: string[]): RdbValue | null {
    if (members.length === 0) return null;
    const set: RedisSet = setOf(members, this.limits.setMaxIntsetEntries);
    if (set.size !== members.length) throw new FormatError('Duplicate set members detected');
    return { type: ValueType.Set, value: set };
  }

  /** Hash pairs; `maxValue` is Infinity for listpack sources, which Redis keeps whatever their length. */
  private hashOf(flat: string[], maxValue: number): RdbValue | null {
    if (flat.length === 0) return null;
    if (flat.length % 2 !== 0) throw new FormatError('odd number of hash elements');
    const hash = new RedisHash();
    const limits = { maxEntries: this.limits.hashMaxEntries, maxValue };
    for (let i = 0; i < flat.length; i += 2) {
      if (!hash.set(flat[i]!, flat[i + 1]!, limits)) throw new FormatError('Duplicate hash fields detected');
    }
    return { type: ValueType.Hash, value: hash };
  }

  /** RDB_TYPE_ZSET(_2): a skiplist, turned into a listpack after loading when small enough. */
  private zsetPairs(binary: boolean): RdbValue | null {
    const count = this.length();
    if (count === 0) return null;
    const zset = new SortedSet('skiplist');
    let longest = 0;
    for (let i = 0; i < count; i++) {
      const member = this.string();
      const score = binary ? this.input.doubleLE() : this.textDouble();
      if (Number.isNaN(score)) throw new FormatError('Zset with NAN score detected');
      if (!zset.set(member, score)) throw new FormatError('Duplicate zset fields detected');
      if (member.length > longest) longest = member.length;
    }
    if (zset.size <= this.limits.zsetMaxEntries && longest <= this.limits.zsetMaxValue) zset.encoding = 'listpack';
    return { type: ValueType.ZSet, value: zset };
  }

  /** ZSET_LISTPACK / ZSET_ZIPLIST: member, score pairs; stays a listpack unless too many. */
  private zsetListpack(elements: ListpackElement[]): RdbValue | null {
    if (elements.length === 0) return null;
    if (elements.length % 2 !== 0) throw new FormatError('odd number of zset elements');
    const zset = new SortedSet(elements.length / 2 > this.limits.zsetMaxEntries ? 'skiplist' : 'listpack');
    for (let i = 0; i < elements.length; i += 2) {
      const score = elements[i + 1]!;
      const value = typeof score === 'string' ? parseScore(score) : Number(score);
      if (!zset.set(elementText(elements[i]!), value)) throw new FormatError('Duplicate zset fields detected');
    }
    return { type: ValueType.ZSet, value: zset };
  }

  /** QUICKLIST (ziplist nodes) and QUICKLIST_2 (listpack or plain nodes). */
  private quicklist(version2: boolean): RdbValue | null {
    const nodes = this.length();
    const list = new List();
    for (let n = 0; n < nodes; n++) {
      const container = version2 ? this.length() : QUICKLIST_PACKED;
      const blob = this.blob();
      if (blob.length === 0) throw new FormatError('empty quicklist node');
      if (container === QUICKLIST_PLAIN) {
        list.pushTail(blob.toString('latin1'));
        continue;
      }
      if (container !== QUICKLIST_PACKED) throw new FormatError('Quicklist integrity check failed');
      const elements = version2 ? decodeListpack(blob) : decodeZiplist(blob);
      for (const element of elements) list.pushTail(elementText(element));
    }
    return list.length === 0 ? null : { type: ValueType.List, value: list };
  }

  /** STREAM_LISTPACKS(_2): node listpacks, counters, consumer groups and their PELs. */
  private stream(version2: boolean): Stream {
    const stream = new Stream();
    const nodes = this.length();
    for (let n = 0; n < nodes; n++) {
      const master = this.string();
      if (master.length !== 16) throw new FormatError('Stream node key entry is not the size of a stream ID');
      const blob = this.blob();
      restoreStreamNode(stream, master, blob);
    }
    stream.length = this.length();
    stream.lastId = this.streamId();
    if (version2) {
      stream.firstId = this.streamId();
      stream.maxDeletedId = this.streamId();
      stream.entriesAdded = this.lengthBig();
    } else {
      stream.entriesAdded = BigInt(stream.length);
      stream.firstId = stream.length === 0 ? MIN_ID : stream.edgeId(true);
    }
    const groups = this.length();
    for (let g = 0; g < groups; g++) {
      const name = this.string();
      const lastId = this.streamId();
      const entriesRead = version2 ? BigInt.asIntN(64, this.lengthBig()) : stream.estimateEntriesRead(lastId);
      const group = stream.createGroup(name, lastId, entriesRead);
      if (group === null) throw new FormatError(`Duplicated consumer group name ${name}`);
      const pending = this.length();
      for (let p = 0; p < pending; p++) {
        const id = this.input.latin1(16);
        if (group.pel.get(id) !== undefined) throw new FormatError('Duplicated global PEL entry loading stream consumer group');
        const nack = group.createOrphanNack(id, this.milliseconds());
        nack.deliveryCount = this.lengthBig();
      }
      const consumers = this.length();
      for (let c = 0; c < consumers; c++) {
        const consumerName = this.string();
        const consumer = group.createConsumer(consumerName, 0);
        if (consumer === null) throw new FormatError('Duplicate stream consumer detected.');
        consumer.seenTime = this.milliseconds();
        const owned = this.length();
        for (let p = 0; p < owned; p++) {
          const nack = group.pel.get(this.input.latin1(16));
          if (nack === undefined) throw new FormatError('Consumer entry not found in group global PEL');
          group.transfer(nack, consumer);
        }
      }
    }
    return stream;
  }

  /** Skips a module value in the annotated form of RDB_TYPE_MODULE_2 / MODULE_AUX (opcode-tagged). */
  skipModuleValue(): void {
    for (;;) {
      const opcode = this.length();
      if (opcode === ModuleOpcode.Eof) return;
      if (opcode === ModuleOpcode.SInt || opcode === ModuleOpcode.UInt) this.lengthBig();
      else if (opcode === ModuleOpcode.Float) this.input.skip(4);
      else if (opcode === ModuleOpcode.Double) this.input.skip(8);
      else if (opcode === ModuleOpcode.String) this.blob();
      else throw new FormatError(`unknown module opcode ${opcode}`);
    }
  }
}

/** A stored score as Redis reads it back (strtod / sscanf "%lg"). */
function parseScore(text: string): number {
  const parsed = strtod(text);
  if (parsed.end === 0) throw new FormatError('bad double value');
  return parsed.value;
}

function integerOf(element: ListpackElement | undefined): number {
  if (typeof element !== 'number') throw new FormatError('Stream listpack integrity check failed');
  return element;
}

/** master ID half + stored delta, modulo 2^64 like Redis's unsigned arithmetic. */
function addHalf(base: number | bigint, delta: ListpackElement | undefined): number | bigint {
  if (typeof delta === 'string' || delta === undefined) throw new FormatError('Stream listpack integrity check failed');
  if (typeof base === 'number' && typeof delta === 'number') {
    const sum = base + delta;
    if (sum >= 0 && sum <= Number.MAX_SAFE_INTEGER) return sum;
  }
  return narrow(BigInt.asUintN(64, BigInt(base) + BigInt(delta)));
}

/** One node listpack (t_stream.c layout) turned back into entries. */
function restoreStreamNode(stream: Stream, master: StreamId, blob: Buffer): void {
  const elements = decodeListpack(blob);
  if (elements.length === 0) throw new FormatError('Empty listpack inside stream');
  let at = 2; // live and deleted counts: recomputed from the flags
  const masterCount = integerOf(elements[at++]);
  const masterFields: string[] = [];
  for (let i = 0; i < masterCount; i++) masterFields.push(elementText(elements[at++]!));
  if (elements[at++] !== 0) throw new FormatError('Stream listpack integrity check failed');
  const masterMs = idMs(master);
  const masterSeq = idSeq(master);
  const entries: StreamEntry[] = [];
  while (at < elements.length) {
    const flags = integerOf(elements[at++]);
    const ms = addHalf(masterMs, elements[at++]);
    const seq = addHalf(masterSeq, elements[at++]);
    const fields: string[] = [];
    if ((flags & STREAM_ITEM_SAME_FIELDS) !== 0) {
      for (const field of masterFields) fields.push(field, elementText(elements[at++]!));
    } else {
      const count = integerOf(elements[at++]);
      for (let i = 0; i < count * 2; i++) fields.push(elementText(elements[at++]!));
    }
    at++; // lp-count, for walking backwards
    if (at > elements.length) throw new FormatError('Stream listpack integrity check failed');
    const id =
      typeof ms === 'number' && typeof seq === 'number' ? idFromNumbers(ms, seq) : idFromBigInts(BigInt(ms), BigInt(seq));
    entries.push({ id, fields, deleted: (flags & STREAM_ITEM_DELETED) !== 0 });
  }
  stream.restoreNode(master, masterFields, entries, blob.length);
}

/**
 * Reads a whole RDB file from a buffer, handing each piece to `handler`. Verifies the CRC-64
 * footer unless it is zero or `verifyChecksum` is off. Throws FormatError on corruption.
 */
export function readRdb(
  buffer: Buffer,
  limits: ValueLimits,
  handler: RdbLoadHandler,
  verifyChecksum = true,
): RdbLoadResult {
  const steps = rdbSteps(buffer, limits, handler, verifyChecksum);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * The same load one key at a time: yields the offset reached after each key, so a caller can
 * stop between keys to serve clients (loading in time slices) and report progress in bytes.
 */
export function* rdbSteps(
  buffer: Buffer,
  limits: ValueLimits,
  handler: RdbLoadHandler,
  verifyChecksum = true,
): Generator<number, RdbLoadResult, void> {
  const reader = new RdbReader(buffer, limits);
  const input = reader.input;
  const magic = input.latin1(9);
  if (!magic.startsWith('REDIS')) throw new FormatError('Wrong signature trying to load DB from file');
  const version = Number.parseInt(magic.slice(5), 10);
  if (!(version >= 1 && version <= RDB_VERSION)) throw new FormatError(`Can't handle RDB format version ${magic.slice(5)}`);
  let expireAt = 0;
  let idleSeconds = -1;
  let frequency = -1;
  for (;;) {
    const type = input.byte();
    switch (type) {
      case RdbOpcode.ExpireTime:
        expireAt = input.i32le() * 1000;
        continue;
      case RdbOpcode.ExpireTimeMs:
        expireAt = reader.milliseconds();
        continue;
      case RdbOpcode.Freq:
        frequency = input.byte();
        continue;
      case RdbOpcode.Idle:
        idleSeconds = reader.length();
        continue;
      case RdbOpcode.SelectDb:
        handler.selectDb(reader.length());
        continue;
      case RdbOpcode.ResizeDb: {
        const size = reader.length();
        const expires = reader.length();
        handler.resizeDb?.(size, expires);
        continue;
      }
      case RdbOpcode.Aux: {
        const key = reader.string();
        const value = reader.string();
        handler.aux?.(key, value);
        continue;
      }
      case RdbOpcode.ModuleAux: {
        reader.lengthBig(); // module id
        if (reader.length() !== ModuleOpcode.UInt) throw new FormatError('bad when_opcode');
        reader.length(); // when
        reader.skipModuleValue();
        handler.skipped?.('module AUX data');
        continue;
      }
      case RdbOpcode.Function2: {
        const code = reader.string();
        handler.functionLibrary?.(code);
        continue;
      }
      case RdbOpcode.FunctionPreGa: {
        const name = reader.string();
        const engine = reader.string();
        if (reader.length() !== 0) reader.string(); // description
        const code = reader.string();
        handler.functionLibrary?.(`#!${engine} name=${name}\n${code}`);
        continue;
      }
      case RdbOpcode.Eof:
        break;
      default: {
        if (!isObjectType(type)) throw new FormatError(`unknown RDB opcode ${type}`);
        const key = reader.string();
        if (type === RdbType.Module2) {
          reader.lengthBig(); // module id
          reader.skipModuleValue();
          handler.skipped?.(`module value of key '${key}'`);
        } else {
          const loaded = reader.value(type);
          if (loaded !== null) handler.key({ key, type: loaded.type, value: loaded.value, expireAt, idleSeconds, frequency });
          else handler.skipped?.(`empty key '${key}'`);
        }
        expireAt = 0;
        idleSeconds = -1;
        frequency = -1;
        yield input.position;
        continue;
      }
    }
    break;
  }
  const body = input.position;
  let checksumVerified = false;
  if (version >= 5) {
    const stored = input.bytes(8);
    const zero = stored.every((byte) => byte === 0);
    if (verifyChecksum && !zero) {
      const computed = new Crc64().update(buffer, 0, body).littleEndian();
      if (!computed.equals(stored)) throw new ChecksumError('RDB CRC error');
      checksumVerified = true;
    }
  }
  return { version, bytes: input.position, checksumVerified };
}

/** Why a DUMP payload was refused (RESTORE's two errors). */
export type PayloadError = 'checksum' | 'format';

/**
 * A DUMP payload's value (verifyDumpPayload + rdbLoadObject), or the reason it is refused:
 * 'checksum' for a bad footer or newer RDB version, 'format' for undecodable contents.
 */
export function readDumpPayload(payload: Buffer, limits: ValueLimits, verifyChecksum = true): RdbValue | PayloadError {
  const length = payload.length;
  if (length < 10) return 'checksum';
  const version = payload[length - 10]! | (payload[length - 9]! << 8);
  if (version > RDB_VERSION) return 'checksum';
  if (verifyChecksum) {
    const crc = new Crc64().update(payload, 0, length - 8).littleEndian();
    if (!crc.equals(payload.subarray(length - 8))) return 'checksum';
  }
  const reader = new RdbReader(payload, limits, 0, length - 10);
  try {
    const type = reader.input.byte();
    if (!isObjectType(type)) return 'format';
    const value = reader.value(type);
    return value ?? 'format';
  } catch (error) {
    if (error instanceof FormatError || error instanceof RangeError) return 'format';
    throw error;
  }
}
