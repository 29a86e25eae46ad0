import { keySlot } from '@tsredis/cluster-bus';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCertificates } from '../helpers/certs.js';
import {
  clusterInfo,
  clusterNodeArgs,
  command,
  startClusterNode,
  waitForClusterOk,
  waitUntil,
  type ClusterNodeProcess,
  type NodeKind,
} from '../helpers/cluster.js';
import { freePort } from '../helpers/ports.js';
import { hasRealRedis, startRealRedis, startTsredis, type RunningServer } from '../helpers/servers.js';

/**
 * The links a server opens itself, over TLS: to its master under tls-replication, to other
 * nodes (the bus) and to MIGRATE targets under tls-cluster. Real redis-server takes part on
 * either side when installed: a replica of tsredis, a master of tsredis, a node of the cluster.
 */

const real = hasRealRedis();
if (!real) console.warn('redis-server is not installed: TLS links with real Redis are SKIPPED');

const certs = new TestCertificates();

beforeAll(() => {
  certs.selfSigned('ca');
  certs.selfSigned('otherca');
  // One identity serves as server and client certificate, as a node's does in Redis.
  certs.leaf('node', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
});

afterAll(() => {
  certs.remove();
});

/** The tls-* directives of a node trusting `ca`. */
const tlsArgs = (tlsPort: number, ca = 'ca') => ['--tls-port', String(tlsPort), ...certs.args('node', ca)];

/** An ioredis client over TLS with the node certificate (closed by the caller). */
function tlsClient(port: number): Redis {
  return new Redis({ port, host: '127.0.0.1', tls: { ca: certs.identity('ca').cert, ...certs.identity('node') }, maxRetriesPerRequest: 0 });
}

function replicationField(info: string, name: string): string {
  return new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1] ?? '';
}

describe('tls-replication', () => {
  const started: RunningServer[] = [];

  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
  });

  async function start(kind: NodeKind, args: string[]): Promise<RunningServer> {
    const server = await (kind === 'tsredis' ? startTsredis(args) : startRealRedis(args));
    started.push(server);
    return server;
  }

  /** A master with a plain and a TLS port; replicas reach it on the TLS port only. */
  async function startMaster(kind: NodeKind): Promise<{ server: RunningServer; tlsPort: number }> {
    const tlsPort = await freePort();
    return { server: await start(kind, [...tlsArgs(tlsPort), '--repl-diskless-sync-delay', '0']), tlsPort };
  }

  async function startReplica(kind: NodeKind, masterTlsPort: number, ca = 'ca'): Promise<{ server: RunningServer; tlsPort: number }> {
    const tlsPort = await freePort();
    const args = [...tlsArgs(tlsPort, ca), '--tls-replication', 'yes', '--replicaof', `127.0.0.1 ${masterTlsPort}`];
    return { server: await start(kind, args), tlsPort };
  }

  const pairs: [NodeKind, NodeKind][] = [['tsredis', 'tsredis'], ['tsredis', 'redis'], ['redis', 'tsredis']];
  for (const [masterKind, replicaKind] of pairs) {
    it.skipIf(!real && (masterKind === 'redis' || replicaKind === 'redis'))(`a ${replicaKind} replica syncs from a ${masterKind} master over TLS`, async () => {
      const master = await startMaster(masterKind);
      const replica = await startReplica(replicaKind, master.tlsPort);
      const writer = tlsClient(master.tlsPort);
      try {
        expect(await writer.set('over', 'tls')).toBe('OK');
        expect(await writer.rpush('list', 'a', 'b', 'c')).toBe(3);
        expect(await writer.wait(1, 10_000)).toBe(1);
        const replicaInfo = String(await command(replica.server.port, 'INFO', 'replication'));
        expect(replicationField(replicaInfo, 'master_link_status')).toBe('up');
        expect(replicationField(replicaInfo, 'master_port')).toBe(String(master.tlsPort));
        // Under tls-replication the replica announces its TLS port.
        expect(String(await command(master.server.port, 'INFO', 'replication'))).toContain(`port=${replica.tlsPort},state=online`);
        expect(await command(replica.server.port, 'GET', 'over')).toBe('tls');
        expect(await command(replica.server.port, 'LRANGE', 'list', 0, -1)).toEqual(['a', 'b', 'c']);
      } finally {
        writer.disconnect();
      }
    });
  }

  it('never links to a master whose certificate its CAs do not verify', async () => {
    const master = await startMaster('tsredis');
    const replica = await startReplica('tsredis', master.tlsPort, 'otherca');
    await waitUntil(async () => replica.server.output().includes('Error condition on socket for SYNC'), 10_000, 'the failed handshake to be logged');
    const info = String(await command(replica.server.port, 'INFO', 'replication'));
    expect(replicationField(info, 'master_link_status')).toBe('down');
    expect(String(await command(master.server.port, 'INFO', 'replication'))).toContain('connected_slaves:0');
  });
});

