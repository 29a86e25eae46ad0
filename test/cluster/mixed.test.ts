import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { keySlot } from '@tsredis/cluster-bus';
import {
  clusterInfo,
  clusterNodeArgs,
  command,
  roleOf,
  startCluster,
  startClusterNode,
  waitForClusterOk,
  waitUntil,
  type ClusterNodeProcess,
  type TestCluster,
} from '../helpers/cluster.js';
import { hasRealRedis } from '../helpers/servers.js';

/**
 * tsredis speaks Redis 7.0's cluster bus: two tsredis masters and one redis-server master form
 * a cluster with redis-cli, a redis-server replica of a tsredis master is elected when that
 * master dies (with the votes of both kinds), the tsredis node comes back as its replica and
 * takes its role back with CLUSTER FAILOVER. PUBLISH crosses the bus both ways.
 */

const NODE_TIMEOUT = 2000;
const real = hasRealRedis();
if (!real) console.warn('redis-server is not installed: the mixed tsredis/redis-server cluster test is SKIPPED');

async function tagFor(port: number): Promise<string> {
  const text = String(await command(port, 'CLUSTER', 'NODES'));
  const myself = text.split('\n').find((line) => line.includes('myself'))!;
  const first = Number(myself.split(' ')[8]!.split('-')[0]);
  for (let i = 0; ; i++) if (keySlot(`m${i}`) === first) return `m${i}`;
}

describe.skipIf(!real)('mixed cluster: tsredis and redis-server on one bus', () => {
  let cluster: TestCluster;
  let tsMaster: ClusterNodeProcess;
  let realReplica: ClusterNodeProcess;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, replicas: 0, nodeTimeout: NODE_TIMEOUT, kinds: ['tsredis', 'tsredis', 'redis'] });
    tsMaster = cluster.nodes[0]!;
    realReplica = await startClusterNode('redis', clusterNodeArgs(NODE_TIMEOUT), cluster.nodes);
    cluster.nodes.push(realReplica);
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('carries PUBLISH between tsredis and redis-server nodes', async () => {
    const [tsPort, , realPort] = cluster.ports;
    for (const [from, to] of [[realPort!, tsPort!], [tsPort!, realPort!]] as const) {
      const subscriber = new Redis({ port: to, host: '127.0.0.1' });
      try {
        const received = new Promise<string>((resolve) => subscriber.on('message', (_channel, message) => resolve(message)));
        await subscriber.subscribe('news');
        expect(await command(from, 'PUBLISH', 'news', `from ${from}`)).toBe(0);
        expect(await received).toBe(`from ${from}`);
      } finally {
        subscriber.disconnect();
      }
    }
  });

  it('elects a redis-server replica of a killed tsredis master, which takes it back with CLUSTER FAILOVER', async () => {
    const masterId = String(await command(tsMaster.port, 'CLUSTER', 'MYID'));
    expect(await command(realReplica.port, 'CLUSTER', 'MEET', '127.0.0.1', tsMaster.port)).toBe('OK');
    // Every node must know the newcomer (gossip introduces it) before it may be elected.
    await waitUntil(async () => {
      const infos = await Promise.all(cluster.ports.map((port) => clusterInfo(port)));
      return infos.every((info) => info['cluster_known_nodes'] === '4');
    }, 10_000, 'every node to know every other');
    expect(await command(realReplica.port, 'CLUSTER', 'REPLICATE', masterId)).toBe('OK');
    await waitUntil(async () => /master_link_status:up/.test(String(await command(realReplica.port, 'INFO', 'replication'))), 10_000, 'replication');
    const tag = await tagFor(tsMaster.port);
    for (let i = 0; i < 20; i++) await command(tsMaster.port, 'SET', `{${tag}}:${i}`, String(i));
    expect(await command(tsMaster.port, 'WAIT', 1, 5000)).toBe(1);

    await tsMaster.kill();
    const others = cluster.ports.filter((port) => port !== tsMaster.port);
    await waitUntil(async () => (await roleOf(realReplica.port)) === 'master', NODE_TIMEOUT + 8000, 'redis-server to be elected');
    await waitForClusterOk(others);
    for (let i = 0; i < 20; i++) expect(await command(realReplica.port, 'GET', `{${tag}}:${i}`)).toBe(String(i));

    await tsMaster.restart();
    await waitUntil(async () => (await roleOf(tsMaster.port)) === 'slave', 15_000, 'tsredis to rejoin as a replica of redis-server');
    await waitUntil(async () => /master_link_status:up/.test(String(await command(tsMaster.port, 'INFO', 'replication'))), 10_000, 'replication');
    // A manual failover is refused while the replica has no bus link to its master yet, or still
    // sees it failing (flags remembered from before the restart until pongs clear them).
    await waitUntil(async () => !/\bfail|disconnected/.test(String(await command(tsMaster.port, 'CLUSTER', 'NODES'))), 10_000, 'every peer linked and healthy');
    expect(await command(tsMaster.port, 'CLUSTER', 'FAILOVER')).toBe('OK');
    await waitUntil(async () => (await roleOf(tsMaster.port)) === 'master' && (await roleOf(realReplica.port)) === 'slave', 10_000, 'roles to swap back');
    for (let i = 0; i < 20; i++) expect(await command(tsMaster.port, 'GET', `{${tag}}:${i}`)).toBe(String(i));
    await waitForClusterOk(cluster.ports);
  }, 60_000);
});
