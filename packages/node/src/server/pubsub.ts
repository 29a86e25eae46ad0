import { globMatch } from '../keyspace/glob.js';
import { ClientFlag, type Client } from './client.js';
import type { Server } from './server.js';

/** One client's subscriptions (Redis's c->pubsub_channels, pubsub_patterns, pubsubshard_channels). */
export class Subscriptions {
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();

  /** Channels + patterns: the count SUBSCRIBE, PSUBSCRIBE and their UNSUBSCRIBEs report. */
  get count(): number {
    return this.channels.size + this.patterns.size;
  }

  get total(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }
}

function bulkConstant(text: string): Buffer {
  return Buffer.from(`$${text.length}\r\n${text}\r\n`, 'latin1');
}

const PMESSAGE = bulkConstant('pmessage');
const PSUBSCRIBE = bulkConstant('psubscribe');
const PUNSUBSCRIBE = bulkConstant('punsubscribe');

/**
 * What differs between global channels and shard channels (Redis's pubsubtype): the server
 * registry, the client's set, the confirmation and message names and the count reported.
 */
export interface ChannelKind {
  readonly registry: Map<string, Set<Client>>;
  readonly clientSet: (subscriptions: Subscriptions) => Set<string>;
  readonly count: (subscriptions: Subscriptions) => number;
  readonly subscribed: Buffer;
  readonly unsubscribed: Buffer;
  readonly message: Buffer;
  /** Shard messages ignore pattern subscriptions. */
  readonly matchesPatterns: boolean;
}

/**
 * The Pub/Sub registries: channel → subscribers, pattern → subscribers, shard channel →
 * subscribers, and per client what it is subscribed to. Messages for other clients are appended
 * to their reply buffers and flushed once per event-loop pass, so a burst of PUBLISHes costs
 * each subscriber one socket write, in publication order.
 */
