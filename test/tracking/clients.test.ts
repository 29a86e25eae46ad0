import { expect, it } from 'vitest';
import { createClient, BasicClientSideCache } from 'redis';
import { connectIoredis, describeWithTsredis } from '../helpers/ioredis.js';

/** Client libraries' client-side caching against tsredis, unmodified. */

/** Polls (bounded) until `check` holds; client-side invalidations arrive asynchronously. */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached within 2 s');
}

describeWithTsredis('client libraries with client-side caching', ({ redis, server }) => {
  it("node-redis's clientSideCache (RESP3) serves hits from its cache and drops invalidated keys", async () => {
    const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0, evictPolicy: 'LRU' });
    const cached = createClient({ socket: { port: server().port, host: '127.0.0.1' }, RESP: 3, clientSideCache: cache });
    await cached.connect();
    try {
      await redis().set('csc:k', 'v1');
      expect(await cached.get('csc:k')).toBe('v1');
      expect(await cached.get('csc:k')).toBe('v1');
      expect(cache.stats().hitCount).toBe(1);
      expect(cache.stats().missCount).toBe(1);
      const info = await redis().info('stats');
      expect(info).toMatch(/tracking_total_keys:1\r\n/);

      await redis().set('csc:k', 'v2');
      await eventually(() => cache.size() === 0);
      expect(await cached.get('csc:k')).toBe('v2');
      expect(cache.stats().missCount).toBe(2);

      await redis().flushall();
      await eventually(() => cache.size() === 0);
      expect(await cached.get('csc:k')).toBeNull();
    } finally {
      await cached.close();
    }
  });

  it('ioredis receives RESP2 invalidations on __redis__:invalidate through REDIRECT', async () => {
    const subscriber = connectIoredis(server().port);
    const tracked = connectIoredis(server().port);
    try {
      const subscriberId = (await subscriber.client('ID')) as number;
      const received: Array<[string, unknown]> = [];
      subscriber.on('message', (channel: string, message: unknown) => received.push([channel, message]));
      await subscriber.subscribe('__redis__:invalidate');
      await tracked.client('TRACKING', 'ON', 'REDIRECT', String(subscriberId));
      await tracked.get('io:k');
      await redis().set('io:k', '1');
      await eventually(() => received.length === 1);
      // ioredis turns the payload (an array of the invalidated keys) into a string.
      expect(received[0]).toEqual(['__redis__:invalidate', 'io:k']);
    } finally {
      subscriber.disconnect();
      tracked.disconnect();
    }
  });
});

