import { existsSync, mkdirSync, readFileSync, renameSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from '../server/server.js';
import type { AofDirectory } from './aof-directory.js';
import { AofReplayStatus, replaySteps } from './aof-loader.js';
import { AofFileType, AofManifest, ManifestError } from './aof-manifest.js';
import { FormatError } from './bytes.js';
import { fileSize } from './files.js';
import { runInSlices } from './loading.js';

/** Failure of loading at startup: Redis logs it and exits(1). */
export class AofLoadError extends Error {}

/** What loading found: the manifest the AOF continues with and the INFO sizes. */
export interface LoadedAof {
  manifest: AofManifest;
  currentSize: number;
  baseSize: number;
}

/**
 * loadDataFromDisk with appendonly yes: loads the base and incr files named by the manifest
 * (upgrading an old single-file AOF first), in time slices while clients get LOADING. Rejects
 * with AofLoadError after logging Redis's reason.
 */
export async function loadAofAtStartup(server: Server, dir: AofDirectory): Promise<LoadedAof> {
  const load = new StartupLoad(server, dir);
  await load.run();
  return { manifest: load.manifest, currentSize: load.currentSize, baseSize: load.baseSize };
}

class StartupLoad {
  manifest = new AofManifest();
  currentSize = 0;
  baseSize = 0;

  constructor(
    private readonly server: Server,
    private readonly dir: AofDirectory,
  ) {}

  async run(): Promise<void> {
    this.manifest = this.readManifest();
    this.upgradeLegacyFile();
    if (this.manifest.empty) return;
    const files = this.manifest.loadOrder;
    let total = 0;
    for (const info of files) {
      const path = this.dir.file(info.name);
      if (!existsSync(path)) this.fatal(`The append log file ${info.name} doesn't exist`);
      total += fileSize(path);
    }
    if (total === 0) return;
    const started = Date.now();
    const loading = this.server.rdb.loading;
    loading.begin(total);
    try {
      for (const [i, info] of files.entries()) {
        const size = await this.loadFile(info.name, info === this.manifest.base, i === files.length - 1);
        loading.fileDone(size);
      }
    } finally {
      loading.end();
    }
    this.currentSize = files.reduce((sum, info) => sum + fileSize(this.dir.file(info.name)), 0);
    this.baseSize = this.manifest.base === null ? 0 : fileSize(this.dir.file(this.manifest.base.name));
    this.server.log.info(`DB loaded from append only file: ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
  }

  private readManifest(): AofManifest {
    const path = this.dir.file(this.dir.manifestName);
    if (!existsSync(path)) return new AofManifest();
    try {
      return AofManifest.parse(readFileSync(path, 'latin1'));
    } catch (error) {
      if (error instanceof ManifestError) this.fatal(`\n*** FATAL AOF MANIFEST FILE ERROR ***\n${error.message}`);
      throw error;
    }
  }

  /** aofUpgradePrepare: an old `dir/appendfilename` becomes the base of a new directory. */
  private upgradeLegacyFile(): void {
    const legacy = join(this.server.config.str('dir'), this.dir.filename);
    if (!existsSync(legacy)) return;
    const manifest = this.manifest;
    const onlyLegacyBase =
      manifest.base?.name === this.dir.filename && manifest.incr.length === 0 && !existsSync(this.dir.file(this.dir.filename));
    if (existsSync(this.dir.path) && !manifest.empty && !onlyLegacyBase) return;
    mkdirSync(this.dir.path, { recursive: true });
    const next = new AofManifest();
    next.base = { name: this.dir.filename, seq: 1, type: AofFileType.Base };
    next.baseSeq = 1;
    this.dir.persistManifest(next);
    renameSync(legacy, this.dir.file(this.dir.filename));
    this.manifest = next;
    this.server.log.info(
      `Successfully migrated an old-style AOF file (${this.dir.filename}) into the AOF directory (${this.server.config.str('appenddirname')}).`,
    );
  }

  /** loadSingleAppendOnlyFile: an RDB part (base, or old preamble) then commands. Resolves with its size. */
  private async loadFile(name: string, isBase: boolean, last: boolean): Promise<number> {
    const path = this.dir.file(name);
    const data = readFileSync(path);
    if (data.length === 0) return 0;
    const started = Date.now();
    const loading = this.server.rdb.loading;
    let commandsFrom = 0;
    if (data.latin1Slice(0, 5) === 'REDIS') {
      const oldStyle = name === this.dir.filename;
      this.server.log.info(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      try {
        const loaded = await this.server.rdb.loadBufferInSlices(data, { keepExpired: true });
        // An old-style file goes on with commands after the RDB; a base file is the RDB alone.
        commandsFrom = oldStyle ? loaded.bytes : data.length;
      } catch (error) {
        if (!(error instanceof FormatError || error instanceof RangeError)) throw error;
        this.fatal(
          oldStyle
            ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted`
            : `Error reading the RDB base file ${name}, AOF loading aborted`,
        );
      }
      if (oldStyle) this.server.log.info('Reading the remaining AOF tail...');
    }
    const result = await runInSlices(replaySteps(this.server, data, commandsFrom), (position) => loading.progress(position));
    switch (result.status) {
      case AofReplayStatus.UnknownCommand:
        this.fatal(`Unknown command '${result.unknown}' reading the append only file ${name}`);
        break;
      case AofReplayStatus.BadFormat:
        this.fatal(
          `Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
        );
        break;
      case AofReplayStatus.Truncated:
        this.truncatedTail(name, result.validUpTo, last);
        break;
      case AofReplayStatus.Ok:
        break;
    }
    const kind = isBase ? 'base' : 'incr';
    this.server.log.info(`DB loaded from ${kind} file ${name}: ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
    return data.length;
  }

  /** The uxeof path: cut the file after its last complete command when aof-load-truncated allows. */
  private truncatedTail(name: string, validUpTo: number, last: boolean): void {
    const log = this.server.log;
    if (!this.server.config.bool('aof-load-truncated')) {
      this.fatal(
        `Unexpected end of file reading the append only file ${name}. You can: ` +
          '1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. ' +
          "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
      );
    }
    log.warn(`!!! Warning: short read while loading the AOF file ${name}!!!`);
    log.warn(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
    try {
      truncateSync(this.dir.file(name), validUpTo);
    } catch (error) {
      this.fatal(`Error truncating the AOF file ${name}: ${(error as Error).message}`);
    }
    log.warn(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
    if (!last) this.fatal('Fatal error: the truncated file is not the last file');
  }

  private fatal(message: string): never {
    this.server.log.warn(message);
    throw new AofLoadError(message);
  }
}
