import { performance } from 'node:perf_hooks';
import type { Command } from '../commands/table.js';
import type { Database } from '../keyspace/database.js';
import { ValueType, type Entry } from '../keyspace/entry.js';
import { ReplyError } from '../protocol/errors.js';
import { ceilScaledToInt64, parseLongDouble } from '../types/long-double.js';
import { ClientFlag, type Client } from './client.js';
import type { Server } from './server.js';

/** Runs the input queued behind a client's finished command (the server's resume path; argv is empty). */
export type RerunClient = (client: Client, argv: string[]) => void;

/**
 * How a blocked command is served when a key it waits on gets data. Redis 7.0 serves a ready key
 * by the type it holds now: only clients waiting for that type are served (from that very key),
 * the others keep waiting. `serve` replies exactly once; it may reply an error (BLMOVE whose
 * destination holds another type). Waiters are module-level objects, one per command family.
 */
export interface KeyWaiter {
  readonly type: ValueType;
  serve(client: Client, argv: readonly string[], key: string, entry: Entry): void;
  /**
   * The error that ends the wait when the key is deleted or replaced by another type, or null
   * to keep waiting (Redis 7.0 ends only XREADGROUP's: its group went with the stream).
   */
  goneError?(argv: readonly string[]): string | null;
}

/** What a client blocked on keys waits for. */
interface BlockedOnKeys {
  db: Database;
  keys: readonly string[];
  argv: string[];
  command: Command | null;
  waiter: KeyWaiter;
  /** Writes the reply a timeout gets (a null array for the list, zset and stream commands). */
  timeoutReply: (client: Client) => void;
  /** ms since the epoch, 0 = forever. */
  timeoutAt: number;
  timer: NodeJS.Timeout | null;
}

/** setTimeout's longest delay; longer waits re-arm (a bigger delay would fire at once). */
const MAX_TIMER_DELAY = 2 ** 31 - 1;
const UNBLOCKED_ERROR = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
const TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
const TIMEOUT_NEGATIVE = 'ERR timeout is negative';

/**
 * getTimeoutFromObjectOrReply in seconds: a long double, ceil'ed to milliseconds (so 0.0001
 * waits 1 ms and -0.0001 waits forever, as in Redis), then made absolute. Returns 0 for
 * "forever"; throws ReplyError with Redis's messages. A deadline past int64 wraps negative in
 * Redis and never fires: forever too.
 */
export function blockingTimeout(text: string, now: number): number {
  const seconds = parseLongDouble(text);
  if (seconds === null) throw new ReplyError(TIMEOUT_NOT_FLOAT);
  const ms = ceilScaledToInt64(seconds, 1000n);
  if (ms < 0n) throw new ReplyError(TIMEOUT_NEGATIVE);
  if (ms === 0n) return 0;
  const at = Number(ms) + now;
  return at > Number.MAX_SAFE_INTEGER ? 0 : at;
}

/**
 * Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK, …). A blocking command that finds no
 * data calls `block`; writers call `signalKeyReady` when they create a key that may be waited on;
 * after the current command (or EXEC) finishes, `serveReadyKeys` serves the clients waiting on
 * those keys, oldest first, as Redis 7.0's handleClientsBlockedOnKeys does. Timeouts, CLIENT
 * UNBLOCK and disconnection end a wait early.
 */
export class BlockingKeys {
  private readonly waiting = new Map<Database, Map<string, Set<Client>>>();
  private readonly blocked = new Map<Client, BlockedOnKeys>();
  /** Keys that got data since they were last served, in signal order. */
  private readyKeys: { db: Database; key: string }[] = [];
  private readonly readySet = new Set<string>();
  private serving = false;
  /** Clients unblocked by a command, whose replies and queued input wait for the end of the I/O pass. */
  private unblocked: Client[] = [];

  constructor(
    private readonly server: Server,
    private readonly rerun: RerunClient,
  ) {}

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

  /** Whether a command of `client` may wait now: not inside MULTI/EXEC or a script (CLIENT_DENY_BLOCKING). */
  mayBlock(client: Client): boolean {
    return (client.flags & ClientFlag.multi) === 0 && !this.server.executingTransaction;
  }

