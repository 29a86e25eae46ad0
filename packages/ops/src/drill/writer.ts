/**
 * The drill's bounded writer: one loop per shard writes fresh keys (`drill:{tag}:N`, value N) to
 * the node the slot map names, every other write followed by WAIT 1. It records every write the
 * server acknowledged — and whether a replica confirmed it — so that the drill can look for each
 * of them afterwards; errors are counted by kind.
 */
import { keySlot } from '@tsredis/cluster-bus';
import { sleep } from '../client.js';
import type { SlotRouter } from './router.js';

export interface AckedWrite {
  key: string;
  value: string;
  shard: number;
  /** The node (HOST:PORT) that acknowledged it. */
  node: string;
  /** WAIT 1 returned ≥ 1: a replica had the write when the client was told. */
  replicated: boolean;
  /** performance.now() when sent and when acknowledged. */
  sentAt: number;
  at: number;
}

export interface WriterOptions {
  /** Pause between two writes of one loop (bounds the write rate). */
  intervalMs: number;
  /** WAIT 1's timeout. */
  waitTimeoutMs: number;
  /** Stop each loop after this many writes. */
  maxWritesPerShard: number;
  /** Ask for WAIT 1 after every other write (true) or never. */
  useWait: boolean;
}

export interface WriterStats {
  attempted: number;
  acked: number;
  replicated: number;
  errors: number;
  errorsByKind: Record<string, number>;
}

/** A hash tag per shard whose slot lies in the shard's first slot range. */
export function tagFor(range: [number, number]): string {
  for (let i = 0; i < 1_000_000; i++) {
    const slot = keySlot(`s${i}`);
    if (slot >= range[0] && slot <= range[1]) return `s${i}`;
  }
  throw new Error(`no tag found for slots ${range[0]}-${range[1]}`);
}

export class DrillWriter {
  readonly acked: AckedWrite[] = [];
  readonly errorsByKind: Record<string, number> = {};
  private attempted = 0;
  private errors = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly router: SlotRouter,
    readonly tags: string[],
    private readonly options: WriterOptions,
  ) {}

  start(): void {
    this.loops = this.tags.map((tag, shard) => this.loop(tag, shard));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Resolves when every loop has written its maxWritesPerShard writes (or was stopped). */
  finished(): Promise<void> {
    return Promise.all(this.loops).then(() => undefined);
  }

  stats(): WriterStats {
    const replicated = this.acked.filter((write) => write.replicated).length;
    return { attempted: this.attempted, acked: this.acked.length, replicated, errors: this.errors, errorsByKind: { ...this.errorsByKind } };
  }

  private async loop(tag: string, shard: number): Promise<void> {
    const slot = keySlot(tag);
    for (let n = 0; n < this.options.maxWritesPerShard && !this.stopped; n++) {
      const key = `drill:{${tag}}:${n}`;
      const value = String(n);
      const node = this.router.ownerOf(slot) ?? '';
      const client = this.router.clientFor(slot);
      this.attempted++;
      const sentAt = performance.now();
      try {
        if (client === undefined) throw new Error('NOROUTE no node known for the slot');
        await client.set(key, value);
      } catch (error) {
        await this.failed(error);
        continue;
      }
      const write: AckedWrite = { key, value, shard, node, replicated: false, sentAt, at: performance.now() };
      this.acked.push(write);
      if (this.options.useWait && n % 2 === 1) {
        try {
          write.replicated = Number(await client.call('WAIT', '1', String(this.options.waitTimeoutMs))) >= 1;
        } catch (error) {
          await this.failed(error);
          continue;
        }
      }
      await sleep(this.options.intervalMs);
    }
  }

  private async failed(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const kind = errorKind(message);
    this.errors++;
    this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
    if (kind === 'MOVED') this.router.moved(message);
    else await Promise.all([this.router.refresh(), sleep(20)]);
  }
}

/** "MOVED", "CLUSTERDOWN", "timeout", "connection", … — what a client would branch on. */
export function errorKind(message: string): string {
  if (/timed out/i.test(message)) return 'timeout';
  if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|Connection is closed|max retries|enableOfflineQueue|writeable/i.test(message)) return 'connection';
  const word = /^[A-Z]+/.exec(message)?.[0];
  return word !== undefined && word.length > 1 ? word : 'other';
}
