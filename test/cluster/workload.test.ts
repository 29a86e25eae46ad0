import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWithRedisCli, command, startCluster, waitForClusterOk, waitUntil, type TestCluster } from '../helpers/cluster.js';
import { freePort } from '../helpers/ports.js';
import { redisCli, hasRealRedis, SERVER_BIN } from '../helpers/servers.js';

/**
 * A 6-node tsredis cluster used the way applications and operators use Redis Cluster: redis-cli
 * -c, ioredis Cluster and node-redis createCluster running a pipelined mixed workload (strings,
 * hashes, hash-tagged multi-key commands, MULTI, EVAL, pub/sub, sharded pub/sub), then
 * `redis-cli --cluster reshard` under load, add-node, rebalance, del-node and fix.
 */

const cli = hasRealRedis();
if (!cli) console.warn('redis-cli is not installed: the cluster workload tests are SKIPPED');

const COMMANDS = 100_000;
/** Generous: resharding 4,000 slots takes tens of seconds on a busy 2-core machine. */
const TOOL_TIMEOUT = 300_000;
/** Operations in flight at once: clients pipeline them per node. */
const BATCH = 1000;
const CHANNEL = 'news';
const SHARD_CHANNEL = '{shard}events';

/** The operations of the mixed workload, each issuing a known number of commands. */
interface Workload {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<string | null>;
  hset(key: string, field: string, value: string): Promise<unknown>;
  hget(key: string, field: string): Promise<string | null>;
  mset(pairs: [string, string][]): Promise<unknown>;
  mget(keys: string[]): Promise<(string | null)[]>;
  /** MULTI, SET, INCR, EXEC: four commands; resolves to the INCR result. */
  transaction(a: string, b: string): Promise<number>;
  evalSetGet(key: string, value: string): Promise<string>;
  publish(channel: string, message: string): Promise<unknown>;
  spublish(channel: string, message: string): Promise<unknown>;
}

/**
 * Runs about COMMANDS commands in batches of BATCH operations, checking every reply; returns the
 * number of commands sent and the messages published per channel kind.
 */
async function runWorkload(client: Workload, prefix: string): Promise<{ commands: number; published: number; shardPublished: number }> {
  let commands = 0;
  let published = 0;
  let shardPublished = 0;
  let next = 0;
  while (commands < COMMANDS) {
    const batch: Promise<unknown>[] = [];
    for (let n = 0; n < BATCH && commands < COMMANDS; n++) {
      const i = next++;
      const key = `${prefix}:${i}`;
      const tag = `{${prefix}:t${i}}`;
      switch (i % 10) {
        case 0:
        case 1:
          batch.push(client.set(key, `v${i}`).then(() => client.get(key)).then((value) => expect(value).toBe(`v${i}`)));
          commands += 2;
          break;
        case 2:
        case 3:
          batch.push(client.hset(`h${key}`, 'f', `v${i}`).then(() => client.hget(`h${key}`, 'f')).then((value) => expect(value).toBe(`v${i}`)));
          commands += 2;
          break;
        case 4:
        case 5:
          batch.push(
            client.mset([[`${tag}a`, 'x'], [`${tag}b`, 'y']]).then(() => client.mget([`${tag}a`, `${tag}b`])).then((values) => expect(values).toEqual(['x', 'y'])),
          );
          commands += 2;
          break;
        case 6:
          batch.push(client.transaction(`${tag}a`, `${tag}b`).then((count) => expect(count).toBe(1)));
          commands += 4;
          break;
        case 7:
          batch.push(client.evalSetGet(key, `e${i}`).then((value) => expect(value).toBe(`e${i}`)));
          commands += 1;
          break;
        case 8:
          batch.push(client.publish(CHANNEL, `m${i}`));
          commands += 1;
          published++;
          break;
        default:
          batch.push(client.spublish(SHARD_CHANNEL, `s${i}`));
          commands += 1;
          shardPublished++;
      }
    }
    await Promise.all(batch);
  }
  return { commands, published, shardPublished };
}

/** Runs `redis-cli --cluster …` without blocking the event loop (clients keep running meanwhile). */
function clusterTool(args: string[]): Promise<{ output: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('redis-cli', ['--cluster', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), TOOL_TIMEOUT);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ output, status });
    });
  });
}

/** `--cluster check` found every slot covered, no open slot and no disagreement. */
function expectCheckClean(port: number): void {
  const check = checkWithRedisCli(port);
  expect(check.output).toContain('[OK] All nodes agree about slots configuration.');
  expect(check.output).toContain('[OK] All 16384 slots covered.');
  expect(check.output).not.toMatch(/\[WARNING\]|\[ERR\]/);
  expect(check.status).toBe(0);
}

