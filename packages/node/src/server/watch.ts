import type { Database } from '../keyspace/database.js';
import { ClientFlag, type Client } from './client.js';

/** One key a client watches. */
interface WatchedKey {
  db: Database;
  key: string;
  client: Client;
  /** The key was already expired (but not yet removed) when WATCH ran. */
  expired: boolean;
}

/**
 * WATCH bookkeeping, as Redis's multi.c keeps it: per database, the clients watching each key;
 * per client, the keys it watches. A modification of a watched key marks its watchers
 * dirty (EXEC then replies a null array) and drops their watches, since nothing can undo it.
 */
export class WatchedKeys {
  private readonly byDb = new Map<Database, Map<string, WatchedKey[]>>();
  private readonly byClient = new Map<Client, WatchedKey[]>();

  /** Whether anyone watches anything: the one check a write pays when nobody does. */
  get empty(): boolean {
    return this.byClient.size === 0;
  }

  watch(client: Client, db: Database, key: string): void {
    const mine = this.byClient.get(client) ?? [];
    if (mine.some((w) => w.db === db && w.key === key)) return;
    const stored = db.stored(key);
    const watched: WatchedKey = { db, key, client, expired: stored !== undefined && db.isExpired(stored) };
    mine.push(watched);
    this.byClient.set(client, mine);
    let byKey = this.byDb.get(db);
    if (byKey === undefined) this.byDb.set(db, (byKey = new Map()));
    const watchers = byKey.get(key);
    if (watchers === undefined) byKey.set(key, [watched]);
    else watchers.push(watched);
  }

  unwatchAll(client: Client): void {
    const mine = this.byClient.get(client);
    if (mine === undefined) return;
    this.byClient.delete(client);
    for (const watched of mine) {
      const byKey = this.byDb.get(watched.db)!;
      const watchers = byKey.get(watched.key)!;
      watchers.splice(watchers.indexOf(watched), 1);
      if (watchers.length === 0) byKey.delete(watched.key);
      if (byKey.size === 0) this.byDb.delete(watched.db);
    }
  }

  /** EXEC refuses to run when a watched key expired after WATCH (Redis's isWatchedKeyExpired). */
  anyExpiredSinceWatch(client: Client): boolean {
    for (const watched of this.byClient.get(client) ?? []) {
      if (watched.expired) continue;
      const stored = watched.db.stored(watched.key);
      if (stored !== undefined && watched.db.isExpired(stored)) return true;
    }
    return false;
  }

  /** touchWatchedKey: a watched key was modified. */
  touched(db: Database, key: string): void {
    const watchers = this.byDb.get(db)?.get(key);
    if (watchers === undefined) return;
    for (const watched of [...watchers]) {
      if (watched.expired) {
        // Removing a key that was already expired at WATCH time changes nothing logically.
        if (db.stored(key) === undefined) {
          watched.expired = false;
          continue;
        }
        break;
      }
      watched.client.flags |= ClientFlag.dirtyCas;
      this.unwatchAll(watched.client);
    }
  }

  /** touchAllWatchedKeysInDb: `db` is emptied and (SWAPDB) refilled from `replacement`. */
  replaced(db: Database, replacement: Database | null): void {
    const byKey = this.byDb.get(db);
    if (byKey === undefined) return;
    for (const [key, watchers] of byKey) {
      const existed = db.stored(key) !== undefined;
      const incoming = replacement?.stored(key);
      if (!existed && incoming === undefined) continue;
      for (const watched of watchers) {
        if (watched.expired) {
          if (incoming === undefined) {
            watched.expired = false;
            continue;
          }
          if (replacement!.isExpired(incoming)) continue;
        } else if (!existed && replacement!.isExpired(incoming!)) {
          watched.expired = true;
          continue;
        }
        watched.client.flags |= ClientFlag.dirtyCas;
      }
    }
  }
}
