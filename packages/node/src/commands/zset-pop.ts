import { ValueType, type Entry } from '../keyspace/entry.js';
import { Err, ReplyError } from '../protocol/errors.js';
import { blockingTimeout, type KeyWaiter } from '../server/blocking.js';
import type { Client } from '../server/client.js';
import type { ZNode } from '../types/zset.js';
import { LONG_MAX, longInRange, positiveLong } from './arguments.js';
import { writeTyped } from './lookup.js';
import { membersRemoved, zsetOf } from './zset-value.js';
import type { CommandFamily } from './table.js';

/** Sorted-set pops from the low or high end: ZPOPMIN/ZPOPMAX, ZMPOP and their blocking forms. */

const enum Reply {
  /** ZPOPMIN key: member, score, … */
  Flat,
  /** ZPOPMIN key count in RESP3: [member, score] pairs. */
  Nested,
  /** BZPOPMIN: key, member, score. */
  FlatWithKey,
  /** ZMPOP/BZMPOP: [key, [[member, score], …]]. */
  NestedWithKey,
}

/**
 * genericZpopCommand on one zset: removes up to `count` members from the low (or high) end
 * (count -1: one) and replies in `shape`.
 */
function popFrom(client: Client, entry: Entry, max: boolean, count: number, shape: Reply): void {
  const zset = zsetOf(entry);
  const n = Math.min(count === -1 ? 1 : count, zset.size);
  const nodes = new Array<ZNode>(n);
  for (let i = 0; i < n; i++) {
    const node = max ? zset.last! : zset.first!;
    zset.deleteNode(node);
    nodes[i] = node;
  }
  client.server.dirty += n;
  const nested = shape === Reply.Nested || shape === Reply.NestedWithKey;
  if (shape === Reply.Flat) client.arrayLength(n * 2);
  else if (shape === Reply.Nested) client.arrayLength(n);
  else if (shape === Reply.FlatWithKey) {
    client.arrayLength(n * 2 + 1);
    client.bulk(entry.key);
  } else {
    client.arrayLength(2);
    client.bulk(entry.key);
    client.arrayLength(n);
  }
  for (const node of nodes) {
    if (nested) client.arrayLength(2);
    client.bulk(node.member);
    client.double(node.score);
  }
  // One event per call, published after the whole reply.
  membersRemoved(client, entry, max ? 'zpopmax' : 'zpopmin');
}

/** The first of `keys` holding a zset (lookupKeyWrite; another type is WRONGTYPE). */
function firstZset(client: Client, keys: readonly string[]): Entry | undefined {
  for (const key of keys) {
    const entry = writeTyped(client, key, ValueType.ZSet);
    if (entry !== undefined) return entry;
  }
  return undefined;
}

function zpopGeneric(client: Client, argv: string[], max: boolean): void {
  if (argv.length > 3) {
    client.error(Err.syntax);
    return;
  }
  const count = argv.length === 3 ? positiveLong(argv[2]!) : -1;
  const entry = writeTyped(client, argv[1]!, ValueType.ZSet);
  if (entry === undefined || count === 0) {
    client.emptyArray();
    return;
  }
  popFrom(client, entry, max, count, client.resp === 3 && count !== -1 ? Reply.Nested : Reply.Flat);
}

function zpopmin(client: Client, argv: string[]): void {
  zpopGeneric(client, argv, false);
}

function zpopmax(client: Client, argv: string[]): void {
  zpopGeneric(client, argv, true);
}

/** ZMPOP/BZMPOP arguments: numkeys key… MIN|MAX [COUNT count]. */
interface MultiPop {
  keys: string[];
  max: boolean;
  count: number;
}

function parseMultiPop(argv: readonly string[], numkeysIndex: number): MultiPop {
  const numkeys = Number(longInRange(argv[numkeysIndex]!, 1n, LONG_MAX, 'ERR numkeys should be greater than 0'));
  const whereIndex = numkeysIndex + numkeys + 1;
  if (whereIndex >= argv.length) throw new ReplyError(Err.syntax);
  const where = argv[whereIndex]!.toLowerCase();
  if (where !== 'min' && where !== 'max') throw new ReplyError(Err.syntax);
  let count = -1;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && j + 1 < argv.length) {
      count = Number(longInRange(argv[++j]!, 1n, LONG_MAX, 'ERR count should be greater than 0'));
    } else throw new ReplyError(Err.syntax);
  }
  return { keys: argv.slice(numkeysIndex + 1, whereIndex), max: where === 'max', count: count === -1 ? 1 : count };
}

function zmpop(client: Client, argv: string[]): void {
  const { keys, max, count } = parseMultiPop(argv, 1);
  const entry = firstZset(client, keys);
  if (entry === undefined) client.nullArray();
  else popFrom(client, entry, max, count, Reply.NestedWithKey);
}

/** Served when a key a BZPOPMIN/BZPOPMAX/BZMPOP client waits on gets a zset. */
const ZSET_WAITER: KeyWaiter = {
  type: ValueType.ZSet,
  serve(client, argv, _key, entry) {
    const name = argv[0]!.toLowerCase();
    if (name === 'bzmpop') {
      const { max, count } = parseMultiPop(argv, 2);
      popFrom(client, entry, max, count, Reply.NestedWithKey);
    } else popFrom(client, entry, name === 'bzpopmax', -1, Reply.FlatWithKey);
  },
};

function replyTimedOut(client: Client): void {
  client.nullArray();
}

/** blockingGenericZpopCommand: the timeout is read first, then the keys in order. */
function blockingPop(client: Client, keys: readonly string[], timeoutText: string, pop: (entry: Entry) => void): void {
  const timeoutAt = blockingTimeout(timeoutText, client.server.clock.ms);
  const entry = firstZset(client, keys);
  if (entry !== undefined) pop(entry);
  else client.server.blocking.block(client, keys, timeoutAt, replyTimedOut, ZSET_WAITER);
}

function bzpopmin(client: Client, argv: string[]): void {
  blockingPop(client, argv.slice(1, -1), argv[argv.length - 1]!, (entry) => popFrom(client, entry, false, -1, Reply.FlatWithKey));
}

function bzpopmax(client: Client, argv: string[]): void {
  blockingPop(client, argv.slice(1, -1), argv[argv.length - 1]!, (entry) => popFrom(client, entry, true, -1, Reply.FlatWithKey));
}

function bzmpop(client: Client, argv: string[]): void {
  const { keys, max, count } = parseMultiPop(argv, 2);
  blockingPop(client, keys, argv[1]!, (entry) => popFrom(client, entry, max, count, Reply.NestedWithKey));
}

export const zsetPopCommands: CommandFamily = {
  handlers: {
    zpopmin,
    zpopmax,
    zmpop,
    bzpopmin,
    bzpopmax,
    bzmpop,
  },
};
