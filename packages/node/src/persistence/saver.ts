import { readFileSync, renameSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Database } from '../keyspace/database.js';
import type { Entry } from '../keyspace/entry.js';
import type { Server } from '../server/server.js';
import { FormatError } from './bytes.js';
import { fsyncDirectory, removeQuietly, streamFileSynced, writeFileSynced } from './files.js';
import { rdbSteps, readRdb, type RdbKey, type RdbLoadHandler, type ValueLimits } from './rdb-reader.js';
import { LoadingState, runInSlices } from './loading.js';
import { RdbStreamWriter, type KeyAccess, type RdbHeaderInfo, type RdbWriterOptions } from './rdb-writer.js';
import type { Snapshot, SnapshotRecord, SnapshotVisitor } from './snapshot.js';

/**
 * RDB persistence of a server (Redis's rdb.c outside the format, plus the save points of
 * serverCron): SAVE, BGSAVE on a copy-on-write snapshot, `save` points, SHUTDOWN's save,
 * stop-writes-on-bgsave-error, loading at startup and DEBUG RELOAD, and the counters INFO
 * persistence reports. Other subsystems reuse `streamRdb` (replication full sync) and
 * `writeSnapshot` (an RDB preamble for AOF rewrites).
 */

/** SHUTDOWN flags that concern saving (commands/server.ts SHUTDOWN_FLAGS). */
export const SHUTDOWN_NOSAVE = 1;
export const SHUTDOWN_SAVE = 2;
export const SHUTDOWN_FORCE = 8;

/** A failed background save is retried by save points only after this many seconds. */
const BGSAVE_RETRY_DELAY = 5;

/** Redis's writeCommandsGetDiskErrorMessage for a failed RDB save. */
export const MISCONF_ERROR =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report errors ' +
  'during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs ' +
  'for details about the RDB error.';

/** Where RDB bytes go: a file, a replica's socket… `write` may return a promise for back-pressure. */
export interface RdbSink {
  write(chunk: Buffer): Promise<void> | void;
}

/** Options of one RDB production. */
export interface RdbProduction {
  /** The RDB is the base of a multi-part AOF (aof-base 1). */
  aofBase?: boolean;
  replication?: RdbHeaderInfo['replication'];
}

/** Counts of the last load (INFO rdb_last_load_keys_loaded / _expired). */
export interface LoadStats {
  keysLoaded: number;
  keysExpired: number;
  /** The replication history the RDB recorded (AUX repl-id, repl-offset, repl-stream-db). */
  replication?: NonNullable<RdbHeaderInfo['replication']>;
}

/** How an RDB is loaded: expired keys kept (AOF preamble, replica sync), duplicates replaced (DEBUG RELOAD). */
export interface LoadOptions {
  keepExpired?: boolean;
  allowDuplicates?: boolean;
}

/** A load in progress: its handler and what it gathers for LoadStats. */
interface PendingLoad {
  handler: RdbLoadHandler;
  stats: LoadStats;
  replication: NonNullable<LoadStats['replication']>;
}

/** Turns a snapshot walk into RDB bytes, handing them to a sink between slices. */
class RdbVisitor implements SnapshotVisitor {
  constructor(
    private readonly writer: RdbStreamWriter,
    private readonly access: (record: SnapshotRecord) => KeyAccess | undefined,
    private readonly sink: RdbSink,
  ) {}

  database(index: number, size: number, expires: number): void {
    this.writer.encoder.database(index, size, expires);
  }

  key(record: SnapshotRecord): void {
    this.writer.encoder.keyValue(record.key, record.type, record.value, record.expireAt, this.access(record));
  }

  async sliceDone(): Promise<void> {
    if (this.writer.pending > 0) await this.sink.write(this.writer.take());
  }

  /** For synchronous walks: writes what is pending once it is big enough. */
  flushIfLarge(): void {
    if (this.writer.pending >= 1 << 20) void this.sink.write(this.writer.take());
  }
}

