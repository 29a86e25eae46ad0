import { keySlot } from '@tsredis/cluster-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkWithRedisCli,
  clusterInfo,
  command,
  roleOf,
  slotMap,
  startCluster,
  waitForClusterOk,
  waitUntil,
  type TestCluster,
} from '../helpers/cluster.js';
import { hasRealRedis, redisCli } from '../helpers/servers.js';
import { freePort } from '../helpers/ports.js';

/**
 * The cluster control plane end to end on one 6-node tsredis cluster (3 masters, 3 replicas,
 * node-timeout 2000, appendonly): formation by redis-cli, manual failover, automatic failover
 * after kill -9, and a full restart from nodes.conf and the AOF. The steps share the cluster,
 * so they run in order.
 */

const NODE_TIMEOUT = 2000;
const cli = hasRealRedis();
if (!cli) console.warn('redis-cli is not installed: the cluster control-plane tests are SKIPPED');

interface NodeRow {
  id: string;
  port: number;
  flags: string;
  master: string;
  slots: string[];
}

async function nodesOf(port: number): Promise<NodeRow[]> {
  const text = String(await command(port, 'CLUSTER', 'NODES'));
  return text.trim().split('\n').map((line) => {
    const words = line.split(' ');
    return {
      id: words[0]!,
      port: Number(words[1]!.split(':')[1]!.split('@')[0]),
      flags: words[2]!,
      master: words[3]!,
      slots: words.slice(8),
    };
  });
}

/** Writes `count` keys of a hash tag on the master serving it, acknowledged by one replica (WAIT 1). */
async function writeAcknowledged(port: number, tag: string, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `{${tag}}:${i}`;
    await command(port, 'SET', key, `value-${i}`);
    keys.push(key);
  }
  const acked = Number(await command(port, 'WAIT', 1, 5000));
  expect(acked).toBe(1);
  return keys;
}

/** The last lines each of the given nodes logged. */
function logTail(cluster: TestCluster, ports: number[]): string {
  return cluster.nodes
    .filter((node) => ports.includes(node.port))
    .map((node) => `--- ${node.port}\n${node.output().split('\n').slice(-25).join('\n')}`)
    .join('\n');
}

/** A hash tag whose slot the master on `port` serves (its first slot). */
async function tagServedBy(port: number): Promise<string> {
  const rows = await nodesOf(port);
  const myself = rows.find((row) => row.flags.includes('myself'))!;
  const first = Number(myself.slots[0]!.split('-')[0]);
  for (let i = 0; i < 1_000_000; i++) if (keySlot(`t${i}`) === first) return `t${i}`;
  throw new Error(`no tag found for slot ${first}`);
}

/** The port of a replica of the master on `masterPort`, as `port` sees it (waits for gossip to say). */
async function replicaOf(port: number, masterPort: number): Promise<number> {
  let replica: number | undefined;
  await waitUntil(async () => {
    const rows = await nodesOf(port);
    const master = rows.find((row) => row.port === masterPort);
    replica = rows.find((row) => master !== undefined && row.master === master.id)?.port;
    return replica !== undefined;
  }, 10_000, `a replica of ${masterPort} known to ${port}`);
  return replica!;
}

