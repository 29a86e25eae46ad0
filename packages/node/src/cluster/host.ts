import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { Cluster, type ClusterConfig, type ClusterHost } from '@tsredis/cluster-bus';
import { PauseMode } from '../server/pause.js';
import type { Server } from '../server/server.js';
import { unsubscribeShardChannelsInSlot } from '../server/shard-channels.js';

/**
 * Node's side of the cluster (DESIGN.md: cluster-bus owns the bus and the state machine, node
 * implements its ports): settings from the config, keys by slot from database 0, replication
 * role changes, write pauses for manual failover and delivery of messages published elsewhere.
 */
export class NodeClusterHost implements ClusterHost {
  constructor(private readonly server: Server) {}

  get log(): Server['log'] {
    return this.server.log;
  }

  config(): ClusterConfig {
    const config = this.server.config;
    const text = (name: string): string => (config.get(name) as string | null) ?? '';
    const port = config.int('cluster-announce-port') || this.server.boundPort();
    return {
      nodeTimeout: config.int('cluster-node-timeout'),
      requireFullCoverage: config.bool('cluster-require-full-coverage'),
      allowReplicaMigration: config.bool('cluster-allow-replica-migration'),
      migrationBarrier: config.int('cluster-migration-barrier'),
      replicaValidityFactor: config.int('cluster-replica-validity-factor'),
      replicaNoFailover: config.bool('cluster-replica-no-failover'),
      announceIp: text('cluster-announce-ip'),
      announceHostname: text('cluster-announce-hostname'),
      preferredEndpointType: config.str('cluster-preferred-endpoint-type') as ClusterConfig['preferredEndpointType'],
      announcePort: port,
      announceTlsPort: config.int('cluster-announce-tls-port') || config.int('tls-port'),
      announceBusPort: config.int('cluster-announce-bus-port') || busPort(this.server),
      tlsCluster: config.bool('tls-cluster'),
      linkSendBufferLimit: config.int('cluster-link-sendbuf-limit'),
      masterAuth: text('masterauth'),
      replPingPeriod: config.int('repl-ping-replica-period'),
    };
  }

  connectToNode(host: string, port: number): Socket {
    return this.server.openConnection(host, port, this.server.config.bool('tls-cluster'));
  }

  createBusListener(accept: (socket: Socket) => void): NetServer {
    const tls = this.server.tls;
    return this.server.config.bool('tls-cluster') && tls !== null ? tls.createBusListener(accept) : createServer({ noDelay: true }, accept);
  }

  private get keyspace(): Server['databases'][number] {
    return this.server.databases[0]!;
  }

  countKeysInSlot(slot: number): number {
    return this.keyspace.countKeysInSlot(slot);
  }

  deleteKeysInSlot(slot: number): number {
    return this.keyspace.deleteKeysInSlot(slot);
  }

  slotLeftShard(slot: number): void {
    unsubscribeShardChannelsInSlot(this.server, slot);
  }

  *slotsWithKeys(): Iterable<number> {
    const db = this.keyspace;
    for (let slot = 0; slot < 16384; slot++) if (db.countKeysInSlot(slot) > 0) yield slot;
  }

  keyCount(): number {
    return this.keyspace.size;
  }

  flushAll(): void {
    for (const db of this.server.databases) db.flush();
  }

  replicateFrom(ip: string, port: number): void {
    const replication = this.server.replication.replication;
    if (replication.replicaOf(ip, port)) this.log.info(`Connecting to MASTER ${ip}:${port} (cluster)`);
  }

  promote(): void {
    this.server.replication.replication.promote();
  }

  replicationMaster(): { host: string; port: number } | null {
    const link = this.server.replication.replication.link;
    return link === null ? null : { host: link.masterHost, port: link.masterPort };
  }

  replicationOffset(): number {
    return this.server.replication.replication.history.offset;
  }

  masterDataAge(now: number): number {
    const link = this.server.replication.replication.link;
    if (link === null) return 0;
    if (link.linkUp) return now - link.lastIo;
    return link.downSince !== 0 ? now - link.downSince : now - this.server.startedAt;
  }

  pauseWrites(endsAt: number): void {
    this.server.pause.pause(PauseMode.Write, endsAt, Date.now());
    // The replica must reach the offset we announce while paused: no PING or GETACK may move it.
    this.server.replication.replication.replicas.quiet = true;
  }

  unpauseWrites(): void {
    this.server.pause.unpause();
    this.server.replication.replication.replicas.quiet = false;
  }

  deliverPublish(channel: string, message: string, sharded: boolean): void {
    const pubsub = this.server.pubsub;
    pubsub.publish(channel, message, sharded ? pubsub.shard : pubsub.global);
  }
}

/** cluster-port, or the client port + 10000 (the TLS port under tls-cluster). */
export function busPort(server: Server): number {
  const config = server.config;
  const explicit = config.int('cluster-port');
  if (explicit !== 0) return explicit;
  const base = config.bool('tls-cluster') ? config.int('tls-port') : server.boundPort();
  return base + 10000;
}

/** clusterInit: nodes.conf (in `dir` unless absolute), the bus listeners, the cron. */
export async function startCluster(server: Server, bindHosts: readonly string[]): Promise<Cluster> {
  const config = server.config;
  const file = config.str('cluster-config-file');
  const cluster = new Cluster(new NodeClusterHost(server), {
    configFile: isAbsolute(file) ? file : join(process.cwd(), file),
    busPort: busPort(server),
    bindAddresses: bindHosts,
  });
  await cluster.start();
  return cluster;
}
