import { ValueType, type Entry } from '../keyspace/entry.js';
import { Err, errorArg, ReplyError, subcommandSyntaxError } from '../protocol/errors.js';
import type { KeyWaiter } from '../server/blocking.js';
import type { Client } from '../server/client.js';
import type { Config } from '../server/config.js';
import { replyHelp } from '../server/help.js';
import { INT64_MAX, parseInt64, type Int64 } from '../types/int64.js';
import {
  type Consumer,
  type ConsumerGroup,
  INVALID_ENTRIES_READ,
  type Nack,
  type NodeLimits,
  Stream,
  type StreamEntry,
  type TrimOptions,
  TrimStrategy,
} from '../types/stream.js';
import {
  decrementId,
  formatId,
  incrementId,
  MAX_ID,
  MIN_ID,
  nextAutoId,
  nextSeq,
  parseId,
  sameMs,
  type StreamId,
} from '../types/stream-id.js';
import { integerArgument } from './arguments.js';
import { lookupRead, readTyped, writeTyped } from './lookup.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import type { CommandFamily } from './table.js';

/**
 * The STREAM family (t_stream.c): XADD XRANGE XREAD … and consumer groups. Argument checks
 * run in Redis's order so the same error wins; IDs are parsed with Redis's quirks (C strings,
 * strtoull fallback). Blocking XREAD/XREADGROUP wait through server/blocking.ts and, when a key
 * gets data, are served as Redis serves blocked stream clients (one key, IDs fixed at block time).
 */

// ---------------------------------------------------------------------------------------------
// Shared helpers

const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
/** Entries a blocked XREAD without COUNT is served at most (XREAD_BLOCKED_DEFAULT_COUNT). */
const BLOCKED_DEFAULT_COUNT = 1000;

