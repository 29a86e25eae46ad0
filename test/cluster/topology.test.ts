import { afterAll, describe, expect, it } from 'vitest';
import {
  clusterInfo,
  clusterNodeArgs,
  command,
  roleOf,
  startCluster,
  startClusterNode,
  waitUntil,
  type ClusterNodeProcess,
  type TestCluster,
} from '../helpers/cluster.js';
import { hasRealRedis } from '../helpers/servers.js';

/**
 * Cluster behaviours beyond formation and failover: the bus refuses nodes that do not know
 * masterauth, and a replica of a master with two replicas migrates to a master left without any.
 */

const NODE_TIMEOUT = 1000;
const cli = hasRealRedis();
if (!cli) console.warn('redis-cli is not installed: the cluster topology tests are SKIPPED');

interface Row {
  id: string;
  port: number;
  flags: string;
  master: string;
}

async function rows(port: number): Promise<Row[]> {
  const text = String(await command(port, 'CLUSTER', 'NODES'));
  return text.trim().split('\n').map((line) => {
    const words = line.split(' ');
    return { id: words[0]!, port: Number(words[1]!.split(':')[1]!.split('@')[0]), flags: words[2]!, master: words[3]! };
  });
}

describe('bus authentication with masterauth', () => {
  const nodes: ClusterNodeProcess[] = [];

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it('joins nodes sharing masterauth and ignores one without it', async () => {
    const secured = clusterNodeArgs(NODE_TIMEOUT, ['--masterauth', 'bus-secret']);
    nodes.push(await startClusterNode('tsredis', secured, nodes));
    nodes.push(await startClusterNode('tsredis', secured, nodes));
    nodes.push(await startClusterNode('tsredis', clusterNodeArgs(NODE_TIMEOUT), nodes));
    const [a, b, intruder] = nodes.map((node) => node.port) as [number, number, number];
    expect(await command(a, 'CLUSTER', 'MEET', '127.0.0.1', b)).toBe('OK');
    await waitUntil(async () => (await clusterInfo(b))['cluster_known_nodes'] === '2', 10_000, 'the secured nodes to meet');
    expect(await command(intruder, 'CLUSTER', 'MEET', '127.0.0.1', a)).toBe('OK');
    // The intruder's handshake expires (node-timeout, at least 1 s) without an answer.
    await waitUntil(async () => (await clusterInfo(intruder))['cluster_known_nodes'] === '1', 10_000, 'the handshake to expire');
    expect((await clusterInfo(a))['cluster_known_nodes']).toBe('2');
    expect((await clusterInfo(b))['cluster_known_nodes']).toBe('2');
  });
});

describe.skipIf(!cli)('replica migration', () => {
  let cluster: TestCluster;

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('moves a replica to a master whose only replica died', async () => {
    cluster = await startCluster({ nodes: 7, replicas: 1, nodeTimeout: NODE_TIMEOUT });
    const view = await rows(cluster.ports[0]!);
    const masters = view.filter((row) => row.flags.includes('master'));
    const replicasOf = (id: string): Row[] => view.filter((row) => row.master === id);
    const orphan = masters.find((master) => replicasOf(master.id).length === 1)!;
    const [doomed] = replicasOf(orphan.id);
    await cluster.nodes.find((node) => node.port === doomed!.port)!.kill();
    const survivors = cluster.ports.filter((port) => port !== doomed!.port);
    // FAIL of the replica (about node-timeout), then the 5 s replica-migration delay.
    await waitUntil(async () => {
      const current = await rows(orphan.port);
      return current.some((row) => row.master === orphan.id && row.port !== doomed!.port && !row.flags.includes('fail'));
    }, 20_000, 'a replica to migrate to the orphaned master');
    const migrated = (await rows(orphan.port)).find((row) => row.master === orphan.id && row.port !== doomed!.port)!;
    await waitUntil(async () => {
      const info = String(await command(migrated.port, 'INFO', 'replication'));
      return info.includes(`master_port:${orphan.port}`) && info.includes('master_link_status:up');
    }, 10_000, 'the migrated replica to sync');
    expect(await roleOf(migrated.port)).toBe('slave');
    expect(survivors).toContain(migrated.port);
  }, 60_000);
});
