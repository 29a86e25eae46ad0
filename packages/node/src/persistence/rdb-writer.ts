import { ValueType } from '../keyspace/entry.js';
import { formatDouble17g } from '../protocol/format.js';
import type { RedisHash } from '../types/hash.js';
import { parseInt64, type Int64 } from '../types/int64.js';
import type { List } from '../types/list.js';
import type { RedisSet } from '../types/set.js';
import type { Stream, StreamNodeView } from '../types/stream.js';
import { halfDelta, idMs, idSeq, type StreamId } from '../types/stream-id.js';
import type { SortedSet } from '../types/zset.js';
import { ByteWriter } from './bytes.js';
import { Crc64 } from './crc64.js';
import { encodeIntset } from './intset.js';
import { ListpackBuilder } from './listpack.js';
import { lzfCompress } from './lzf.js';
import {
  QUICKLIST_PACKED,
  RDB_REDIS_VERSION,
  RDB_VERSION,
  RdbOpcode,
  RdbStringEncoding,
  RdbType,
  STREAM_ITEM_DELETED,
  STREAM_ITEM_SAME_FIELDS,
} from './rdb-format.js';

/**
 * Writes Redis RDB version 10 (rdb.c's rdbSave* functions): the file frame (magic, AUX fields,
 * SELECTDB/RESIZEDB, per-key EXPIRETIME_MS/IDLE/FREQ, EOF, CRC-64) and each value in the
 * encoding Redis 7.0 itself would pick for it, so `redis-check-rdb` and a real Redis load it and
 * OBJECT ENCODING answers the same on both sides.
 */

export interface RdbWriterOptions {
  /** rdbcompression: LZF-compress strings longer than 20 bytes when that saves 4+ bytes. */
  compression: boolean;
  /** list-max-listpack-size: how big each quicklist node may grow. */
  listNodeSize: number;
}

/** AUX fields of a file header (rdbSaveInfoAuxFields). */
export interface RdbHeaderInfo {
  usedMemory: number;
  /** The file is the base of a multi-part AOF (aof-base 1). */
  aofBase: boolean;
  /** Replication info: written only when given (replica full sync). */
  replication?: { streamDb: number; replicationId: string; offset: number };
}

/** Per-key access data written before the value when the eviction policy keeps it. */
export interface KeyAccess {
  /** Seconds since the last access (LRU policies). */
  idleSeconds?: number;
  /** The LFU counter (LFU policies). */
  frequency?: number;
}

/** Largest quicklist node when list-max-listpack-size is a count (SIZE_SAFETY_LIMIT). */
const NODE_SAFETY_BYTES = 8192;
/** quicklist's per-entry overhead estimate when deciding whether an entry fits a node. */
const NODE_ENTRY_OVERHEAD = 8;
/** Node byte limits for list-max-listpack-size -1 … -5. */
const NODE_BYTE_LIMITS = [4096, 8192, 16384, 32768, 65536];

/** The integer an RDB string may be stored as: canonical text of a 32-bit value. */
function rdbInteger(text: string): number | null {
  if (text.length > 11) return null;
  const value = parseInt64(text);
  return typeof value === 'number' && value >= -2147483648 && value <= 2147483647 ? value : null;
}

/** d2string: how a score is written into a listpack (integers in ±2^62 without exponent). */
export function scoreText(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) <= 4611686018427387903 && !Object.is(score, -0)) {
    return Math.abs(score) < Number.MAX_SAFE_INTEGER ? String(score) : BigInt(score).toString();
  }
  return formatDouble17g(score);
}

/** Encodes RDB pieces into a growing buffer; the caller takes the bytes out when it likes. */
export class RdbEncoder {
  readonly out = new ByteWriter(1 << 16);

  constructor(readonly options: RdbWriterOptions) {}

  /** rdbSaveLen. */
  length(length: number | bigint): void {
    const out = this.out;
    const value = typeof length === 'bigint' && length <= 0xffffffffn && length >= 0n ? Number(length) : length;
    if (typeof value === 'number' && value < 64) {
      out.byte(value);
    } else if (typeof value === 'number' && value < 16384) {
      out.byte(0x40 | (value >>> 8));
      out.byte(value & 0xff);
    } else if (typeof value === 'number' && value <= 0xffffffff) {
      out.byte(0x80);
      out.u32be(value);
    } else {
      out.byte(0x81);
      out.u64be(BigInt.asUintN(64, BigInt(value)));
    }
  }

