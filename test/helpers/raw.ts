import { connect, type Socket } from 'node:net';

/**
 * A raw RESP connection for byte-exact assertions: `send()` writes exact bytes, `reply()` reads
 * exactly one RESP2/RESP3 reply and returns its bytes as they came off the wire (latin1 string,
 * one char per byte). It knows the framing of every RESP type but never decodes payloads, so a
 * wrong type, a stray space or a differently printed float shows in a comparison.
 */
export class RawClient {
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => {
      this.closed = true;
      this.notify();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Whether the server closed the connection (or it failed). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes received and not consumed by `reply()` yet. */
  get unread(): string {
    return this.buffer.toString('latin1');
  }

  /** Writes bytes as given (a string is sent latin1, one byte per char). */
  send(data: string | Buffer): void {
    if (!this.closed) this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Sends one command as a RESP multibulk array. */
  command(...args: string[]): void {
    this.send(encodeCommand(args));
  }

  /** Sends a command and reads its reply. */
  async call(...args: string[]): Promise<string> {
    this.command(...args);
    return this.reply();
  }

  /**
   * Reads exactly one reply. Resolves '<closed>' when the connection ends before a complete
   * reply, and rejects after `timeoutMs` without one (bounded, so a hung server fails the test).
   */
  async reply(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = replyEnd(this.buffer, 0);
      if (end > 0) {
        const text = this.buffer.toString('latin1', 0, end);
        this.buffer = this.buffer.subarray(end);
        return text;
      }
      if (end < 0) throw new Error(`malformed reply: ${JSON.stringify(this.unread.slice(0, 200))}`);
      if (this.closed) return CLOSED;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete reply within ${timeoutMs} ms; got ${JSON.stringify(this.unread.slice(0, 200))}`);
      await this.waitForData(left);
    }
  }

  /** Waits (bounded) until the server closes the connection; true when it did. */
  async waitClosed(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.waitForData(left);
    }
    return true;
  }

  /** Closes our side at once (a client vanishing mid-frame). */
  destroy(): void {
    this.socket.destroy();
    this.closed = true;
  }

  /** Stops or resumes reading from the socket: a client that never reads its replies. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  private notify(): void {
    this.wake?.();
  }
}

/** What `reply()` returns when the server closed the connection before a complete reply. */
export const CLOSED = '<closed>';

/** RESP multibulk encoding of one command (args are latin1 strings). */
export function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${arg.length}\r\n${arg}\r\n`;
  return out;
}

/**
 * Where the reply starting at `start` ends: its end offset, 0 when incomplete, -1 when the
 * bytes are not RESP.
 */
export function replyEnd(buf: Buffer, start: number): number {
  if (start >= buf.length) return 0;
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd === -1) return 0;
  const type = String.fromCharCode(buf[start]!);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return afterLine;
    case '$': case '=': case '!': {
      const length = Number(buf.toString('latin1', start + 1, lineEnd));
      if (!Number.isInteger(length)) return -1;
      if (length < 0) return afterLine;
      return afterLine + length + 2 <= buf.length ? afterLine + length + 2 : 0;
    }
    case '*': case '~': case '>': case '%': case '|': {
      const count = Number(buf.toString('latin1', start + 1, lineEnd));
      if (!Number.isInteger(count)) return -1;
      const items = count < 0 ? 0 : type === '%' || type === '|' ? count * 2 : count;
      let at = afterLine;
      for (let i = 0; i < items; i++) {
        const end = replyEnd(buf, at);
        if (end <= 0) return end;
        at = end;
      }
      return at;
    }
    default:
      return -1;
  }
}

/**
 * Splits a raw reply into its top-level elements' raw bytes (header excluded), for comparing
 * replies whose element order Redis leaves unspecified. Maps and attribute pairs stay paired.
 */
export function replyElements(reply: string): { header: string; elements: string[] } | null {
  const buf = Buffer.from(reply, 'latin1');
  const type = reply[0];
  if (type !== '*' && type !== '~' && type !== '%') return null;
  const lineEnd = buf.indexOf('\r\n');
  const header = reply.slice(0, lineEnd + 2);
  const count = Number(reply.slice(1, lineEnd));
  if (count < 0) return null;
  const perElement = type === '%' ? 2 : 1;
  const elements: string[] = [];
  let at = lineEnd + 2;
  for (let i = 0; i < count; i++) {
    let end = at;
    for (let j = 0; j < perElement; j++) end = replyEnd(buf, end);
    elements.push(reply.slice(at, end));
    at = end;
  }
  return { header, elements };
}

/** The reply with its top-level elements sorted (unchanged when it is not an aggregate). */
export function sortedReply(reply: string): string {
  const split = replyElements(reply);
  if (split === null) return reply;
  return split.header + [...split.elements].sort().join('');
}

/**
 * Replays a script on a fresh connection — RESP2 or RESP3 (HELLO 3), from FLUSHALL — and
 * returns one "command → raw reply" line per command, for byte comparisons between servers.
 */
export async function replayScript(port: number, resp: 2 | 3, script: readonly string[][]): Promise<string[]> {
  const client = await RawClient.connect(port);
  try {
    if (resp === 3) await client.call('HELLO', '3');
    await client.call('FLUSHALL');
    const replies: string[] = [];
    for (const command of script) replies.push(`${command.join(' ')} → ${await client.call(...command)}`);
    return replies;
  } finally {
    client.destroy();
  }
}

/**
 * Like replayScript, over several connections: each step names the connection (0, 1, …) that
 * sends it, so scripts can interleave clients (WATCH on one, a write on another). Starts from
 * FLUSHALL on connection 0.
 */
export async function replayConversation(
  port: number,
  resp: 2 | 3,
  steps: readonly (readonly [number, ...string[]])[],
): Promise<string[]> {
  const count = Math.max(...steps.map(([connection]) => connection)) + 1;
  const clients = await Promise.all(Array.from({ length: count }, () => RawClient.connect(port)));
  try {
    if (resp === 3) for (const client of clients) await client.call('HELLO', '3');
    await clients[0]!.call('FLUSHALL');
    const replies: string[] = [];
    for (const [connection, ...command] of steps) {
      replies.push(`${connection}: ${command.join(' ')} → ${await clients[connection]!.call(...command)}`);
    }
    return replies;
  } finally {
    for (const client of clients) client.destroy();
  }
}
