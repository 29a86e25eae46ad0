/**
 * The drill client's slot map: which node serves a slot, learned from CLUSTER SLOTS of a node
 * that says cluster_state:ok (an isolated old master still claims its slots, and must not be
 * believed), corrected by MOVED replies. Connections are plain ioredis clients, one per node.
 */
import type { Redis } from 'ioredis';
import { SLOT_COUNT } from '@tsredis/cluster-bus';
import { connectNode, type ConnectOptions } from '../client.js';
import { formatEndpoint, parseEndpoint, type Endpoint } from '../endpoint.js';
import { parseInfo } from '../cluster/health.js';

type SlotsReply = Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;

export class SlotRouter {
  private readonly owners = new Array<string | undefined>(SLOT_COUNT).fill(undefined);
  private readonly clients = new Map<string, Redis>();
  private readonly seeds = new Map<string, Endpoint>();
  private refreshing: Promise<void> | undefined;
  private lastRefresh = 0;

  constructor(seeds: Endpoint[], private readonly options: ConnectOptions) {
    for (const seed of seeds) this.seeds.set(formatEndpoint(seed), seed);
  }

  /** The client for the node serving `slot`, or undefined while no node is known to serve it. */
  clientFor(slot: number): Redis | undefined {
    const owner = this.owners[slot];
    return owner === undefined ? undefined : this.client(owner);
  }

  ownerOf(slot: number): string | undefined {
    return this.owners[slot];
  }

  /** Applies "MOVED slot host:port". */
  moved(message: string): void {
    const match = /^MOVED (\d+) (\S+)$/.exec(message);
    if (match === null) return;
    const endpoint = parseEndpoint(match[2]!);
    this.owners[Number(match[1])] = formatEndpoint(endpoint);
    this.seeds.set(formatEndpoint(endpoint), endpoint);
  }

  /** Reloads the map; concurrent callers share one reload, and reloads are at most every 100 ms. */
  refresh(): Promise<void> {
    if (this.refreshing !== undefined) return this.refreshing;
    const wait = Math.max(0, this.lastRefresh + 100 - Date.now());
    this.refreshing = new Promise<void>((resolve) => setTimeout(resolve, wait))
      .then(() => this.reload())
      .finally(() => {
        this.lastRefresh = Date.now();
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /**
   * Asks every known node at once; the first in state ok gives the map (a paused node must not
   * delay it), failing that the first that answers at all.
   */
  private reload(): Promise<void> {
    const names = [...this.seeds.keys()];
    return new Promise<void>((resolve) => {
      let pending = names.length;
      let fallback: SlotsReply | undefined;
      let done = false;
      const settle = (): void => {
        if (--pending > 0 || done) return;
        done = true;
        if (fallback !== undefined) this.apply(fallback);
        resolve();
      };
      for (const name of names) {
        const client = this.client(name);
        Promise.all([client.call('CLUSTER', 'INFO') as Promise<string>, client.call('CLUSTER', 'SLOTS') as Promise<SlotsReply>]).then(
          ([info, slots]) => {
            if (!done && parseInfo(info)['cluster_state'] === 'ok') {
              done = true;
              this.apply(slots);
              resolve();
            }
            fallback ??= slots;
            settle();
          },
          settle,
        );
      }
      if (names.length === 0) resolve();
    });
  }

  private apply(slots: SlotsReply): void {
    for (const [first, last, [host, port]] of slots) {
      const name = formatEndpoint({ host, port });
      this.seeds.set(name, { host, port });
      for (let slot = first; slot <= last; slot++) this.owners[slot] = name;
    }
  }

  private client(name: string): Redis {
    let client = this.clients.get(name);
    if (client === undefined) {
      client = connectNode(this.seeds.get(name) ?? parseEndpoint(name), this.options);
      this.clients.set(name, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.disconnect();
    this.clients.clear();
  }
}
