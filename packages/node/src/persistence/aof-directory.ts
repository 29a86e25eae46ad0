import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from '../server/server.js';
import type { AofManifest } from './aof-manifest.js';
import { fsyncDirectory } from './files.js';

/**
 * Where the AOF's files live and what they are called, read from the config each time (CONFIG
 * SET dir / appendfilename apply to the next file): dir + appenddirname holds the manifest, the
 * base and incr files.
 */
export class AofDirectory {
  constructor(private readonly server: Server) {}

  /** appendfilename: the prefix of every file name (and the old single-file AOF's name). */
  get filename(): string {
    return this.server.config.str('appendfilename');
  }

  /** The AOF directory (dir + appenddirname). */
  get path(): string {
    return join(this.server.config.str('dir'), this.server.config.str('appenddirname'));
  }

  /** A file of the directory. */
  file(name: string): string {
    return join(this.path, name);
  }

  get manifestName(): string {
    return `${this.filename}.manifest`;
  }

  /** Where writes go while appendonly waits for its first rewrite. */
  get tempIncrName(): string {
    return `temp-${this.filename}.incr`;
  }

  /** writeAofManifestFile: temp file, fsync, rename, fsync of the directory. */
  persistManifest(manifest: AofManifest): void {
    const target = this.file(this.manifestName);
    const temp = this.file(`temp-${this.manifestName}`);
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, manifest.format());
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
    fsyncDirectory(target);
  }
}