describe.skipIf(!cli)('cluster control plane (6 tsredis nodes)', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startCluster({ nodeTimeout: NODE_TIMEOUT, args: ['--appendonly', 'yes'] });
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('is formed by redis-cli --cluster create: all slots covered, no open slots', async () => {
    const check = checkWithRedisCli(cluster.ports[0]!);
    expect(check.output).toContain('[OK] All nodes agree about slots configuration.');
    expect(check.output).toContain('[OK] All 16384 slots covered.');
    expect(check.output).not.toMatch(/WARNING|ERR/);
    expect(check.status).toBe(0);
    const info = await clusterInfo(cluster.ports[0]!);
    expect(info).toMatchObject({ cluster_state: 'ok', cluster_slots_assigned: '16384', cluster_known_nodes: '6', cluster_size: '3' });
    const roles = await Promise.all(cluster.ports.map((port) => roleOf(port)));
    expect(roles.filter((role) => role === 'master')).toHaveLength(3);
    expect(roles.filter((role) => role === 'slave')).toHaveLength(3);
  });

  it('lets redis-cli -c follow MOVED across nodes', () => {
    const [first, second] = cluster.ports;
    // Keys in different slots: at least one of them is served by another node than `first`.
    for (const key of ['alpha', 'beta', 'gamma', 'delta']) {
      expect(redisCli(first!, ['-c', 'SET', key, `v-${key}`]).stdout.trim()).toBe('OK');
      expect(redisCli(second!, ['-c', 'GET', key]).stdout.trim()).toBe(`v-${key}`);
    }
    const owners = new Set(['alpha', 'beta', 'gamma', 'delta'].map((key) => keySlot(key) < 5461 ? 0 : keySlot(key) < 10923 ? 1 : 2));
    expect(owners.size).toBeGreaterThan(1);
  });

  it('swaps roles on CLUSTER FAILOVER without losing acknowledged writes', async () => {
    const masterPort = cluster.ports[0]!;
    const tag = await tagServedBy(masterPort);
    const keys = await writeAcknowledged(masterPort, tag, 50);
    const replicaPort = await replicaOf(masterPort, masterPort);
    const swapped = async () => (await roleOf(replicaPort)) === 'master' && (await roleOf(masterPort)) === 'slave';
    // Like Redis, a manual failover that does not finish within 5 s is abandoned (a stalled CI
    // box can cause that); a user asks again, and so does the test, once, showing why it stalled.
    let elapsed = -1;
    for (let attempt = 1; attempt <= 2 && elapsed < 0; attempt++) {
      expect(await command(replicaPort, 'CLUSTER', 'FAILOVER')).toBe('OK');
      elapsed = await waitUntil(swapped, 7000, 'roles to swap').catch(() => -1);
      if (elapsed < 0) console.log(`manual failover attempt ${attempt} abandoned; node logs:\n${logTail(cluster, [masterPort, replicaPort])}`);
    }
    expect(elapsed).toBeGreaterThanOrEqual(0);
    console.log(`manual failover: roles swapped in ${elapsed} ms`);
    for (const key of keys) expect(await command(replicaPort, 'GET', key)).toBe(`value-${key.split(':')[1]}`);
    await waitForClusterOk(cluster.ports);
  });

  it('fails over a master killed with -9 within node-timeout + 2 s, keeping writes acknowledged by WAIT 1', async () => {
    const masters: number[] = [];
    for (const port of cluster.ports) if ((await roleOf(port)) === 'master') masters.push(port);
    const victim = masters[1]!;
    const replicaPort = await replicaOf(victim, victim);
    const tag = await tagServedBy(victim);
    const keys = await writeAcknowledged(victim, tag, 100);
    const node = cluster.nodes.find((candidate) => candidate.port === victim)!;
    const killedAt = Date.now();
    await node.kill();
    const others = cluster.ports.filter((port) => port !== victim);
    await waitUntil(async () => {
      const [role, states] = await Promise.all([roleOf(replicaPort), Promise.all(others.map((port) => clusterInfo(port)))]);
      return role === 'master' && states.every((info) => info['cluster_state'] === 'ok');
    }, NODE_TIMEOUT + 8000, 'the replica to be promoted and the cluster to be ok');
    const failoverMs = Date.now() - killedAt;
    console.log(`automatic failover after kill -9: cluster_state:ok everywhere in ${failoverMs} ms (node-timeout ${NODE_TIMEOUT})`);
    // The target is node-timeout + 2 s (PFAIL after node-timeout, FAIL at once, election after
    // 500-1000 ms); typical runs take 3.0-3.6 s. The assertion leaves room for a loaded CI box
    // while still failing when detection or election is broken (they would need many seconds more).
    expect(failoverMs).toBeLessThanOrEqual(NODE_TIMEOUT * 2 + 2000);
    for (const key of keys) expect(await command(replicaPort, 'GET', key)).toBe(`value-${key.split(':')[1]}`);

    // The old master comes back as a replica of its replacement.
    await node.restart();
    await waitUntil(async () => (await roleOf(victim)) === 'slave', 15_000, 'the old master to rejoin as a replica');
    await waitForClusterOk(cluster.ports);
  });

  it('finds a node that comes back at a new address (same id, new port)', async () => {
    let replica = 0;
    for (const port of cluster.ports) if ((await roleOf(port)) === 'slave') replica = port;
    const node = cluster.nodes.find((candidate) => candidate.port === replica)!;
    const id = String(await command(replica, 'CLUSTER', 'MYID'));
    const others = cluster.ports.filter((port) => port !== replica);
    await node.restart(await freePort([10000]));
    await waitUntil(async () => {
      const views = await Promise.all(others.map((port) => nodesOf(port)));
      return views.every((rows) => rows.some((row) => row.id === id && row.port === node.port));
    }, 15_000, 'every node to learn the new address');
    expect(String(await command(node.port, 'CLUSTER', 'MYID'))).toBe(id);
    await waitUntil(async () => /master_link_status:up/.test(String(await command(node.port, 'INFO', 'replication'))), 10_000, 'replication');
    await waitForClusterOk(cluster.ports);
  });

  it('comes back with the same slot map and every key after all six nodes restart', async () => {
    const before = await slotMap(cluster.ports[0]!);
    const masters: number[] = [];
    for (const port of cluster.ports) if ((await roleOf(port)) === 'master') masters.push(port);
    const written: [number, string[]][] = [];
    for (const port of masters) written.push([port, await writeAcknowledged(port, await tagServedBy(port), 30)]);
    await Promise.all(cluster.nodes.map((node) => node.stop()));
    await Promise.all(cluster.nodes.map((node) => node.restart()));
    await waitForClusterOk(cluster.ports, 30_000);
    expect(await slotMap(cluster.ports[0]!)).toEqual(before);
    for (const [port, keys] of written) {
      for (const key of keys) expect(await command(port, 'GET', key)).toBe(`value-${key.split(':')[1]}`);
    }
  }, 60_000);

  it('promotes replicas with CLUSTER FAILOVER FORCE (votes) and TAKEOVER (no votes)', async () => {
    const masters: number[] = [];
    for (const port of cluster.ports) if ((await roleOf(port)) === 'master') masters.push(port);
    for (const [index, mode] of [[0, 'FORCE'], [1, 'TAKEOVER']] as const) {
      const master = masters[index]!;
      const replica = await replicaOf(master, master);
      expect(await command(replica, 'CLUSTER', 'FAILOVER', mode)).toBe('OK');
      await waitUntil(async () => (await roleOf(replica)) === 'master' && (await roleOf(master)) === 'slave', 10_000, `FAILOVER ${mode}`);
    }
    await waitForClusterOk(cluster.ports);
    expect(checkWithRedisCli(cluster.ports[0]!).output).toContain('[OK] All 16384 slots covered.');
  });
});