export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();
  private readonly byClient = new Map<Client, Subscriptions>();
  readonly global: ChannelKind;
  readonly shard: ChannelKind;
  /** Clients with messages waiting for the end-of-pass flush. */
  private readonly touched = new Set<Client>();
  private flushScheduled = false;

  constructor(private readonly server: Server) {
    this.global = {
      registry: this.channels,
      clientSet: (s) => s.channels,
      count: (s) => s.count,
      subscribed: bulkConstant('subscribe'),
      unsubscribed: bulkConstant('unsubscribe'),
      message: bulkConstant('message'),
      matchesPatterns: true,
    };
    this.shard = {
      registry: this.shardChannels,
      clientSet: (s) => s.shardChannels,
      count: (s) => s.shardChannels.size,
      subscribed: bulkConstant('ssubscribe'),
      unsubscribed: bulkConstant('sunsubscribe'),
      message: bulkConstant('smessage'),
      matchesPatterns: false,
    };
    this.flushTouched = this.flushTouched.bind(this);
  }

  /** What a client is subscribed to, if anything. */
  of(client: Client): Subscriptions | undefined {
    return this.byClient.get(client);
  }

  private subscriptions(client: Client): Subscriptions {
    let mine = this.byClient.get(client);
    if (mine === undefined) this.byClient.set(client, (mine = new Subscriptions()));
    return mine;
  }

  /** SUBSCRIBE / SSUBSCRIBE of one channel, with its confirmation. */
  subscribe(client: Client, channel: string, kind: ChannelKind): void {
    const mine = this.subscriptions(client);
    const set = kind.clientSet(mine);
    if (!set.has(channel)) {
      set.add(channel);
      addMember(kind.registry, channel, client);
    }
    client.flags |= ClientFlag.pubsub;
    confirm(client, kind.subscribed, channel, kind.count(mine));
  }

  /** UNSUBSCRIBE / SUNSUBSCRIBE of one channel; `notify` sends the confirmation. */
  unsubscribe(client: Client, channel: string, kind: ChannelKind, notify: boolean): boolean {
    const mine = this.byClient.get(client);
    const removed = mine !== undefined && kind.clientSet(mine).delete(channel);
    if (removed) removeMember(kind.registry, channel, client);
    if (notify) confirm(client, kind.unsubscribed, channel, mine === undefined ? 0 : kind.count(mine));
    return removed;
  }

  /** UNSUBSCRIBE with no channel: every one, or a confirmation with a null channel when none. */
  unsubscribeAll(client: Client, kind: ChannelKind, notify: boolean): void {
    const mine = this.byClient.get(client);
    const set = mine === undefined ? undefined : kind.clientSet(mine);
    if (set === undefined || set.size === 0) {
      if (notify) confirm(client, kind.unsubscribed, null, mine === undefined ? 0 : kind.count(mine));
      return;
    }
    for (const channel of [...set]) this.unsubscribe(client, channel, kind, notify);
  }

  psubscribe(client: Client, pattern: string): void {
    const mine = this.subscriptions(client);
    if (!mine.patterns.has(pattern)) {
      mine.patterns.add(pattern);
      addMember(this.patterns, pattern, client);
    }
    client.flags |= ClientFlag.pubsub;
    confirm(client, PSUBSCRIBE, pattern, mine.count);
  }

  punsubscribe(client: Client, pattern: string, notify: boolean): boolean {
    const mine = this.byClient.get(client);
    const removed = mine !== undefined && mine.patterns.delete(pattern);
    if (removed) removeMember(this.patterns, pattern, client);
    if (notify) confirm(client, PUNSUBSCRIBE, pattern, mine?.count ?? 0);
    return removed;
  }

  punsubscribeAll(client: Client, notify: boolean): void {
    const mine = this.byClient.get(client);
    if (mine === undefined || mine.patterns.size === 0) {
      if (notify) confirm(client, PUNSUBSCRIBE, null, mine?.count ?? 0);
      return;
    }
    for (const pattern of [...mine.patterns]) this.punsubscribe(client, pattern, notify);
  }

  /** Leaves pub/sub mode once nothing is left (after an UNSUBSCRIBE-like command). */
  leaveIfIdle(client: Client): void {
    const mine = this.byClient.get(client);
    if (mine !== undefined && mine.total > 0) return;
    this.byClient.delete(client);
    client.flags &= ~ClientFlag.pubsub;
  }

  /** Drops every subscription silently (disconnect, RESET). */
  forget(client: Client): void {
    if (!this.byClient.has(client)) return;
    this.unsubscribeAll(client, this.global, false);
    this.unsubscribeAll(client, this.shard, false);
    this.punsubscribeAll(client, false);
    this.byClient.delete(client);
    this.touched.delete(client);
  }

  /**
   * Delivers a message to the channel's subscribers and then (global channels only) to the
   * subscribers of every matching pattern. Returns how many deliveries were made: a client
   * subscribed through the channel and a pattern counts twice, as in Redis.
   */
  publish(channel: string, message: string, kind: ChannelKind): number {
    let receivers = 0;
    let tail: Buffer | null = null;
    const subscribers = kind.registry.get(channel);
    if (subscribers !== undefined) {
      tail = encodeBulks(channel, message);
      for (const client of subscribers) {
        client.pushLength(3);
        client.raw(kind.message);
        client.raw(tail);
        this.touch(client);
        receivers++;
      }
    }
    if (!kind.matchesPatterns || this.patterns.size === 0) return receivers;
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      tail ??= encodeBulks(channel, message);
      for (const client of clients) {
        client.pushLength(4);
        client.raw(PMESSAGE);
        client.bulk(pattern);
        client.raw(tail);
        this.touch(client);
        receivers++;
      }
    }
    return receivers;
  }

  /** Channel names (PUBSUB CHANNELS / SHARDCHANNELS), filtered by a glob pattern when given. */
  channelNames(kind: ChannelKind, pattern: string | null): string[] {
    const names: string[] = [];
    for (const name of kind.registry.keys()) if (pattern === null || globMatch(pattern, name)) names.push(name);
    return names;
  }

  subscriberCount(kind: ChannelKind, channel: string): number {
    return kind.registry.get(channel)?.size ?? 0;
  }

  /**
   * Remembers a client whose buffer got a message. All of them are flushed once the event loop
   * has handled every socket that was readable (setImmediate), like Redis writing in beforeSleep.
   */
  touch(client: Client): void {
    this.touched.add(client);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushTouched);
  }

  private flushTouched(): void {
    this.flushScheduled = false;
    for (const client of this.touched) this.server.flush(client);
    this.touched.clear();
  }
}

function addMember(registry: Map<string, Set<Client>>, name: string, client: Client): void {
  const members = registry.get(name);
  if (members === undefined) registry.set(name, new Set([client]));
  else members.add(client);
}

/** Removes a subscriber; the entry goes with the last one so idle channels cost nothing. */
function removeMember(registry: Map<string, Set<Client>>, name: string, client: Client): void {
  const members = registry.get(name);
  if (members === undefined) return;
  members.delete(client);
  if (members.size === 0) registry.delete(name);
}

/** `[kind, name-or-null, count]` as an array in RESP2 and a push in RESP3. */
function confirm(client: Client, kind: Buffer, name: string | null, count: number): void {
  client.pushLength(3);
  client.raw(kind);
  client.bulkOrNull(name);
  client.integer(count);
}

/** The channel and payload bulks of a message, encoded once for all its receivers. */
function encodeBulks(channel: string, message: string): Buffer {
  return Buffer.from(`$${channel.length}\r\n${channel}\r\n$${message.length}\r\n${message}\r\n`, 'latin1');
}
