/**
 * Interop with real Redis: redis-sentinel 7.0 failing over tsredis data nodes, and tsredis
 * Sentinels failing over real redis-server nodes. Skipped (loudly) without real Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hasRealRedis } from '../helpers/servers.js';
import { hasRealSentinel, Topology, type TopologyOptions } from './topology.js';

const realRedis = hasRealRedis();
const realSentinel = realRedis && hasRealSentinel();
if (!realRedis) console.warn('!!! redis-server not installed: Sentinel interop tests are SKIPPED !!!');
else if (!realSentinel) console.warn('!!! redis-sentinel not installed: the real-Sentinel interop test is SKIPPED !!!');

describe.skipIf(!realRedis)('sentinel interop with real Redis', () => {
  let topology: Topology | undefined;
  afterEach(async () => {
    await topology?.stop();
    topology = undefined;
  });

  async function failover(options: TopologyOptions): Promise<void> {
    topology = await Topology.start({ downAfter: 1500, ...options });
    const old = topology.master.port;
    await topology.master.kill();
    const newMaster = await topology.waitForNewMaster(old);
    expect(topology.nodes.slice(1).map((node) => node.port)).toContain(newMaster);
    const other = topology.nodes.slice(1).find((node) => node.port !== newMaster)!;
    await topology.waitFor('the other replica to follow the new master', async () => {
      const info = String(await topology!.call(other.port, 'INFO', 'replication'));
      return info.includes(`master_port:${newMaster}`) && info.includes('master_link_status:up');
    });
    expect(await topology.call(other.port, 'GET', 'sentinel:probe')).not.toBeNull();
  }

  it.skipIf(!realSentinel)('real redis-sentinel processes fail over tsredis nodes', async () => {
    await failover({ data: 'tsredis', sentinels: 'real' });
  }, 60_000);

  it('tsredis Sentinels fail over real redis-server nodes', async () => {
    await failover({ data: 'real', sentinels: 'tsredis' });
  }, 60_000);
});
