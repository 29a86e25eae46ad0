import type { Client } from '../server/client.js';
import { blockingTimeout, type KeyWaiter } from '../server/blocking.js';
import { ValueType, type Entry } from '../keyspace/entry.js';
import { Err, ReplyError } from '../protocol/errors.js';
import { List } from '../types/list.js';
import { INT64_MIN } from '../types/int64.js';
import { integerArgument, rangeArgument } from './arguments.js';
import { readTyped, writeTyped } from './lookup.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import type { CommandFamily } from './table.js';

/**
 * The LIST family, as Redis 7.0's t_list.c: pushes, pops (with COUNT), ranges, LPOS, moves,
 * LMPOP, and the blocking variants served through server/blocking.ts. Keys that become empty
 * are deleted; a list key created by a write signals clients blocked on it (Redis's dbAdd).
 */

const HEAD = true;
const TAIL = false;
/** Which end a command works on: true for the head (LEFT), false for the tail (RIGHT). */
type End = boolean;

const POSITIVE = 'ERR value is out of range, must be positive';
const RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use " +
  'negative to start from the end of the list';
const NUMKEYS = 'ERR numkeys should be greater than 0';
const COUNT_POSITIVE = 'ERR count should be greater than 0';

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** The list of an entry known to hold one. */
function listOf(entry: Entry): List {
  return entry.value as List;
}

/**
 * getPositiveLongFromObjectOrReply / getRangeLongFromObjectOrReply: `message` for any bad value.
 * Values past 2^53 (up to LONG_MAX) are valid counts: they come back inexact but as huge.
 */
function boundedArgument(text: string, min: number, message: string): number {
  const value = integerArgument(text, message);
  if (value < min) throw new ReplyError(message);
  return Number(value);
}

/** LEFT / RIGHT (any case), or a syntax error. */
function endArgument(text: string): End {
  const word = text.toLowerCase();
  if (word === 'left') return HEAD;
  if (word === 'right') return TAIL;
  throw new ReplyError(Err.syntax);
}

/** dbAdd of a new list: stores it and wakes the clients blocked on the key. */
function addList(client: Client, key: string, list: List): Entry {
  const entry = client.db.set(key, ValueType.List, list);
  client.server.blocking.signalKeyReady(client.db, key);
  return entry;
}

/**
 * After removing elements (listElementsRemoved): publishes `event`, then deletes the key when
 * the list is empty (with its "del" event), else recharges its memory.
 */
function elementsRemoved(client: Client, entry: Entry, event: string): void {
  notify(client, NotifyFlag.list, event, entry.key);
  if (listOf(entry).length === 0) {
    client.db.remove(entry);
    notify(client, NotifyFlag.generic, 'del', entry.key);
  } else client.db.recharge(entry);
}

function pop(list: List, end: End): string {
  return (end === HEAD ? list.popHead() : list.popTail())!;
}

function popEvent(end: End): string {
  return end === HEAD ? 'lpop' : 'rpop';
}

function pushEvent(end: End): string {
  return end === HEAD ? 'lpush' : 'rpush';
}

/** addListRangeReply on normalised bounds: elements start..end (inclusive), reversed or not. */
function replyRange(client: Client, list: List, start: number, end: number): void {
  const length = list.length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) {
    client.emptyArray();
    return;
  }
  if (end >= length) end = length - 1;
  client.arrayLength(end - start + 1);
  // Small elements are framed into one string and written at once: far fewer buffer calls.
  let framed = '';
  for (let i = start; i <= end; i++) {
    const element = list.at(i);
    if (element.length > FRAME_LIMIT) {
      client.rawText(framed);
      framed = '';
      client.bulk(element);
    } else framed += `$${element.length}\r\n${element}\r\n`;
  }
  client.rawText(framed);
}

/** Longest element replyRange frames inline; bigger ones are written directly. */
const FRAME_LIMIT = 256;

/** Pops up to `count` elements from one end, replying them as an array in pop order. */
function popRange(client: Client, entry: Entry, end: End, count: number): number {
  const list = listOf(entry);
  const n = Math.min(count, list.length);
  client.arrayLength(n);
  for (let i = 0; i < n; i++) client.bulk(pop(list, end));
  elementsRemoved(client, entry, popEvent(end));
  return n;
}

