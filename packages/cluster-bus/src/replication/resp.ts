/**
 * The RESP a replication link carries, in latin1 text (one char per byte, so a length is
 * `.length`): commands encoded as the master writes them into the stream, and a reader for
 * what a replica receives — status lines during the handshake, the RDB payload header, then
 * the command stream, each command with its exact size for offset accounting.
 */

/** One argv as a RESP multibulk, the form Redis's replication stream uses. */
export function encodeCommand(argv: readonly string[]): string {
  let text = `*${argv.length}\r\n`;
  for (const arg of argv) text += `$${arg.length}\r\n${arg}\r\n`;
  return text;
}

/** A command read from the stream and the bytes it took (what the replica offset advances by). */
export interface StreamCommand {
  argv: string[];
  /** The command's bytes as received (for sub-replicas and the backlog). */
  raw: string;
}

const EMPTY = Buffer.alloc(0);

/** Incremental reader over the bytes a master sends; keeps only an unconsumed tail. */
export class StreamReader {
  private buffer: Buffer = EMPTY;
  private pos = 0;
  /** Set when the stream is not RESP we understand (the link must be dropped). */
  error: string | null = null;

  feed(chunk: Buffer): void {
    if (this.pos >= this.buffer.length) this.buffer = chunk;
    else this.buffer = Buffer.concat([this.buffer.subarray(this.pos), chunk]);
    this.pos = 0;
  }

  /** Bytes received and not consumed yet. */
  get buffered(): number {
    return this.buffer.length - this.pos;
  }

  /** Takes everything buffered (the start of an RDB payload). */
  takeAll(): Buffer {
    const rest = this.buffer.subarray(this.pos);
    this.buffer = EMPTY;
    this.pos = 0;
    return rest;
  }

  /** The next line without its terminator (CRLF or a bare LF), or null until one is complete. */
  line(): string | null {
    const end = this.buffer.indexOf(10, this.pos);
    if (end === -1) return null;
    const stop = end > this.pos && this.buffer[end - 1] === 13 ? end - 1 : end;
    const text = this.buffer.latin1Slice(this.pos, stop);
    this.pos = end + 1;
    return text;
  }

  /** The next complete command, or null until one is complete (or when `error` is set). */
  command(): StreamCommand | null {
    const buffer = this.buffer;
    const start = this.pos;
    if (start >= buffer.length) return null;
    if (buffer[start] !== 42 /* '*' */) return this.inlineCommand();
    const header = this.lineAt(start + 1);
    if (header === null) return null;
    const count = Number(header.text);
    if (!Number.isInteger(count) || count < 0) {
      this.error = `invalid multibulk length '${header.text}'`;
      return null;
    }
    let at = header.next;
    const argv: string[] = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      if (at >= buffer.length) return null;
      if (buffer[at] !== 36 /* '$' */) {
        this.error = `expected '$', got '${String.fromCharCode(buffer[at]!)}'`;
        return null;
      }
      const bulk = this.lineAt(at + 1);
      if (bulk === null) return null;
      const length = Number(bulk.text);
      if (!Number.isInteger(length) || length < 0) {
        this.error = `invalid bulk length '${bulk.text}'`;
        return null;
      }
      const end = bulk.next + length;
      if (end + 2 > buffer.length) return null;
      argv[i] = buffer.latin1Slice(bulk.next, end);
      at = end + 2;
    }
    this.pos = at;
    return { argv, raw: buffer.latin1Slice(start, at) };
  }

  /** An inline command line (never sent by Redis masters after the sync, accepted anyway). */
  private inlineCommand(): StreamCommand | null {
    const start = this.pos;
    const text = this.line();
    if (text === null) return null;
    const raw = this.buffer.latin1Slice(start, this.pos);
    const argv = text.split(' ').filter((word) => word !== '');
    return { argv, raw };
  }

  /** The text of the CRLF-terminated line starting at `from`, and where the next one starts. */
  private lineAt(from: number): { text: string; next: number } | null {
    const end = this.buffer.indexOf(13, from);
    if (end === -1 || end + 1 >= this.buffer.length) return null;
    return { text: this.buffer.latin1Slice(from, end), next: end + 2 };
  }
}
