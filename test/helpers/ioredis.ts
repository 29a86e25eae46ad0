import Redis from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { startTsredis, type RunningServer } from './servers.js';

/** An ioredis client that fails fast (no ready check, no retries): a test sees every error. */
export function connectIoredis(port: number): Redis {
  return new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0 });
}

/** What a describeWithTsredis body gets; only valid inside its tests (after beforeAll). */
export interface TsredisClient {
  redis: () => Redis;
  server: () => RunningServer;
}

export interface TsredisOptions {
  /** Extra `--directive value` arguments for the server. */
  args?: string[];
  /** FLUSHALL before each test (default true); false when the tests flush where they need to. */
  flushBeforeEach?: boolean;
}

/**
 * A describe block with its own tsredis and an ioredis client on it: started before its tests,
 * disconnected and stopped after them.
 */
export function describeWithTsredis(title: string, body: (tsredis: TsredisClient) => void, options: TsredisOptions = {}): void {
  describe(title, () => {
    let started: { server: RunningServer; redis: Redis } | undefined;

    beforeAll(async () => {
      const server = await startTsredis(options.args);
      started = { server, redis: connectIoredis(server.port) };
    });

    afterAll(async () => {
      started?.redis.disconnect();
      await started?.server.stop();
    });

    if (options.flushBeforeEach ?? true) {
      beforeEach(async () => {
        await running().redis.flushall();
      });
    }

    function running(): { server: RunningServer; redis: Redis } {
      if (started === undefined) throw new Error('tsredis is not started yet (use it inside a test)');
      return started;
    }

    body({ redis: () => running().redis, server: () => running().server });
  });
}