interface NodeRow {
  id: string;
  port: number;
  flags: string;
  slots: string[];
}

async function nodesOf(port: number): Promise<NodeRow[]> {
  const text = String(await command(port, 'CLUSTER', 'NODES'));
  return text.trim().split('\n').map((line) => {
    const words = line.split(' ');
    return { id: words[0]!, port: Number(words[1]!.split(':')[1]!.split('@')[0]), flags: words[2]!, slots: words.slice(8) };
  });
}

function slotCount(row: NodeRow): number {
  let count = 0;
  for (const range of row.slots) {
    if (range.startsWith('[')) continue;
    const [start, end] = range.split('-').map(Number);
    count += (end ?? start!) - start! + 1;
  }
  return count;
}

/**
 * An ioredis Cluster client writing and reading keys in a loop until stopped: every value it
 * wrote must read back, and no command may fail (redirects are the client's business).
 */
class Traffic {
  readonly redis: Cluster;
  readonly written = new Map<string, string>();
  errors: unknown[] = [];
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private round = 0;

  constructor(port: number) {
    // No auto-pipelining: ioredis cannot redirect a pipeline whose commands got different answers
    // (some served, some MOVED while their slot moves) and hands those errors to the caller.
    this.redis = new Cluster([{ host: '127.0.0.1', port }], { retryDelayOnTryAgain: 20, retryDelayOnMoved: 5 });
  }

