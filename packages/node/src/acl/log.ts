import { Denied } from './check.js';

/** Where a refusal happened (Redis's ACL_LOG_CTX_*). */
export const enum LogContext {
  Toplevel = 'toplevel',
  Multi = 'multi',
  Lua = 'lua',
}

export const DENIED_NAMES: Record<Denied, string> = {
  [Denied.Command]: 'command',
  [Denied.Key]: 'key',
  [Denied.Auth]: 'auth',
  [Denied.Channel]: 'channel',
};

export interface LogEntry {
  count: number;
  reason: Denied;
  context: LogContext;
  /** The command, key, channel or (for auth) the command name as typed. */
  object: string;
  username: string;
  /** ms of the last occurrence. */
  time: number;
  /** CLIENT LIST line of the client, as of the last occurrence. */
  clientInfo: string;
}

/** Refusals within this many ms of each other with the same facts share one entry. */
const GROUPING_MS = 60_000;
/** How many recent entries are searched for one to merge with. */
const GROUPING_SCAN = 10;

/** The ACL LOG: newest first, similar refusals counted together, at most acllog-max-len entries. */
export class AclLog {
  entries: LogEntry[] = [];

  constructor(private maxLength: () => number) {}

  add(entry: Omit<LogEntry, 'count'>): void {
    const scan = Math.min(GROUPING_SCAN, this.entries.length);
    for (let i = 0; i < scan; i++) {
      const known = this.entries[i]!;
      if (
        known.reason === entry.reason &&
        known.context === entry.context &&
        Math.abs(known.time - entry.time) <= GROUPING_MS &&
        known.object === entry.object &&
        known.username === entry.username
      ) {
        known.count++;
        known.time = entry.time;
        known.clientInfo = entry.clientInfo;
        this.entries.splice(i, 1);
        this.entries.unshift(known);
        return;
      }
    }
    this.entries.unshift({ count: 1, ...entry });
    const max = this.maxLength();
    if (this.entries.length > max) this.entries.length = max;
  }

  reset(): void {
    this.entries = [];
  }
}
