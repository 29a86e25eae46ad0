import type { Database } from '../keyspace/database.js';
import { ClientFlag, type Client } from './client.js';

/** Runs a blocked client's command again, then the input queued behind it (the server's resume path). */
export type RerunClient = (client: Client, argv: string[]) => void;

/** What a client blocked on keys waits for. */
interface BlockedOnKeys {
  db: Database;
  keys: readonly string[];
  argv: string[];
  /** Writes the reply a timeout gets (null array for BLPOP, null bulk for BLMOVE, …). */
  timeoutReply: (client: Client) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK, …). A blocking command that finds no
 * data calls `block`; writers call `signalKeyReady` when they add data to a key; after the
 * current command (or EXEC) finishes, `serveReadyKeys` re-runs the commands of the clients
 * waiting on those keys, oldest first, through the whole dispatch — a re-run that finds data
 * replies, one that does not blocks again. Timeouts and CLIENT UNBLOCK end the wait early.
 */
export class BlockingKeys {
  private readonly waiting = new Map<Database, Map<string, Set<Client>>>();
  private readonly blocked = new Map<Client, BlockedOnKeys>();
  /** Keys that got data since they were last served, in signal order. */
  private readyKeys: { db: Database; key: string }[] = [];
  private readonly readySet = new Set<string>();
  private serving = false;

  constructor(private readonly rerun: RerunClient) {}

  /** Clients blocked on keys, for INFO blocked_clients. */
  get blockedCount(): number {
    return this.blocked.size;
  }

  /** Whether some key got data and blocked clients may be served. */
  get hasReadyKeys(): boolean {
    return this.readyKeys.length > 0;
  }

  isBlocked(client: Client): boolean {
    return this.blocked.has(client);
  }

  /**
   * Blocks `client` on `keys` until one gets data, `timeoutAt` (ms since the epoch; 0 waits
   * forever) passes, or it is unblocked. Inside MULTI (or a script) a blocking command cannot
   * wait: it answers as if it timed out at once, as Redis does.
   */
  block(client: Client, keys: readonly string[], timeoutAt: number, timeoutReply: (client: Client) => void): void {
    if ((client.flags & ClientFlag.multi) !== 0 || client.server.executingTransaction) {
      timeoutReply(client);
      return;
    }
    const db = client.db;
    let byKey = this.waiting.get(db);
    if (byKey === undefined) this.waiting.set(db, (byKey = new Map()));
    for (const key of keys) {
      let clients = byKey.get(key);
      if (clients === undefined) byKey.set(key, (clients = new Set()));
      clients.add(client);
    }
    const state: BlockedOnKeys = { db, keys, argv: client.argv, timeoutReply, timer: null };
    if (timeoutAt > 0) {
      state.timer = setTimeout(onTimeout, Math.max(0, timeoutAt - Date.now()), this, client);
    }
    this.blocked.set(client, state);
    client.flags |= ClientFlag.blocked;
  }

  /** A write added data to `key`: clients waiting on it are served after the current command. */
  signalKeyReady(db: Database, key: string): void {
    const clients = this.waiting.get(db)?.get(key);
    if (clients === undefined || clients.size === 0) return;
    const id = `${db.index}:${key}`;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.readyKeys.push({ db, key });
  }

  /** Serves the clients waiting on keys that got data; keys readied meanwhile are served too. */
  serveReadyKeys(): void {
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.readyKeys.length > 0) {
        const ready = this.readyKeys;
        this.readyKeys = [];
        this.readySet.clear();
        for (const { db, key } of ready) this.serveKey(db, key);
      }
    } finally {
      this.serving = false;
    }
  }

  private serveKey(db: Database, key: string): void {
    const clients = this.waiting.get(db)?.get(key);
    if (clients === undefined) return;
    // Oldest first; stop once the key has nothing left to give.
    for (const client of [...clients]) {
      if (!db.has(key)) return;
      const state = this.blocked.get(client);
      if (state === undefined) continue;
      this.release(client, state);
      this.rerun(client, state.argv);
    }
  }

  /** CLIENT UNBLOCK: ends a wait as a timeout, or with the UNBLOCKED error. False if not blocked. */
  unblock(client: Client, withError: boolean): boolean {
    const state = this.blocked.get(client);
    if (state === undefined) return false;
    this.release(client, state);
    if (withError) client.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    else state.timeoutReply(client);
    this.rerun(client, EMPTY_ARGV);
    return true;
  }

  /** Timer callback: the wait is over without data. */
  timedOut(client: Client): void {
    const state = this.blocked.get(client);
    if (state === undefined) return;
    this.release(client, state);
    state.timeoutReply(client);
    this.rerun(client, EMPTY_ARGV);
  }

  /** A disconnected client stops waiting. */
  forget(client: Client): void {
    const state = this.blocked.get(client);
    if (state !== undefined) this.release(client, state);
  }

  private release(client: Client, state: BlockedOnKeys): void {
    if (state.timer !== null) clearTimeout(state.timer);
    const byKey = this.waiting.get(state.db);
    for (const key of state.keys) {
      const clients = byKey?.get(key);
      if (clients === undefined) continue;
      clients.delete(client);
      if (clients.size === 0) byKey!.delete(key);
    }
    this.blocked.delete(client);
    client.flags &= ~ClientFlag.blocked;
  }
}

const EMPTY_ARGV: string[] = [];

function onTimeout(blocking: BlockingKeys, client: Client): void {
  blocking.timedOut(client);
}
