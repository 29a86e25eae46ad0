/**
 * Connections the operator tools open to nodes: ioredis in its plain (non-cluster) mode, so that
 * every redirect, timeout and refused connection reaches the caller instead of being retried away.
 */
import { Redis } from 'ioredis';
import { formatEndpoint, type Endpoint } from './endpoint.js';

export interface ConnectOptions {
  password?: string | undefined;
  /** Rejects a command without a reply after this long (a SIGSTOPped node accepts and never answers). */
  commandTimeoutMs?: number;
}

export function connectNode(endpoint: Endpoint, options: ConnectOptions = {}): Redis {
  const client = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    password: options.password,
    connectTimeout: 1000,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    // Reconnects quickly and forever: drills bring nodes back, and the caller bounds its own waits.
    retryStrategy: () => 100,
  });
  // Errors reach callers through rejected commands; the event would only be logged twice.
  client.on('error', () => {});
  return client;
}

/** Runs `work` with a short-lived connection that is always closed. */
export async function withNode<T>(endpoint: Endpoint, options: ConnectOptions, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = connectNode(endpoint, options);
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // ioredis reports a refused or dropped connection as running out of retries (there are none).
  return /max retries per request/.test(message) ? 'no connection (refused or closed)' : message;
}

export function describeError(endpoint: Endpoint, error: unknown): string {
  return `${formatEndpoint(endpoint)}: ${errorMessage(error)}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `intervalMs` until it returns a value other than undefined; bounded by `timeoutMs`. */
export async function pollUntil<T>(timeoutMs: number, intervalMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}