export class RdbPersistence {
  /** The running BGSAVE, if any. */
  private background: Promise<boolean> | null = null;
  /** BGSAVE SCHEDULE (or BGSAVE inside EXEC) waiting for the snapshot slot. */
  scheduled = false;
  lastBgsaveOk = true;
  /** Unix seconds of the last BGSAVE attempt (save points back off after a failure). */
  lastBgsaveTry = 0;
  /** Seconds the last BGSAVE took, -1 before the first. */
  lastBgsaveSeconds = -1;
  /** ms when the running BGSAVE started. */
  bgsaveStartedAt = 0;
  /** Number of saves started (INFO rdb_saves). */
  saves = 0;
  lastLoad: LoadStats = { keysLoaded: 0, keysExpired: 0 };
  /** The dataset is being loaded at startup (RDB or AOF): LOADING, INFO loading_*. */
  readonly loading = new LoadingState((active) => (this.server.config.loading = active));
  /**
   * Function libraries found in a loaded RDB are handed here (the scripting engine sets it);
   * `functionLibraries` supplies the ones to save.
   */
  loadFunctionLibrary: ((code: string) => void) | null = null;
  functionLibraries: () => readonly string[] = () => [];
  /** The replication history to record in RDBs written without one (rdbPopulateSaveInfo). */
  replicationCheckpoint: () => RdbHeaderInfo['replication'] | null = () => null;
  private tempCounter = 0;

  constructor(private readonly server: Server) {}

  get bgsaveInProgress(): boolean {
    return this.background !== null;
  }

  /** The path of the RDB file (dir + dbfilename). */
  get path(): string {
    return join(this.server.config.str('dir'), this.server.config.str('dbfilename'));
  }

  writerOptions(): RdbWriterOptions {
    const config = this.server.config;
    return { compression: config.bool('rdbcompression'), listNodeSize: config.int('list-max-listpack-size') };
  }

  valueLimits(): ValueLimits {
    const config = this.server.config;
    return {
      hashMaxEntries: config.int('hash-max-listpack-entries'),
      hashMaxValue: config.int('hash-max-listpack-value'),
      setMaxIntsetEntries: config.int('set-max-intset-entries'),
      zsetMaxEntries: config.int('zset-max-listpack-entries'),
      zsetMaxValue: config.int('zset-max-listpack-value'),
    };
  }

  /** stop-writes-on-bgsave-error: the MISCONF error when writes must be refused, else null. */
  writeRefusal(): string | null {
    const config = this.server.config;
    if (this.lastBgsaveOk || !config.bool('stop-writes-on-bgsave-error') || config.list('save').length === 0) return null;
    return MISCONF_ERROR;
  }

  // -- producing RDB bytes -----------------------------------------------------------------------

  /** LRU idle time or LFU counter, written per key as Redis does under those policies. */
  private accessRecorder(): (record: SnapshotRecord) => KeyAccess | undefined {
    const policy = this.server.config.str('maxmemory-policy');
    const access = this.server.access;
    const now = this.server.clock.seconds;
    if (policy.endsWith('-lru')) return (record) => ({ idleSeconds: access.idleSeconds(record.entry, now) });
    if (policy.endsWith('-lfu')) return (record) => ({ frequency: access.frequency(record.entry, now) });
    return () => undefined;
  }

  private startWriter(production: RdbProduction): RdbStreamWriter {
    const writer = new RdbStreamWriter(this.writerOptions(), this.server.config.bool('rdbchecksum'));
    writer.encoder.header(
      {
        usedMemory: this.server.usedMemory,
        aofBase: production.aofBase ?? false,
        // An AOF preamble carries no replication history, as in Redis (rdbSaveRio without rsi).
        replication: production.replication ?? (production.aofBase ? undefined : (this.replicationCheckpoint() ?? undefined)),
      },
      Date.now(),
    );
    for (const code of this.functionLibraries()) writer.encoder.functionLibrary(code);
    return writer;
  }

