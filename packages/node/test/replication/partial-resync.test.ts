import type Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { hasRealRedis, startRealRedis, startTsredis } from '../../../../test/helpers/servers.js';
import { replicate, replicationNodes, type Node, type Start } from './nodes.js';
import { dataset, info, mixedWrites, waitFor, waitInSync } from './workload.js';

/**
 * Issue 7, done-when #2: a replica whose link is cut (CLIENT KILL TYPE master) or that was
 * restarted continues with a partial resync (sync_partial_ok grows, sync_full does not); and
 * PSYNC2 — replicas of a promoted replica continue with it, sub-replicas get the master's stream.
 */

const realRedis = hasRealRedis();
if (!realRedis) console.warn('redis-server is not installed: the replication tests against real Redis are SKIPPED');

const { start, client, cleanUp } = replicationNodes();

afterEach(() => cleanUp());

async function syncCounts(master: Redis): Promise<{ full: number; partialOk: number }> {
  const stats = await info(master, 'stats');
  return { full: Number(stats.get('sync_full')), partialOk: Number(stats.get('sync_partial_ok')) };
}

async function expectSameData(master: Node, replica: Node): Promise<void> {
  await waitInSync(master.redis, replica.redis);
  expect(await dataset(replica.redis)).toEqual(await dataset(master.redis));
}

/** A write in db 1 on its own connection (the master's stream then stays in db 1). */
async function writeInDb1(master: Node, key: string): Promise<void> {
  const redis = client(master.server.port);
  await redis.select(1);
  await redis.set(`db1:${key}`, key);
}

/** Cuts the replica's link from its side and checks it comes back with a partial resync. */
async function cutAndContinue(master: Node, replica: Node): Promise<void> {
  await mixedWrites(master.redis, 2000, 11);
  await replicate(master, replica);
  const before = await syncCounts(master.redis);
  expect(await replica.redis.client('KILL', 'TYPE', 'master')).toBe(1);
  await mixedWrites(master.redis, 2000, 12);
  await waitFor('the partial resync', async () => (await syncCounts(master.redis)).partialOk === before.partialOk + 1);
  await expectSameData(master, replica);
  expect(await syncCounts(master.redis)).toEqual({ full: before.full, partialOk: before.partialOk + 1 });
}

/** Restarts the replica (SHUTDOWN SAVE, same directory): it continues from the RDB's history. */
async function restartAndContinue(master: Node, replica: Node, kind: Start): Promise<void> {
  await mixedWrites(master.redis, 2000, 21);
  await replicate(master, replica);
  const before = await syncCounts(master.redis);
  await replica.redis.call('SHUTDOWN', 'SAVE').catch(() => undefined);
  replica.redis.disconnect();
  await waitFor('the replica to exit', async () => replica.server.process.exitCode !== null || replica.server.process.signalCode !== null);
  await mixedWrites(master.redis, 1000, 22);
  const restarted = await start(kind, ['--dir', replica.server.dir, '--replicaof', '127.0.0.1', String(master.server.port)]);
  await waitFor('the partial resync', async () => (await syncCounts(master.redis)).partialOk === before.partialOk + 1);
  await expectSameData(master, restarted);
  expect(await syncCounts(master.redis)).toEqual({ full: before.full, partialOk: before.partialOk + 1 });
}

describe('partial resynchronization between tsredis nodes', () => {
  it('a replica whose link was killed continues with +CONTINUE', async () => {
    await cutAndContinue(await start(startTsredis), await start(startTsredis));
  });

  it('a restarted replica continues from the history saved in its RDB', async () => {
    await restartAndContinue(await start(startTsredis), await start(startTsredis), startTsredis);
  });

  it('replicas of a promoted replica continue with it (replid2)', async () => {
    const master = await start(startTsredis);
    const promoted = await start(startTsredis);
    const other = await start(startTsredis);
    await mixedWrites(master.redis, 1000, 31);
    await replicate(master, promoted);
    await replicate(master, other);
    const replid = (await info(promoted.redis, 'replication')).get('master_replid');
    await promoted.redis.replicaof('NO', 'ONE');
    const after = await info(promoted.redis, 'replication');
    expect(after.get('role')).toBe('master');
    expect(after.get('master_replid2')).toBe(replid);
    expect(after.get('second_repl_offset')).toBe(String(Number(after.get('master_repl_offset')) + 1));
    await other.redis.replicaof('127.0.0.1', promoted.server.port);
    await mixedWrites(promoted.redis, 1000, 32);
    await expectSameData(promoted, other);
    expect(await syncCounts(promoted.redis)).toEqual({ full: 0, partialOk: 1 });
  });

  it('a sub-replica receives the master stream through its replica', async () => {
    const master = await start(startTsredis);
    const middle = await start(startTsredis);
    const leaf = await start(startTsredis);
    await replicate(master, middle);
    // The stream is left in db 1: the sub-replica must learn it from the RDB (repl-stream-db).
    await writeInDb1(master, 'before');
    await waitInSync(master.redis, middle.redis);
    await replicate(middle, leaf);
    await writeInDb1(master, 'after');
    await mixedWrites(master.redis, 2000, 41);
    await expectSameData(master, middle);
    await waitInSync(middle.redis, leaf.redis);
    expect(await dataset(leaf.redis)).toEqual(await dataset(master.redis));
    // The sub-replica holds the same history as the top master.
    expect((await info(leaf.redis, 'replication')).get('master_replid')).toBe((await info(master.redis, 'replication')).get('master_replid'));
  });
});

describe.skipIf(!realRedis)('partial resynchronization with Redis 7.0', () => {
  it('tsredis replica of a real master continues after CLIENT KILL TYPE master', async () => {
    await cutAndContinue(await start(startRealRedis), await start(startTsredis));
  });

  it('a real replica of tsredis continues after CLIENT KILL TYPE master', async () => {
    await cutAndContinue(await start(startTsredis), await start(startRealRedis));
  });

  it('a restarted tsredis replica of a real master continues', async () => {
    await restartAndContinue(await start(startRealRedis), await start(startTsredis), startTsredis);
  });

  it('a restarted real replica of tsredis continues', async () => {
    await restartAndContinue(await start(startTsredis), await start(startRealRedis), startRealRedis);
  });

  it('a real replica continues with a promoted tsredis replica', async () => {
    const master = await start(startRealRedis);
    const promoted = await start(startTsredis);
    const other = await start(startRealRedis);
    await mixedWrites(master.redis, 1000, 51);
    await replicate(master, promoted);
    await replicate(master, other);
    await promoted.redis.replicaof('NO', 'ONE');
    await other.redis.replicaof('127.0.0.1', promoted.server.port);
    await mixedWrites(promoted.redis, 1000, 52);
    await expectSameData(promoted, other);
    expect(await syncCounts(promoted.redis)).toEqual({ full: 0, partialOk: 1 });
  });

  it('a real sub-replica of a tsredis replica gets the master stream', async () => {
    const master = await start(startRealRedis);
    const middle = await start(startTsredis);
    const leaf = await start(startRealRedis);
    await replicate(master, middle);
    await writeInDb1(master, 'before');
    await waitInSync(master.redis, middle.redis);
    await replicate(middle, leaf);
    await writeInDb1(master, 'after');
    await mixedWrites(master.redis, 2000, 61);
    await expectSameData(master, middle);
    await waitInSync(middle.redis, leaf.redis);
    expect(await dataset(leaf.redis)).toEqual(await dataset(master.redis));
  });
});