describe('tls-cluster', () => {
  const NODE_TIMEOUT = 1000;
  const nodes: ClusterNodeProcess[] = [];
  const tlsPorts = new Map<ClusterNodeProcess, number>();

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  });

  /** A cluster node with a plain port for the test and a TLS port whose + 10000 is its TLS bus. */
  async function startTlsNode(kind: NodeKind, tlsCluster = true): Promise<ClusterNodeProcess> {
    const tlsPort = await freePort([10000]);
    const node = await startClusterNode(kind, clusterNodeArgs(NODE_TIMEOUT, [...tlsArgs(tlsPort), '--tls-cluster', tlsCluster ? 'yes' : 'no']), nodes);
    nodes.push(node);
    tlsPorts.set(node, tlsPort);
    return node;
  }

  async function nodeId(port: number): Promise<string> {
    return String(await command(port, 'CLUSTER', 'MYID'));
  }

  it('forms over the TLS bus (with a redis-server node), redirects TLS clients to TLS ports, moves keys with MIGRATE over TLS', async () => {
    const kinds: NodeKind[] = real ? ['tsredis', 'tsredis', 'redis'] : ['tsredis', 'tsredis'];
    const members: ClusterNodeProcess[] = [];
    for (const kind of kinds) members.push(await startTlsNode(kind));
    const ports = members.map((node) => node.port);
    const share = Math.floor(16384 / members.length);
    for (const [i, port] of ports.entries()) {
      const last = i === ports.length - 1 ? 16383 : (i + 1) * share - 1;
      expect(await command(port, 'CLUSTER', 'ADDSLOTSRANGE', i * share, last)).toBe('OK');
    }
    // MEET names the TLS port: the bus is on that + 10000.
    for (const member of members.slice(1)) expect(await command(ports[0]!, 'CLUSTER', 'MEET', '127.0.0.1', tlsPorts.get(member)!)).toBe('OK');
    await waitForClusterOk(ports);

    const [first, second] = members as [ClusterNodeProcess, ClusterNodeProcess];
    const secure = tlsClient(tlsPorts.get(first)!);
    try {
      // A key of the second node's first slot: a TLS client is sent to the TLS port.
      const slot = share;
      const key = `{${tagInSlot(slot)}}`;
      await expect(secure.get(key)).rejects.toThrow(`MOVED ${slot} 127.0.0.1:${tlsPorts.get(second)!}`);
      await expect(command(first.port, 'GET', key)).rejects.toThrow(`MOVED ${slot} 127.0.0.1:${second.port}`);

      // Resharding one slot of the first node to the second: MIGRATE connects to the TLS port over TLS.
      const moving = `{${tagInSlot(0)}}`;
      expect(await secure.set(moving, 'value')).toBe('OK');
      const [firstId, secondId] = [await nodeId(first.port), await nodeId(second.port)];
      expect(await command(second.port, 'CLUSTER', 'SETSLOT', 0, 'IMPORTING', firstId)).toBe('OK');
      expect(await command(first.port, 'CLUSTER', 'SETSLOT', 0, 'MIGRATING', secondId)).toBe('OK');
      expect(await command(first.port, 'MIGRATE', '127.0.0.1', tlsPorts.get(second)!, moving, 0, 5000)).toBe('OK');
      for (const port of [second.port, first.port]) expect(await command(port, 'CLUSTER', 'SETSLOT', 0, 'NODE', secondId)).toBe('OK');
      expect(await command(second.port, 'GET', moving)).toBe('value');
    } finally {
      secure.disconnect();
    }
  });

  it('does not let a node without tls-cluster join the TLS bus', async () => {
    const member = nodes[0]!;
    const known = (await clusterInfo(member.port))['cluster_known_nodes'];
    const intruder = await startTlsNode('tsredis', false);
    expect(await command(intruder.port, 'CLUSTER', 'MEET', '127.0.0.1', tlsPorts.get(member)!)).toBe('OK');
    // Its plaintext handshake never completes and expires (node-timeout, at least 1 s).
    await waitUntil(async () => (await clusterInfo(intruder.port))['cluster_known_nodes'] === '1', 10_000, 'the handshake to expire');
    expect((await clusterInfo(member.port))['cluster_known_nodes']).toBe(known);
  });
});

/** A hash tag whose keys fall in `slot`. */
function tagInSlot(slot: number): string {
  for (let i = 0; i < 1_000_000; i++) if (keySlot(`t${i}`) === slot) return `t${i}`;
  throw new Error(`no tag found for slot ${slot}`);
}
