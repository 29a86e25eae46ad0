/**
 * Watches a failover from the surviving nodes' side: polls CLUSTER NODES on each of them and
 * notes when the first one flags the victim FAIL (detection) and when the first one shows one of
 * the victim's replicas as a master (promotion).
 */
import type { Redis } from 'ioredis';
import { connectNode, sleep, type ConnectOptions } from '../client.js';
import type { Endpoint } from '../endpoint.js';
import { parseClusterNodes } from '../cluster/nodes.js';

export interface FailoverTimes {
  /** performance.now() of the first FAIL flag seen. */
  detectedAt?: number;
  /** performance.now() when a replica of the victim was first seen as a master. */
  promotedAt?: number;
  /** The id of the replica that took over. */
  promotedId?: string;
}

const POLL_MS = 25;

export class FailoverMonitor {
  readonly times: FailoverTimes = {};
  private readonly clients: Redis[];
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(observers: Endpoint[], private readonly victimId: string, private readonly replicaIds: string[], options: ConnectOptions) {
    this.clients = observers.map((endpoint) => connectNode(endpoint, { ...options, commandTimeoutMs: 500 }));
  }

  start(): void {
    this.running = this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    for (const client of this.clients) client.disconnect();
  }

  private async poll(): Promise<void> {
    while (!this.stopped && (this.times.detectedAt === undefined || this.times.promotedAt === undefined)) {
      await Promise.all(this.clients.map((client) => this.observe(client)));
      await sleep(POLL_MS);
    }
  }

  private async observe(client: Redis): Promise<void> {
    let text: string;
    try {
      text = (await client.call('CLUSTER', 'NODES')) as string;
    } catch {
      return;
    }
    const now = performance.now();
    for (const node of parseClusterNodes(text)) {
      if (node.id === this.victimId && node.flags.has('fail')) this.times.detectedAt ??= now;
      if (this.replicaIds.includes(node.id) && node.flags.has('master') && this.times.promotedAt === undefined) {
        this.times.promotedAt = now;
        this.times.promotedId = node.id;
      }
    }
  }
}
