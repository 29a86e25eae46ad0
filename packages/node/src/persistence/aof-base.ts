import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from '../server/server.js';
import { dumpPayload } from './rdb-writer.js';
import type { RdbSink } from './saver.js';
import type { Snapshot, SnapshotRecord, SnapshotVisitor } from './snapshot.js';
import { streamFileSynced, writeFileSynced } from './files.js';

/**
 * The AOF base file written from a snapshot: an RDB with aof-use-rdb-preamble, else commands.
 * Also the RESP form of one command, which the incr files are made of.
 */

/** A command as the AOF stores it (RESP multibulk). */
export function respCommand(argv: readonly string[]): string {
  let text = `*${argv.length}\r\n`;
  for (const arg of argv) text += `$${arg.length}\r\n${arg}\r\n`;
  return text;
}

/** The background rewrite's base: resolves false (logged) when it could not be written. */
export async function writeBase(server: Server, snapshot: Snapshot, temp: string): Promise<boolean> {
  try {
    await streamFileSynced(temp, async (sink) => {
      if (server.config.bool('aof-use-rdb-preamble')) {
        await server.rdb.streamRdb(snapshot, sink, { aofBase: true });
      } else {
        const visitor = new CommandBaseVisitor(server, sink, false);
        await snapshot.walk(visitor);
        await sink.write(visitor.take());
      }
    });
    return true;
  } catch (error) {
    snapshot.release();
    server.log.warn(`Write error writing append only file on disk: ${(error as Error).message}`);
    return false;
  }
}

/** rewriteAppendOnlyFile: a base written synchronously (server start, nothing to serve yet). */
export function writeBaseSync(server: Server, target: string): void {
  const temp = join(server.config.str('dir'), `temp-rewriteaof-${process.pid}.aof`);
  writeFileSynced(temp, (sink) => {
    const snapshot = server.snapshots.immediate(server.clock.ms);
    if (server.config.bool('aof-use-rdb-preamble')) server.rdb.writeRdbSync(snapshot, sink, { aofBase: true });
    else {
      const visitor = new CommandBaseVisitor(server, sink, true);
      snapshot.walkSync(visitor);
      sink.write(visitor.take());
    }
  });
  renameSync(temp, target);
}

/**
 * An AOF-format base (aof-use-rdb-preamble no): per database a SELECT, then per key a RESTORE
 * of its DUMP payload with the absolute TTL, and the function libraries first. Redis writes
 * type-specific commands (RPUSH, HMSET …); RESTORE reproduces the same keys and loads anywhere.
 */
class CommandBaseVisitor implements SnapshotVisitor {
  private text = '';

  constructor(
    private readonly server: Server,
    private readonly sink: RdbSink,
    /** A synchronous walk with a synchronous sink: write out every megabyte. */
    private readonly eager: boolean,
  ) {
    for (const code of server.rdb.functionLibraries()) this.text += respCommand(['FUNCTION', 'LOAD', code]);
  }

  database(index: number): void {
    this.text += respCommand(['SELECT', String(index)]);
  }

  key(record: SnapshotRecord): void {
    const dump = dumpPayload(record.type, record.value, this.server.rdb.writerOptions());
    const payload = dump.latin1Slice(0, dump.length);
    const argv = ['RESTORE', record.key, String(record.expireAt), payload];
    if (record.expireAt !== 0) argv.push('ABSTTL');
    this.text += respCommand(argv);
    if (this.eager && this.text.length >= 1 << 20) void this.sink.write(this.take());
  }

  async sliceDone(): Promise<void> {
    if (this.text.length > 0) await this.sink.write(this.take());
  }

  /** The commands produced since the last take. */
  take(): Buffer {
    const bytes = Buffer.from(this.text, 'latin1');
    this.text = '';
    return bytes;
  }
}

