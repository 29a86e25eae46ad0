import type { Client } from '../server/client.js';
import type { Database } from './database.js';

/**
 * The deterministic memory figures (DESIGN.md): used_memory is a fixed base, plus the bytes
 * charged to keys (kept incrementally by every value type and Database), plus what connected
 * clients hold. Nothing here depends on the garbage collector, so eviction is reproducible.
 * The split into overhead and dataset follows Redis's getMemoryOverheadData.
 */

/** What Redis 7.0 reports for an empty server (used_memory_startup). */
export const BASE_MEMORY = 900 * 1024;

/**
 * Fixed bytes per connected client: Redis 7.0 allocates the client struct and a 16 KB reply
 * buffer for each (mem_clients_normal grows by about 22 KB per idle client).
 */
export const CLIENT_OVERHEAD = 22 * 1024;

/** Sizes of Redis's dict structures on 64-bit (dictEntry, bucket pointer, robj). */
const DICT_ENTRY = 24;
const BUCKET_POINTER = 8;
const OBJECT_HEADER = 16;

/** A client's bytes: the fixed part, unparsed input, replies not yet sent. */
export function clientMemory(client: Client): number {
  const socket = client.socket;
  const unsent = socket === null ? 0 : socket.writableLength;
  return CLIENT_OVERHEAD + client.parser.bufferedBytes + client.pendingBytes + unsent;
}

/** Redis's dictSlots: the table size, the next power of two of the key count (0 when empty). */
function dictSlots(size: number): number {
  if (size === 0) return 0;
  let slots = 4;
  while (slots < size) slots *= 2;
  return slots;
}

export interface DatabaseOverhead {
  readonly index: number;
  /** overhead.hashtable.main: entries, buckets and key objects of the main dict. */
  readonly main: number;
  /** overhead.hashtable.expires: entries and buckets of the dict of keys with a TTL. */
  readonly expires: number;
}

export interface MemoryOverhead {
  readonly startup: number;
  readonly clients: number;
  readonly databases: readonly DatabaseOverhead[];
  /** Everything that is not data: startup, clients, dict structures. */
  readonly total: number;
  /** used_memory minus the overhead (never negative). */
  readonly dataset: number;
  readonly keys: number;
}

/** getMemoryOverheadData's split, for INFO memory and MEMORY STATS. */
export function memoryOverhead(used: number, clients: number, databases: readonly Database[]): MemoryOverhead {
  let total = BASE_MEMORY + clients;
  let keys = 0;
  const overheads: DatabaseOverhead[] = [];
  for (const db of databases) {
    if (db.size === 0) continue;
    keys += db.size;
    const main = db.size * (DICT_ENTRY + OBJECT_HEADER) + dictSlots(db.size) * BUCKET_POINTER;
    const expires = db.expiresCount * DICT_ENTRY + dictSlots(db.expiresCount) * BUCKET_POINTER;
    overheads.push({ index: db.index, main, expires });
    total += main + expires;
  }
  return { startup: BASE_MEMORY, clients, databases: overheads, total, dataset: Math.max(used - total, 0), keys };
}
