import { commandKeys } from '../commands/keys.js';
import type { Command } from '../commands/table.js';
import type { Database } from '../keyspace/database.js';
import { type Entry, setEntryBirthEpoch, type ValueType } from '../keyspace/entry.js';
import { cloneValue } from '../keyspace/value.js';

/**
 * Point-in-time snapshots without fork (DESIGN.md "Persistence without fork"). Starting one
 * copies each database's dense entry array (pointers only) and raises the epoch. From then on,
 * before anything changes an entry the snapshot has not visited yet — a write command touching
 * its key (dispatch calls `beforeWrite`), or a removal, overwrite or TTL change inside Database
 * (expiry, eviction, COPY … DB) — the entry's value and TTL are cloned into a side table. The
 * walk then reports each entry of the copied arrays either from the side table or as it is
 * (unchanged since the start). Entries created during the snapshot are born in its epoch and
 * are never part of it. The result is exactly the dataset at the start, whatever the server
 * does meanwhile, at a cost proportional to what is written during the walk.
 *
 * One snapshot runs at a time (as Redis runs one child): BGSAVE, save points, SHUTDOWN SAVE,
 * BGREWRITEAOF and replication full syncs take turns, or share the RDB a BGSAVE produces.
 */

/** A key as it was when the snapshot started. */
export interface SnapshotRecord {
  readonly key: string;
  readonly type: ValueType;
  readonly value: unknown;
  /** Absolute expiry in ms, 0 when none. */
  readonly expireAt: number;
  /** The live entry (for LRU/LFU data, which is not point-in-time). */
  readonly entry: Entry;
}

/** What consumes a snapshot: an RDB writer, an AOF rewriter, a replica sync. */
export interface SnapshotVisitor {
  /** A database with keys begins; `size`/`expires` are its counts at the start (RESIZEDB hints). */
  database(index: number, size: number, expires: number): void;
  key(record: SnapshotRecord): void;
  /**
   * Called between time slices of an asynchronous walk; the walk waits for the promise (write
   * out what was produced, respect back-pressure).
   */
  sliceDone?(): Promise<void> | void;
}

export interface WalkOptions {
  sliceMs?: number;
  keyDelayMs?: number;
}

/** How long one slice of an asynchronous walk runs before yielding to clients. */
export const DEFAULT_SLICE_MS = 4;
/** Keys between clock reads inside a slice. */
const KEYS_PER_CLOCK_CHECK = 64;

interface Preserved {
  type: ValueType;
  value: unknown;
  expireAt: number;
}

export class Snapshot {
  private readonly frozen: Entry[][];
  private readonly expires: number[];
  private readonly preserved = new Map<Entry, Preserved>();
  /** Keys reported so far (INFO current_save_keys_processed). */
  keysProcessed = 0;
  readonly keysTotal: number;
  /** Values copied because something changed them before the walk reached them. */
  copies = 0;
  private finished = false;

  constructor(
    databases: readonly Database[],
    readonly epoch: number,
    /** ms: keys whose TTL had already passed then are left out. */
    readonly startedAt: number,
    private readonly onRelease: (snapshot: Snapshot) => void,
    /** Copy-on-write is on: the walk marks what it visited. Off for immediate (blocking) walks. */
    private readonly tracked = true,
  ) {
    this.frozen = databases.map((db) => db.entriesCopy());
    this.expires = databases.map((db) => db.expiresCount);
    this.keysTotal = this.frozen.reduce((sum, entries) => sum + entries.length, 0);
  }

  get released(): boolean {
    return this.finished;
  }

  /** Keeps an entry's current state if the walk has not reported it yet. */
  preserve(entry: Entry): void {
    if (entry.snapshotEpoch === this.epoch) return;
    entry.snapshotEpoch = this.epoch;
    this.preserved.set(entry, { type: entry.type, value: cloneValue(entry.type, entry.value), expireAt: entry.expireAt });
    this.copies++;
  }

  /** Walks every key synchronously (SAVE, SHUTDOWN, DEBUG RELOAD: the server is blocked anyway). */
  walkSync(visitor: SnapshotVisitor): void {
    for (let db = 0; db < this.frozen.length; db++) {
      const entries = this.frozen[db]!;
      if (entries.length === 0) continue;
      visitor.database(db, entries.length, this.expires[db]!);
      for (let i = 0; i < entries.length; i++) this.report(entries[i]!, visitor);
    }
    this.release();
  }