  /**
   * Streams a whole RDB of `snapshot` into `sink` in time slices (the snapshot is released at
   * the end). For replication: `streamRdb(server.snapshots.begin(now), socketSink)`.
   */
  async streamRdb(snapshot: Snapshot, sink: RdbSink, production: RdbProduction = {}): Promise<void> {
    const writer = this.startWriter(production);
    const visitor = new RdbVisitor(writer, this.accessRecorder(), sink);
    await snapshot.walk(visitor, { keyDelayMs: Math.max(0, this.server.config.int('rdb-key-save-delay')) / 1000 });
    await sink.write(writer.finish());
  }

  /** The same, blocking: the whole RDB of `snapshot` written synchronously into `sink`. */
  writeRdbSync(snapshot: Snapshot, sink: RdbSink, production: RdbProduction = {}): void {
    const writer = this.startWriter(production);
    const visitor = new RdbVisitor(writer, this.accessRecorder(), sink);
    snapshot.walkSync({
      database: (index, size, expires) => visitor.database(index, size, expires),
      key: (record) => {
        visitor.key(record);
        visitor.flushIfLarge();
      },
    });
    sink.write(writer.take());
    sink.write(writer.finish());
  }

  // -- SAVE / BGSAVE ---------------------------------------------------------------------------

  /** rdbSave: a blocking save to the RDB file. Returns false (and logs) on failure. */
  save(): boolean {
    const snapshot = this.server.snapshots.immediate(this.server.clock.ms);
    const target = this.path;
    const temp = join(dirname(target), `temp-${process.pid}.rdb`);
    try {
      writeFileSynced(temp, (sink) => this.writeRdbSync(snapshot, sink));
      renameSync(temp, target);
      fsyncDirectory(target);
    } catch (error) {
      snapshot.release();
      removeQuietly(temp);
      this.server.log.warn(`Write error saving DB on disk: ${(error as Error).message}`);
      return false;
    }
    this.server.log.info('DB saved on disk');
    this.server.dirty = 0;
    this.server.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveOk = true;
    return true;
  }

  /**
   * rdbSaveBackground: snapshot now, write it in slices while clients are served. Returns false
   * when a snapshot is already running. The promise of the save is `backgroundDone()`.
   */
  backgroundSave(): boolean {
    if (this.server.snapshots.active !== null) return false;
    this.saves++;
    this.lastBgsaveTry = Math.floor(Date.now() / 1000);
    this.bgsaveStartedAt = Date.now();
    const dirtyBefore = this.server.dirty;
    const snapshot = this.server.snapshots.begin(this.server.clock.ms);
    this.server.log.info('Background saving started');
    this.background = this.writeFile(snapshot).then((ok) => {
      this.background = null;
      this.lastBgsaveSeconds = Math.round((Date.now() - this.bgsaveStartedAt) / 1000);
      this.lastBgsaveOk = ok;
      if (ok) {
        this.server.dirty -= dirtyBefore;
        this.server.lastSave = Math.floor(Date.now() / 1000);
        this.server.log.info('Background saving terminated with success');
      } else {
        this.server.log.warn('Background saving error');
      }
      return ok;
    });
    return true;
  }

  /** Resolves when the running BGSAVE (if any) ends: true on success. */
  backgroundDone(): Promise<boolean> {
    return this.background ?? Promise.resolve(this.lastBgsaveOk);
  }

  /** Writes a snapshot to a temp file, fsyncs it and renames it over the RDB file. */
  private async writeFile(snapshot: Snapshot): Promise<boolean> {
    const target = this.path;
    const temp = join(dirname(target), `temp-bg-${process.pid}-${++this.tempCounter}.rdb`);
    try {
      await streamFileSynced(temp, (sink) => this.streamRdb(snapshot, sink));
      await rename(temp, target);
      fsyncDirectory(target);
      return true;
    } catch (error) {
      snapshot.release();
      await unlink(temp).catch(() => undefined);
      this.server.log.warn(`Write error saving DB on disk: ${(error as Error).message}`);
      return false;
    }
  }