/** listPopRangeAndReplyWithKey: [key, [elements]] (LMPOP, BLMPOP). */
function popRangeWithKey(client: Client, key: string, entry: Entry, end: End, count: number): void {
  client.arrayLength(2);
  client.bulk(key);
  client.server.dirty += popRange(client, entry, end, count);
}

// ---------------------------------------------------------------------------------------------
// Pushes

function pushGeneric(client: Client, argv: string[], end: End, onlyExisting: boolean): void {
  const key = argv[1]!;
  const entry = writeTyped(client, key, ValueType.List);
  if (entry === undefined && onlyExisting) {
    client.integer(0);
    return;
  }
  const list = entry === undefined ? new List(argv.length - 2) : listOf(entry);
  if (end === HEAD) for (let i = 2; i < argv.length; i++) list.pushHead(argv[i]!);
  else for (let i = 2; i < argv.length; i++) list.pushTail(argv[i]!);
  if (entry === undefined) addList(client, key, list);
  else client.db.recharge(entry);
  client.server.dirty += argv.length - 2;
  client.integer(list.length);
  notify(client, NotifyFlag.list, pushEvent(end), key);
}

function lpush(client: Client, argv: string[]): void {
  pushGeneric(client, argv, HEAD, false);
}

function rpush(client: Client, argv: string[]): void {
  pushGeneric(client, argv, TAIL, false);
}

function lpushx(client: Client, argv: string[]): void {
  pushGeneric(client, argv, HEAD, true);
}

function rpushx(client: Client, argv: string[]): void {
  pushGeneric(client, argv, TAIL, true);
}

/** LINSERT key BEFORE|AFTER pivot element */
function linsert(client: Client, argv: string[]): void {
  const where = argv[2]!.toLowerCase();
  if (where !== 'before' && where !== 'after') {
    client.error(Err.syntax);
    return;
  }
  const entry = writeTyped(client, argv[1]!, ValueType.List);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const list = listOf(entry);
  const pivot = list.indexOf(argv[3]!);
  if (pivot === -1) {
    client.integer(-1);
    return;
  }
  list.insert(where === 'after' ? pivot + 1 : pivot, argv[4]!);
  client.db.recharge(entry);
  notify(client, NotifyFlag.list, 'linsert', entry.key);
  client.server.dirty++;
  client.integer(list.length);
}

// ---------------------------------------------------------------------------------------------
// Pops

/** LPOP/RPOP key [count]: a bulk (or null) without count, an array (or null array) with it. */
function popGeneric(client: Client, argv: string[], end: End): void {
  if (argv.length > 3) {
    client.error(Err.arity(argv[0]!.toLowerCase()));
    return;
  }
  const hasCount = argv.length === 3;
  const count = hasCount ? boundedArgument(argv[2]!, 0, POSITIVE) : 1;
  const entry = writeTyped(client, argv[1]!, ValueType.List);
  if (entry === undefined) {
    if (hasCount) client.nullArray();
    else client.nullBulk();
    return;
  }
  if (!hasCount) {
    client.bulk(pop(listOf(entry), end));
    elementsRemoved(client, entry, popEvent(end));
    client.server.dirty++;
  } else if (count === 0) client.emptyArray();
  else client.server.dirty += popRange(client, entry, end, count);
}

function lpop(client: Client, argv: string[]): void {
  popGeneric(client, argv, HEAD);
}

function rpop(client: Client, argv: string[]): void {
  popGeneric(client, argv, TAIL);
}

/** LMPOP/BLMPOP arguments: numkeys key... LEFT|RIGHT [COUNT count]. */
interface MultiPop {
  keys: string[];
  end: End;
  count: number;
}

function parseMultiPop(argv: readonly string[], numkeysAt: number): MultiPop {
  const numkeys = boundedArgument(argv[numkeysAt]!, 1, NUMKEYS);
  const whereAt = numkeysAt + numkeys + 1;
  if (whereAt >= argv.length) throw new ReplyError(Err.syntax);
  const end = endArgument(argv[whereAt]!);
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && j + 1 < argv.length) {
      count = boundedArgument(argv[++j]!, 1, COUNT_POSITIVE);
    } else throw new ReplyError(Err.syntax);
  }
  return { keys: argv.slice(numkeysAt + 1, whereAt), end, count: count === -1 ? 1 : count };
}

