import type { Replicas } from '@tsredis/cluster-bus';
import { ClientFlag, type Client } from '../server/client.js';

/** Runs the input queued behind a client whose wait ended (the server's resume path; argv empty). */
export type ResumeClient = (client: Client, argv: string[]) => void;

/** setTimeout's longest delay; a longer wait re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiter {
  client: Client;
  /** The replication offset the replicas must acknowledge. */
  offset: number;
  replicas: number;
  /** ms since the epoch, 0 = forever. */
  timeoutAt: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Clients blocked in WAIT (Redis's BLOCKED_WAIT): each waits until `replicas` replicas have
 * acknowledged its offset, or its timeout; either way it gets the number that acknowledged.
 * Checked whenever a replica sends REPLCONF ACK.
 */
export class AckWaiters {
  private readonly waiting = new Map<Client, Waiter>();

  constructor(
    private readonly replicas: Replicas,
    private readonly resume: ResumeClient,
  ) {}

  /** Blocks `client` until enough replicas reach `offset`; the GETACK goes out with the stream. */
  wait(client: Client, offset: number, replicas: number, timeoutAt: number): void {
    const waiter: Waiter = { client, offset, replicas, timeoutAt, timer: null };
    this.waiting.set(client, waiter);
    client.flags |= ClientFlag.blocked;
    if (timeoutAt > 0) this.arm(waiter);
    this.replicas.requestAcks();
  }

  /** Answers the waiters whose replicas acknowledged (oldest first, as the Map keeps order). */
  check(): void {
    for (const waiter of [...this.waiting.values()]) {
      const acknowledged = this.replicas.acknowledged(waiter.offset);
      if (acknowledged >= waiter.replicas) this.finish(waiter, acknowledged);
    }
  }

  /** Timer callback. */
  timedOut(waiter: Waiter): void {
    if (this.waiting.get(waiter.client) !== waiter) return;
    if (Date.now() < waiter.timeoutAt) {
      this.arm(waiter);
      return;
    }
    this.finish(waiter, this.replicas.acknowledged(waiter.offset));
  }

  forget(client: Client): void {
    const waiter = this.waiting.get(client);
    if (waiter === undefined) return;
    if (waiter.timer !== null) clearTimeout(waiter.timer);
    this.waiting.delete(client);
  }

  private finish(waiter: Waiter, acknowledged: number): void {
    this.forget(waiter.client);
    const client = waiter.client;
    client.flags &= ~ClientFlag.blocked;
    client.integer(acknowledged);
    this.resume(client, []);
  }

  private arm(waiter: Waiter): void {
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, waiter.timeoutAt - Date.now()));
    waiter.timer = setTimeout(onTimeout, delay, this, waiter);
  }
}

function onTimeout(waiters: AckWaiters, waiter: Waiter): void {
  waiters.timedOut(waiter);
}