  /** serverCron's part: save points and a scheduled BGSAVE (call once per tick). */
  cron(): void {
    // A replica loading its master's RDB has no dataset to save yet.
    if (this.server.snapshots.active !== null || this.loading.active) return;
    const now = Math.floor(Date.now() / 1000);
    const mayRetry = this.lastBgsaveOk || now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY;
    if (!mayRetry) return;
    const points = this.server.config.list('save');
    for (let i = 0; i + 1 < points.length; i += 2) {
      const seconds = Number(points[i]);
      const changes = Number(points[i + 1]);
      if (this.server.dirty >= changes && now - this.server.lastSave > seconds) {
        this.server.log.info(`${changes} changes in ${seconds} seconds. Saving...`);
        this.backgroundSave();
        return;
      }
    }
    if (this.scheduled && this.backgroundSave()) this.scheduled = false;
  }

  /**
   * prepareForShutdown's save: with save points configured (or SHUTDOWN SAVE) and without
   * NOSAVE, a running BGSAVE is abandoned and the dataset saved synchronously. Returns false
   * when that save failed (SHUTDOWN then refuses unless FORCE).
   */
  saveForShutdown(flags: number): boolean {
    if (this.background !== null) {
      this.server.log.warn('There is a child saving an .rdb. Killing it!');
      this.server.snapshots.active?.release();
    }
    // A partly loaded dataset is never saved over the file it comes from (prepareForShutdown).
    if (this.loading.active) return true;
    const wanted = (this.server.config.list('save').length > 0 && (flags & SHUTDOWN_NOSAVE) === 0) || (flags & SHUTDOWN_SAVE) !== 0;
    if (!wanted) return true;
    this.server.log.info('Saving the final RDB snapshot before exiting.');
    if (this.save()) return true;
    if ((flags & SHUTDOWN_FORCE) !== 0) {
      this.server.log.warn('Error trying to save the DB. Exit anyway.');
      return true;
    }
    this.server.log.warn('Error trying to save the DB, can\'t exit.');
    return false;
  }

  // -- loading ---------------------------------------------------------------------------------

  /**
   * Loads an RDB image into the databases (which the caller emptied). Keys whose TTL passed are
   * dropped unless `keepExpired` (AOF preamble, replica sync). Throws FormatError on corruption.
   */
  loadBuffer(data: Buffer, options: LoadOptions = {}): LoadStats {
    const load = this.loader(options);
    readRdb(data, this.valueLimits(), load.handler, this.server.config.bool('rdbchecksum'));
    return this.finishLoad(load);
  }

  /**
   * The same in time slices, clients served in between (loading at startup): the progress goes
   * to `loading` (INFO loading_*). Resolves with the counts and the bytes the RDB took.
   */
  async loadBufferInSlices(data: Buffer, options: LoadOptions = {}): Promise<LoadStats & { bytes: number }> {
    const load = this.loader(options);
    const loading = this.loading;
    const steps = rdbSteps(data, this.valueLimits(), load.handler, this.server.config.bool('rdbchecksum'));
    const result = await runInSlices(steps, (position) => loading.progress(position));
    return { ...this.finishLoad(load), bytes: result.bytes };
  }

