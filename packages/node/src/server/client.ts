import type { Socket } from 'node:net';
import { RequestParser } from '../protocol/parser.js';
import { ReplyWriter } from '../protocol/writer.js';
import type { User } from '../acl/user.js';
import type { Command } from '../commands/table.js';
import type { Database } from '../keyspace/database.js';
import type { Server } from './server.js';

/** Client flags, a subset of Redis's CLIENT_* bits, as shown by CLIENT LIST `flags=`. */
export const ClientFlag = {
  closeAfterReply: 1 << 0,
  closeAsap: 1 << 1,
  multi: 1 << 2,
  pubsub: 1 << 3,
  monitor: 1 << 4,
  replica: 1 << 5,
  master: 1 << 6,
  blocked: 1 << 7,
  noEvict: 1 << 8,
  readonly: 1 << 9,
  asking: 1 << 10,
  dirtyExec: 1 << 11,
  dirtyCas: 1 << 12,
} as const;

/** A command queued inside MULTI, checked already and run as is by EXEC. */
export interface QueuedCommand {
  command: Command;
  argv: string[];
}

/** CLIENT REPLY modes. */
export const enum ReplyMode {
  On,
  Off,
  SkipNext,
  Skip,
}

/**
 * One connection: its parser, its pending replies (the writer it extends) and the state
 * commands read and change (selected db, protocol, name, auth, flags).
 */
export class Client extends ReplyWriter {
  readonly parser: RequestParser;
  db: Database;
  name = '';
  flags = 0;
  authenticated: boolean;
  /** The ACL user this connection runs as (shared with every connection of that user). */
  user: User;
  replyMode = ReplyMode.On;
  /** The command being executed, for errorstats and `cmd=` in CLIENT LIST. */
  lastCommand: Command | null = null;
  readonly createdAt: number;
  lastInteraction: number;
  readonly addr: string;
  readonly laddr: string;
  /** A stand-in for the file descriptor Redis shows in CLIENT LIST. */
  readonly fd: number;
  /** The last argv processed (kept for CLIENT LIST `argv-mem`, slowlog and errors). */
  argv: string[] = [];
  /** Commands queued since MULTI, run by EXEC. */
  transaction: QueuedCommand[] = [];
  /** Bytes this client adds to used_memory, as last charged by Server.chargeClient. */
  memoryCharged = 0;
  /** Unix seconds since the unsent output has been above the soft output buffer limit; 0 when not. */
  softLimitReachedAt = 0;

  constructor(
    readonly id: number,
    readonly server: Server,
    readonly socket: Socket | null,
  ) {
    super();
    this.parser = new RequestParser(server.parserLimits);
    this.db = server.databases[0]!;
    this.authenticated = false;
    this.user = server.acl.defaultUser;
    this.resetAuthentication();
    this.createdAt = server.clock.ms;
    this.lastInteraction = this.createdAt;
    this.addr = socket ? formatAddress(socket.remoteAddress, socket.remotePort) : '';
    this.laddr = socket ? formatAddress(socket.localAddress, socket.localPort) : '';
    this.fd = socket ? id + 7 : -1;
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /** Replies with an error line ("ERR …", "WRONGTYPE …") and counts it for errorstats. */
  override error(line: string): void {
    this.server.stats.countError(line);
    super.error(line);
  }

  /** Selects database `index`; the caller checks the range. */
  select(index: number): void {
    this.db = this.server.databases[index]!;
  }

  /** Back to the default user: authenticated only when it needs no password (new connection, RESET). */
  resetAuthentication(): void {
    this.user = this.server.acl.defaultUser;
    this.authenticated = !this.server.acl.authRequired;
    this.parser.unauthenticated = !this.authenticated;
  }

  setAuthenticated(user: User): void {
    this.authenticated = true;
    this.user = user;
    this.parser.unauthenticated = false;
  }
}

function formatAddress(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '';
  const bare = host.startsWith('::ffff:') ? host.slice(7) : host;
  // Like Redis's anetFormatAddr: an IPv6 address is bracketed so the port stays separable.
  return bare.includes(':') ? `[${bare}]:${port ?? 0}` : `${bare}:${port ?? 0}`;
}