  start(): void {
    this.loop = (async () => {
      while (this.running) {
        await this.batch();
        // A steady load, not a flood: the nodes also serve the resharding tool.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  }

  /** 50 writes and up to 50 reads of earlier keys, concurrently. */
  async batch(): Promise<void> {
    const round = this.round++;
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      const key = `traffic:${round}:${i}`;
      const value = `v${round}.${i}`;
      work.push(this.redis.set(key, value).then(() => this.written.set(key, value), (error) => this.errors.push(error)));
      const earlier = `traffic:${(round * 7 + i) % (round + 1)}:${i}`;
      const expected = this.written.get(earlier);
      if (expected !== undefined) {
        work.push(this.redis.get(earlier).then((value) => value !== expected && this.errors.push(new Error(`${earlier}: ${value} ≠ ${expected}`)), (error) => this.errors.push(error)));
      }
    }
    await Promise.all(work);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Keys whose value is not what was written (lost or stale), read back through the cluster. */
  async missing(): Promise<string[]> {
    const keys = [...this.written.keys()];
    const values = await Promise.all(keys.map((key) => this.redis.get(key)));
    return keys.filter((key, i) => values[i] !== this.written.get(key));
  }
}

/** Whether a node refuses commands because it is loading a dataset (DBSIZE is not allowed then). */
async function isLoading(port: number): Promise<boolean> {
  return command(port, 'DBSIZE').then(
    () => false,
    (error: Error) => error.message.startsWith('LOADING'),
  );
}

/** A tsredis node outside the formed cluster (for add-node), stopped by PID. */
async function startSpareNode(): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort([10000]);
  const dir = mkdtempSync(join(tmpdir(), 'tsredis-spare-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [SERVER_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitUntil(async () => (await command(port, 'PING').catch(() => '')) === 'PONG', 10_000, `spare node on ${port}`);
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const EVAL_SET_GET = "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])";

describe.skipIf(!cli)('cluster workload (6 tsredis nodes)', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    // A node-timeout that event-loop stalls on a busy machine do not reach: no failover mid-test.
    cluster = await startCluster({ nodes: 6, replicas: 1, nodeTimeout: 5000 });
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('lets redis-cli -c follow MOVED across nodes', () => {
    const [first, second] = cluster.ports;
    for (const key of ['alpha', 'beta', 'gamma', 'delta', 'foo', 'bar']) {
      expect(redisCli(first!, ['-c', 'SET', key, `v-${key}`]).stdout.trim()).toBe('OK');
      expect(redisCli(second!, ['-c', 'GET', key]).stdout.trim()).toBe(`v-${key}`);
    }
  });

  it('runs 100,000 mixed commands through ioredis Cluster without an error', async () => {
    const nodes = [{ host: '127.0.0.1', port: cluster.ports[0]! }];
    // Auto-pipelining groups a command by its first argument: EVAL's is the script, not a key.
    const redis = new Cluster(nodes, { enableAutoPipelining: true, autoPipeliningIgnoredCommands: ['eval'] });
    const subscriber = new Cluster(nodes);
    const shardSubscriber = new Cluster(nodes, { shardedSubscribers: true });
    try {
      let messages = 0;
      let shardMessages = 0;
      subscriber.on('message', () => messages++);
      shardSubscriber.on('smessage', () => shardMessages++);
      await subscriber.subscribe(CHANNEL);
      await shardSubscriber.ssubscribe(SHARD_CHANNEL);
      const workload: Workload = {
        set: (key, value) => redis.set(key, value),
        get: (key) => redis.get(key),
        hset: (key, field, value) => redis.hset(key, field, value),
        hget: (key, field) => redis.hget(key, field),
        mset: (pairs) => redis.mset(...pairs.flat()),
        mget: (keys) => redis.mget(...keys),
        transaction: async (a, b) => {
          const results = await redis.multi().set(a, '1').incr(b).exec();
          for (const [error] of results!) expect(error).toBeNull();
          return results![1]![1] as number;
        },
        evalSetGet: async (key, value) => String(await redis.eval(EVAL_SET_GET, 1, key, value)),
        publish: (channel, message) => redis.publish(channel, message),
        spublish: (channel, message) => redis.spublish(channel, message),
      };
      const started = Date.now();
      const { commands, published, shardPublished } = await runWorkload(workload, 'io');
      console.log(`ioredis Cluster: ${commands} commands in ${Date.now() - started} ms`);
      expect(commands).toBeGreaterThanOrEqual(COMMANDS);
      await waitUntil(async () => messages === published && shardMessages === shardPublished, 10_000, 'every published message');
    } finally {
      redis.disconnect();
      subscriber.disconnect();
      shardSubscriber.disconnect();
    }
  }, 180_000);

  it('runs 100,000 mixed commands through node-redis createCluster without an error', async () => {
    const rootNodes = [{ url: `redis://127.0.0.1:${cluster.ports[0]!}` }];
    const redis = createCluster({ rootNodes });
    const subscriber = createCluster({ rootNodes });
    await redis.connect();
    await subscriber.connect();
    try {
      let messages = 0;
      let shardMessages = 0;
      await subscriber.subscribe(CHANNEL, () => messages++);
      await subscriber.sSubscribe(SHARD_CHANNEL, () => shardMessages++);
      const workload: Workload = {
        set: (key, value) => redis.set(key, value),
        get: (key) => redis.get(key),
        hset: (key, field, value) => redis.hSet(key, field, value),
        hget: async (key, field) => (await redis.hGet(key, field)) ?? null,
        mset: (pairs) => redis.mSet(pairs),
        mget: (keys) => redis.mGet(keys),
        transaction: async (a, b) => {
          const results = await redis.multi(a).set(a, '1').incr(b).exec();
          return results[1] as number;
        },
        evalSetGet: async (key, value) => String(await redis.eval(EVAL_SET_GET, { keys: [key], arguments: [value] })),
        publish: (channel, message) => redis.publish(channel, message),
        spublish: (channel, message) => redis.sPublish(channel, message),
      };
      const started = Date.now();
      const { commands, published, shardPublished } = await runWorkload(workload, 'nr');
      console.log(`node-redis createCluster: ${commands} commands in ${Date.now() - started} ms`);
      expect(commands).toBeGreaterThanOrEqual(COMMANDS);
      await waitUntil(async () => messages === published && shardMessages === shardPublished, 10_000, 'every published message');
    } finally {
      await redis.close();
      await subscriber.close();
    }
  }, 180_000);

  it('fix closes a slot left open by an interrupted migration', async () => {
    const port = cluster.ports[0]!;
    const masters = (await nodesOf(port)).filter((row) => row.flags.includes('master') && slotCount(row) > 0);
    const owner = masters.find((row) => row.flags.includes('myself'))!;
    const other = masters.find((row) => row !== owner)!;
    const slot = Number(owner.slots.find((range) => !range.startsWith('['))!.split('-')[0]);
    expect(await command(port, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', other.id)).toBe('OK');
    expect(checkWithRedisCli(port).output).toMatch(/open slot|migrating/i);
    const fixed = await clusterTool(['fix', `127.0.0.1:${port}`, '--cluster-yes']);
    expect(fixed.status, fixed.output).toBe(0);
    expectCheckClean(port);
  });

  it('add-node, rebalance some slots onto it, rebalance it empty, del-node: keys stay, check clean', async () => {
    const port = cluster.ports[0]!;
    const spare = await startSpareNode();
    const traffic = new Traffic(port);
    try {
      for (let i = 0; i < 20; i++) await traffic.batch();
      const added = await clusterTool(['add-node', `127.0.0.1:${spare.port}`, `127.0.0.1:${port}`]);
      expect(added.status, added.output).toBe(0);
      const spareId = String(await command(spare.port, 'CLUSTER', 'MYID'));
      const knowsSpare = async (node: number): Promise<boolean> => (await nodesOf(node)).some((row) => row.id === spareId);
      await waitUntil(async () => (await nodesOf(spare.port)).length === 7 && (await Promise.all(cluster.ports.map(knowsSpare))).every(Boolean), 15_000, 'every node to know the new one');
      await waitForClusterOk([...cluster.ports, spare.port]);
      // A small weight keeps the move short: about 100 slots for the new master.
      const filled = await clusterTool(['rebalance', `127.0.0.1:${port}`, '--cluster-use-empty-masters', '--cluster-weight', `${spareId}=0.02`, '--cluster-pipeline', '50']);
      expect(filled.status, filled.output.slice(-2000)).toBe(0);
      expect(slotCount((await nodesOf(port)).find((row) => row.id === spareId)!)).toBeGreaterThan(50);
      expectCheckClean(port);
      const emptied = await clusterTool(['rebalance', `127.0.0.1:${port}`, '--cluster-weight', `${spareId}=0`, '--cluster-pipeline', '50']);
      expect(emptied.status, emptied.output.slice(-2000)).toBe(0);
      expect(slotCount((await nodesOf(port)).find((row) => row.id === spareId)!)).toBe(0);
      // An emptied master becomes a replica of the node that took its last slot (Redis 7.0) and
      // syncs; del-node's FORGET and RESET are refused while a node still loads that sync.
      const synced = async (): Promise<boolean> => /role:slave[\s\S]*master_link_status:up/.test(String(await command(spare.port, 'INFO', 'replication').catch(() => '')));
      await waitUntil(synced, 10_000, 'the emptied master to replicate').catch(() => undefined);
      const ports = [...cluster.ports, spare.port];
      await waitUntil(async () => (await Promise.all(ports.map(isLoading))).every((loading) => !loading), 30_000, 'no node loading');
      const deleted = await clusterTool(['del-node', `127.0.0.1:${port}`, spareId]);
      expect(deleted.status, deleted.output).toBe(0);
      await waitUntil(async () => (await nodesOf(port)).every((row) => row.id !== spareId), 10_000, 'the node to be forgotten');
      expectCheckClean(port);
      expect(await traffic.missing()).toEqual([]);
    } finally {
      traffic.redis.disconnect();
      // A failed step may leave the node in the cluster: forget it so the next test sees a whole cluster.
      const spareId = String(await command(spare.port, 'CLUSTER', 'MYID').catch(() => ''));
      await spare.stop();
      if ((await nodesOf(port)).some((row) => row.id === spareId)) await clusterTool(['del-node', `127.0.0.1:${port}`, spareId]);
    }
  }, TOOL_TIMEOUT + 60_000);

  it('reshards 4,000 slots with redis-cli under an ioredis writer/reader: no error, no key lost, check clean', async () => {
    const port = cluster.ports[0]!;
    const masters = (await nodesOf(port)).filter((row) => row.flags.includes('master') && slotCount(row) > 0);
    const [from, to] = masters;
    const traffic = new Traffic(port);
    try {
      for (let i = 0; i < 50; i++) await traffic.batch();
      traffic.start();
      const started = Date.now();
      const reshard = await clusterTool(['reshard', `127.0.0.1:${port}`, '--cluster-from', from!.id, '--cluster-to', to!.id, '--cluster-slots', '4000', '--cluster-pipeline', '50', '--cluster-yes']);
      console.log(`reshard of 4000 slots took ${Date.now() - started} ms with ${traffic.written.size} keys written so far`);
      expect(reshard.status, reshard.output.slice(-2000)).toBe(0);
      await traffic.stop();
      expect(traffic.errors.map(String)).toEqual([]);
      expect(await traffic.missing()).toEqual([]);
      const after = await nodesOf(port);
      expect(slotCount(after.find((row) => row.id === to!.id)!)).toBe(slotCount(to!) + 4000);
      expectCheckClean(port);
    } finally {
      await traffic.stop();
      traffic.redis.disconnect();
    }
  }, TOOL_TIMEOUT + 60_000);
});
