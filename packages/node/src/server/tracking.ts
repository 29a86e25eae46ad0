import { ClientFlag, type Client } from './client.js';
import type { Server } from './server.js';
import { CommandFlag, type Command } from '../commands/table.js';
import { keyPositions } from '../commands/keys.js';

/**
 * Client-side caching (Redis's tracking.c): which clients may hold which keys, and the
 * invalidation messages sent when those keys change.
 *
 * Default mode: the keys a tracking client reads are remembered in a table key → client ids;
 * a change of such a key sends each of those clients one invalidation and forgets the entry.
 * BCAST mode: clients subscribe to key prefixes instead; changed keys matching a prefix are
 * collected and sent as one array per prefix once the event-loop pass ends (Redis's beforeSleep).
 * The table is global, not per database, as in Redis; a flush sends a null ("every key").
 */

/** One client's CLIENT TRACKING options (Redis's CLIENT_TRACKING_* flags and fields). */
export interface TrackingState {
  /** The client id invalidations go to, 0 for the client itself. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (optin) / NO (optout) was given for the next command. */
  caching: boolean;
  /** The redirect client went away (CLIENT LIST flag R, TRACKINGINFO broken_redirect). */
  brokenRedirect: boolean;
  /** BCAST prefixes, as given. */
  prefixes: Set<string>;
}

/** A BCAST prefix: the clients subscribed to it and the keys changed during this pass. */
interface PrefixState {
  clients: Set<Client>;
  /** Changed key → the client that changed it last (null: expiry, eviction), for NOLOOP. */
  keys: Map<string, Client | null>;
}

/** A running script as client-side caching sees it (scripting's ScriptRun). */
export interface TrackedScript {
  readonly caller: Client;
  /** The client the script's commands run as. */
  readonly scriptClient: Client;
  /** The keys the script declared (EVAL/FCALL numkeys): what its reads make its caller track. */
  readonly declaredKeys: readonly string[];
}

/** What CLIENT TRACKING ON asks for. */
export interface TrackingOptions {
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  prefixes: string[];
}

const CHANNEL = '__redis__:invalidate';
const INVALIDATE = bulk('invalidate');
const MESSAGE = bulk('message');
const CHANNEL_BULK = bulk(CHANNEL);
const REDIR_BROKEN = bulk('tracking-redir-broken');
/** The "every key" payload, in the protocol of the client that tracks (as Redis encodes it). */
const NULL_PAYLOAD = [Buffer.from('$-1\r\n'), Buffer.from('_\r\n')] as const;

/** Script commands whose own key arguments are not remembered (their reads are, per command). */
const READ_ONLY_SCRIPT_COMMANDS = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);

export class Tracking {
  private readonly states = new Map<Client, TrackingState>();
  /** key → ids of the clients that may have it cached. */
  private readonly table = new Map<string, Set<number>>();
  /** Client ids across all the table's keys (tracking_total_items). */
  totalItems = 0;
  private readonly prefixTable = new Map<string, PrefixState>();
  /** The client whose command runs now (Redis's server.current_client). */
  current: Client | null = null;
  /** The script running now: its reads count as its caller's. */
  script: TrackedScript | null = null;
  /**
   * Invalidations for the running client itself, sent after its reply (null: a flush). Redis
   * queues them so they never interleave with the reply (tracking_pending_keys).
   */
  private readonly pending: Array<{ client: Client; key: string | null }> = [];
  /**
   * The command count when the last flush was announced (-1 after each command): FLUSHALL
   * empties every database one by one but is announced once.
   */
  private lastFlushCommand = -1;
  private broadcastScheduled = false;
  /** Rounds in a row the table stayed above tracking-table-max-keys (more effort each time). */
  private limitRounds = 0;

  constructor(private readonly server: Server) {
    this.broadcast = this.broadcast.bind(this);
  }

  /** tracking_clients */
  get clientCount(): number {
    return this.states.size;
  }

  get totalKeys(): number {
    return this.table.size;
  }

  get totalPrefixes(): number {
    return this.prefixTable.size;
  }

  state(client: Client): TrackingState | undefined {
    return this.states.get(client);
  }

  /** Whether a key change can concern anyone: the one check a write pays when nobody tracks. */
  private get idle(): boolean {
    return this.table.size === 0 && this.prefixTable.size === 0;
  }

