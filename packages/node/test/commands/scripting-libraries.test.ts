import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import Redlock from 'redlock';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { Queue, Worker } from 'bullmq';
import { startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';

/** npm packages built on Lua scripts, unmodified, against tsredis. */
describe('Lua-based npm packages against tsredis', () => {
  let server: RunningServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startTsredis();
    redis = new Redis(server.port);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('redlock: SET NX PX locks, a held lock refuses others, the Lua release frees it', async () => {
    const redlock = new Redlock([redis], { retryCount: 0 });
    const lock = await redlock.lock('locks:order-42', 10_000);
    expect(await redis.get('locks:order-42')).toBe(lock.value);
    expect(await redis.pttl('locks:order-42')).toBeGreaterThan(9_000);
    await expect(redlock.lock('locks:order-42', 10_000)).rejects.toThrow();
    const extended = await lock.extend(20_000);
    expect(await redis.pttl('locks:order-42')).toBeGreaterThan(19_000);
    await extended.unlock();
    expect(await redis.exists('locks:order-42')).toBe(0);
    // Released: someone else can take it now, and a stale release does not free the new holder.
    const next = await redlock.lock('locks:order-42', 10_000);
    await lock.unlock().catch(() => undefined);
    expect(await redis.get('locks:order-42')).toBe(next.value);
    await next.unlock();
  });

  it('rate-limiter-flexible: the Lua counter allows `points` per window, then refuses', async () => {
    const limiter = new RateLimiterRedis({ storeClient: redis, points: 5, duration: 60, keyPrefix: 'rl' });
    for (let i = 1; i <= 5; i++) {
      const result = await limiter.consume('user-1');
      expect(result.remainingPoints).toBe(5 - i);
    }
    const refusal = await limiter.consume('user-1').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RateLimiterRes);
    expect((refusal as RateLimiterRes).remainingPoints).toBe(0);
    expect((refusal as RateLimiterRes).msBeforeNext).toBeGreaterThan(55_000);
    expect((await limiter.consume('user-2')).remainingPoints).toBe(4);
    await limiter.delete('user-1');
    expect((await limiter.consume('user-1')).remainingPoints).toBe(4);
  });

  it('a sliding-window limiter (ZADD + Lua) keeps only the window and counts atomically', async () => {
    const slidingWindow = `
      local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
      if redis.call('ZCARD', key) >= limit then return 0 end
      redis.call('ZADD', key, now, ARGV[4])
      redis.call('PEXPIRE', key, window)
      return 1`;
    const allowed: number[] = [];
    for (let t = 0; t < 10; t++) allowed.push((await redis.eval(slidingWindow, 1, 'sw', 1000 + t * 100, 500, 3, `req-${t}`)) as number);
    // Three requests per 500 ms: t=0,1,2 pass, 3 and 4 wait for t=0 to leave the window, …
    expect(allowed).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 0, 0]);
  });

  it('BullMQ: 10,000 jobs (delayed, prioritised, failing and retried) at concurrency 10 end exactly as expected', async () => {
    const connection = { host: '127.0.0.1', port: server.port };
    const queue = new Queue('orders', { connection });
    const total = 10_000;
    // Every 10th job is delayed, every 7th prioritised; i % 50 fails for good, i % 25 succeeds on its retry.
    await queue.addBulk(
      Array.from({ length: total }, (_, i) => ({
        name: 'order',
        data: { i },
        opts: { jobId: `job-${i}`, delay: i % 10 === 0 ? 100 : 0, priority: i % 7 === 0 ? 3 : undefined, attempts: 2, backoff: { type: 'fixed', delay: 20 } },
      })),
    );
    const completed = new Map<number, unknown>();
    const failed = new Set<number>();
    const attempts = new Map<number, number>();
    const worker = new Worker(
      'orders',
      async (job) => {
        const i = job.data.i as number;
        attempts.set(i, (attempts.get(i) ?? 0) + 1);
        if (i % 50 === 0) throw new Error('planned failure');
        if (i % 25 === 0 && job.attemptsMade === 0) throw new Error('fails once');
        return i * 2;
      },
      { connection, concurrency: 10 },
    );
    worker.on('completed', (job, result) => completed.set(job.data.i as number, result));
    worker.on('failed', (job) => {
      if (job !== undefined && job.attemptsMade >= 2) failed.add(job.data.i as number);
    });
    const deadline = Date.now() + 120_000;
    while (completed.size + failed.size < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await worker.close();
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active', 'prioritized');
    await queue.close();
    expect(counts).toEqual({ completed: 9_800, failed: 200, waiting: 0, delayed: 0, active: 0, prioritized: 0 });
    for (let i = 0; i < total; i++) {
      if (i % 50 === 0) {
        expect(failed.has(i)).toBe(true);
        expect(attempts.get(i)).toBe(2);
      } else {
        expect(completed.get(i)).toBe(i * 2);
        expect(attempts.get(i)).toBe(i % 25 === 0 ? 2 : 1);
      }
    }
  }, 150_000);
});
