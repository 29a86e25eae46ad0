import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keySlot } from '@tsredis/cluster-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, createWithRedisCli, startCluster, waitForClusterOk, waitUntil, clusterInfo, type TestCluster } from '../helpers/cluster.js';
import { freePort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw.js';
import { hasRealRedis } from '../helpers/servers.js';

/**
 * The client-facing side of a cluster byte for byte against real Redis 7.0: the same scripted
 * conversations run on a 6-node tsredis cluster and a 6-node redis-server cluster formed the same
 * way (redis-cli --cluster create, so the same slot ranges), and every raw reply must match once
 * node ports are written as P0…P5. Covers MOVED, ASK and ASKING during SETSLOT MIGRATING /
 * IMPORTING, TRYAGAIN, CROSSSLOT, the CLUSTERDOWN texts, SELECT, READONLY on a replica, EXEC's
 * re-check of queued commands, scripts touching non-local keys, and sharded pub/sub.
 */

const real = hasRealRedis();
if (!real) console.warn('redis-server is not installed: the cluster redirect comparisons are SKIPPED');

/** A real redis-server cluster node, stopped by PID. */
interface RealNode {
  port: number;
  dir: string;
  child: ChildProcess;
}

async function startRealNodes(count: number): Promise<RealNode[]> {
  const nodes: RealNode[] = [];
  const used = new Set<number>();
  for (let i = 0; i < count; i++) {
    let port = await freePort([10000]);
    while (used.has(port) || used.has(port + 10000) || used.has(port - 10000)) port = await freePort([10000]);
    used.add(port);
    const dir = mkdtempSync(join(tmpdir(), 'tsredis-real-cluster-'));
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-node-timeout', '2000', '--repl-diskless-sync-delay', '0'],
      { stdio: 'ignore' },
    );
    nodes.push({ port, dir, child });
  }
  for (const node of nodes) await waitUntil(async () => (await clusterInfo(node.port))['cluster_state'] !== undefined, 10_000, `redis-server on ${node.port}`);
  return nodes;
}