  /** CLIENT TRACKING ON (enableTracking): options already validated. */
  enable(client: Client, options: TrackingOptions): void {
    let state = this.states.get(client);
    if (state === undefined) {
      state = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedirect: false, prefixes: new Set() };
      this.states.set(client, state);
    }
    state.redirect = options.redirect;
    state.brokenRedirect = false;
    state.bcast = options.bcast;
    state.optin = options.optin;
    state.optout = options.optout;
    state.noloop = options.noloop;
    if (!options.bcast) return;
    if (options.prefixes.length === 0) this.subscribePrefix(client, state, '');
    for (const prefix of options.prefixes) this.subscribePrefix(client, state, prefix);
  }

  private subscribePrefix(client: Client, state: TrackingState, prefix: string): void {
    let entry = this.prefixTable.get(prefix);
    if (entry === undefined) this.prefixTable.set(prefix, (entry = { clients: new Set(), keys: new Map() }));
    entry.clients.add(client);
    state.prefixes.add(prefix);
  }

  /**
   * CLIENT TRACKING OFF, RESET, disconnect (disableTracking). The client's ids stay in the
   * table and are skipped lazily, as in Redis; clients redirecting to it notice at their next message.
   */
  disable(client: Client): void {
    const state = this.states.get(client);
    if (state === undefined) return;
    for (const prefix of state.prefixes) {
      const entry = this.prefixTable.get(prefix)!;
      entry.clients.delete(client);
      if (entry.clients.size === 0) this.prefixTable.delete(prefix);
    }
    this.states.delete(client);
  }

  /**
   * Called after a read-only command (call()): remembers the keys it read for its caller, or for
   * a script's caller the keys the script declared (Redis's trackingRememberKeys).
   */
  commandRead(client: Client, command: Command, argv: readonly string[]): void {
    if (this.states.size === 0) return;
    const script = this.script !== null && client === this.script.scriptClient ? this.script : null;
    if (script === null && READ_ONLY_SCRIPT_COMMANDS.has(command.fullName)) return;
    const caller = script?.caller ?? client;
    const state = this.states.get(caller);
    if (state === undefined || state.bcast) return;
    if ((state.optin && !state.caching) || (state.optout && state.caching)) return;
    if (script !== null) {
      for (const key of script.declaredKeys) this.remember(key, caller.id);
    } else if ((command.flags & CommandFlag.pubsub) === 0) {
      for (const position of keyPositions(command, argv)) this.remember(argv[position]!, caller.id);
    }
  }

  private remember(key: string, id: number): void {
    let ids = this.table.get(key);
    if (ids === undefined) this.table.set(key, (ids = new Set()));
    if (ids.has(id)) return;
    ids.add(id);
    this.totalItems++;
  }

  /**
   * A key changed (signalModifiedKey → trackingInvalidateKey): queue it for BCAST prefixes and
   * invalidate it for the clients that read it. `bcast` is false when the table only sheds a key.
   * A client changing a key it tracks hears of it after its reply, unless it asked for NOLOOP.
   */
  keyModified(key: string, bcast = true): void {
    if (this.idle) return;
    // The client that changed the key, for BCAST NOLOOP: inside a script, the script's client.
    if (bcast && this.prefixTable.size > 0) this.rememberForBroadcast(key, this.script?.scriptClient ?? this.current);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    this.table.delete(key);
    this.totalItems -= ids.size;
    const clients = this.server.clients;
    for (const id of ids) {
      const target = clients.get(id);
      // A client that left tracking (or switched to BCAST) since it read the key is skipped.
      const state = target === undefined ? undefined : this.states.get(target);
      if (state === undefined || state.bcast) continue;
      if (target === this.current) {
        if (state.noloop) continue;
        // Changed by its own command: after the reply. Evicted before the command ran: at once.
        if (this.server.propagation.executing) this.pending.push({ client: target, key });
        else this.send(target, state, keyPayload(key));
      } else this.send(target!, state, keyPayload(key));
    }
  }

  /** An expired or evicted key was changed by nobody: NOLOOP clients in BCAST mode hear of it too. */
  keyRemovedByServer(key: string): void {
    if (this.prefixTable.size > 0) this.rememberForBroadcast(key, null);
  }

  /** A database was emptied (FLUSHDB, FLUSHALL, a full resync): every client hears "all keys". */
  flushed(): void {
    const command = this.server.stats.totalCommandsProcessed;
    if (this.states.size !== 0 && command !== this.lastFlushCommand) {
      this.lastFlushCommand = command;
      for (const [client, state] of this.states) {
        if (client === this.current) this.pending.push({ client, key: null });
        else this.send(client, state, NULL_PAYLOAD[client.resp - 2]!);
      }
    }
    this.table.clear();
    this.totalItems = 0;
  }

  /** Sets the running client; returns the one it replaces (a command may run another's). */
  enter(client: Client): Client | null {
    const outer = this.current;
    this.current = client;
    return outer;
  }

  /**
   * After a command and its reply: the invalidations queued for its client, the table limit,
   * and the end of the one-command CLIENT CACHING choice.
   */
  leave(client: Client, outer: Client | null): void {
    this.current = outer;
    this.lastFlushCommand = -1;
    if (this.states.size === 0 && this.pending.length === 0) return;
    if (this.pending.length !== 0) this.sendPending(client);
    const state = this.states.get(client);
    // CLIENT CACHING covers the next command, or the whole MULTI … EXEC (Redis's resetClient).
    if (state?.caching === true && !client.has(ClientFlag.multi) && client.argv[0]?.toLowerCase() !== 'client') state.caching = false;
    this.limitTable();
  }

  private sendPending(client: Client): void {
    let kept = 0;
    for (const entry of this.pending) {
      if (entry.client !== client) {
        this.pending[kept++] = entry;
        continue;
      }
      const state = this.states.get(client);
      if (state === undefined || client.socket?.destroyed === true) continue;
      this.send(client, state, entry.key === null ? NULL_PAYLOAD[client.resp - 2]! : keyPayload(entry.key));
    }
    this.pending.length = kept;
  }

  /**
   * sendTrackingMessage: an invalidation for `client`, delivered to it (RESP3 push) or to its
   * redirect client (RESP3 push, or a RESP2 Pub/Sub message on __redis__:invalidate).
   */
  private send(client: Client, state: TrackingState, payload: Buffer): void {
    let target = client;
    const redirected = state.redirect !== 0;
    if (redirected) {
      const redirect = this.server.clients.get(state.redirect);
      if (redirect === undefined) {
        state.brokenRedirect = true;
        if (client.resp === 3) {
          client.pushLength(2);
          client.raw(REDIR_BROKEN);
          client.integer(state.redirect);
          this.deliver(client);
        }
        return;
      }
      target = redirect;
    }
    if (target.resp === 3) {
      target.pushLength(2);
      target.raw(INVALIDATE);
    } else if (redirected && target.has(ClientFlag.pubsub)) {
      target.pushLength(3);
      target.raw(MESSAGE);
      target.raw(CHANNEL_BULK);
    } else return; // RESP2 without a redirect cannot carry pushes
    target.raw(payload);
    this.deliver(target);
  }

  /** The running client is flushed after its command; others at the end of this pass. */
  private deliver(target: Client): void {
    if (target !== this.current) this.server.pubsub.touch(target);
  }

  private rememberForBroadcast(key: string, modifier: Client | null): void {
    for (const [prefix, entry] of this.prefixTable) {
      if (key.startsWith(prefix)) entry.keys.set(key, modifier);
    }
    if (this.broadcastScheduled) return;
    this.broadcastScheduled = true;
    setImmediate(this.broadcast);
  }

  /** trackingBroadcastInvalidationMessages: each prefix's changed keys, one array per client. */
  private broadcast(): void {
    this.broadcastScheduled = false;
    // Prefixes in radix-tree order, so a client in several hears of them in Redis's order.
    for (const prefix of [...this.prefixTable.keys()].sort(compareBytes)) {
      const entry = this.prefixTable.get(prefix)!;
      if (entry.keys.size === 0) continue;
      const keys = [...entry.keys.keys()].sort(compareBytes);
      const shared = keysPayload(keys);
      for (const client of entry.clients) {
        const state = this.states.get(client)!;
        if (!state.noloop) this.send(client, state, shared);
        else {
          const own = keys.filter((key) => entry.keys.get(key) !== client);
          if (own.length !== 0) this.send(client, state, keysPayload(own));
        }
      }
      entry.keys.clear();
    }
  }

  /**
   * trackingLimitUsedSlots: above tracking-table-max-keys, keys are dropped from the table (their
   * clients are told, as if the keys changed), with more effort each round the limit still holds.
   */
  private limitTable(): void {
    const max = this.server.config.int('tracking-table-max-keys');
    if (max === 0 || this.table.size <= max) {
      this.limitRounds = 0;
      return;
    }
    let effort = 100 * (this.limitRounds + 1);
    for (const key of this.table.keys()) {
      if (effort-- === 0) break;
      this.keyModified(key, false);
      if (this.table.size <= max) {
        this.limitRounds = 0;
        return;
      }
    }
    this.limitRounds++;
  }

}

