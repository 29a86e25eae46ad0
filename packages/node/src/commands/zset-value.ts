import { ValueType, type Entry } from '../keyspace/entry.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';
import type { Client } from '../server/client.js';
import { SortedSet, type ZNode } from '../types/zset.js';

/**
 * The sorted set behind a key, for every zset command module (zset.ts, zset-range.ts,
 * zset-pop.ts, zset-algebra.ts) and GEO: the listpack/skiplist encoding rules, creating, storing
 * and emptying keys, and the member/score reply.
 */

/** zset-max-listpack-entries / -value, read per command as Redis reads server.* */
export interface ListpackLimits {
  entries: number;
  value: number;
}

export function listpackLimits(client: Client): ListpackLimits {
  const config = client.server.config;
  return { entries: config.int('zset-max-listpack-entries'), value: config.int('zset-max-listpack-value') };
}

export function zsetOf(entry: Entry): SortedSet {
  return entry.value as SortedSet;
}

/** ZADD's new set: a skiplist when listpacks are off or the first member is already too long. */
export function newZset(limits: ListpackLimits, firstMemberLength: number): SortedSet {
  return new SortedSet(limits.entries === 0 || limits.value < firstMemberLength ? 'skiplist' : 'listpack');
}

/** zsetAdd's encoding step: a listpack turns into a skiplist before a member that would not fit. */
export function addMember(zset: SortedSet, member: string, score: number, limits: ListpackLimits): boolean {
  if (zset.encoding === 'listpack' && zset.node(member) === undefined) {
    if (zset.size + 1 > limits.entries || member.length > limits.value) zset.encoding = 'skiplist';
  }
  return zset.set(member, score);
}

/** A new key holding a zset: blocked BZPOP* clients may be served from it. */
export function createKey(client: Client, key: string, zset: SortedSet): Entry {
  const entry = client.db.set(key, ValueType.ZSet, zset);
  client.server.blocking.signalKeyReady(client.db, key);
  return entry;
}

/**
 * setKey / dbDelete of the *STORE commands: a non-empty result replaces the destination (TTL
 * dropped), replies its size and publishes `event` (the command's zset event, e.g. "zunionstore";
 * callers that have not passed theirs yet publish nothing); an empty one deletes it (publishing
 * "del" when it existed) and replies 0. One dirty per change.
 */
export function storeResult(client: Client, key: string, zset: SortedSet, event?: string): void {
  if (zset.size > 0) {
    createKey(client, key, zset);
    client.integer(zset.size);
    if (event !== undefined) notify(client, NotifyFlag.zset, event, key);
    client.server.dirty++;
    return;
  }
  client.integer(0);
  if (client.db.delete(key)) {
    notify(client, NotifyFlag.generic, 'del', key);
    client.server.dirty++;
  }
}

/**
 * After removing members: publishes `event`, then the key goes with its last member (with its
 * "del" event), otherwise its memory is recounted.
 */
export function membersRemoved(client: Client, entry: Entry, event: string): void {
  notify(client, NotifyFlag.zset, event, entry.key);
  if (zsetOf(entry).size === 0) {
    client.db.remove(entry);
    notify(client, NotifyFlag.generic, 'del', entry.key);
  } else client.db.recharge(entry);
}

/** zsetConvertToListpackIfNeeded, for results built as skiplists. */
export function shrinkIfSmall(zset: SortedSet, limits: ListpackLimits, maxMemberLength: number): void {
  if (zset.size <= limits.entries && maxMemberLength <= limits.value) zset.encoding = 'listpack';
}

/** Members (and scores): flat in RESP2, [member, score] pairs in RESP3. */
export function replyNodes(client: Client, nodes: readonly ZNode[], withScores: boolean): void {
  const nested = withScores && client.resp === 3;
  client.arrayLength(withScores && !nested ? nodes.length * 2 : nodes.length);
  for (const node of nodes) {
    if (nested) client.arrayLength(2);
    client.bulk(node.member);
    if (withScores) client.double(node.score);
  }
}

