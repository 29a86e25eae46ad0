import { closeSync, fsync, fsyncSync, close, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '../server/client.js';
import { PropagateTarget, type PropagationSink } from '../server/propagate.js';
import type { Server } from '../server/server.js';
import { strerror } from '../server/strerror.js';
import { respCommand, writeBase, writeBaseSync } from './aof-base.js';
import { AofDirectory } from './aof-directory.js';
import { AofManifest } from './aof-manifest.js';
import { loadAofAtStartup } from './aof-startup.js';
import { fileSize, removeQuietly } from './files.js';

/**
 * The append-only file, as Redis 7.0 keeps it (aof.c): a directory (appenddirname) holding a
 * base file (an RDB with aof-use-rdb-preamble, else commands), incr files of commands, and a
 * manifest naming them. It consumes the server's propagation stream: operations are appended
 * as RESP to a buffer, written to the current incr file before the replies of the processed
 * chunk leave (so a killed process loses nothing it acknowledged), and fsynced in the thread
 * pool — every second (everysec), before those replies are sent (always), or never (no).
 *
 * BGREWRITEAOF starts a new incr file and takes a copy-on-write snapshot at the same instant;
 * the snapshot becomes the new base, then the manifest switches to base + new incr and the
 * older files are deleted. No rewrite buffer is needed: the snapshot is exactly the dataset
 * the new incr file continues from.
 *
 * The file names and the manifest write are in aof-directory.ts, the base file's contents in
 * aof-base.ts, loading at startup in aof-startup.ts.
 */

/** appendfsync. */
const enum FsyncPolicy {
  No = 0,
  Always = 1,
  Everysec = 2,
}

const FSYNC_POLICIES = new Map([
  ['no', FsyncPolicy.No],
  ['always', FsyncPolicy.Always],
  ['everysec', FsyncPolicy.Everysec],
]);

const enum AofState {
  Off,
  On,
  /** appendonly was turned on at runtime: writes wait for the first rewrite to land. */
  WaitRewrite,
}

interface FsyncJob {
  fd: number;
  /** The stream offset the file holds once this fsync completes. */
  upTo: number;
  close: boolean;
}

const EVERYSEC_MS = 1000;
/** AOF_WRITE_LOG_ERROR_RATE (30 s). */
const WRITE_ERROR_LOG_MS = 30_000;

export class AppendOnlyFile implements PropagationSink {
  private state = AofState.Off;
  private manifest = new AofManifest();
  private fd = -1;
  /** RESP text appended since the last write. */
  private pending = '';
  private selectedDb = -1;
  /** Stream offsets in bytes, across files: appended ≥ written ≥ synced. */
  private appended = 0;
  private written = 0;
  private synced = 0;
  private readonly fsyncJobs: FsyncJob[] = [];
  private fsyncRunning = false;
  private lastFsyncAt = 0;
  /** appendfsync always: clients whose replies wait for the fsync of this offset. */
  private readonly waiting = new Map<Client, number>();
  /** The client being released (its flush must go through). */
  private releasing: Client | null = null;
  private policy = FsyncPolicy.Everysec;
  private timestampSecond = 0;
  /** Bytes in the current incr file (aof_last_incr_size). */
  private incrBytes = 0;
  private rewriting: Promise<void> | null = null;
  private rewriteStartedAt = 0;
  // INFO persistence counters.
  currentSize = 0;
  baseSize = 0;
  rewriteScheduled = false;
  lastRewriteSeconds = -1;
  lastRewriteOk = true;
  rewrites = 0;
  consecutiveFailures = 0;
  lastWriteOk = true;
  /** strerror of the last failed write or fsync (the MISCONF text). */
  private lastWriteError = '';
  /** ms of the last logged write error (Redis logs them at most every AOF_WRITE_LOG_ERROR_RATE). */
  private lastWriteErrorLogAt = 0;
  delayedFsyncs = 0;

  private readonly files: AofDirectory;

  constructor(private readonly server: Server) {
    this.files = new AofDirectory(server);
  }

  get enabled(): boolean {
    return this.state !== AofState.Off;
  }

  get rewriteInProgress(): boolean {
    return this.rewriting !== null;
  }

  private get config() {
    return this.server.config;
  }

  // -- the propagation sink ----------------------------------------------------------------------

  feed(dbIndex: number, argv: readonly string[], target: number): void {
    if ((target & PropagateTarget.aof) === 0 || this.fd === -1) return;
    let text = '';
    if (this.config.bool('aof-timestamp-enabled')) {
      const second = this.server.clock.seconds;
      if (second > this.timestampSecond) {
        this.timestampSecond = second;
        text += `#TS:${second}\r\n`;
      }
    }
    if (dbIndex !== this.selectedDb) {
      const db = String(dbIndex);
      text += `*2\r\n$6\r\nSELECT\r\n$${db.length}\r\n${db}\r\n`;
      this.selectedDb = dbIndex;
    }
    text += respCommand(argv);
    this.pending += text;
    this.appended += text.length;
  }

  // -- writing and fsync ---------------------------------------------------------------------------

  /**
   * Called before a client's replies go to its socket. Writes what was appended (so a killed
   * process keeps every acknowledged write); with appendfsync always, returns true while the
   * fsync covering them is in flight — the server flushes the client again when it lands.
   */
  holdReplies(client: Client): boolean {
    if (this.fd === -1) return false;
    if (this.pending.length > 0) this.writePending();
    if (this.policy !== FsyncPolicy.Always || this.synced >= this.written || client === this.releasing) return false;
    this.waiting.set(client, this.written);
    client.socket?.pause();
    this.requestFsync();
    return true;
  }

  /** flushAppendOnlyFile's write: the buffer to the current incr file (page cache). */
  private writePending(): void {
    if (this.pending.length === 0 || this.fd === -1) return;
    const bytes = Buffer.from(this.pending, 'latin1');
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
      if (!this.lastWriteOk) this.server.log.warn('AOF write error looks solved, Redis can write again.');
      this.lastWriteOk = true;
    } catch (error) {
      this.writeFailed('Error writing to the AOF file: ', error as NodeJS.ErrnoException);
      if (this.policy === FsyncPolicy.Always) {
        // Replies already promise these writes: Redis cannot take them back, so it exits.
        this.server.log.warn("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        process.exit(1);
      }
    }
    // Unwritten bytes stay pending and are retried by the cron.
    this.pending = offset === bytes.length ? '' : bytes.latin1Slice(offset, bytes.length);
    this.written += offset;
    this.incrBytes += offset;
    this.currentSize += offset;
  }

  /** Writes are refused (MISCONF) until a write to the AOF succeeds again. */
  private writeFailed(context: string, error: NodeJS.ErrnoException): void {
    this.lastWriteOk = false;
    this.lastWriteError = strerror(error);
    const now = Date.now();
    if (now - this.lastWriteErrorLogAt < WRITE_ERROR_LOG_MS) return;
    this.lastWriteErrorLogAt = now;
    this.server.log.warn(`${context}${this.lastWriteError}`);
  }

  /** writeCommandsDeniedByDiskError's AOF part: the MISCONF error while writing fails, else null. */
  writeRefusal(): string | null {
    if (this.lastWriteOk || this.state === AofState.Off) return null;
    return `MISCONF Errors writing to the AOF file: ${this.lastWriteError}`;
  }

  /** Queues an fsync of everything written to the current file, unless one is queued already. */
  private requestFsync(): void {
    if (this.fsyncJobs.length > 0) return;
    if (this.fsyncRunning) {
      // The running job covers less than what waits: one more job follows it.
      this.fsyncJobs.push({ fd: this.fd, upTo: this.written, close: false });
      return;
    }
    this.enqueueFsync({ fd: this.fd, upTo: this.written, close: false });
  }

  /** Jobs run one at a time in order, in the thread pool (Redis's BIO_AOF_FSYNC thread). */
  private enqueueFsync(job: FsyncJob): void {
    this.fsyncJobs.push(job);
    if (!this.fsyncRunning) this.runFsync();
  }

  private runFsync(): void {
    const job = this.fsyncJobs.shift();
    if (job === undefined) {
      this.fsyncRunning = false;
      return;
    }
    this.fsyncRunning = true;
    // A queued job for the current file is refreshed to cover what was written meanwhile.
    if (!job.close && job.fd === this.fd) job.upTo = this.written;
    fsync(job.fd, (error) => this.fsyncDone(job, error));
  }

  private fsyncDone(job: FsyncJob, error: NodeJS.ErrnoException | null): void {
    // The closing fsync of a replaced file is best effort, as Redis's close job.
    if (error !== null && !job.close) {
      this.writeFailed('Error syncing the AOF file: ', error);
      if (this.policy === FsyncPolicy.Always) {
        this.server.log.warn("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        process.exit(1);
      }
    } else if (job.upTo > this.synced) {
      this.synced = job.upTo;
    }
    this.lastFsyncAt = Date.now();
    if (job.close) close(job.fd, () => undefined);
    this.releaseWaiting();
    this.runFsync();
  }

  /** Sends the held replies whose writes are now on disk; asks for another fsync for the rest. */
  private releaseWaiting(): void {
    if (this.waiting.size === 0) return;
    for (const [client, target] of this.waiting) {
      if (target > this.synced) continue;
      this.waiting.delete(client);
      if (this.server.clients.get(client.id) !== client) continue;
      client.socket?.resume();
      this.releasing = client;
      try {
        this.server.flush(client);
      } finally {
        this.releasing = null;
      }
    }
    if (this.waiting.size > 0) this.requestFsync();
  }

  // -- cron ------------------------------------------------------------------------------------------

  /** serverCron's AOF part: write the buffer, everysec fsync, scheduled and automatic rewrites. */
  cron(): void {
    if (this.fd !== -1) {
      this.writePending();
      if (this.policy === FsyncPolicy.Everysec && this.written > this.synced && Date.now() - this.lastFsyncAt >= EVERYSEC_MS) {
        if (this.fsyncRunning) this.delayedFsyncs++;
        else this.enqueueFsync({ fd: this.fd, upTo: this.written, close: false });
      }
    }
    // No rewrite of a dataset still being loaded (a replica's full sync).
    if (this.rewriting !== null || this.server.snapshots.active !== null || this.server.rdb.loading.active) return;
    if (this.rewriteScheduled) {
      this.startRewrite();
      return;
    }
    this.autoRewrite();
  }

  /** auto-aof-rewrite-percentage / auto-aof-rewrite-min-size. */
  private autoRewrite(): void {
    const percentage = this.config.int('auto-aof-rewrite-percentage');
    if (this.state !== AofState.On || percentage === 0 || this.currentSize <= this.config.int('auto-aof-rewrite-min-size')) return;
    const base = this.baseSize === 0 ? 1 : this.baseSize;
    const growth = Math.floor((this.currentSize * 100) / base) - 100;
    if (growth < percentage) return;
    this.server.log.info(`Starting automatic rewriting of AOF on ${growth}% growth`);
    this.startRewrite();
  }

  // -- rewrite -----------------------------------------------------------------------------------------

  /**
   * BGREWRITEAOF: 'scheduled' when another snapshot runs or inside EXEC, else starts a rewrite.
   * The caller checks `rewriteInProgress` first.
   */
  requestRewrite(): 'started' | 'scheduled' | 'failed' {
    if (this.server.snapshots.active !== null || this.server.executingTransaction) {
      this.rewriteScheduled = true;
      this.consecutiveFailures = 0;
      return 'scheduled';
    }
    return this.startRewrite() ? 'started' : 'failed';
  }

  /** rewriteAppendOnlyFileBackground. */
  private startRewrite(): boolean {
    try {
      mkdirSync(this.files.path, { recursive: true });
    } catch (error) {
      this.server.log.warn(`Can't open or create append-only dir ${this.config.str('appenddirname')}: ${(error as Error).message}`);
      this.lastRewriteOk = false;
      return false;
    }
    this.writePending();
    if (this.pending.length > 0) {
      // The old file refuses writes: the snapshot taken below holds these commands' effects,
      // and replaying them after it from the new file would apply them twice.
      this.server.log.warn(`Dropping ${this.pending.length} AOF bytes that could not be written: the rewrite covers them`);
      this.pending = '';
    }
    if (!this.openNewIncr()) {
      this.lastRewriteOk = false;
      return false;
    }
    // Same instant as the new incr file: the snapshot is exactly what that file continues from.
    const snapshot = this.server.snapshots.begin(this.server.clock.ms);
    this.rewrites++;
    this.rewriteScheduled = false;
    this.rewriteStartedAt = Date.now();
    const temp = join(this.config.str('dir'), `temp-rewriteaof-bg-${process.pid}.aof`);
    this.server.log.info('Background append only file rewriting started');
    this.rewriting = writeBase(this.server, snapshot, temp)
      .then((ok) => this.rewriteDone(ok, temp))
      .finally(() => {
        this.rewriting = null;
      });
    return true;
  }

  /** openNewIncrAofForAppend: the file writes go to while the rewrite runs (and after). */
  private openNewIncr(): boolean {
    if (this.state === AofState.Off) return true;
    let fd = -1;
    try {
      if (this.state === AofState.WaitRewrite) {
        fd = openSync(this.files.file(this.files.tempIncrName), 'w');
      } else {
        const next = this.manifest.clone();
        const info = next.newIncr(this.files.filename);
        fd = openSync(this.files.file(info.name), 'w');
        this.files.persistManifest(next);
        this.manifest = next;
        this.server.log.info(`Creating AOF incr file ${info.name} on background rewrite`);
      }
    } catch (error) {
      if (fd !== -1) closeSync(fd);
      this.server.log.warn(`Can't open the append-only file: ${(error as Error).message}`);
      return false;
    }
    this.switchFile(fd);
    return true;
  }

  /** Makes `fd` the current incr file; the previous one is fsynced and closed in the background. */
  private switchFile(fd: number): void {
    if (this.fd !== -1) this.enqueueFsync({ fd: this.fd, upTo: this.written, close: true });
    if (!this.lastWriteOk) {
      // A new file: the error of the old one no longer applies (Redis's "AOF reopen").
      this.server.log.warn('AOF reopen, just ignore the last error.');
      this.lastWriteOk = true;
    }
    this.fd = fd;
    this.selectedDb = -1;
    this.incrBytes = 0;
  }

  /** backgroundRewriteDoneHandler. */
  private rewriteDone(ok: boolean, temp: string): void {
    this.lastRewriteSeconds = Math.round((Date.now() - this.rewriteStartedAt) / 1000);
    if (ok) ok = this.installBase(temp);
    if (ok) {
      this.lastRewriteOk = true;
      this.consecutiveFailures = 0;
      this.server.log.info('Background AOF rewrite finished successfully');
      if (this.state === AofState.WaitRewrite) this.state = AofState.On;
    } else {
      this.lastRewriteOk = false;
      this.consecutiveFailures++;
      this.server.log.warn('Background AOF rewrite terminated with error');
      removeQuietly(temp);
    }
    if (this.state === AofState.WaitRewrite) {
      // The writes collected in the temporary incr file are lost with it: try again.
      this.closeCurrent();
      removeQuietly(this.files.file(this.files.tempIncrName));
      this.rewriteScheduled = true;
    }
  }

  /** Renames the new base (and temp incr) into place and switches the manifest. */
  private installBase(temp: string): boolean {
    const next = this.manifest.clone();
    const base = next.newBase(this.files.filename, this.config.bool('aof-use-rdb-preamble'));
    try {
      renameSync(temp, this.files.file(base.name));
      this.server.log.info(`Successfully renamed the temporary AOF base file ${temp} into ${base.name}`);
      if (this.state === AofState.WaitRewrite) {
        const incr = next.newIncr(this.files.filename);
        renameSync(this.files.file(this.files.tempIncrName), this.files.file(incr.name));
      }
      next.retireIncr(this.fd !== -1);
      this.files.persistManifest(next);
    } catch (error) {
      this.server.log.warn(`Error installing the rewritten AOF: ${(error as Error).message}`);
      return false;
    }
    this.manifest = next;
    if (this.state !== AofState.Off) {
      this.currentSize = fileSize(this.files.file(base.name)) + this.incrBytes;
      this.baseSize = this.currentSize;
    }
    this.deleteHistory();
    return true;
  }

  /** aofDelHistoryFiles (unless aof-disable-auto-gc). */
  private deleteHistory(): void {
    if (this.config.bool('aof-disable-auto-gc') || this.manifest.history.length === 0) return;
    for (const info of this.manifest.history) {
      this.server.log.info(`Removing the history file ${info.name} in the background`);
      removeQuietly(this.files.file(info.name));
    }
    const next = this.manifest.clone();
    next.history = [];
    try {
      this.files.persistManifest(next);
      this.manifest = next;
    } catch (error) {
      this.server.log.warn(`Can't persist the AOF manifest: ${(error as Error).message}`);
    }
  }

  // -- turning the AOF on and off ---------------------------------------------------------------------

  /** CONFIG SET appendonly (and the config at startup once loading is done). */
  private appendonlyChanged(on: boolean): void {
    if (on && this.state === AofState.Off) this.startAppendOnly();
    else if (!on && this.state !== AofState.Off) this.stopAppendOnly();
  }

  /** startAppendOnly: writes start when the first rewrite (a fresh base) begins. */
  private startAppendOnly(): void {
    this.state = AofState.WaitRewrite;
    this.server.propagation.subscribe(this);
    if (this.rewriting !== null) {
      this.server.log.warn('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
      this.server.snapshots.active?.release();
      this.rewriteScheduled = true;
    } else if (this.server.snapshots.active !== null) {
      this.server.log.warn('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
      this.rewriteScheduled = true;
    } else if (this.server.executingTransaction) {
      this.server.log.warn('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
      this.rewriteScheduled = true;
    } else if (!this.startRewrite()) {
      this.state = AofState.Off;
      this.server.propagation.unsubscribe(this);
      this.server.log.warn("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
    }
  }

  /** stopAppendOnly: the last writes are written and fsynced, the file closed. */
  private stopAppendOnly(): void {
    this.server.propagation.unsubscribe(this);
    this.writePending();
    if (this.fd !== -1) this.enqueueFsync({ fd: this.fd, upTo: this.written, close: true });
    this.fd = -1;
    this.selectedDb = -1;
    this.state = AofState.Off;
    this.rewriteScheduled = false;
    this.incrBytes = 0;
    if (this.rewriting !== null) this.server.snapshots.active?.release();
  }

  private closeCurrent(): void {
    if (this.fd === -1) return;
    this.enqueueFsync({ fd: this.fd, upTo: this.written, close: true });
    this.fd = -1;
  }

  // -- startup ---------------------------------------------------------------------------------------

  /** Loads the files the manifest names (aof-startup.ts); rejects with AofLoadError. */
  async loadAtStartup(): Promise<void> {
    const loaded = await loadAofAtStartup(this.server, this.files);
    this.manifest = loaded.manifest;
    this.currentSize = loaded.currentSize;
    this.baseSize = loaded.baseSize;
  }

  /**
   * aofOpenIfNeededOnServerStart, then follows `appendonly` for CONFIG SET. With appendonly
   * yes: a base file when there is none, the last incr file opened for appending.
   */
  openAtStartup(): void {
    this.config.watch('appendfsync', (value) => (this.policy = FSYNC_POLICIES.get(String(value)) ?? FsyncPolicy.Everysec));
    if (this.config.bool('appendonly')) this.openFiles();
    this.config.watch('appendonly', (value) => this.appendonlyChanged(value as boolean));
  }

  private openFiles(): void {
    mkdirSync(this.files.path, { recursive: true });
    const next = this.manifest.clone();
    if (next.empty) {
      const base = next.newBase(this.files.filename, this.config.bool('aof-use-rdb-preamble'));
      writeBaseSync(this.server, this.files.file(base.name));
      this.server.log.info(`Creating AOF base file ${base.name} on server start`);
    }
    const existing = next.incr.length > 0;
    const incr = existing ? next.incr[next.incr.length - 1]! : next.newIncr(this.files.filename);
    this.fd = openSync(this.files.file(incr.name), 'a');
    this.files.persistManifest(next);
    this.manifest = next;
    this.incrBytes = fileSize(this.files.file(incr.name));
    if (this.currentSize === 0) this.currentSize = this.manifest.loadOrder.reduce((sum, info) => sum + fileSize(this.files.file(info.name)), 0);
    if (this.baseSize === 0 && this.manifest.base !== null) this.baseSize = fileSize(this.files.file(this.manifest.base.name));
    this.server.log.info(`${existing ? 'Opening' : 'Creating'} AOF incr file ${incr.name} on server start`);
    this.state = AofState.On;
    this.lastFsyncAt = Date.now();
    this.server.propagation.subscribe(this);
  }

  /** prepareForShutdown: everything appended reaches the disk before the process exits. */
  shutdown(): void {
    if (this.fd === -1) return;
    this.writePending();
    try {
      fsyncSync(this.fd);
    } catch (error) {
      this.server.log.warn(`Fail to fsync the AOF file: ${(error as Error).message}`);
    }
  }

  // -- INFO --------------------------------------------------------------------------------------------

  /** The aof_* fields of INFO persistence, in Redis's order (the second group only when enabled). */
  infoFields(): [string, string | number][] {
    const fields: [string, string | number][] = [
      ['aof_enabled', this.enabled ? 1 : 0],
      ['aof_rewrite_in_progress', this.rewriting !== null ? 1 : 0],
      ['aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.lastRewriteSeconds],
      ['aof_current_rewrite_time_sec', this.rewriting !== null ? Math.round((Date.now() - this.rewriteStartedAt) / 1000) : -1],
      ['aof_last_bgrewrite_status', this.lastRewriteOk ? 'ok' : 'err'],
      ['aof_rewrites', this.rewrites],
      ['aof_rewrites_consecutive_failures', this.consecutiveFailures],
      ['aof_last_write_status', this.lastWriteOk ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
    ];
    return fields;
  }

  /** The fields Redis adds after module_fork_* when the AOF is enabled. */
  enabledInfoFields(): [string, string | number][] {
    if (!this.config.bool('appendonly')) return [];
    return [
      ['aof_current_size', this.currentSize],
      ['aof_base_size', this.baseSize],
      ['aof_pending_rewrite', this.rewriteScheduled ? 1 : 0],
      ['aof_buffer_length', this.pending.length],
      ['aof_pending_bio_fsync', this.fsyncJobs.length + (this.fsyncRunning ? 1 : 0)],
      ['aof_delayed_fsync', this.delayedFsyncs],
    ];
  }

  /** The stream offsets (appended, written, fsynced): for tests and diagnostics. */
  get offsets(): { appended: number; written: number; synced: number } {
    return { appended: this.appended, written: this.written, synced: this.synced };
  }
}
