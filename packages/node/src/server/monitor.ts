import { performance } from 'node:perf_hooks';
import { CommandFlag, type Command } from '../commands/table.js';
import { ClientFlag, type Client } from './client.js';
import type { CommandObserver, Server } from './server.js';

/** Commands never shown to monitors: admin ones are deemed too sensitive, as in Redis. */
const HIDDEN = CommandFlag.skip_monitor | CommandFlag.admin;

/**
 * MONITOR: every executed command is shown to monitoring clients as one status line,
 * `+<seconds>.<micros> [<db> <addr>] "arg" "arg"…`. The feed is a command observer that is
 * registered only while someone monitors, so an unmonitored server pays nothing per command.
 * Lines are appended to the monitors' reply buffers and written once per event-loop pass.
 */
export class MonitorFeed implements CommandObserver {
  private readonly monitors = new Set<Client>();
  private flushScheduled = false;

  constructor(private readonly server: Server) {}

  get size(): number {
    return this.monitors.size;
  }

  /** Makes `client` a monitor (Redis flags it as a replica too: it is never paused or timed out). */
  add(client: Client): void {
    if (this.monitors.size === 0) this.server.observers.push(this);
    this.monitors.add(client);
    client.flags |= ClientFlag.monitor | ClientFlag.replica;
  }

  /** Stops feeding `client` (RESET, or the connection closed). */
  remove(client: Client): void {
    if (!this.monitors.delete(client)) return;
    client.flags &= ~(ClientFlag.monitor | ClientFlag.replica);
    if (this.monitors.size === 0) {
      const observers = this.server.observers;
      observers.splice(observers.indexOf(this), 1);
    }
  }

  commandExecuted(client: Client, command: Command, argv: readonly string[]): void {
    if ((command.flags & HIDDEN) === 0) this.feed(client, argv);
  }

  /**
   * replicationFeedMonitors: one line for `argv` run by `client`. Scripts (EVAL*, FCALL*, flagged
   * skip_monitor) call it themselves before they run, so their commands follow their line.
   */
  feed(client: Client, argv: readonly string[]): void {
    if (this.monitors.size === 0) return;
    // Only a script's client runs commands through call() without a connection (Redis's "lua").
    const source = client.socket === null ? 'lua' : client.addr;
    const line = monitorLine(client.db.index, source, argv, epochMicroseconds());
    for (const monitor of this.monitors) monitor.rawText(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(flushMonitors, this);
    }
  }

  /** Writes what the monitors were fed during the last pass. */
  flush(): void {
    this.flushScheduled = false;
    for (const monitor of this.monitors) this.server.flush(monitor);
  }
}

function flushMonitors(feed: MonitorFeed): void {
  feed.flush();
}

/** Wall-clock time in microseconds, as Redis's gettimeofday stamp. */
function epochMicroseconds(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * One monitor line, CRLF included: `+1700000000.123456 [0 127.0.0.1:5555] "SET" "k" "v"`;
 * `source` is the client's address, or "lua" for a script's commands.
 */
export function monitorLine(db: number, source: string, argv: readonly string[], micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000).padStart(6, '0');
  let line = `+${seconds}.${fraction} [${db} ${source}]`;
  for (const arg of argv) line += ` ${quoteRepr(arg)}`;
  return `${line}\r\n`;
}

const NAMED_ESCAPES: Record<number, string> = {
  0x5c: '\\\\', 0x22: '\\"', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x07: '\\a', 0x08: '\\b',
};

/**
 * Quotes a latin1 string as Redis's sdscatrepr: backslash escapes for \ " \n \r \t \a \b,
 * printable ASCII as is, every other byte as \xhh.
 */
export function quoteRepr(text: string): string {
  let out = '"';
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e && code !== 0x5c && code !== 0x22) continue;
    out += text.slice(plainFrom, i);
    out += NAMED_ESCAPES[code] ?? `\\x${code.toString(16).padStart(2, '0')}`;
    plainFrom = i + 1;
  }
  return `${out}${text.slice(plainFrom)}"`;
}
