import type Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { hasRealRedis, startRealRedis, startTsredis } from '../../../../test/helpers/servers.js';
import { replicate, replicationNodes, type Node, type Start } from './nodes.js';
import { info, mixedWrites, waitFor, waitInSync, dataset } from './workload.js';

/**
 * FAILOVER (issue 7) as Redis 7.0: the master pauses writes, waits for a replica to reach its
 * offset, becomes its replica and sends PSYNC … FAILOVER, which makes the target a master that
 * continues the same history (a partial resync, no full sync). Between two tsredis, and with real
 * Redis on either side; the errors and INFO master_failover_state byte for byte.
 */

const REAL = hasRealRedis();
if (!REAL) console.warn('redis-server is not installed: the FAILOVER interop and comparisons with Redis 7.0 are SKIPPED');

const { start, client, raw, cleanUp } = replicationNodes({ resumePaused: true });

afterEach(() => cleanUp());

async function pair(masterKind: Start, replicaKind: Start): Promise<[Node, Node]> {
  const master = await start(masterKind);
  const replica = await start(replicaKind);
  await replicate(master, replica);
  return [master, replica];
}

const reply = (promise: Promise<unknown>) => promise.then(String, (error: Error) => error.message);

async function role(node: Node): Promise<string> {
  return (await info(node.redis, 'replication')).get('role')!;
}

async function failoverState(node: Node): Promise<string> {
  return (await info(node.redis, 'replication')).get('master_failover_state')!;
}

/** Runs FAILOVER on `master` and checks the roles swap with the data and a partial resync. */
async function failsOver(master: Node, replica: Node): Promise<void> {
  await mixedWrites(master.redis, 2000, 7);
  const before = await dataset(master.redis);
  const fullSyncs = (await info(replica.redis, 'stats')).get('sync_full');
  expect(await master.redis.call('FAILOVER')).toBe('OK');
  await waitFor('the roles to swap', async () => (await role(master)) === 'slave' && (await role(replica)) === 'master');
  await waitInSync(replica.redis, master.redis);
  expect(await failoverState(master)).toBe('no-failover');
  // The new master continued the old one's history: a partial resync, the same dataset.
  const stats = await info(replica.redis, 'stats');
  expect(stats.get('sync_full')).toBe(fullSyncs);
  expect(Number(stats.get('sync_partial_ok'))).toBeGreaterThanOrEqual(1);
  expect(await dataset(replica.redis)).toEqual(before);
  // Writes go to the new master and reach the old one; the old one refuses them.
  expect(await replica.redis.set('after', 'failover')).toBe('OK');
  await waitInSync(replica.redis, master.redis);
  expect(await master.redis.get('after')).toBe('failover');
  expect(await reply(master.redis.set('x', '1'))).toBe("READONLY You can't write against a read only replica.");
}

