import type Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { connectIoredis } from '../../../../test/helpers/ioredis.js';
import { hasRealRedis, startRealRedis, startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';
import { dataset, info, mixedWrites, waitInSync } from './workload.js';

/**
 * Issue 7, done-when #1: replication between tsredis and real Redis 7.0 in both directions.
 * The replica starts syncing while writes run on the master, more writes follow, and once the
 * replica caught up both datasets compare equal key by key (type, expiry, value).
 */

const realRedis = hasRealRedis();
if (!realRedis) console.warn('redis-server is not installed: the replication interoperability tests are SKIPPED');

const servers: RunningServer[] = [];
const clients: Redis[] = [];

async function started(server: Promise<RunningServer>): Promise<{ server: RunningServer; redis: Redis }> {
  const running = await server;
  servers.push(running);
  const redis = connectIoredis(running.port);
  clients.push(redis);
  return { server: running, redis };
}

afterEach(async () => {
  for (const redis of clients.splice(0)) redis.disconnect();
  for (const server of servers.splice(0)) await server.stop();
});

type Start = (args: string[]) => Promise<RunningServer>;

/** The figure: 100,000 mixed writes before, during and after the sync (pipelined). */
const WRITES = 100_000;
/** The variants (disk-based sync, tsredis to tsredis) run a lighter load: CI time. */
const LIGHT_WRITES = 12_000;

/**
 * Master on `startMaster`, replica on `startReplica`; `writes` writes, a third before, a third
 * during and a third after the sync.
 */
async function replicateWhileWriting(startMaster: Start, startReplica: Start, masterArgs: string[], writes: number): Promise<void> {
  const master = await started(startMaster(['--repl-diskless-sync-delay', '0', ...masterArgs]));
  const third = Math.ceil(writes / 3);
  await mixedWrites(master.redis, third, 1);
  const replica = await started(startReplica([]));
  const during = mixedWrites(master.redis, third, 2);
  await replica.redis.replicaof('127.0.0.1', master.server.port);
  await during;
  await mixedWrites(master.redis, writes - 2 * third, 3);
  await waitInSync(master.redis, replica.redis);
  const replicaInfo = await info(replica.redis, 'replication');
  expect(replicaInfo.get('role')).toBe('slave');
  expect(replicaInfo.get('master_link_status')).toBe('up');
  const expected = await dataset(master.redis);
  expect(Object.keys(expected.db0 ?? {}).length).toBeGreaterThan(100);
  expect(await dataset(replica.redis)).toEqual(expected);
  const masterInfo = await info(master.redis, 'replication');
  expect(masterInfo.get('connected_slaves')).toBe('1');
  expect(masterInfo.get('slave0')).toMatch(/^ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$/);
}

describe.skipIf(!realRedis)('replication between tsredis and Redis 7.0', () => {
  it('a real Redis replica of tsredis holds the same dataset after 100,000 writes (diskless sync)', async () => {
    await replicateWhileWriting(startTsredis, startRealRedis, [], WRITES);
  });

  it('a real Redis replica of tsredis holds the same dataset (disk-based sync)', async () => {
    await replicateWhileWriting(startTsredis, startRealRedis, ['--repl-diskless-sync', 'no'], LIGHT_WRITES);
  });

  it('tsredis as replica of a real Redis holds the same dataset after 100,000 writes (diskless sync)', async () => {
    await replicateWhileWriting(startRealRedis, startTsredis, [], WRITES);
  });

  it('tsredis as replica of a real Redis holds the same dataset (disk-based sync)', async () => {
    await replicateWhileWriting(startRealRedis, startTsredis, ['--repl-diskless-sync', 'no'], LIGHT_WRITES);
  });
});

describe('replication between two tsredis nodes', () => {
  it('a tsredis replica of tsredis holds the same dataset', async () => {
    await replicateWhileWriting(startTsredis, startTsredis, [], LIGHT_WRITES);
  });
});