/** The first key holding a non-empty list (WRONGTYPE on a key of another type before it). */
function firstList(client: Client, keys: readonly string[]): Entry | undefined {
  for (const key of keys) {
    const entry = writeTyped(client, key, ValueType.List);
    if (entry !== undefined) return entry;
  }
  return undefined;
}

/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
function lmpop(client: Client, argv: string[]): void {
  const { keys, end, count } = parseMultiPop(argv, 1);
  const entry = firstList(client, keys);
  if (entry === undefined) client.nullArray();
  else popRangeWithKey(client, entry.key, entry, end, count);
}

// ---------------------------------------------------------------------------------------------
// Reads

function llen(client: Client, argv: string[]): void {
  const entry = readTyped(client, argv[1]!, ValueType.List);
  client.integer(entry === undefined ? 0 : listOf(entry).length);
}

/** The position of a (possibly negative) index in a list of `length`, or -1 when out of range. */
function position(index: number, length: number): number {
  const at = index < 0 ? length + index : index;
  return at >= 0 && at < length ? at : -1;
}

function lindex(client: Client, argv: string[]): void {
  const entry = readTyped(client, argv[1]!, ValueType.List);
  if (entry === undefined) {
    client.nullBulk();
    return;
  }
  const list = listOf(entry);
  const at = position(rangeArgument(argv[2]!), list.length);
  if (at === -1) client.nullBulk();
  else client.bulk(list.at(at));
}

function lrange(client: Client, argv: string[]): void {
  const start = rangeArgument(argv[2]!);
  const end = rangeArgument(argv[3]!);
  const entry = readTyped(client, argv[1]!, ValueType.List);
  if (entry === undefined) client.emptyArray();
  else replyRange(client, listOf(entry), start, end);
}

/** Parsed LPOS options: rank (sign = direction), count (-1 = not given), maxlen (0 = all). */
interface LposOptions {
  rank: number;
  /** RANK was LONG_MIN, whose negation overflows in C (see lpos). */
  wrapped: boolean;
  count: number;
  maxlen: number;
}

function parseLposOptions(argv: readonly string[]): LposOptions {
  const options: LposOptions = { rank: 1, wrapped: false, count: -1, maxlen: 0 };
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    const hasValue = j + 1 < argv.length;
    if (option === 'rank' && hasValue) {
      const rank = integerArgument(argv[++j]!);
      if (rank === 0) throw new ReplyError(RANK_ZERO);
      options.rank = Number(rank);
      options.wrapped = rank === INT64_MIN;
    } else if (option === 'count' && hasValue) {
      options.count = boundedArgument(argv[++j]!, 0, "ERR COUNT can't be negative");
    } else if (option === 'maxlen' && hasValue) {
      options.maxlen = boundedArgument(argv[++j]!, 0, "ERR MAXLEN can't be negative");
    } else throw new ReplyError(Err.syntax);
  }
  return options;
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function lpos(client: Client, argv: string[]): void {
  const { rank, wrapped, count, maxlen } = parseLposOptions(argv);
  const entry = readTyped(client, argv[1]!, ValueType.List);
  if (entry === undefined) {
    if (count !== -1) client.emptyArray();
    else client.nullBulk();
    return;
  }
  const list = listOf(entry);
  const element = argv[2]!;
  const length = list.length;
  const fromTail = rank < 0;
  // -LONG_MIN overflows in C and stays negative: every match qualifies and COUNT never stops it.
  const skip = wrapped ? 0 : Math.abs(rank) - 1;
  const limit = maxlen === 0 ? length : Math.min(maxlen, length);
  const found: number[] = [];
  let matches = 0;
  for (let i = 0; i < limit; i++) {
    const at = fromTail ? length - 1 - i : i;
    if (list.at(at) !== element) continue;
    if (++matches <= skip) continue;
    found.push(at);
    if (count === -1 || (count !== 0 && !wrapped && found.length >= count)) break;
  }
  if (count !== -1) {
    client.arrayLength(found.length);
    for (const at of found) client.integer(at);
  } else if (found.length === 0) client.nullBulk();
  else client.integer(found[0]!);
}