describe('FAILOVER', () => {
  it('hands the master role to a tsredis replica, which continues the history', async () => {
    const [master, replica] = await pair(startTsredis, startTsredis);
    await failsOver(master, replica);
  });

  it.skipIf(!REAL)('hands over to a real Redis replica (tsredis master)', async () => {
    const [master, replica] = await pair(startTsredis, startRealRedis);
    await failsOver(master, replica);
  });

  it.skipIf(!REAL)('takes over from a real Redis master (tsredis replica)', async () => {
    const [master, replica] = await pair(startRealRedis, startTsredis);
    await failsOver(master, replica);
  });

  it.each(REAL ? ['tsredis', 'redis'] : ['tsredis'])(
    'pauses writes while waiting, gives up after TIMEOUT, fails over with FORCE (%s)',
    async (kind) => {
      const make = kind === 'tsredis' ? startTsredis : startRealRedis;
      const [master, replica] = await pair(make, make);
      const writer = client(master.server.port);
      // A stopped replica never catches up.
      process.kill(replica.server.pid, 'SIGSTOP');
      await master.redis.set('k', 'v');
      expect(await master.redis.call('FAILOVER', 'TIMEOUT', '500')).toBe('OK');
      expect(await failoverState(master)).toBe('waiting-for-sync');
      const held = writer.set('held', 'write');
      expect(await reply(master.redis.call('FAILOVER'))).toBe('ERR FAILOVER already in progress.');
      expect(await reply(master.redis.call('REPLICAOF', 'NO', 'ONE'))).toBe('ERR REPLICAOF not allowed while failing over.');
      // The write waits for the failover to end; the timeout aborts it and the write runs.
      expect(await held).toBe('OK');
      expect(await failoverState(master)).toBe('no-failover');
      expect(await role(master)).toBe('master');

      expect(await master.redis.call('FAILOVER', 'TO', '127.0.0.1', String(replica.server.port), 'TIMEOUT', '300', 'FORCE')).toBe('OK');
      await waitFor('the forced failover to start', async () => (await failoverState(master)) === 'failover-in-progress');
      expect(await role(master)).toBe('slave');
      process.kill(replica.server.pid, 'SIGCONT');
      await waitFor('the forced failover to end', async () => (await failoverState(master)) === 'no-failover' && (await role(replica)) === 'master');
      await waitInSync(replica.redis, master.redis);
      // FORCE may lose what the target had not received (real Redis sometimes does): either way
      // both sides end with the same data.
      expect(['v', null]).toContain(await master.redis.get('k'));
      expect(await dataset(master.redis)).toEqual(await dataset(replica.redis));
    },
  );

  it.each(REAL ? ['tsredis', 'redis'] : ['tsredis'])('FAILOVER ABORT while waiting resumes writes (%s)', async (kind) => {
    const make = kind === 'tsredis' ? startTsredis : startRealRedis;
    const [master, replica] = await pair(make, make);
    process.kill(replica.server.pid, 'SIGSTOP');
    await master.redis.set('k', 'v');
    expect(await master.redis.call('FAILOVER')).toBe('OK');
    expect(await failoverState(master)).toBe('waiting-for-sync');
    expect(await master.redis.call('FAILOVER', 'ABORT')).toBe('OK');
    expect(await failoverState(master)).toBe('no-failover');
    expect(await master.redis.set('k', 'w')).toBe('OK');
  });
});

/** FAILOVER's argument and state errors, on a master with one replica and on that replica. */
const ON_MASTER = [
  ['FAILOVER', 'ABORT'],
  ['FAILOVER', 'TIMEOUT', '0'],
  ['FAILOVER', 'TIMEOUT', '-5'],
  ['FAILOVER', 'TIMEOUT', 'soon'],
  ['FAILOVER', 'TIMEOUT', '10', 'TIMEOUT', '20'],
  ['FAILOVER', 'TO', '127.0.0.1'],
  ['FAILOVER', 'TO', '127.0.0.1', 'port'],
  ['FAILOVER', 'TO', '127.0.0.1', '1'],
  ['FAILOVER', 'TO', '127.0.0.1', '1', 'TO', '127.0.0.1', '2'],
  ['FAILOVER', 'FORCE'],
  ['FAILOVER', 'FORCE', 'TIMEOUT', '100'],
  ['FAILOVER', 'FORCE', 'FORCE'],
  ['FAILOVER', 'ABORT', 'TIMEOUT', '5'],
  ['FAILOVER', 'NOW'],
  ['PSYNC', '0123456789012345678901234567890123456789', '1', 'FAILOVER'],
];
const ON_REPLICA = [['FAILOVER'], ['FAILOVER', 'ABORT'], ['PSYNC', '0123456789012345678901234567890123456789', '1', 'FAILOVER']];
const ALONE = [['FAILOVER'], ['FAILOVER', 'TO', '127.0.0.1', '1']];

async function replies(port: number, commands: string[][]): Promise<string[]> {
  const connection = await raw(port);
  const out: string[] = [];
  for (const command of commands) out.push(await connection.call(...command));
  return out;
}

async function errorsOf(kind: Start): Promise<string[][]> {
  const alone = await start(kind);
  const aloneReplies = await replies(alone.server.port, ALONE);
  const [master, replica] = await pair(kind, kind);
  return [aloneReplies, await replies(master.server.port, ON_MASTER), await replies(replica.server.port, ON_REPLICA)];
}

describe.skipIf(!REAL)('FAILOVER errors, byte for byte against Redis 7.0', () => {
  it('answers every refusal as Redis does', async () => {
    const ours = await errorsOf(startTsredis);
    const theirs = await errorsOf(startRealRedis);
    expect(ours[0]![0]).toBe('-ERR FAILOVER requires connected replicas.\r\n');
    expect(ours).toEqual(theirs);
  });
});
