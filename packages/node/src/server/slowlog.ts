import type { Command } from '../commands/table.js';
import { CommandFlag } from '../commands/flags.js';
import type { Client } from './client.js';
import type { Config } from './config.js';
import type { CommandObserver } from './server.js';

/** Arguments and bytes per argument an entry keeps (SLOWLOG_ENTRY_MAX_ARGC / _STRING). */
const MAX_ARGS = 32;
const MAX_STRING = 128;

export interface SlowlogEntry {
  readonly id: number;
  /** Unix time in seconds. */
  readonly time: number;
  readonly microseconds: number;
  readonly argv: readonly string[];
  readonly addr: string;
  readonly name: string;
}

/**
 * The slow log: commands that ran for at least slowlog-log-slower-than microseconds, newest
 * first, at most slowlog-max-len of them. Fed by dispatch through the command observers.
 */
export class Slowlog implements CommandObserver {
  private entries: SlowlogEntry[] = [];
  private nextId = 0;
  private slowerThan = 0;
  private maxLength = 0;

  constructor(config: Config) {
    config.watch('slowlog-log-slower-than', (value) => (this.slowerThan = Number(value)));
    config.watch('slowlog-max-len', (value) => {
      this.maxLength = Number(value);
      this.trim();
    });
  }

  commandExecuted(client: Client, command: Command, argv: readonly string[], microseconds: number): void {
    if (this.slowerThan < 0 || microseconds < this.slowerThan) return;
    if ((command.flags & CommandFlag.skip_slowlog) !== 0) return;
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(Date.now() / 1000),
      microseconds,
      argv: trimArguments(argv),
      addr: client.addr,
      name: client.name,
    });
    this.trim();
  }

  get length(): number {
    return this.entries.length;
  }

  /** The newest `count` entries. */
  newest(count: number): readonly SlowlogEntry[] {
    return this.entries.slice(0, count);
  }

  reset(): void {
    this.entries = [];
  }

  private trim(): void {
    if (this.entries.length > this.maxLength) this.entries.length = this.maxLength;
  }
}

/** Keeps 32 arguments (the last one says how many were dropped) of at most 128 bytes each. */
export function trimArguments(argv: readonly string[]): string[] {
  const kept = Math.min(argv.length, MAX_ARGS);
  const out: string[] = [];
  for (let i = 0; i < kept; i++) {
    const arg = argv[i]!;
    if (kept !== argv.length && i === kept - 1) out.push(`... (${argv.length - kept + 1} more arguments)`);
    else if (arg.length > MAX_STRING) out.push(`${arg.slice(0, MAX_STRING)}... (${arg.length - MAX_STRING} more bytes)`);
    else out.push(arg);
  }
  return out;
}