  /** rdbSaveRawString: as an integer when it is one, LZF when it pays, else verbatim. */
  string(text: string): void {
    const integer = rdbInteger(text);
    if (integer !== null) {
      this.integerString(integer);
      return;
    }
    if (this.options.compression && text.length > 20 && this.compressed(Buffer.from(text, 'latin1'))) return;
    this.length(text.length);
    this.out.latin1(text);
  }

  /** A binary blob (listpack, intset) saved as a string: never an integer, LZF when it pays. */
  blob(data: Buffer): void {
    if (this.options.compression && data.length > 20 && this.compressed(data)) return;
    this.length(data.length);
    this.out.bytes(data);
  }

  private integerString(value: number): void {
    const out = this.out;
    if (value >= -128 && value <= 127) {
      out.byte(0xc0 | RdbStringEncoding.Int8);
      out.byte(value & 0xff);
    } else if (value >= -32768 && value <= 32767) {
      out.byte(0xc0 | RdbStringEncoding.Int16);
      out.u16le(value & 0xffff);
    } else {
      out.byte(0xc0 | RdbStringEncoding.Int32);
      out.u32le(value >>> 0);
    }
  }

  /** rdbSaveLzfStringObject: worth it only when at least 4 bytes are saved. */
  private compressed(data: Buffer): boolean {
    const packed = lzfCompress(data, data.length - 4);
    if (packed === null) return false;
    this.out.byte(0xc0 | RdbStringEncoding.Lzf);
    this.length(packed.length);
    this.length(data.length);
    this.out.bytes(packed);
    return true;
  }

  /** rdbSaveMillisecondTime: int64 little-endian. */
  milliseconds(ms: number): void {
    this.out.i64le(ms);
  }

  // -- file frame ------------------------------------------------------------------------------

  /** "REDIS0010" and the AUX fields Redis writes first. */
  header(info: RdbHeaderInfo, nowMs: number): void {
    this.out.latin1(`REDIS${String(RDB_VERSION).padStart(4, '0')}`);
    this.aux('redis-ver', RDB_REDIS_VERSION);
    this.aux('redis-bits', '64');
    this.aux('ctime', String(Math.floor(nowMs / 1000)));
    this.aux('used-mem', String(info.usedMemory));
    if (info.replication !== undefined) {
      this.aux('repl-stream-db', String(info.replication.streamDb));
      this.aux('repl-id', info.replication.replicationId);
      this.aux('repl-offset', String(info.replication.offset));
    }
    this.aux('aof-base', info.aofBase ? '1' : '0');
  }

  aux(key: string, value: string): void {
    this.out.byte(RdbOpcode.Aux);
    this.string(key);
    this.string(value);
  }

  /** A function library (RDB_OPCODE_FUNCTION2): its code, "#!lua name=…" first line included. */
  functionLibrary(code: string): void {
    this.out.byte(RdbOpcode.Function2);
    this.string(code);
  }

  /** SELECTDB and RESIZEDB before the keys of a database. */
  database(index: number, size: number, expires: number): void {
    this.out.byte(RdbOpcode.SelectDb);
    this.length(index);
    this.out.byte(RdbOpcode.ResizeDb);
    this.length(size);
    this.length(expires);
  }

  /** rdbSaveKeyValuePair: expiry, access data, type, key, value. */
  keyValue(key: string, type: ValueType, value: unknown, expireAt: number, access?: KeyAccess): void {
    if (expireAt !== 0) {
      this.out.byte(RdbOpcode.ExpireTimeMs);
      this.milliseconds(expireAt);
    }
    if (access?.idleSeconds !== undefined) {
      this.out.byte(RdbOpcode.Idle);
      this.length(access.idleSeconds);
    }
    if (access?.frequency !== undefined) {
      this.out.byte(RdbOpcode.Freq);
      this.out.byte(access.frequency);
    }
    this.out.byte(rdbTypeOf(type, value));
    this.string(key);
    this.value(type, value);
  }