// ---------------------------------------------------------------------------------------------
// In-place edits

function lset(client: Client, argv: string[]): void {
  const entry = writeTyped(client, argv[1]!, ValueType.List);
  if (entry === undefined) {
    client.error(Err.noSuchKey);
    return;
  }
  const list = listOf(entry);
  const at = position(rangeArgument(argv[2]!), list.length);
  if (at === -1) {
    client.error(Err.outOfRange);
    return;
  }
  list.set(at, argv[3]!);
  client.db.recharge(entry);
  client.server.dirty++;
  client.ok();
  notify(client, NotifyFlag.list, 'lset', entry.key);
}

function ltrim(client: Client, argv: string[]): void {
  let start = rangeArgument(argv[2]!);
  let end = rangeArgument(argv[3]!);
  const entry = writeTyped(client, argv[1]!, ValueType.List);
  if (entry === undefined) {
    client.ok();
    return;
  }
  const list = listOf(entry);
  const length = list.length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  let fromHead: number;
  let fromTail: number;
  if (start > end || start >= length) {
    fromHead = length;
    fromTail = 0;
  } else {
    if (end >= length) end = length - 1;
    fromHead = start;
    fromTail = length - end - 1;
  }
  list.trim(fromHead, fromTail);
  // Published even when nothing was trimmed.
  elementsRemoved(client, entry, 'ltrim');
  client.server.dirty += fromHead + fromTail;
  client.ok();
}

/** LREM key count element: count > 0 from the head, < 0 from the tail, 0 all. */
function lrem(client: Client, argv: string[]): void {
  const count = integerArgument(argv[2]!);
  const entry = writeTyped(client, argv[1]!, ValueType.List);
  if (entry === undefined) {
    client.integer(0);
    return;
  }
  const limit = typeof count === 'bigint' ? 0 : Math.abs(count);
  const fromTail = count < 0;
  const removed = listOf(entry).removeMatching(argv[3]!, limit, fromTail);
  if (removed > 0) elementsRemoved(client, entry, 'lrem');
  client.server.dirty += removed;
  client.integer(removed);
}

// ---------------------------------------------------------------------------------------------
// Moves

/**
 * lmoveHandlePush: pushes onto the destination (created and signalled when new), publishes the
 * push, replies the value.
 */
function pushMoved(client: Client, key: string, destination: Entry | undefined, value: string, end: End): void {
  if (destination === undefined) addList(client, key, List.of([value]));
  else {
    const list = listOf(destination);
    if (end === HEAD) list.pushHead(value);
    else list.pushTail(value);
    client.db.recharge(destination);
  }
  notify(client, NotifyFlag.list, pushEvent(end), key);
  client.bulk(value);
}

/**
 * Moves one element from a non-empty source to `destinationKey` (checked for type first): the
 * destination's push is published before the source's pop (and its "del").
 */
function moveElement(client: Client, source: Entry, destinationKey: string, from: End, to: End): void {
  const destination = writeTyped(client, destinationKey, ValueType.List);
  const value = pop(listOf(source), from);
  pushMoved(client, destinationKey, destination, value, to);
  elementsRemoved(client, source, popEvent(from));
}

/** lmoveGenericCommand */
function lmoveGeneric(client: Client, argv: string[], from: End, to: End): void {
  const source = writeTyped(client, argv[1]!, ValueType.List);
  if (source === undefined) {
    client.nullBulk();
    return;
  }
  moveElement(client, source, argv[2]!, from, to);
  client.server.dirty++;
}

function lmove(client: Client, argv: string[]): void {
  const from = endArgument(argv[3]!);
  const to = endArgument(argv[4]!);
  lmoveGeneric(client, argv, from, to);
}

function rpoplpush(client: Client, argv: string[]): void {
  lmoveGeneric(client, argv, TAIL, HEAD);
}

// ---------------------------------------------------------------------------------------------
// Blocking variants

/** Timeout reply of every blocking list command, BLMOVE included (replyToBlockedClientTimedOut). */
function replyTimedOut(client: Client): void {
  client.nullArray();
}

