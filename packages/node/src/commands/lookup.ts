import type { Entry } from '../keyspace/entry.js';
import { ValueType } from '../keyspace/entry.js';
import { Err, ReplyError } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import { notify, NotifyFlag } from '../keyspace/notify.js';

/** lookupKeyRead: the live entry, counting a keyspace hit or miss as Redis does. */
export function lookupRead(client: Client, key: string): Entry | undefined {
  const entry = client.db.lookup(key);
  if (entry === undefined) keyspaceMiss(client, key);
  else client.server.stats.keyspaceHits++;
  return entry;
}

/** A read found no key: counts the miss and publishes the "keymiss" event (class m). */
export function keyspaceMiss(client: Client, key: string): void {
  client.server.stats.keyspaceMisses++;
  notify(client, NotifyFlag.keyMiss, 'keymiss', key);
}

/**
 * lookupKeyRead + checkType: the entry when it holds `type`, undefined when the key is absent;
 * a key of another type abandons the command with WRONGTYPE.
 */
export function readTyped(client: Client, key: string, type: ValueType): Entry | undefined {
  const entry = lookupRead(client, key);
  if (entry !== undefined && entry.type !== type) throw new ReplyError(Err.wrongType);
  return entry;
}

/** lookupKeyWrite + checkType: like readTyped, without touching the hit/miss counters. */
export function writeTyped(client: Client, key: string, type: ValueType): Entry | undefined {
  const entry = client.db.lookup(key);
  if (entry !== undefined && entry.type !== type) throw new ReplyError(Err.wrongType);
  return entry;
}
