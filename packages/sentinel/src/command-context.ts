/**
 * What the Sentinel's command handlers share: the Sentinel a server runs (handlers get only the
 * client), and the argument checks and replies several of them use.
 */
import type { Client } from '@tsredis/node/server/client';
import type { Server } from '@tsredis/node/server/server';
import type { Instance } from './instance.js';
import type { Sentinel } from './sentinel.js';

const sentinels = new WeakMap<Server, Sentinel>();

/** Connects a server to the Sentinel its commands act on. */
export function bindSentinel(server: Server, sentinel: Sentinel): void {
  sentinels.set(server, sentinel);
}

export function sentinelOf(client: Client): Sentinel {
  return sentinels.get(client.server)!;
}

export const NO_SUCH_MASTER = 'ERR No such master with that name';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';

/** Redis's string2ll: a canonical signed 64-bit decimal, or null. */
export function parseLong(text: string): number | null {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(text)) return null;
  const value = BigInt(text);
  if (value > 9223372036854775807n || value < -9223372036854775808n) return null;
  return Number(value);
}

export function masterOrError(client: Client, sentinel: Sentinel, name: string): Instance | null {
  const master = sentinel.state.masters.get(name);
  if (master === undefined) client.error(NO_SUCH_MASTER);
  return master ?? null;
}

export function flushConfigAndReply(client: Client, sentinel: Sentinel): void {
  if (sentinel.flushConfig()) client.ok();
  else client.error('ERR Failed to save config file. Check server logs.');
}