/** blockingPopGenericCommand: BLPOP/BRPOP (count -1) and BLMPOP. */
function blockingPop(client: Client, keys: readonly string[], end: End, timeoutText: string, count: number): void {
  const timeoutAt = blockingTimeout(timeoutText, client.server.clock.ms);
  const entry = firstList(client, keys);
  if (entry !== undefined) {
    if (count !== -1) popRangeWithKey(client, entry.key, entry, end, count);
    else {
      replyPopped(client, entry, end);
      client.server.dirty++;
    }
    return;
  }
  client.server.blocking.block(client, keys, timeoutAt, replyTimedOut, LIST_WAITER);
}

/** [key, element] for BLPOP/BRPOP. */
function replyPopped(client: Client, entry: Entry, end: End): void {
  client.arrayLength(2);
  client.bulk(entry.key);
  client.bulk(pop(listOf(entry), end));
  elementsRemoved(client, entry, popEvent(end));
}

function blpop(client: Client, argv: string[]): void {
  blockingPop(client, argv.slice(1, -1), HEAD, argv[argv.length - 1]!, -1);
}

function brpop(client: Client, argv: string[]): void {
  blockingPop(client, argv.slice(1, -1), TAIL, argv[argv.length - 1]!, -1);
}

/** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] */
function blmpop(client: Client, argv: string[]): void {
  const { keys, end, count } = parseMultiPop(argv, 2);
  blockingPop(client, keys, end, argv[1]!, count);
}

/** blmoveGenericCommand: LMOVE when the source has data, else wait on the source. */
function blockingMove(client: Client, argv: string[], from: End, to: End, timeoutAt: number): void {
  const source = writeTyped(client, argv[1]!, ValueType.List);
  if (source !== undefined) {
    lmoveGeneric(client, argv, from, to);
    return;
  }
  // Unlike a timeout (null array), a move that may not wait replies a null bulk.
  if (!client.server.blocking.mayBlock(client)) client.nullBulk();
  else client.server.blocking.block(client, [argv[1]!], timeoutAt, replyTimedOut, LIST_WAITER);
}

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
function blmove(client: Client, argv: string[]): void {
  const from = endArgument(argv[3]!);
  const to = endArgument(argv[4]!);
  blockingMove(client, argv, from, to, blockingTimeout(argv[5]!, client.server.clock.ms));
}

/** BRPOPLPUSH source destination timeout */
function brpoplpush(client: Client, argv: string[]): void {
  blockingMove(client, argv, TAIL, HEAD, blockingTimeout(argv[3]!, client.server.clock.ms));
}

/**
 * serveClientBlockedOnList: a list key the client waits on got elements. BLPOP/BRPOP reply
 * [key, element], BLMPOP [key, [elements]], BLMOVE/BRPOPLPUSH the moved element — or WRONGTYPE
 * when the destination now holds another type, leaving the source untouched. As in Redis, only
 * BLMPOP counts its pops as changes here (the push already counted).
 */
function serveBlockedList(client: Client, argv: readonly string[], key: string, entry: Entry): void {
  const name = argv[0]!.toLowerCase();
  if (name === 'blpop' || name === 'brpop') replyPopped(client, entry, name === 'blpop');
  else if (name === 'blmpop') {
    const { end, count } = parseMultiPop(argv, 2);
    popRangeWithKey(client, key, entry, end, count);
  } else {
    const rpoplpushForm = name === 'brpoplpush';
    const from = rpoplpushForm ? TAIL : endArgument(argv[3]!);
    const to = rpoplpushForm ? HEAD : endArgument(argv[4]!);
    const destination = client.db.lookup(argv[2]!);
    if (destination !== undefined && destination.type !== ValueType.List) client.error(Err.wrongType);
    else moveElement(client, entry, argv[2]!, from, to);
  }
}

const LIST_WAITER: KeyWaiter = { type: ValueType.List, serve: serveBlockedList };

export const listCommands: CommandFamily = {
  handlers: {
    lpush,
    rpush,
    lpushx,
    rpushx,
    linsert,
    lpop,
    rpop,
    lmpop,
    llen,
    lindex,
    lrange,
    lpos,
    lset,
    ltrim,
    lrem,
    lmove,
    rpoplpush,
    blpop,
    brpop,
    blmpop,
    blmove,
    brpoplpush,
  },
};