  /** The handler that puts the keys of an RDB into the databases, and what it gathers. */
  private loader(options: LoadOptions): PendingLoad {
    const { keepExpired = false, allowDuplicates = false } = options;
    const server = this.server;
    const loading = this.loading;
    const now = Date.now();
    const nowSeconds = server.clock.seconds;
    const stats: LoadStats = { keysLoaded: 0, keysExpired: 0 };
    let db: Database = server.databases[0]!;
    const log = server.log;
    const replication = { streamDb: -1, replicationId: '', offset: -1 };
    const handler: RdbLoadHandler = {
      aux(key, value) {
        if (key === 'repl-id') replication.replicationId = value;
        else if (key === 'repl-offset') replication.offset = Number(value);
        else if (key === 'repl-stream-db') replication.streamDb = Number(value);
        else if (key === 'redis-ver') log.info(`Loading RDB produced by version ${value}`);
        else if (key === 'ctime') log.info(`RDB age ${Math.max(0, Math.floor(now / 1000) - Number(value))} seconds`);
        else if (key === 'used-mem') {
          log.info(`RDB memory usage when created ${(Number(value) / 1048576).toFixed(2)} Mb`);
          loading.rdbUsedMem = Number(value);
        }
      },
      selectDb(index) {
        const selected = server.databases[index];
        if (selected === undefined) {
          throw new FormatError(`Data file was created with a Redis server configured to handle more than ${server.databases.length} databases`);
        }
        db = selected;
      },
      key: (record: RdbKey) => {
        if (!keepExpired && record.expireAt !== 0 && record.expireAt < now) {
          stats.keysExpired++;
          return;
        }
        const existing = db.stored(record.key);
        if (existing !== undefined) {
          if (!allowDuplicates) throw new FormatError(`RDB has duplicated key '${record.key}' in DB ${db.index}`);
          db.remove(existing);
        }
        const entry = db.set(record.key, record.type, record.value);
        if (record.expireAt !== 0) db.setExpiry(entry, record.expireAt);
        applyAccess(server, entry, record.idleSeconds, record.frequency, nowSeconds);
        stats.keysLoaded++;
      },
      functionLibrary: (code) => {
        if (this.loadFunctionLibrary !== null) this.loadFunctionLibrary(code);
        else log.warn('Skipping a function library from the RDB: FUNCTION is not available');
      },
      skipped: (what) => log.warn(`RDB loading skipped ${what}`),
    };
    return { handler, stats, replication };
  }

  private finishLoad({ stats, replication }: PendingLoad): LoadStats {
    // Like rdbLoad's rsi: usable only when all three fields were there.
    if (replication.replicationId.length === 40 && replication.offset >= 0 && replication.streamDb >= 0) stats.replication = replication;
    this.lastLoad = stats;
    return stats;
  }

  /**
   * loadDataFromDisk for RDB, in slices while clients get LOADING: a missing file is fine
   * (empty dataset), a corrupt one is fatal (the promise rejects).
   */
  async loadAtStartup(): Promise<void> {
    const path = this.path;
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const started = Date.now();
    this.loading.begin(data.length);
    try {
      const stats = await this.loadBufferInSlices(data);
      this.server.log.info(`Done loading RDB, keys loaded: ${stats.keysLoaded}, keys expired: ${stats.keysExpired}.`);
    } finally {
      this.loading.end();
    }
    this.server.log.info(`DB loaded from disk: ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
  }

  /**
   * Empties every database (unless not `flush`) and loads the RDB file, replacing keys that
   * exist when `merge` (DEBUG RELOAD). Returns false on failure.
   */
  reload(flush: boolean, merge: boolean): boolean {
    let data: Buffer;
    try {
      data = readFileSync(this.path);
    } catch (error) {
      this.server.log.warn(`Error loading the RDB: ${(error as Error).message}`);
      return false;
    }
    if (flush) for (const db of this.server.databases) db.flush();
    try {
      this.loadBuffer(data, { allowDuplicates: merge });
      this.server.log.warn('DB reloaded by DEBUG RELOAD');
      return true;
    } catch (error) {
      this.server.log.warn(`Error loading the RDB: ${(error as Error).message}`);
      return false;
    }
  }
}

/**
 * objectSetLRUOrLFU: a stored LFU counter applies under an LFU policy, a stored idle time under
 * any other (RDB IDLE/FREQ opcodes, RESTORE IDLETIME/FREQ).
 */
export function applyAccess(server: Server, entry: Entry, idleSeconds: number, frequency: number, nowSeconds: number): void {
  if (server.access.lfu) {
    if (frequency >= 0) {
      entry.frequency = frequency;
      entry.accessedAt = nowSeconds;
    }
  } else if (idleSeconds >= 0) {
    entry.accessedAt = nowSeconds - idleSeconds;
  }
}
