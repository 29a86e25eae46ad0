import type { ConnectionOptions } from 'node:tls';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/**
 * The main thread's side of MIGRATE's connections (the sockets live in migrate-worker.ts): one
 * exchange with a target — optional AUTH, SELECT when the cached connection has another database
 * selected, the RESTORE commands — runs while the main thread waits, as Redis blocks in MIGRATE.
 */

/** One exchange: `auth` and `body` are RESP command bytes as latin1 strings. */
export interface MigrateRequest {
  type: 'migrate';
  id: number;
  /** "host:port", the cache key. */
  name: string;
  host: string;
  port: number;
  /** The client TLS options under tls-cluster (plain data: it is posted to the worker), else null. */
  tls: ConnectionOptions | null;
  timeout: number;
  db: number;
  auth: string;
  body: string;
  /** How many commands `body` holds (one reply line each). */
  count: number;
}

/** What became of an exchange. */
export type MigrateOutcome =
  | { kind: 'connect' }
  | {
      kind: 'io';
      /** SELECT was sent (its reply line follows AUTH's). */
      select: boolean;
      /** The reply lines read, without CRLF; fewer than expected after an error. */
      lines: string[];
      writeFailed: boolean;
      timedOut: boolean;
    };

export interface MigrateExchange {
  id: number;
  outcome: MigrateOutcome;
}

/** Messages to the worker: an exchange, or bookkeeping of a cached connection. */
export type MigrateSignal = MigrateRequest | { type: 'close'; name: string } | { type: 'selected'; name: string; db: number };

/** Cells shared with the worker: [0] the id of the last answered exchange, [1] cached connections. */
const DONE = 0;
const CACHED = 1;

export class MigrateLink {
  private toWorker: MessagePort | null = null;
  private fromWorker: MessagePort | null = null;
  private readonly cells = new Int32Array(new SharedArrayBuffer(8));
  private nextId = 1;

  /** INFO migrate_cached_sockets. */
  get cachedSockets(): number {
    return Atomics.load(this.cells, CACHED);
  }

  /** Runs one exchange, blocking this thread until the worker answers (bounded by the timeouts). */
  exchange(request: Omit<MigrateRequest, 'type' | 'id'>, lineCount: number): MigrateOutcome {
    const id = this.nextId++;
    this.start().postMessage({ type: 'migrate', id, ...request } satisfies MigrateRequest);
    // Connect, write and every line each get `timeout`; the worker answers within that.
    const deadline = Date.now() + request.timeout * (lineCount + 2) + 1000;
    for (;;) {
      const done = Atomics.load(this.cells, DONE);
      if (done === id) break;
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.cells, DONE, done, left) === 'timed-out') {
        this.close(request.name);
        return { kind: 'io', select: false, lines: [], writeFailed: false, timedOut: true };
      }
    }
    for (;;) {
      const received = receiveMessageOnPort(this.fromWorker!);
      if (received === undefined) throw new Error('MIGRATE worker answered without a message');
      const message = received.message as MigrateExchange;
      if (message.id === id) return message.outcome;
    }
  }

  /** Drops the cached connection to a target (after a socket error). */
  close(name: string): void {
    this.toWorker?.postMessage({ type: 'close', name } satisfies MigrateSignal);
  }

  /** Records which database the target now has selected for us (-1: unknown). */
  selected(name: string, db: number): void {
    this.toWorker?.postMessage({ type: 'selected', name, db } satisfies MigrateSignal);
  }

  private start(): MessagePort {
    if (this.toWorker !== null) return this.toWorker;
    const requests = new MessageChannel();
    const answers = new MessageChannel();
    // The worker reads requests on one port and answers on another, which this thread drains
    // synchronously (receiveMessageOnPort) while it waits.
    const worker = new Worker(new URL('./migrate-worker.js', import.meta.url), {
      workerData: { requests: requests.port2, answers: answers.port1, signal: this.cells.buffer },
      transferList: [requests.port2, answers.port1],
    });
    // Idle connections must not keep the process alive.
    worker.unref();
    requests.port1.unref();
    this.toWorker = requests.port1;
    this.fromWorker = answers.port2;
    return this.toWorker;
  }
}