  /**
   * Blocks `client` on `keys` until one gets data, `timeoutAt` (ms since the epoch; 0 waits
   * forever) passes, or it is unblocked; `waiter` serves it when a key gets data. Inside MULTI
   * (or a script) a blocking command cannot wait: it answers as if it timed out at once.
   */
  block(
    client: Client,
    keys: readonly string[],
    timeoutAt: number,
    timeoutReply: (client: Client) => void,
    waiter: KeyWaiter,
  ): void {
    if (!this.mayBlock(client)) {
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
    const state: BlockedOnKeys = {
      db,
      keys,
      argv: client.argv,
      command: client.lastCommand,
      waiter,
      timeoutReply,
      timeoutAt,
      timer: null,
    };
    this.blocked.set(client, state);
    if (timeoutAt > 0) armTimer(state, client, this);
    client.flags |= ClientFlag.blocked;
  }

  /** A key that clients may wait on was created: they are served after the current command. */
  signalKeyReady(db: Database, key: string): void {
    const clients = this.waiting.get(db)?.get(key);
    if (clients === undefined || clients.size === 0) return;
    const id = `${db.index}:${key}`;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.readyKeys.push({ db, key });
  }

  /**
   * Serves the clients waiting on keys that got data; keys readied meanwhile (BLMOVE pushing
   * into a waited key) are served too. Inside EXEC or a script it waits for the end.
   */
  serveReadyKeys(): void {
    if (this.serving || this.server.executingTransaction) return;
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

  /**
   * A waited key was written, deleted or replaced: Redis 7.0 signals it when it stops being a
   * stream (dbGenericDelete, dbOverwrite), so that XREADGROUP waits end. Serving a key whose
   * type no waiter wants does nothing, so any waited key that is not a stream is signalled.
   */
  keyChanged(db: Database, key: string): void {
    if (this.blocked.size === 0 || this.waiting.get(db)?.has(key) !== true) return;
    if (db.peek(key)?.type !== ValueType.Stream) this.signalKeyReady(db, key);
  }

  /**
   * FLUSHDB/FLUSHALL/SWAPDB is about to replace the keys of `db`: every waited key is served
   * afterwards with what it holds then (scanDatabaseForReadyKeys, scanDatabaseForDeletedStreams).
   */
  keysReplaced(db: Database): void {
    const byKey = this.waiting.get(db);
    if (byKey !== undefined) for (const key of byKey.keys()) this.signalKeyReady(db, key);
  }

  private serveKey(db: Database, key: string): void {
    const clients = this.waiting.get(db)?.get(key);
    if (clients === undefined) return;
    const type = db.lookup(key)?.type;
    // Oldest first; stop once the key is gone (its last element was taken).
    for (const client of [...clients]) {
      const entry = db.lookup(key);
      if (entry === undefined) break;
      const state = this.blocked.get(client);
      if (state === undefined || state.waiter.type !== entry.type) continue;
      this.release(client, state);
      this.serveWaiter(client, state, key, entry);
    }
    if (type !== ValueType.Stream) this.endGoneWaits(clients);
  }

  /** unblockDeletedStreamReadgroupClients: the waits that need the key to stay a stream end. */
  private endGoneWaits(clients: ReadonlySet<Client>): void {
    for (const client of [...clients]) {
      const state = this.blocked.get(client);
      const error = state?.waiter.goneError?.(state.argv) ?? null;
      if (error !== null) this.end(client, error);
    }
  }

  /**
   * Replies from the ready key, then resumes the client's input. Like updateStatsOnUnblock, the
   * call was already counted when the command blocked: only its time and a failure are added.
   */
  private serveWaiter(client: Client, state: BlockedOnKeys, key: string, entry: Entry): void {
    const stats = this.server.stats;
    const errorsBefore = stats.totalErrorReplies;
    const dirtyBefore = this.server.dirty;
    const replyStart = client.pendingBytes;
    const started = performance.now();
    state.waiter.serve(client, state.argv, key, entry);
    if (state.command !== null && this.server.propagation.enabled) {
      this.server.propagation.servedBlocked(client, state.db, state.command, state.argv, this.server.dirty - dirtyBefore, replyStart);
    }
    if (state.command !== null) {
      state.command.stats.microseconds += Math.round((performance.now() - started) * 1000);
      if (stats.totalErrorReplies !== errorsBefore) state.command.stats.failedCalls++;
    }
    this.resumeLater(client);
  }

  /**
   * Like Redis's unblocked_clients list, processed in beforeSleep: a client served or unblocked
   * by another client's command gets its reply, and runs the input queued behind its blocking
   * command, only after the commands of the current I/O pass — not in the middle of them.
   */
  private resumeLater(client: Client): void {
    if (this.unblocked.length === 0) setImmediate(resumeUnblocked, this);
    this.unblocked.push(client);
  }

  /** setImmediate callback: resumes the clients unblocked during the last I/O pass. */
  resumeUnblocked(): void {
    const clients = this.unblocked;
    this.unblocked = [];
    for (const client of clients) {
      if (this.server.clients.get(client.id) === client) this.rerun(client, EMPTY_ARGV);
    }
  }

  /**
   * CLIENT UNBLOCK: ends a wait as a timeout, or with the UNBLOCKED error. False if not blocked.
   * Redis counts the command as failed either way (updateStatsOnUnblock with had_errors set).
   */
  unblock(client: Client, withError: boolean): boolean {
    return this.end(client, withError ? UNBLOCKED_ERROR : null);
  }

  /** Ends a wait with an error reply (cluster: the keys' slot is no longer served here). */
  unblockWithError(client: Client, line: string): boolean {
    return this.end(client, line);
  }

  /** Each blocked client with the first key it waits on (in a cluster all its keys share a slot). */
  *firstKeys(): IterableIterator<[Client, string, Command | null]> {
    for (const [client, state] of this.blocked) if (state.keys.length > 0) yield [client, state.keys[0]!, state.command];
  }

  private end(client: Client, error: string | null): boolean {
    const state = this.blocked.get(client);
    if (state === undefined) return false;
    this.release(client, state);
    if (error !== null) client.error(error);
    else state.timeoutReply(client);
    if (state.command !== null) state.command.stats.failedCalls++;
    this.resumeLater(client);
    return true;
  }

  /** Timer callback: the wait is over without data, unless the deadline is still ahead. */
  timedOut(client: Client): void {
    const state = this.blocked.get(client);
    if (state === undefined) return;
    if (Date.now() < state.timeoutAt) {
      armTimer(state, client, this);
      return;
    }
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

function armTimer(state: BlockedOnKeys, client: Client, blocking: BlockingKeys): void {
  const delay = Math.min(MAX_TIMER_DELAY, Math.max(0, state.timeoutAt - Date.now()));
  state.timer = setTimeout(onTimeout, delay, blocking, client);
}

function resumeUnblocked(blocking: BlockingKeys): void {
  blocking.resumeUnblocked();
}

function onTimeout(blocking: BlockingKeys, client: Client): void {
  blocking.timedOut(client);
}
