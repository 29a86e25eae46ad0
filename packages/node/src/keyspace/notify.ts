import { NotifyFlag } from '../server/config-special.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';

/*
 * Keyspace notifications (Redis's notify.c). notify-keyspace-events is parsed and normalised by
 * the config codec (server/config-special.ts); the server keeps the flags in `notifyFlags`.
 * Family modules call `notify` right where Redis calls notifyKeyspaceEvent, with its event name.
 */

export { NotifyFlag };

/**
 * Publishes `event` for `key` of database `dbIndex` when the class `type` is enabled:
 * `__keyspace@<db>__:<key>` → event and `__keyevent@<db>__:<event>` → key.
 */
export function notifyKeyspaceEvent(server: Server, type: number, event: string, key: string, dbIndex: number): void {
  const flags = server.notifyFlags;
  if ((flags & type) === 0) return;
  const pubsub = server.pubsub;
  if ((flags & NotifyFlag.keyspace) !== 0) pubsub.publish(`__keyspace@${dbIndex}__:${key}`, event, pubsub.global);
  if ((flags & NotifyFlag.keyevent) !== 0) pubsub.publish(`__keyevent@${dbIndex}__:${event}`, key, pubsub.global);
}

/** notifyKeyspaceEvent for a key of the client's selected database. */
export function notify(client: Client, type: number, event: string, key: string): void {
  const server = client.server;
  if ((server.notifyFlags & type) !== 0) notifyKeyspaceEvent(server, type, event, key, client.db.index);
}