  /** rdbSaveObject: the value in the encoding rdbTypeOf named. */
  value(type: ValueType, value: unknown): void {
    switch (type) {
      case ValueType.String:
        this.string(value as string);
        return;
      case ValueType.List:
        this.list(value as List);
        return;
      case ValueType.Set:
        this.set(value as RedisSet);
        return;
      case ValueType.ZSet:
        this.zset(value as SortedSet);
        return;
      case ValueType.Hash:
        this.hash(value as RedisHash);
        return;
      case ValueType.Stream:
        this.stream(value as Stream);
        return;
    }
  }

  /** QUICKLIST_2: nodes cut as list-max-listpack-size would cut them, each a packed listpack. */
  private list(list: List): void {
    const nodes: Buffer[] = [];
    const fill = this.options.listNodeSize;
    const byteLimit = fill < 0 ? NODE_BYTE_LIMITS[Math.min(-fill, NODE_BYTE_LIMITS.length) - 1]! : NODE_SAFETY_BYTES;
    let node = new ListpackBuilder();
    for (let i = 0; i < list.length; i++) {
      const element = list.at(i);
      const full =
        node.size > 0 &&
        (node.bytes + element.length + NODE_ENTRY_OVERHEAD > byteLimit || (fill > 0 && node.size >= fill));
      if (full) {
        nodes.push(node.finish());
        node = new ListpackBuilder();
      }
      node.string(element);
    }
    if (node.size > 0) nodes.push(node.finish());
    this.length(nodes.length);
    for (const blob of nodes) {
      this.length(QUICKLIST_PACKED);
      this.blob(blob);
    }
  }

  private set(set: RedisSet): void {
    const members = set.toArray();
    if (set.encoding === 'intset') {
      this.blob(encodeIntset(members.map((member) => parseInt64(member) as Int64)));
      return;
    }
    this.length(members.length);
    for (const member of members) this.string(member);
  }

  private zset(zset: SortedSet): void {
    if (zset.encoding === 'listpack') {
      const listpack = new ListpackBuilder();
      for (let node = zset.first; node !== null; node = node.next[0]!) {
        listpack.string(node.member);
        listpack.string(scoreText(node.score));
      }
      this.blob(listpack.finish());
      return;
    }
    // Highest first, as Redis writes them (each load then inserts at the head).
    this.length(zset.size);
    for (let node = zset.last; node !== null; node = node.prev) {
      this.string(node.member);
      this.out.doubleLE(node.score);
    }
  }

  private hash(hash: RedisHash): void {
    if (hash.encoding === 'listpack') {
      const listpack = new ListpackBuilder();
      for (let i = 0; i < hash.size; i++) listpack.string(hash.fieldAt(i)).string(hash.valueAt(i));
      this.blob(listpack.finish());
      return;
    }
    this.length(hash.size);
    for (let i = 0; i < hash.size; i++) {
      this.string(hash.fieldAt(i));
      this.string(hash.valueAt(i));
    }
  }

  /** STREAM_LISTPACKS_2: node listpacks, counters, then consumer groups with their PELs. */
  private stream(stream: Stream): void {
    const nodes = stream.nodeViews();
    this.length(nodes.length);
    for (const node of nodes) {
      this.string(node.master);
      this.blob(streamNodeListpack(node));
    }
    this.length(stream.length);
    this.streamId(stream.lastId);
    this.streamId(stream.firstId);
    this.streamId(stream.maxDeletedId);
    this.length(stream.entriesAdded);
    const groups = stream.sortedGroups();
    this.length(groups.length);
    for (const group of groups) {
      this.string(group.name);
      this.streamId(group.lastId);
      this.length(group.entriesRead);
      const pending = group.pel.values();
      this.length(pending.length);
      for (const nack of pending) {
        this.out.latin1(nack.id);
        this.milliseconds(nack.deliveryTime);
        this.length(nack.deliveryCount);
      }
      const consumers = group.sortedConsumers();
      this.length(consumers.length);
      for (const consumer of consumers) {
        this.string(consumer.name);
        this.milliseconds(consumer.seenTime);
        const owned = consumer.pel.values();
        this.length(owned.length);
        for (const nack of owned) this.out.latin1(nack.id);
      }
    }
  }

