import { afterEach, describe, expect, it } from 'vitest';
import { hasRealRedis, startRealRedis, startTsredis } from '../../../../test/helpers/servers.js';
import { replicate, replicationNodes, type Start } from './nodes.js';
import { info, waitFor } from './workload.js';

/**
 * client-output-buffer-limit replica: a replica that stops reading (SIGSTOP) while the master
 * keeps writing is disconnected once the stream waiting for it passes the hard limit, instead of
 * growing the master's memory. Run with a real redis-server master too: the same outcome.
 */

const REAL = hasRealRedis();
if (!REAL) console.warn('!!! redis-server not installed: the replica output limit comparison is SKIPPED !!!');

const { start, cleanUp } = replicationNodes({ resumePaused: true });

afterEach(async () => {
  await cleanUp();
});

const masters: [string, Start][] = [['tsredis', startTsredis], ['redis', startRealRedis]];

describe('client-output-buffer-limit replica', () => {
  for (const [name, kind] of masters) {
    it.skipIf(name === 'redis' && !REAL)(`a ${name} master drops a replica that stopped reading past the hard limit`, async () => {
      const master = await start(kind, ['--client-output-buffer-limit', 'replica 1mb 0 0']);
      const replica = await start(startTsredis);
      await replicate(master, replica);
      process.kill(replica.server.pid, 'SIGSTOP');
      // 64 MB of writes: far more than the kernel's socket buffers hold, so most waits in the master.
      const value = 'x'.repeat(1 << 20);
      for (let i = 0; i < 64; i++) await master.redis.set(`big:${i}`, value);
      await waitFor('the replica to be dropped', async () => (await info(master.redis, 'replication')).get('connected_slaves') === '0');
      expect(master.server.output()).toContain('scheduled to be closed ASAP for overcoming of output buffer limits');
    }, 60_000);
  }
});