function bulk(text: string): Buffer {
  return Buffer.from(`$${text.length}\r\n${text}\r\n`, 'latin1');
}

function keyPayload(key: string): Buffer {
  return Buffer.from(`*1\r\n$${key.length}\r\n${key}\r\n`, 'latin1');
}

/** The BCAST array, always a RESP array as Redis builds it once for every receiver. */
function keysPayload(keys: readonly string[]): Buffer {
  let text = `*${keys.length}\r\n`;
  for (const key of keys) text += `$${key.length}\r\n${key}\r\n`;
  return Buffer.from(text, 'latin1');
}

/** Radix-tree order: bytewise (latin1 code units compare as bytes). */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** CLIENT TRACKING ON's checks on BCAST prefixes (checkPrefixCollisionsOrReply): the error, or null. */
export function prefixCollision(existing: Iterable<string>, prefixes: readonly string[]): string | null {
  for (let i = 0; i < prefixes.length; i++) {
    const prefix = prefixes[i]!;
    for (const old of existing) {
      if (overlaps(old, prefix)) return `ERR Prefix '${prefix}' overlaps with an existing prefix '${old}'. Prefixes for a single client must not overlap.`;
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlaps(prefix, prefixes[j]!)) return `ERR Prefix '${prefix}' overlaps with another provided prefix '${prefixes[j]!}'. Prefixes for a single client must not overlap.`;
    }
  }
  return null;
}

function overlaps(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}