  /**
   * Walks every key in slices of about `sliceMs`, letting the event loop serve clients between
   * slices (setImmediate), and awaiting the visitor's `sliceDone` after each one. With
   * `keyDelayMs` (rdb-key-save-delay, for tests) every key is its own slice followed by a pause.
   */
  async walk(visitor: SnapshotVisitor, options: WalkOptions = {}): Promise<void> {
    const sliceMs = options.keyDelayMs ? 0 : (options.sliceMs ?? DEFAULT_SLICE_MS);
    const keysPerCheck = options.keyDelayMs ? 1 : KEYS_PER_CLOCK_CHECK;
    try {
      for (let db = 0; db < this.frozen.length; db++) {
        const entries = this.frozen[db]!;
        if (entries.length === 0) continue;
        visitor.database(db, entries.length, this.expires[db]!);
        let i = 0;
        while (i < entries.length) {
          const deadline = performance.now() + sliceMs;
          do {
            const end = Math.min(i + keysPerCheck, entries.length);
            for (; i < end; i++) this.report(entries[i]!, visitor);
          } while (i < entries.length && performance.now() < deadline);
          await visitor.sliceDone?.();
          if (options.keyDelayMs) await new Promise<void>((resolve) => setTimeout(resolve, options.keyDelayMs));
          else await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.finished) throw new Error('snapshot abandoned');
        }
      }
    } finally {
      this.release();
    }
  }

  private report(entry: Entry, visitor: SnapshotVisitor): void {
    const kept = this.preserved.get(entry);
    if (kept !== undefined) {
      this.preserved.delete(entry);
      if (!this.expiredAtStart(kept.expireAt)) {
        visitor.key({ key: entry.key, type: kept.type, value: kept.value, expireAt: kept.expireAt, entry });
      }
    } else {
      if (this.tracked) entry.snapshotEpoch = this.epoch;
      if (!this.expiredAtStart(entry.expireAt)) {
        visitor.key({ key: entry.key, type: entry.type, value: entry.value, expireAt: entry.expireAt, entry });
      }
    }
    this.keysProcessed++;
  }

  private expiredAtStart(expireAt: number): boolean {
    return expireAt !== 0 && expireAt < this.startedAt;
  }

  /** Ends the snapshot (also when a walk fails or is abandoned): stops copy-on-write. */
  release(): void {
    if (this.finished) return;
    this.finished = true;
    this.preserved.clear();
    this.frozen.length = 0;
    this.onRelease(this);
  }
}

/** The server's snapshot slot and the copy-on-write hooks it installs while one runs. */
export class Snapshots {
  active: Snapshot | null = null;
  private epoch = 0;
  private readonly beforeChange = (entry: Entry): void => this.active?.preserve(entry);

  constructor(private readonly databases: readonly Database[]) {}

  /**
   * Starts a snapshot of every database as it is now. Throws when one is already running:
   * callers check `active` first (Redis's "Background save already in progress").
   */
  begin(nowMs: number): Snapshot {
    if (this.active !== null) throw new Error('a snapshot is already running');
    this.epoch++;
    setEntryBirthEpoch(this.epoch);
    const snapshot = new Snapshot(this.databases, this.epoch, nowMs, (done) => this.ended(done));
    this.active = snapshot;
    for (const db of this.databases) db.beforeChange = this.beforeChange;
    return snapshot;
  }

  /**
   * A snapshot to be walked synchronously right away (SAVE, SHUTDOWN, DEBUG RELOAD): nothing
   * can change during the walk, so it needs no copy-on-write and may run beside an active one.
   */
  immediate(nowMs: number): Snapshot {
    return new Snapshot(this.databases, 0, nowMs, () => undefined, false);
  }

  /**
   * The dispatch hook: a write command is about to run in `db` — preserve the keys it names.
   * (Keys it reaches without naming them — other databases, expiry — go through Database.)
   */
  beforeWrite(db: Database, command: Command, argv: readonly string[]): void {
    const snapshot = this.active;
    if (snapshot === null) return;
    for (const key of commandKeys(command, argv)) {
      const entry = db.stored(key);
      if (entry !== undefined) snapshot.preserve(entry);
    }
  }

  private ended(snapshot: Snapshot): void {
    if (this.active !== snapshot) return;
    this.active = null;
    for (const db of this.databases) db.beforeChange = null;
  }
}