  private streamId(id: StreamId): void {
    this.length(idMs(id));
    this.length(idSeq(id));
  }
}

/** The RDB type byte Redis 7.0 writes for a value (rdbSaveObjectType). */
export function rdbTypeOf(type: ValueType, value: unknown): RdbType {
  switch (type) {
    case ValueType.String:
      return RdbType.String;
    case ValueType.List:
      return RdbType.ListQuicklist2;
    case ValueType.Set:
      return (value as RedisSet).encoding === 'intset' ? RdbType.SetIntset : RdbType.Set;
    case ValueType.ZSet:
      return (value as SortedSet).encoding === 'listpack' ? RdbType.ZSetListpack : RdbType.ZSet2;
    case ValueType.Hash:
      return (value as RedisHash).encoding === 'listpack' ? RdbType.HashListpack : RdbType.Hash;
    case ValueType.Stream:
      return RdbType.StreamListpacks2;
  }
}

/** A stream node as the listpack streamAppendItem builds: master entry, then the entries. */
function streamNodeListpack(node: StreamNodeView): Buffer {
  const listpack = new ListpackBuilder();
  const masterFields = node.masterFields;
  listpack.integer(node.live).integer(node.deletedCount).integer(masterFields.length);
  for (const field of masterFields) listpack.string(field);
  listpack.integer(0);
  const masterMs = idMs(node.master);
  const masterSeq = idSeq(node.master);
  for (const entry of node.entries) {
    const fields = entry.fields;
    const count = fields.length / 2;
    const sameFields = hasFieldNames(fields, masterFields);
    let flags = sameFields ? STREAM_ITEM_SAME_FIELDS : 0;
    if (entry.deleted) flags |= STREAM_ITEM_DELETED;
    listpack.integer(flags);
    listpack.integer(halfDelta(idMs(entry.id), masterMs));
    listpack.integer(halfDelta(idSeq(entry.id), masterSeq));
    if (!sameFields) listpack.integer(count);
    for (let i = 0; i < fields.length; i += 2) {
      if (!sameFields) listpack.string(fields[i]!);
      listpack.string(fields[i + 1]!);
    }
    listpack.integer(sameFields ? count + 3 : count * 2 + 4);
  }
  return listpack.finish();
}

function hasFieldNames(fields: readonly string[], names: readonly string[]): boolean {
  if (fields.length !== names.length * 2) return false;
  for (let i = 0; i < names.length; i++) if (fields[i * 2] !== names[i]) return false;
  return true;
}

/**
 * A whole RDB stream produced in pieces: `take()` hands out what has been encoded so far with
 * the running checksum updated, `finish()` adds EOF and the CRC-64 (zero when `checksum` is off,
 * which Redis reads as "not computed").
 */
export class RdbStreamWriter {
  readonly encoder: RdbEncoder;
  private readonly crc = new Crc64();

  constructor(
    options: RdbWriterOptions,
    private readonly checksum: boolean,
  ) {
    this.encoder = new RdbEncoder(options);
  }

  /** Bytes encoded since the last take. */
  get pending(): number {
    return this.encoder.out.length;
  }

  take(): Buffer {
    const bytes = this.encoder.out.take();
    if (this.checksum) this.crc.update(bytes);
    return bytes;
  }

  finish(): Buffer {
    this.encoder.out.byte(RdbOpcode.Eof);
    const tail = this.take();
    const footer = this.checksum ? this.crc.littleEndian() : Buffer.alloc(8);
    return Buffer.concat([tail, footer]);
  }
}

/**
 * A DUMP payload (createDumpPayload): type byte, value, RDB version as 16-bit little-endian,
 * then the CRC-64 of everything before it.
 */
export function dumpPayload(type: ValueType, value: unknown, options: RdbWriterOptions): Buffer {
  const encoder = new RdbEncoder(options);
  encoder.out.byte(rdbTypeOf(type, value));
  encoder.value(type, value);
  encoder.out.u16le(RDB_VERSION);
  const body = encoder.out.view();
  const crc = new Crc64().update(body).littleEndian();
  return Buffer.concat([body, crc]);
}
