/**
 * Clients through a failover: ioredis configured with `sentinels` and `name: 'mymaster'` keeps
 * writing and ends up on the new master without being restarted; a subscriber to a Sentinel
 * gets `+switch-master` with Redis's payload. Data nodes and Sentinels require passwords, as
 * deployments do (auth-pass, requirepass on the Sentinels).
 */
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, Topology } from './topology.js';

describe('clients follow a Sentinel failover', () => {
  let topology: Topology;

  beforeAll(async () => {
    topology = await Topology.start({ downAfter: 1500, password: 'data-secret', sentinelPassword: 'sentinel-secret' });
  }, 60_000);
  afterAll(async () => {
    await topology?.stop();
  });

  it('ioredis with sentinels keeps writing through the failover; +switch-master reaches a subscriber', async () => {
    const sentinels = topology.sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port }));
    const client = new Redis({
      sentinels, name: 'mymaster', password: 'data-secret', sentinelPassword: 'sentinel-secret',
      sentinelRetryStrategy: () => 100, retryStrategy: () => 100,
    });
    // Connection errors while the master is down are expected; the writes tell the story.
    client.on('error', () => undefined);
    const subscriber = new Redis({ host: '127.0.0.1', port: topology.sentinels[0]!.port, password: 'sentinel-secret' });
    const switches: string[] = [];
    subscriber.on('message', (channel: string, message: string) => channel === '+switch-master' && switches.push(message));
    await subscriber.subscribe('+switch-master');
    try {
      const old = topology.master.port;
      expect(await client.set('before', '1')).toBe('OK');
      // Writes from one client, every 50 ms, through the kill and the failover.
      let written = 0;
      let failed = 0;
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing && i < 2000; i++) {
          try {
            await client.set(`key:${i}`, String(i));
            written++;
          } catch {
            failed++;
          }
          await sleep(50);
        }
      })();
      await sleep(300);
      await topology.master.kill();
      const newMaster = await topology.waitForNewMaster(old);
      const writtenAtSwitch = written;
      await topology.waitFor('writes to resume on the new master', async () => written > writtenAtSwitch + 5, 20_000);
      writing = false;
      await writer;
      console.log(`ioredis through the failover: ${written} writes succeeded, ${failed} failed`);
      // The same client object now talks to the new master.
      expect(await client.set('after', '1')).toBe('OK');
      expect(await topology.call(newMaster, 'GET', 'after')).toBe('1');
      expect(await client.call('ROLE').then((role) => (role as unknown[])[0])).toBe('master');
      await topology.waitFor('+switch-master on the subscriber', async () => switches.length > 0, 10_000);
      expect(switches[0]).toBe(`mymaster 127.0.0.1 ${old} 127.0.0.1 ${newMaster}`);
    } finally {
      client.disconnect();
      subscriber.disconnect();
    }
  }, 60_000);
});
