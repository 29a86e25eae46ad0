import { closeSync, fsyncSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RdbSink } from './saver.js';

/**
 * File steps shared by RDB saves and the AOF: a temp file written and fsynced before it is
 * renamed into place, the directory fsync that makes the rename durable, sizes and removals.
 */

/** Writes `path` through a synchronous sink, then fsyncs and closes it (also on failure). */
export function writeFileSynced(path: string, produce: (sink: RdbSink) => void): void {
  const fd = openSync(path, 'w');
  try {
    produce({ write: (chunk) => void writeSync(fd, chunk) });
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The same for a producer that waits on each write (background saves and rewrites). */
export async function streamFileSynced(path: string, produce: (sink: RdbSink) => Promise<void>): Promise<void> {
  const file = await open(path, 'w');
  try {
    await produce({ write: (chunk) => file.write(chunk).then(() => undefined) });
    await file.sync();
  } finally {
    await file.close();
  }
}

/** fsyncFileDir: makes a rename into the file's directory durable. */
export function fsyncDirectory(file: string): void {
  let fd = -1;
  try {
    fd = openSync(dirname(file), 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename still happened.
  } finally {
    if (fd !== -1) closeSync(fd);
  }
}

/** The size of a file, 0 when it is missing. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