async function stopRealNodes(nodes: readonly RealNode[]): Promise<void> {
  await Promise.all(
    nodes.map(async ({ child, dir }) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(child.pid!, 'SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }),
  );
}

/** One side of the comparison: its node ports (index i is written Pi) and node ids by index. */
interface Side {
  ports: number[];
  ids: string[];
  /** The index of node 0's replica (redis-cli pairs replicas its own way). */
  replica: number;
}

/** The node index steps use for "node 0's replica". */
const REPLICA = 9;

/** Steps: [node index, ...command]; a step runs on a connection of its own per node. */
type Step = readonly [number, ...string[]];

/** Runs the steps on one side (one connection per node) and returns "node: command → reply" lines. */
async function converse(side: Side, steps: readonly Step[]): Promise<string[]> {
  const clients = new Map<number, RawClient>();
  const lines: string[] = [];
  try {
    for (const [step, ...argv] of steps) {
      const node = step === REPLICA ? side.replica : step;
      let client = clients.get(node);
      if (client === undefined) clients.set(node, (client = await RawClient.connect(side.ports[node]!)));
      // $i names node i's id and @i its port, which differ between the sides.
      const words = argv.map((word) =>
        word.replace(/\$(\d)/g, (_, i: string) => side.ids[Number(i)]!).replace(/^@(\d)$/, (_, i: string) => String(side.ports[Number(i)]!)),
      );
      lines.push(`${step}: ${argv.join(' ')} → ${normalize(side, await client.call(...words))}`);
    }
  } finally {
    for (const client of clients.values()) client.destroy();
  }
  return lines;
}

function normalize(side: Side, reply: string): string {
  return reply.replace(/127\.0\.0\.1:(\d+)/g, (match, port: string) => {
    const index = side.ports.indexOf(Number(port));
    return index === -1 ? match : `P${index}`;
  });
}

async function sideOf(ports: number[]): Promise<Side> {
  const ids = await Promise.all(ports.map(async (port) => String(await command(port, 'CLUSTER', 'MYID'))));
  // Node 0 learns which node replicates it by gossip, shortly after the cluster is formed.
  let replica = -1;
  await waitUntil(async () => {
    const nodes = String(await command(ports[0]!, 'CLUSTER', 'NODES'));
    const row = nodes.split('\n').find((line) => line.split(' ')[3] === ids[0]);
    replica = row === undefined ? -1 : ids.indexOf(row.split(' ')[0]!);
    return replica !== -1;
  }, 10_000, "node 0's replica");
  return { ports, ids, replica };
}

/** A key (with a distinguishing prefix) whose hash slot is `slot`. */
function keyInSlot(slot: number, prefix = 'k'): string {
  for (let i = 0; i < 1_000_000; i++) if (keySlot(`${prefix}${i}`) === slot) return `${prefix}${i}`;
  throw new Error(`no key for slot ${slot}`);
}

describe.skipIf(!real)('cluster redirects and refusals, byte for byte against redis-server', () => {
  let ours: TestCluster;
  let realNodes: RealNode[] = [];
  let sides: [Side, Side];

  beforeAll(async () => {
    const started = await Promise.all([startCluster({ nodes: 6, replicas: 1 }), startRealNodes(6)]);
    ours = started[0];
    realNodes = started[1];
    const realPorts = realNodes.map((node) => node.port);
    createWithRedisCli(realPorts, 1);
    await waitForClusterOk(realPorts);
    sides = [await sideOf(ours.ports), await sideOf(realPorts)];
  }, 60_000);

  afterAll(async () => {
    await ours?.destroy();
    await stopRealNodes(realNodes);
  });

  async function expectSame(steps: readonly Step[]): Promise<string[]> {
    const [mine, theirs] = await Promise.all([converse(sides[0], steps), converse(sides[1], steps)]);
    expect(mine).toEqual(theirs);
    return mine;
  }

  it('redirects with MOVED, refuses CROSSSLOT and SELECT, serves local keys', async () => {
    const replies = await expectSame([
      [0, 'SET', 'bar', '1'],
      [0, 'GET', 'foo'],
      [0, 'SET', 'foo', 'x'],
      [2, 'SET', 'foo', 'x'],
      [0, 'MSET', 'a', '1', 'b', '2'],
      [0, 'MSET', '{t}a', '1', '{t}b', '2'],
      [0, 'MGET', 'bar', 'bar'],
      [0, 'SELECT', '1'],
      [0, 'SELECT', '0'],
      [0, 'SSUBSCRIBE', 'bar', 'foo'],
      [0, 'SPUBLISH', 'foo', 'm'],
      [0, 'SPUBLISH', 'bar', 'm'],
      [0, 'CLUSTER', 'KEYSLOT', '{user1000}.following'],
      [0, 'CLUSTER', 'COUNTKEYSINSLOT', String(keySlot('bar'))],
      [0, 'CLUSTER', 'COUNTKEYSINSLOT', '16384'],
      [0, 'CLUSTER', 'GETKEYSINSLOT', String(keySlot('bar')), '10'],
      [0, 'CLUSTER', 'GETKEYSINSLOT', '0', '-1'],
      [0, 'MULTI'],
      [0, 'SET', 'bar', '2'],
      [0, 'GET', 'foo'],
      [0, 'EXEC'],
      [0, 'MULTI'],
      [0, 'SET', 'bar', '3'],
      [0, 'EXEC'],
      [0, 'EVAL', "return redis.call('get','foo')", '0'],
      [0, 'EVAL', "return redis.call('get',KEYS[1])", '1', 'bar'],
      [0, 'EVAL', "#!lua\nredis.call('get','bar'); return redis.call('get','hello')", '0'],
      [0, 'EVAL', '#!lua flags=no-cluster\nreturn 1', '0'],
    ]);
    expect(replies.some((line) => line.includes('MOVED 12182 P2'))).toBe(true);
  });

  it('lets a READONLY replica serve reads of its master and redirects its writes', async () => {
    const r = REPLICA;
    const linkUp = async (side: Side): Promise<boolean> => /master_link_status:up/.test(String(await command(side.ports[side.replica]!, 'INFO', 'replication')));
    await waitUntil(async () => (await Promise.all(sides.map(linkUp))).every(Boolean), 10_000, 'replicas in sync');
    await waitUntil(async () => (await Promise.all(sides.map((side) => command(side.ports[side.replica]!, 'GET', '{bar}x').catch(String)))).every((reply) => String(reply).includes('MOVED')), 5000, 'replicas to redirect');
    await expectSame([
      [0, 'SET', '{bar}x', 'replicated'],
      [0, 'WAIT', '1', '5000'],
      [r, 'GET', '{bar}x'],
      [r, 'READONLY'],
      [r, 'GET', '{bar}x'],
      [r, 'SET', '{bar}x', 'no'],
      [r, 'GET', 'foo'],
      [r, 'MULTI'],
      [r, 'GET', '{bar}x'],
      [r, 'EXEC'],
      [r, 'READWRITE'],
      [r, 'GET', '{bar}x'],
    ]);
  });

  it('answers the CLUSTERDOWN texts while a slot is unassigned', async () => {
    const lost = keyInSlot(0);
    const served = 'hello';
    await expectSame([[0, 'CLUSTER', 'DELSLOTS', '0']]);
    await waitUntil(async () => (await Promise.all(sides.map((side) => clusterInfo(side.ports[0]!)))).every((info) => info['cluster_state'] === 'fail'), 5000, 'cluster_state:fail');
    await expectSame([
      [0, 'GET', lost],
      [0, 'GET', served],
      [0, 'MSET', served, '1', 'foo', '2'],
      [0, 'CONFIG', 'SET', 'cluster-allow-reads-when-down', 'yes'],
      [0, 'GET', served],
      [0, 'SET', served, 'v'],
      [0, 'GET', 'foo'],
      [0, 'EVAL', "return redis.call('get',KEYS[1])", '1', served],
      [0, 'EVAL', "return redis.call('set',KEYS[1],'x')", '1', served],
      [0, 'SPUBLISH', served, 'm'],
      [0, 'CONFIG', 'SET', 'cluster-allow-pubsubshard-when-down', 'no'],
      [0, 'SPUBLISH', served, 'm'],
      [0, 'CONFIG', 'SET', 'cluster-allow-reads-when-down', 'no'],
      [0, 'EVAL', "return redis.call('get','hello')", '0'],
      [0, 'CONFIG', 'SET', 'cluster-allow-pubsubshard-when-down', 'yes'],
      [0, 'CLUSTER', 'ADDSLOTS', '0'],
    ]);
    await waitForClusterOk(sides.flatMap((side) => side.ports));
  });

  it('asks (ASK, ASKING, TRYAGAIN) while a slot migrates, then serves it from its new owner', async () => {
    // A slot of node 0 no other test writes to, so its keys are only this test's.
    const slot = 100;
    const tag = keyInSlot(slot, 'migrating');
    const [held, missing, gone, arrived] = ['held', 'missing', 'gone', 'arrived'].map((name) => `{${tag}}${name}`);
    await expectSame([
      [0, 'SET', held!, 'here'],
      [1, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', '$0'],
      [0, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', '$1'],
      [0, 'GET', held!],
      [0, 'GET', missing!],
      [0, 'MGET', held!, missing!],
      [0, 'MGET', missing!, gone!],
      [0, 'MGET', held!, held!],
      [1, 'GET', missing!],
      [1, 'ASKING'],
      [1, 'GET', missing!],
      [1, 'GET', missing!],
      [1, 'ASKING'],
      [1, 'SET', arrived!, 'there'],
      [1, 'ASKING'],
      [1, 'MGET', arrived!, missing!],
      [1, 'ASKING'],
      [1, 'MGET', arrived!, arrived!],
      [1, 'ASKING'],
      [1, 'MULTI'],
      [1, 'GET', arrived!],
      [1, 'EXEC'],
      [0, 'MULTI'],
      [0, 'GET', held!],
      [0, 'GET', missing!],
      [0, 'EXEC'],
      [0, 'EVAL', "return redis.call('get', KEYS[1])", '1', missing!],
      [0, 'MIGRATE', '127.0.0.1', '@1', held!, '0', '1000'],
      [0, 'CLUSTER', 'COUNTKEYSINSLOT', String(slot)],
      [1, 'ASKING'],
      [1, 'GET', held!],
      [1, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', '$1'],
      [0, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', '$1'],
      [0, 'GET', arrived!],
      [1, 'GET', arrived!],
      [1, 'CLUSTER', 'COUNTKEYSINSLOT', String(slot)],
    ]);
  });

  it('unsubscribes shard channel subscribers (sunsubscribe) when their slot is given away', async () => {
    const channel = keyInSlot(16000, 'channel');
    const pushes = await Promise.all(
      sides.map(async (side) => {
        const subscriber = await RawClient.connect(side.ports[2]!);
        const admin = await RawClient.connect(side.ports[2]!);
        try {
          const confirmed = await subscriber.call('SSUBSCRIBE', channel, `{${channel}}b`);
          const second = await subscriber.reply();
          const given = await admin.call('CLUSTER', 'SETSLOT', '16000', 'NODE', side.ids[1]!);
          const first = await subscriber.reply(5000);
          const last = await subscriber.reply(5000);
          await admin.call('CLUSTER', 'SETSLOT', '16000', 'NODE', side.ids[2]!);
          return [confirmed, second, given, first, last, await subscriber.call('PING')];
        } finally {
          subscriber.destroy();
          admin.destroy();
        }
      }),
    );
    expect(pushes[0]).toEqual(pushes[1]);
    expect(pushes[0]![3]).toContain('sunsubscribe');
  });

  it('redirects a client blocked on a key whose slot is given away', async () => {
    const key = keyInSlot(200, 'blocked');
    const replies = await Promise.all(
      sides.map(async (side) => {
        const blocked = await RawClient.connect(side.ports[0]!);
        const admin = await RawClient.connect(side.ports[0]!);
        try {
          blocked.command('BLPOP', key, '0');
          // Let the BLPOP block before the slot moves.
          await waitUntil(async () => /blocked_clients:1/.test(await admin.call('INFO', 'clients')), 5000, 'BLPOP to block');
          const given = await admin.call('CLUSTER', 'SETSLOT', '200', 'NODE', side.ids[1]!);
          return [given, normalize(side, await blocked.reply(5000))];
        } finally {
          blocked.destroy();
          admin.destroy();
        }
      }),
    );
    expect(replies[0]).toEqual(replies[1]);
    expect(replies[0]![1]).toBe('-MOVED 200 P1\r\n');
  });
});