/** An argument as C string functions see it: up to its first NUL. */
function cString(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

/** Case-insensitive option match, reading the argument as a C string. */
function isOption(arg: string, name: string): boolean {
  return arg.length >= name.length && cString(arg).toLowerCase() === name;
}

/** streamParseStrictIDOrReply: throws the invalid-ID error. */
function strictId(text: string, missingSeq: 'min' | 'max' = 'min'): StreamId {
  const parsed = parseId(text, missingSeq, true);
  if (parsed === null) throw new ReplyError(INVALID_ID);
  return parsed.id;
}

/** streamParseIDOrReply ("-" and "+" allowed). */
function looseId(text: string, missingSeq: 'min' | 'max'): StreamId {
  const parsed = parseId(text, missingSeq, false);
  if (parsed === null) throw new ReplyError(INVALID_ID);
  return parsed.id;
}

/** streamParseIntervalIDOrReply plus the "(" adjustment of range starts. */
function rangeStart(text: string): StreamId {
  if (text.length > 1 && text[0] === '(') {
    const next = incrementId(strictId(text.slice(1)));
    if (next === null) throw new ReplyError('ERR invalid start ID for the interval');
    return next;
  }
  return looseId(text, 'min');
}

function rangeEnd(text: string): StreamId {
  if (text.length > 1 && text[0] === '(') {
    const previous = decrementId(strictId(text.slice(1), 'max'));
    if (previous === null) throw new ReplyError('ERR invalid end ID for the interval');
    return previous;
  }
  return looseId(text, 'max');
}

/** getLongLongFromObjectOrReply as a number (exact within 2^53; beyond, only order matters). */
function longArgument(text: string, error: string = Err.notInteger): number {
  const value = integerArgument(text, error);
  return typeof value === 'bigint' ? Number(value) : value;
}

/** A long long that must stay exact (counters shown back to the client). */
function exactLong(text: string): bigint {
  return BigInt(integerArgument(text));
}

/** stream-node-max-bytes/-entries per server config, kept current by watchers (XADD reads them each time). */
const limitsByConfig = new WeakMap<Config, NodeLimits>();

function nodeLimits(client: Client): NodeLimits {
  const config = client.server.config;
  let limits = limitsByConfig.get(config);
  if (limits === undefined) {
    const watched: NodeLimits = { maxBytes: 0, maxEntries: 0 };
    config.watch('stream-node-max-bytes', (value) => (watched.maxBytes = Number(value)));
    config.watch('stream-node-max-entries', (value) => (watched.maxEntries = Number(value)));
    limitsByConfig.set(config, watched);
    limits = watched;
  }
  return limits;
}

function streamOf(entry: Entry): Stream {
  return entry.value as Stream;
}

/** The stream at a key for reading (hit/miss counted), WRONGTYPE thrown. */
function readStream(client: Client, key: string): Stream | undefined {
  const entry = readTyped(client, key, ValueType.Stream);
  return entry === undefined ? undefined : streamOf(entry);
}

function noGroupError(key: string, group: string): string {
  return `NOGROUP No such key '${errorArg(key)}' or consumer group '${errorArg(group)}'`;
}

function replyId(client: Client, id: StreamId): void {
  client.bulk(formatId(id));
}

function replyEntry(client: Client, entry: StreamEntry): void {
  client.arrayLength(2);
  client.bulk(formatId(entry.id));
  client.bulkArray(entry.fields);
}

function replyEntries(client: Client, entries: readonly StreamEntry[]): void {
  client.arrayLength(entries.length);
  for (const entry of entries) replyEntry(client, entry);
}

/** A long long reply of a uint64/int64 counter (addReplyLongLong of a cast). */
function replyLong(client: Client, value: bigint): void {
  client.integer(BigInt.asIntN(64, value));
}

/** The mutated stream's memory is re-read by the keyspace. */
function recharge(client: Client, entry: Entry): void {
  client.db.recharge(entry);
}

// ---------------------------------------------------------------------------------------------
// XADD / XTRIM arguments

interface AddTrimArguments extends TrimOptions {
  /** Position of the ID (XADD). */
  idIndex: number;
  id: StreamId | null;
  seqGiven: boolean;
  noMkStream: boolean;
}

const MIXED_STRATEGIES = 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible';

/** streamParseAddOrTrimArgsOrReply. */
function parseAddOrTrim(client: Client, argv: string[], xadd: boolean): AddTrimArguments {
  const args: AddTrimArguments = {
    strategy: TrimStrategy.None, maxLength: 0, minId: MIN_ID, approximate: false, limit: 0,
    idIndex: argv.length, id: null, seqGiven: true, noMkStream: false,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const option = argv[i]!;
    if (xadd && cString(option) === '*') break;
    const lower = cString(option).toLowerCase();
    if ((lower === 'maxlen' || lower === 'minid') && more > 0) {
      if (args.strategy !== TrimStrategy.None) throw new ReplyError(MIXED_STRATEGIES);
      args.approximate = false;
      const next = argv[i + 1]!;
      if (more >= 2 && next === '~') {
        args.approximate = true;
        i++;
      } else if (more >= 2 && next === '=') i++;
      if (lower === 'maxlen') {
        args.maxLength = longArgument(argv[i + 1]!);
        if (args.maxLength < 0) throw new ReplyError('ERR The MAXLEN argument must be >= 0.');
        args.strategy = TrimStrategy.MaxLen;
      } else {
        args.minId = strictId(argv[i + 1]!);
        args.strategy = TrimStrategy.MinId;
      }
      i++;
    } else if (lower === 'limit' && more > 0) {
      args.limit = longArgument(argv[i + 1]!);
      if (args.limit < 0) throw new ReplyError('ERR The LIMIT argument must be >= 0.');
      limitGiven = true;
      i++;
    } else if (xadd && lower === 'nomkstream') {
      args.noMkStream = true;
    } else if (xadd) {
      const parsed = parseId(option, 'min', true, true);
      if (parsed === null) throw new ReplyError(INVALID_ID);
      args.id = parsed.id;
      args.seqGiven = parsed.seqGiven;
      break;
    } else {
      throw new ReplyError(Err.syntax);
    }
  }
  args.idIndex = i;
  if (args.limit !== 0 && args.strategy === TrimStrategy.None) {
    throw new ReplyError('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  }
  if (!xadd && args.strategy === TrimStrategy.None) {
    throw new ReplyError('ERR syntax error, XTRIM must be called with a trimming strategy');
  }
  if (limitGiven) {
    if (!args.approximate) throw new ReplyError('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else if (args.approximate) {
    // Approximate trimming does at most 100 nodes' worth of work unless told otherwise.
    const limit = 100 * client.server.config.int('stream-node-max-entries');
    args.limit = limit <= 0 ? 10000 : Math.min(limit, 1000000);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID

function xadd(client: Client, argv: string[]): void {
  const args = parseAddOrTrim(client, argv, true);
  const fieldsAt = args.idIndex + 1;
  const fieldCount = argv.length - fieldsAt;
  if (fieldCount < 2 || fieldCount % 2 === 1) {
    client.error(Err.arity('xadd'));
    return;
  }
  if (args.id === MIN_ID && args.seqGiven) {
    client.error('ERR The ID specified in XADD must be greater than 0-0');
    return;
  }
  const key = argv[1]!;
  let entry = writeTyped(client, key, ValueType.Stream);
  if (entry === undefined) {
    if (args.noMkStream) {
      client.nullBulk();
      return;
    }
    entry = client.db.set(key, ValueType.Stream, new Stream());
  }
  const stream = streamOf(entry);
  if (stream.lastId === MAX_ID) {
    client.error('ERR The stream has exhausted the last possible ID, unable to add more items');
    return;
  }
  const id = newEntryId(stream, args, client.server.clock.ms);
  if (id === null) {
    // Redis reports a sequence that cannot grow as its generic append failure.
    client.error('ERR Elements are too large to be stored');
    return;
  }
  if (id <= stream.lastId) {
    client.error('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    return;
  }
  if (!stream.append(id, argv.slice(fieldsAt), nodeLimits(client))) {
    client.error('ERR Elements are too large to be stored');
    return;
  }
  replyId(client, id);
  notify(client, NotifyFlag.stream, 'xadd', key);
  client.server.dirty++;
  if (args.strategy !== TrimStrategy.None && stream.trim(args) > 0) notify(client, NotifyFlag.stream, 'xtrim', key);
  recharge(client, entry);
  client.server.blocking.signalKeyReady(client.db, key);
}

/** The ID streamAppendItem would use: explicit, "<ms>-*", or generated from the clock. */
function newEntryId(stream: Stream, args: AddTrimArguments, now: number): StreamId | null {
  if (args.id === null) return nextAutoId(stream.lastId, now);
  if (args.seqGiven || !sameMs(args.id, stream.lastId)) return args.id;
  return nextSeq(stream.lastId);
}

function xlen(client: Client, argv: string[]): void {
  const stream = readStream(client, argv[1]!);
  client.integer(stream === undefined ? 0 : stream.length);
}

function xrangeGeneric(client: Client, argv: string[], reverse: boolean): void {
  const start = rangeStart(reverse ? argv[3]! : argv[2]!);
  const end = rangeEnd(reverse ? argv[2]! : argv[3]!);
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (isOption(argv[j]!, 'count') && j + 1 < argv.length) {
      count = Math.max(0, longArgument(argv[++j]!));
    } else {
      client.error(Err.syntax);
      return;
    }
  }
  const stream = readStream(client, argv[1]!);
  if (stream === undefined) client.emptyArray();
  else if (count === 0) client.nullArray();
  else replyEntries(client, stream.range(start, end, reverse, count === -1 ? 0 : count));
}

function xrange(client: Client, argv: string[]): void {
  xrangeGeneric(client, argv, false);
}

function xrevrange(client: Client, argv: string[]): void {
  xrangeGeneric(client, argv, true);
}

function xdel(client: Client, argv: string[]): void {
  const entry = writeTyped(client, argv[1]!, ValueType.Stream);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const ids = argv.slice(2).map((text) => strictId(text));
  replyDeleted(client, entry, 'xdel', streamOf(entry).delete(ids));
}

function xtrim(client: Client, argv: string[]): void {
  const args = parseAddOrTrim(client, argv, false);
  const entry = writeTyped(client, argv[1]!, ValueType.Stream);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  replyDeleted(client, entry, 'xtrim', streamOf(entry).trim(args));
}

/** XDEL/XTRIM's reply: how many entries went, with the event, dirty count and memory that go with it. */
function replyDeleted(client: Client, entry: Entry, event: string, deleted: number): void {
  if (deleted > 0) {
    notify(client, NotifyFlag.stream, event, entry.key);
    client.server.dirty += deleted;
    recharge(client, entry);
  }
  client.integer(deleted);
}

function xsetid(client: Client, argv: string[]): void {
  const id = strictId(argv[2]!);
  let entriesAdded = -1n;
  let maxDeleted = MIN_ID;
  for (let i = 3; i < argv.length; i += 2) {
    const more = argv.length - 1 - i;
    if (isOption(argv[i]!, 'entriesadded') && more > 0) {
      entriesAdded = exactLong(argv[i + 1]!);
      if (entriesAdded < 0n) throw new ReplyError('ERR entries_added must be positive');
    } else if (isOption(argv[i]!, 'maxdeletedid') && more > 0) {
      maxDeleted = strictId(argv[i + 1]!);
      if (id < maxDeleted) {
        throw new ReplyError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      }
    } else {
      throw new ReplyError(Err.syntax);
    }
  }
  const entry = writeTyped(client, argv[1]!, ValueType.Stream);
  if (entry === undefined) {
    client.error(Err.noSuchKey);
    return;
  }
  const stream = streamOf(entry);
  if (stream.length > 0) {
    if (id < stream.edgeId(false)) {
      client.error('ERR The ID specified in XSETID is smaller than the target stream top item');
      return;
    }
    if (entriesAdded !== -1n && BigInt(stream.length) > entriesAdded) {
      client.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
      return;
    }
  }
  stream.lastId = id;
  if (entriesAdded !== -1n) stream.entriesAdded = entriesAdded;
  if (maxDeleted !== MIN_ID) stream.maxDeletedId = maxDeleted;
  client.ok();
  client.server.dirty++;
  notify(client, NotifyFlag.stream, 'xsetid', argv[1]!);
}

// ---------------------------------------------------------------------------------------------
// XREAD / XREADGROUP

/** What a blocked XREAD/XREADGROUP waits for; served when one of its keys gets data. */
interface BlockedRead {
  keys: string[];
  /** Per key: entries must be greater than this (resolved at block time, as "$" is). */
  ids: StreamId[];
  group: string | null;
  consumer: string;
  noAck: boolean;
  count: number;
  timeoutAt: number;
}

const blockedReads = new WeakMap<Client, BlockedRead>();

/** ">" in XREADGROUP: the largest ID stands for "the group's last delivered ID". */
const NEW_ENTRIES = MAX_ID;

function replyNullArray(client: Client): void {
  client.nullArray();
}

interface ReadArguments {
  timeout: number;
  count: number;
  streamsAt: number;
  streamCount: number;
  group: string | null;
  consumer: string;
  noAck: boolean;
}

function parseReadArguments(argv: string[], readGroup: boolean): ReadArguments {
  const args: ReadArguments = { timeout: -1, count: 0, streamsAt: 0, streamCount: 0, group: null, consumer: '', noAck: false };
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const option = argv[i]!;
    if (isOption(option, 'block') && more > 0) {
      args.timeout = blockTimeout(argv[++i]!);
    } else if (isOption(option, 'count') && more > 0) {
      args.count = Math.max(0, longArgument(argv[++i]!));
    } else if (isOption(option, 'streams') && more > 0) {
      args.streamsAt = i + 1;
      const remaining = argv.length - args.streamsAt;
      if (remaining % 2 !== 0) {
        throw new ReplyError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      args.streamCount = remaining / 2;
      break;
    } else if (isOption(option, 'group') && more >= 2) {
      if (!readGroup) throw new ReplyError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      args.group = argv[i + 1]!;
      args.consumer = argv[i + 2]!;
      i += 2;
    } else if (isOption(option, 'noack')) {
      if (!readGroup) throw new ReplyError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      args.noAck = true;
    } else {
      throw new ReplyError(Err.syntax);
    }
  }
  if (args.streamsAt === 0) throw new ReplyError(Err.syntax);
  if (readGroup && args.group === null) throw new ReplyError('ERR Missing GROUP option for XREADGROUP');
  return args;
}

/** getTimeoutFromObjectOrReply in milliseconds: the absolute deadline, 0 for "forever". */
function blockTimeout(text: string): number {
  const value: Int64 = integerArgument(text, 'ERR timeout is not an integer or out of range');
  if (value < 0) throw new ReplyError('ERR timeout is negative');
  return Number(value);
}

/** One stream's part of an XREAD reply: entries, or IDs alone for history entries now deleted. */
interface StreamBatch {
  key: string;
  items: Array<StreamEntry | StreamId>;
}

function xread(client: Client, argv: string[]): void {
  readGeneric(client, argv, false);
}

function xreadgroup(client: Client, argv: string[]): void {
  readGeneric(client, argv, true);
}

function readGeneric(client: Client, argv: string[], readGroup: boolean): void {
  const args = parseReadArguments(argv, readGroup);
  const keys = argv.slice(args.streamsAt, args.streamsAt + args.streamCount);
  const ids: StreamId[] = [];
  const groups: ConsumerGroup[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const stream = readStream(client, key);
    if (args.group !== null) {
      const group = stream?.group(args.group);
      if (group === undefined) {
        throw new ReplyError(`NOGROUP No such key '${errorArg(key)}' or consumer group '${errorArg(args.group)}' in XREADGROUP with GROUP option`);
      }
      groups.push(group);
    }
    const text = argv[args.streamsAt + args.streamCount + i]!;
    if (cString(text) === '$') {
      if (readGroup) {
        throw new ReplyError(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by ' +
            'specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      }
      ids.push(stream === undefined ? MIN_ID : stream.lastId);
    } else if (cString(text) === '>') {
      if (!readGroup) {
        throw new ReplyError('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      }
      ids.push(NEW_ENTRIES);
    } else {
      ids.push(strictId(text));
    }
  }

  const now = client.server.clock.ms;
  const batches: StreamBatch[] = [];
  for (let i = 0; i < keys.length; i++) {
    const entry = readTyped(client, keys[i]!, ValueType.Stream);
    if (entry === undefined) continue;
    const stream = streamOf(entry);
    let after = ids[i]!;
    const group = groups[i];
    let history = false;
    if (group !== undefined) {
      if (after !== NEW_ENTRIES) history = true;
      else if (stream.length > 0 && stream.edgeId(false) > group.lastId) after = group.lastId;
      else continue;
    } else if (stream.length === 0 || stream.edgeId(false) <= after) {
      continue;
    }
    const start = incrementId(after) ?? MIN_ID;
    let items: Array<StreamEntry | StreamId>;
    if (group === undefined) items = stream.range(start, MAX_ID, false, args.count);
    else {
      const consumer = groupConsumer(client, group, keys[i]!, args.consumer, now);
      items = history
        ? readHistory(stream, consumer, start, args.count, now)
        : deliver(stream, group, consumer, start, args.count, args.noAck, now);
      client.server.dirty++;
      recharge(client, entry);
    }
    batches.push({ key: keys[i]!, items });
  }
  if (batches.length > 0) {
    replyBatches(client, batches);
    return;
  }
  if (args.timeout === -1) {
    client.nullArray();
    return;
  }
  const wait: BlockedRead = {
    keys, ids, group: args.group, consumer: args.consumer, noAck: args.noAck,
    count: args.count === 0 ? BLOCKED_DEFAULT_COUNT : args.count,
    timeoutAt: deadline(args.timeout, now),
  };
  blockFor(client, wait);
}

/** The absolute deadline of a BLOCK in ms (0: forever); past int64 Redis times out at once. */
function deadline(timeout: number, now: number): number {
  if (timeout === 0) return 0;
  return timeout + now > Number(INT64_MAX) ? 1 : timeout + now;
}

function blockFor(client: Client, wait: BlockedRead): void {
  client.server.blocking.block(client, wait.keys, wait.timeoutAt, replyNullArray, STREAM_WAITER);
  if (client.server.blocking.isBlocked(client)) blockedReads.set(client, wait);
}

/** The consumer named in XREADGROUP, created on first use (dirty and notified as Redis does). */
function groupConsumer(client: Client, group: ConsumerGroup, key: string, name: string, now: number): Consumer {
  return group.consumer(name, now) ?? createCountedConsumer(client, group, key, name, now);
}

/** streamReplyWithRange for a group: new entries, advancing the group and filling the PELs. */
function deliver(
  stream: Stream, group: ConsumerGroup, consumer: Consumer, start: StreamId, count: number, noAck: boolean, now: number,
): StreamEntry[] {
  const entries = stream.range(start, MAX_ID, false, count);
  for (const entry of entries) {
    stream.advanceGroup(group, entry.id);
    if (!noAck) group.deliver(entry.id, consumer, now);
  }
  return entries;
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from `start`. */
function readHistory(stream: Stream, consumer: Consumer, start: StreamId, count: number, now: number): Array<StreamEntry | StreamId> {
  const items: Array<StreamEntry | StreamId> = [];
  const pel = consumer.pel;
  for (let i = pel.indexFrom(start); i < pel.size && (count === 0 || items.length < count); i++) {
    const nack = pel.at(i)!;
    const entry = stream.get(nack.id);
    if (entry === undefined) items.push(nack.id);
    else {
      items.push(entry);
      nack.deliveryTime = now;
      nack.deliveryCount++;
    }
  }
  return items;
}

function replyBatches(client: Client, batches: readonly StreamBatch[]): void {
  if (client.resp === 2) client.arrayLength(batches.length);
  else client.mapLength(batches.length);
  for (const batch of batches) {
    if (client.resp === 2) client.arrayLength(2);
    client.bulk(batch.key);
    client.arrayLength(batch.items.length);
    for (const item of batch.items) {
      if (typeof item !== 'string') replyEntry(client, item);
      else {
        client.arrayLength(2);
        replyId(client, item);
        client.nullArray();
      }
    }
  }
}

/**
 * serveClientsBlockedOnStreamKey for one client: `key` (a stream) changed. Entries past the ID
 * the client waits for (its group's last ID for XREADGROUP) serve it from this key alone; a
 * group that disappeared ends the wait with an error; otherwise it keeps waiting, with the
 * deadline it had.
 */
function serveBlockedRead(client: Client, _argv: readonly string[], key: string, entry: Entry): void {
  const wait = blockedReads.get(client)!;
  const stream = streamOf(entry);
  let after = wait.ids[wait.keys.indexOf(key)]!;
  let group: ConsumerGroup | undefined;
  if (wait.group !== null) {
    group = stream.group(wait.group);
    if (group === undefined) {
      client.error('NOGROUP the consumer group this client was blocked on no longer exists');
      return;
    }
    after = group.lastId;
  }
  if (stream.lastId <= after) {
    blockFor(client, wait);
    return;
  }
  const start = incrementId(after)!;
  let items: StreamEntry[];
  if (group === undefined) items = stream.range(start, MAX_ID, false, wait.count);
  else {
    const now = client.server.clock.ms;
    items = deliver(stream, group, groupConsumer(client, group, key, wait.consumer, now), start, wait.count, wait.noAck, now);
    recharge(client, entry);
  }
  replyBatches(client, [{ key, items }]);
}

const STREAM_WAITER: KeyWaiter = { type: ValueType.Stream, serve: serveBlockedRead, goneError: readGroupGone };

/** An XREADGROUP wait ends with an error when its stream is deleted or replaced (its group is gone). */
function readGroupGone(argv: readonly string[]): string | null {
  return argv[0]!.toLowerCase() === 'xreadgroup' ? 'UNBLOCKED the stream key no longer exists' : null;
}

// ---------------------------------------------------------------------------------------------
// XGROUP

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

function xgroupHelp(client: Client, argv: string[]): void {
  replyHelp(client, argv[0]!, XGROUP_HELP);
}

/** xgroupCommand's shared part: options, key and group checks, in Redis's order. */
function xgroup(client: Client, argv: string[]): void {
  const sub = argv[1]!.toLowerCase();
  const create = sub === 'create';
  let mkStream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  for (let i = 5; i < argv.length; ) {
    if (create && isOption(argv[i]!, 'mkstream')) {
      mkStream = true;
      i++;
    } else if ((create || sub === 'setid') && isOption(argv[i]!, 'entriesread') && i + 1 < argv.length) {
      entriesRead = exactLong(argv[i + 1]!);
      if (entriesRead < 0n && entriesRead !== INVALID_ENTRIES_READ) {
        throw new ReplyError('ERR value for ENTRIESREAD must be positive or -1');
      }
      i += 2;
    } else {
      throw new ReplyError(subcommandSyntaxError(argv));
    }
  }
  const key = argv[2]!;
  let entry = writeTyped(client, key, ValueType.Stream);
  const groupName = argv[3]!;
  let group: ConsumerGroup | undefined;
  if (!mkStream) {
    if (entry === undefined) {
      throw new ReplyError(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      );
    }
    group = streamOf(entry).group(groupName);
    if (group === undefined && (sub === 'setid' || sub === 'createconsumer' || sub === 'delconsumer')) {
      throw new ReplyError(`NOGROUP No such consumer group '${errorArg(groupName)}' for key name '${errorArg(key)}'`);
    }
  }
  const now = client.server.clock.ms;
  if (create && argv.length <= 8) {
    const text = argv[4]!;
    const id = cString(text) === '$' ? (entry === undefined ? MIN_ID : streamOf(entry).lastId) : strictId(text);
    entry ??= client.db.set(key, ValueType.Stream, new Stream());
    if (streamOf(entry).createGroup(groupName, id, entriesRead) === null) {
      client.error('BUSYGROUP Consumer Group name already exists');
      return;
    }
    recharge(client, entry);
    client.ok();
    client.server.dirty++;
    notify(client, NotifyFlag.stream, 'xgroup-create', key);
  } else if (sub === 'setid' && (argv.length === 5 || argv.length === 7)) {
    const text = argv[4]!;
    const id = cString(text) === '$' ? streamOf(entry!).lastId : looseId(text, 'min');
    group!.lastId = id;
    group!.entriesRead = entriesRead;
    client.ok();
    client.server.dirty++;
    notify(client, NotifyFlag.stream, 'xgroup-setid', key);
  } else if (sub === 'destroy' && argv.length === 4) {
    if (group === undefined) {
      client.integer(0);
      return;
    }
    streamOf(entry!).destroyGroup(group);
    recharge(client, entry!);
    client.integer(1);
    client.server.dirty++;
    notify(client, NotifyFlag.stream, 'xgroup-destroy', key);
    // Clients blocked in XREADGROUP on this group learn it is gone.
    client.server.blocking.signalKeyReady(client.db, key);
  } else if (sub === 'createconsumer' && argv.length === 5) {
    const created = group!.createConsumer(argv[4]!, now);
    if (created !== null) {
      client.server.dirty++;
      recharge(client, entry!);
      notify(client, NotifyFlag.stream, 'xgroup-createconsumer', key);
    }
    client.integer(created === null ? 0 : 1);
  } else if (sub === 'delconsumer' && argv.length === 5) {
    const consumer = group!.consumer(argv[4]!);
    let pending = 0;
    if (consumer !== undefined) {
      pending = group!.deleteConsumer(consumer);
      client.server.dirty++;
      recharge(client, entry!);
      notify(client, NotifyFlag.stream, 'xgroup-delconsumer', key);
    }
    client.integer(pending);
  } else {
    client.error(subcommandSyntaxError(argv));
  }
}

// ---------------------------------------------------------------------------------------------
// XACK XPENDING

function xack(client: Client, argv: string[]): void {
  const entry = readTyped(client, argv[1]!, ValueType.Stream);
  const group = entry === undefined ? undefined : streamOf(entry).group(argv[2]!);
  if (group === undefined) {
    client.integer(0);
    return;
  }
  const ids = argv.slice(3).map((text) => strictId(text));
  let acknowledged = 0;
  for (const id of ids) {
    const nack = group.pel.get(id);
    if (nack === undefined) continue;
    group.removeNack(nack);
    acknowledged++;
  }
  if (acknowledged > 0) {
    client.server.dirty += acknowledged;
    recharge(client, entry!);
  }
  client.integer(acknowledged);
}

function xpending(client: Client, argv: string[]): void {
  const summary = argv.length === 3;
  if (!summary && (argv.length < 6 || argv.length > 9)) {
    client.error(Err.syntax);
    return;
  }
  let start = MIN_ID;
  let end = MAX_ID;
  let count = 0;
  let minIdle = 0;
  let consumerName: string | null = null;
  if (!summary) {
    let at = 3;
    if (isOption(argv[3]!, 'idle')) {
      minIdle = longArgument(argv[4]!);
      if (argv.length < 8) {
        client.error(Err.syntax);
        return;
      }
      at += 2;
    }
    count = Math.max(0, longArgument(argv[at + 2]!));
    start = rangeStart(argv[at]!);
    end = rangeEnd(argv[at + 1]!);
    if (at + 3 < argv.length) consumerName = argv[at + 3]!;
  }
  const stream = readStream(client, argv[1]!);
  const group = stream?.group(argv[2]!);
  if (group === undefined) {
    client.error(noGroupError(argv[1]!, argv[2]!));
    return;
  }
  if (summary) replyPendingSummary(client, group);
  else replyPendingRange(client, group, consumerName, start, end, count, minIdle);
}

function replyPendingSummary(client: Client, group: ConsumerGroup): void {
  const pel = group.pel;
  client.arrayLength(4);
  client.integer(pel.size);
  if (pel.size === 0) {
    client.nullBulk();
    client.nullBulk();
    client.nullArray();
    return;
  }
  replyId(client, pel.at(0)!.id);
  replyId(client, pel.at(pel.size - 1)!.id);
  const owners = group.sortedConsumers().filter((consumer) => consumer.pel.size > 0);
  client.arrayLength(owners.length);
  for (const consumer of owners) {
    client.arrayLength(2);
    client.bulk(consumer.name);
    client.bulk(String(consumer.pel.size));
  }
}

function replyPendingRange(
  client: Client, group: ConsumerGroup, consumerName: string | null, start: StreamId, end: StreamId, count: number, minIdle: number,
): void {
  let pel = group.pel;
  if (consumerName !== null) {
    const consumer = group.consumer(consumerName);
    if (consumer === undefined) {
      client.emptyArray();
      return;
    }
    pel = consumer.pel;
  }
  const now = client.server.clock.ms;
  const rows: Nack[] = [];
  for (let i = pel.indexFrom(start); count > 0 && i < pel.size; i++) {
    const nack = pel.at(i)!;
    if (nack.id > end) break;
    if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    rows.push(nack);
    count--;
  }
  client.arrayLength(rows.length);
  for (const nack of rows) {
    client.arrayLength(4);
    replyId(client, nack.id);
    client.bulk(nack.consumer!.name);
    client.integer(Math.max(0, now - nack.deliveryTime));
    replyLong(client, nack.deliveryCount);
  }
}

// ---------------------------------------------------------------------------------------------
// XCLAIM XAUTOCLAIM

interface ClaimOptions {
  force: boolean;
  justId: boolean;
  deliveryTime: number;
  retryCount: bigint | null;
  lastId: StreamId;
}

/** XCLAIM's trailing options (after the IDs), with Redis's messages. */
function parseClaimOptions(argv: string[], from: number, now: number): ClaimOptions {
  const options: ClaimOptions = { force: false, justId: false, deliveryTime: -1, retryCount: null, lastId: MIN_ID };
  for (let j = from; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const option = argv[j]!;
    if (isOption(option, 'force')) options.force = true;
    else if (isOption(option, 'justid')) options.justId = true;
    else if (isOption(option, 'idle') && more > 0) {
      const idle = integerArgument(argv[++j]!, 'ERR Invalid IDLE option argument for XCLAIM');
      options.deliveryTime = now - Number(idle);
    } else if (isOption(option, 'time') && more > 0) {
      options.deliveryTime = Number(integerArgument(argv[++j]!, 'ERR Invalid TIME option argument for XCLAIM'));
    } else if (isOption(option, 'retrycount') && more > 0) {
      options.retryCount = BigInt(integerArgument(argv[++j]!, 'ERR Invalid RETRYCOUNT option argument for XCLAIM'));
    } else if (isOption(option, 'lastid') && more > 0) {
      options.lastId = strictId(argv[++j]!);
    } else {
      throw new ReplyError(`ERR Unrecognized XCLAIM option '${errorArg(option)}'`);
    }
  }
  // A bogus delivery time (negative, or in the future) becomes "now".
  if (options.deliveryTime < 0 || options.deliveryTime > now) options.deliveryTime = now;
  return options;
}

/** Minimum idle time argument; negative counts as zero. */
function minIdleArgument(text: string, command: string): number {
  return Math.max(0, Number(integerArgument(text, `ERR Invalid min-idle-time argument for ${command}`)));
}

/** Hands a pending entry to `consumer` and stamps the delivery (both claim commands). */
function claimNack(group: ConsumerGroup, nack: Nack, consumer: Consumer, deliveryTime: number, retryCount: bigint | null, justId: boolean): void {
  group.transfer(nack, consumer);
  nack.deliveryTime = deliveryTime;
  if (retryCount !== null && retryCount >= 0n) nack.deliveryCount = retryCount;
  else if (!justId) nack.deliveryCount++;
}

function xclaim(client: Client, argv: string[]): void {
  const entry = readTyped(client, argv[1]!, ValueType.Stream);
  const stream = entry === undefined ? undefined : streamOf(entry);
  const group = stream?.group(argv[2]!);
  if (group === undefined) {
    client.error(noGroupError(argv[1]!, argv[2]!));
    return;
  }
  const minIdle = minIdleArgument(argv[4]!, 'XCLAIM');
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const parsed = parseId(argv[j]!, 'min', true);
    if (parsed === null) break;
    ids.push(parsed.id);
  }
  const now = client.server.clock.ms;
  const options = parseClaimOptions(argv, j, now);
  let lastIdMoved = false;
  if (options.lastId > group.lastId) {
    group.lastId = options.lastId;
    lastIdMoved = true;
  }
  let consumer: Consumer | undefined;
  const claimed: StreamId[] = [];
  let changes = 0;
  for (const id of ids) {
    let nack = group.pel.get(id);
    if (stream!.get(id) === undefined) {
      if (nack !== undefined) {
        group.removeNack(nack);
        changes++;
      }
      continue;
    }
    if (options.force && nack === undefined) nack = group.createOrphanNack(id, now);
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    consumer ??= claimConsumer(client, group, argv[1]!, argv[3]!, now);
    claimNack(group, nack, consumer, options.deliveryTime, options.retryCount, options.justId);
    claimed.push(id);
    changes++;
  }
  // The new last ID counts as a change only when no claim carried it.
  client.server.dirty += changes + (lastIdMoved && changes === 0 ? 1 : 0);
  recharge(client, entry!);
  replyClaimed(client, stream!, claimed, options.justId);
}

/** The claimed entries (or just their IDs with JUSTID), as both claim commands reply them. */
function replyClaimed(client: Client, stream: Stream, claimed: readonly StreamId[], justId: boolean): void {
  client.arrayLength(claimed.length);
  for (const id of claimed) {
    if (justId) replyId(client, id);
    else replyEntry(client, stream.get(id)!);
  }
}

function claimConsumer(client: Client, group: ConsumerGroup, key: string, name: string, now: number): Consumer {
  return group.consumer(name, now) ?? createCountedConsumer(client, group, key, name, now);
}

/** streamCreateConsumer: a new consumer counts as a change and publishes "xgroup-createconsumer". */
function createCountedConsumer(client: Client, group: ConsumerGroup, key: string, name: string, now: number): Consumer {
  client.server.dirty++;
  const consumer = group.createConsumer(name, now)!;
  notify(client, NotifyFlag.stream, 'xgroup-createconsumer', key);
  return consumer;
}

/** LONG_MAX / sizeof(streamID): XAUTOCLAIM's largest COUNT. */
const AUTOCLAIM_MAX_COUNT = 576460752303423487;

function xautoclaim(client: Client, argv: string[]): void {
  // Redis looks the key up before parsing (a hit or miss even when an argument is wrong).
  const entry = lookupRead(client, argv[1]!);
  const minIdle = minIdleArgument(argv[4]!, 'XAUTOCLAIM');
  const start = rangeStart(argv[5]!);
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isOption(argv[j]!, 'count') && more > 0) {
      const value = parseInt64(argv[j + 1]!);
      if (value === null || value < 1 || value > AUTOCLAIM_MAX_COUNT) throw new ReplyError('ERR COUNT must be > 0');
      count = Number(value);
      j++;
    } else if (isOption(argv[j]!, 'justid')) justId = true;
    else throw new ReplyError(Err.syntax);
  }
  if (entry !== undefined && entry.type !== ValueType.Stream) throw new ReplyError(Err.wrongType);
  const stream = entry === undefined ? undefined : streamOf(entry);
  const group = stream?.group(argv[2]!);
  if (group === undefined) {
    client.error(noGroupError(argv[1]!, argv[2]!));
    return;
  }
  const now = client.server.clock.ms;
  const pel = group.pel;
  let attempts = count * 10;
  let position = pel.indexFrom(start);
  let consumer: Consumer | undefined;
  const claimed: StreamId[] = [];
  const deleted: StreamId[] = [];
  while (attempts-- > 0 && count > 0 && position < pel.size) {
    const nack = pel.at(position)!;
    if (stream!.get(nack.id) === undefined) {
      group.removeNack(nack);
      deleted.push(nack.id);
      count--;
      continue;
    }
    position++;
    if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    consumer ??= claimConsumer(client, group, argv[1]!, argv[3]!, now);
    claimNack(group, nack, consumer, now, null, justId);
    claimed.push(nack.id);
    count--;
  }
  client.server.dirty += claimed.length + deleted.length;
  recharge(client, entry!);
  client.arrayLength(3);
  replyId(client, pel.at(position)?.id ?? MIN_ID);
  replyClaimed(client, stream!, claimed, justId);
  client.arrayLength(deleted.length);
  for (const id of deleted) replyId(client, id);
}

// ---------------------------------------------------------------------------------------------
// XINFO

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

function xinfoHelp(client: Client, argv: string[]): void {
  replyHelp(client, argv[0]!, XINFO_HELP);
}

/** The key every XINFO subcommand but HELP reads; replies "no such key" when absent. */
function xinfoStream(client: Client, key: string): Stream | undefined {
  const stream = readStream(client, key);
  if (stream === undefined) client.error(Err.noSuchKey);
  return stream;
}

function xinfoConsumers(client: Client, argv: string[]): void {
  const stream = xinfoStream(client, argv[2]!);
  if (stream === undefined) return;
  const group = stream.group(argv[3]!);
  if (group === undefined) {
    client.error(`NOGROUP No such consumer group '${errorArg(argv[3]!)}' for key name '${errorArg(argv[2]!)}'`);
    return;
  }
  const consumers = group.sortedConsumers();
  const now = client.server.clock.ms;
  client.arrayLength(consumers.length);
  for (const consumer of consumers) {
    client.mapLength(3);
    client.bulk('name');
    client.bulk(consumer.name);
    client.bulk('pending');
    client.integer(consumer.pel.size);
    client.bulk('idle');
    client.integer(Math.max(0, now - consumer.seenTime));
  }
}

function replyEntriesRead(client: Client, group: ConsumerGroup): void {
  client.bulk('entries-read');
  if (group.entriesRead === INVALID_ENTRIES_READ) client.nullBulk();
  else replyLong(client, group.entriesRead);
}

function replyLag(client: Client, stream: Stream, group: ConsumerGroup): void {
  client.bulk('lag');
  const lag = stream.lag(group);
  if (lag === null) client.nullBulk();
  else replyLong(client, lag);
}

function xinfoGroups(client: Client, argv: string[]): void {
  const stream = xinfoStream(client, argv[2]!);
  if (stream === undefined) return;
  const groups = stream.sortedGroups();
  client.arrayLength(groups.length);
  for (const group of groups) {
    client.mapLength(6);
    client.bulk('name');
    client.bulk(group.name);
    client.bulk('consumers');
    client.integer(group.consumers.size);
    client.bulk('pending');
    client.integer(group.pel.size);
    client.bulk('last-delivered-id');
    replyId(client, group.lastId);
    replyEntriesRead(client, group);
    replyLag(client, stream, group);
  }
}

function xinfoStreamCommand(client: Client, argv: string[]): void {
  const stream = xinfoStream(client, argv[2]!);
  if (stream === undefined) return;
  const options = argv.length - 3;
  let full = false;
  let count = 10;
  if (options > 0) {
    if ((options !== 1 && options !== 3) || !isOption(argv[3]!, 'full') || (options === 3 && !isOption(argv[4]!, 'count'))) {
      client.error(subcommandSyntaxError(argv));
      return;
    }
    full = true;
    if (options === 3) {
      count = longArgument(argv[5]!);
      if (count < 0) count = 10;
    }
  }
  client.mapLength(full ? 9 : 10);
  client.bulk('length');
  client.integer(stream.length);
  client.bulk('radix-tree-keys');
  client.integer(stream.nodeCount);
  client.bulk('radix-tree-nodes');
  client.integer(stream.radixTreeNodes());
  client.bulk('last-generated-id');
  replyId(client, stream.lastId);
  client.bulk('max-deleted-entry-id');
  replyId(client, stream.maxDeletedId);
  client.bulk('entries-added');
  replyLong(client, stream.entriesAdded);
  client.bulk('recorded-first-entry-id');
  replyId(client, stream.firstId);
  if (!full) {
    client.bulk('groups');
    client.integer(stream.groupCount);
    for (const [name, reverse] of EDGES) {
      client.bulk(name);
      const edge = stream.range(MIN_ID, MAX_ID, reverse, 1)[0];
      if (edge === undefined) client.nullBulk();
      else replyEntry(client, edge);
    }
    return;
  }
  client.bulk('entries');
  replyEntries(client, stream.range(MIN_ID, MAX_ID, false, count));
  client.bulk('groups');
  const groups = stream.sortedGroups();
  client.arrayLength(groups.length);
  for (const group of groups) replyFullGroup(client, stream, group, count);
}

const EDGES: ReadonlyArray<[string, boolean]> = [
  ['first-entry', false],
  ['last-entry', true],
];

function replyFullGroup(client: Client, stream: Stream, group: ConsumerGroup, count: number): void {
  client.mapLength(7);
  client.bulk('name');
  client.bulk(group.name);
  client.bulk('last-delivered-id');
  replyId(client, group.lastId);
  replyEntriesRead(client, group);
  replyLag(client, stream, group);
  client.bulk('pel-count');
  client.integer(group.pel.size);
  client.bulk('pending');
  const pending = limited(group.pel.values(), count);
  client.arrayLength(pending.length);
  for (const nack of pending) {
    client.arrayLength(4);
    replyId(client, nack.id);
    client.bulk(nack.consumer!.name);
    client.integer(nack.deliveryTime);
    replyLong(client, nack.deliveryCount);
  }
  client.bulk('consumers');
  const consumers = group.sortedConsumers();
  client.arrayLength(consumers.length);
  for (const consumer of consumers) {
    client.mapLength(4);
    client.bulk('name');
    client.bulk(consumer.name);
    client.bulk('seen-time');
    client.integer(consumer.seenTime);
    client.bulk('pel-count');
    client.integer(consumer.pel.size);
    client.bulk('pending');
    const own = limited(consumer.pel.values(), count);
    client.arrayLength(own.length);
    for (const nack of own) {
      client.arrayLength(3);
      replyId(client, nack.id);
      client.integer(nack.deliveryTime);
      replyLong(client, nack.deliveryCount);
    }
  }
}

/** The first `count` items (all when count is 0). */
function limited<T>(items: readonly T[], count: number): readonly T[] {
  return count === 0 || items.length <= count ? items : items.slice(0, count);
}

// ---------------------------------------------------------------------------------------------

export const streamCommands: CommandFamily = {
  handlers: {
    xadd,
    xlen,
    xrange,
    xrevrange,
    xdel,
    xtrim,
    xsetid,
    xread,
    xreadgroup,
    xack,
    xpending,
    xclaim,
    xautoclaim,
    'xgroup|create': xgroup,
    'xgroup|setid': xgroup,
    'xgroup|destroy': xgroup,
    'xgroup|createconsumer': xgroup,
    'xgroup|delconsumer': xgroup,
    'xgroup|help': xgroupHelp,
    'xinfo|stream': xinfoStreamCommand,
    'xinfo|groups': xinfoGroups,
    'xinfo|consumers': xinfoConsumers,
    'xinfo|help': xinfoHelp,
  },
};
