import type { Socket } from 'node:net';
import {
  Replication,
  type MasterClient,
  type RdbWrite,
  type ReplicaPeer,
  type ReplicationCheckpoint,
  type ReplicationConfig,
  type ReplicationHost,
} from '@tsredis/cluster-bus';
import { Client, ClientFlag } from '../server/client.js';
import { execute } from '../server/dispatch.js';
import { PropagateTarget, type PropagationSink } from '../server/propagate.js';
import type { CommandObserver, Server } from '../server/server.js';
import { AckWaiters, type ResumeClient } from './wait.js';

/**
 * Node's side of replication (DESIGN.md: cluster-bus owns the protocol, node implements its
 * ports): settings from the config, full syncs from copy-on-write snapshots, loading a master's
 * RDB, the master client that applies the stream through dispatch, replica connections as
 * peers, the write stream from propagate.ts, and the checks dispatch makes (READONLY,
 * NOREPLICAS, MASTERDOWN) and WAIT.
 */

/** Unsent bytes on a replica's socket above which a full sync waits for it to drain. */
const SYNC_DRAIN_BYTES = 1 << 20;

const READONLY_REPLICA = "READONLY You can't write against a read only replica.";
const NOT_ENOUGH_REPLICAS = 'NOREPLICAS Not enough good replicas to write.';
const MASTER_DOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

export class NodeReplication implements ReplicationHost, PropagationSink, CommandObserver {
  readonly replication: Replication;
  readonly waiters: AckWaiters;
  /** Each client's offset right after its last command that propagated (Redis's c->woff, for WAIT). */
  private readonly writeOffsets = new WeakMap<Client, number>();
  /** Something was fed to the replication stream since the last command ended. */
  private fedSinceCommand = false;
  private readonly peers = new Map<number, ClientPeer>();
  private subscribed = false;
  private readOnly = true;
  private minReplicas = 0;
  private minReplicasMaxLag = 0;

  constructor(
    private readonly server: Server,
    resume: ResumeClient,
  ) {
    this.replication = new Replication(this);
    this.waiters = new AckWaiters(this.replication.replicas, resume);
    server.observers.push(this);
    // FAILOVER paused writes; they resume when it ends, either way.
    this.replication.failover.onEnd = () => server.pause.unpause();
    const config = server.config;
    config.watch('replica-read-only', (value) => (this.readOnly = value as boolean));
    config.watch('min-replicas-to-write', (value) => (this.minReplicas = value as number));
    config.watch('min-replicas-max-lag', (value) => (this.minReplicasMaxLag = value as number));
    config.watch('repl-backlog-size', (value) => this.replication.history.backlog?.resize(value as number));
  }

  get log(): Server['log'] {
    return this.server.log;
  }

  get isReplica(): boolean {
    return this.replication.isReplica;
  }

  /** At startup (after the dataset was loaded): the recorded history, `replicaof`, the cron. */
  start(checkpoint: ReplicationCheckpoint | null): void {
    const master = this.server.config.list('replicaof');
    if (checkpoint !== null) this.replication.restore(checkpoint, master.length === 2);
    if (master.length === 2) this.replication.replicaOf(master[0]!, Number(master[1]), checkpoint?.streamDb ?? null);
    this.replication.start();
    this.refreshFeed();
  }

  /**
   * CommandObserver: after a command that propagated, the offset its writes moved the stream to.
   * PINGs and GETACKs the replication adds by itself are not fed here, so they are not counted.
   */
  commandExecuted(client: Client): void {
    if (!this.fedSinceCommand) return;
    this.fedSinceCommand = false;
    this.writeOffsets.set(client, this.replication.history.offset);
  }

  /** The offset WAIT waits for: the client's last write (0 when it wrote nothing). */
  lastWriteOffset(client: Client): number {
    return this.writeOffsets.get(client) ?? 0;
  }

  /** Shutdown: the master link and the timers stop. */
  stop(): void {
    this.replication.stop();
  }

  // -- ReplicationHost ---------------------------------------------------------------------------

  config(): ReplicationConfig {
    const config = this.server.config;
    const announcePort = config.int('replica-announce-port');
    return {
      backlogSize: config.int('repl-backlog-size'),
      backlogTtl: config.int('repl-backlog-ttl'),
      pingPeriod: config.int('repl-ping-replica-period'),
      timeout: config.int('repl-timeout'),
      disklessSync: config.bool('repl-diskless-sync'),
      disklessSyncDelay: config.int('repl-diskless-sync-delay'),
      disklessSyncMaxReplicas: config.int('repl-diskless-sync-max-replicas'),
      minReplicasToWrite: config.int('min-replicas-to-write'),
      minReplicasMaxLag: config.int('min-replicas-max-lag'),
      masterAuth: config.str('masterauth'),
      masterUser: config.str('masteruser'),
      announceIp: config.str('replica-announce-ip'),
      // Under tls-replication the master is told our TLS port, as Redis does.
      announcePort: announcePort !== 0 ? announcePort : config.bool('tls-replication') ? config.int('tls-port') : this.server.boundPort(),
    };
  }

  connectToMaster(host: string, port: number): Socket {
    return this.server.openConnection(host, port, this.server.config.bool('tls-replication'));
  }

  snapshotAvailable(): boolean {
    return this.server.snapshots.active === null;
  }

  streamRdb(write: RdbWrite, checkpoint: ReplicationCheckpoint): Promise<void> {
    const server = this.server;
    const snapshot = server.snapshots.begin(server.clock.ms);
    return server.rdb.streamRdb(snapshot, { write }, { replication: checkpoint });
  }

  async loadRdb(payload: Buffer): Promise<ReplicationCheckpoint | null> {
    const server = this.server;
    for (const db of server.databases) db.flush();
    const loading = server.rdb.loading;
    loading.begin(payload.length);
    try {
      const stats = await server.rdb.loadBufferInSlices(payload, { keepExpired: true });
      server.log.info(`Done loading RDB, keys loaded: ${stats.keysLoaded}, keys expired: ${stats.keysExpired}.`);
      return stats.replication ?? null;
    } finally {
      loading.end();
    }
  }

  attachMaster(socket: Socket, db: number): MasterClient {
    const server = this.server;
    const client = new Client(server.newClientId(), server, socket);
    client.flags |= ClientFlag.master;
    // The master is trusted as Redis trusts its master client (no user, no ACL checks).
    client.authenticated = true;
    client.select(Math.min(Math.max(db, 0), server.databases.length - 1));
    server.clients.set(client.id, client);
    return new StreamApplier(client);
  }

  acksChanged(): void {
    this.waiters.check();
  }

  stateChanged(): void {
    this.refreshFeed();
  }

  // -- the write stream --------------------------------------------------------------------------

  feed(dbIndex: number, argv: readonly string[], target: number): void {
    if ((target & PropagateTarget.replication) === 0) return;
    this.replication.replicas.feedCommand(dbIndex, argv);
    this.fedSinceCommand = true;
  }

  /** Subscribes to the write stream only while it has somewhere to go (propagation costs otherwise). */
  refreshFeed(): void {
    const replicas = this.replication.replicas;
    const wanted = replicas.feeding && (this.replication.history.backlog !== null || replicas.list.length > 0);
    if (wanted === this.subscribed) return;
    this.subscribed = wanted;
    if (wanted) this.server.propagation.subscribe(this);
    else this.server.propagation.unsubscribe(this);
  }

  // -- replica connections (master side) ---------------------------------------------------------

  peer(client: Client): ClientPeer {
    let peer = this.peers.get(client.id);
    if (peer === undefined) this.peers.set(client.id, (peer = new ClientPeer(client)));
    return peer;
  }

  /** A connection closed: it stops being a replica (or a WAIT, or the master link's client). */
  clientClosed(client: Client): void {
    this.waiters.forget(client);
    if (this.peers.delete(client.id)) {
      this.replication.replicas.forget(client.id, Date.now());
      this.refreshFeed();
    }
  }

  // -- checks dispatch makes ---------------------------------------------------------------------

  /**
   * Whether writes may be refused at all (dispatch's one test per write): a read-only replica, or
   * a master with min-replicas-to-write. `writeRefusal` then says whether this one is.
   */
  get refusesWrites(): boolean {
    return this.replication.isReplica ? this.readOnly : this.minReplicas > 0 && this.minReplicasMaxLag > 0;
  }

  /** NOREPLICAS (min-replicas-to-write) or READONLY (replica-read-only) for a write, else null. */
  writeRefusal(): string | null {
    if (this.replication.isReplica) return this.readOnly ? READONLY_REPLICA : null;
    if (this.minReplicas === 0 || this.minReplicasMaxLag === 0) return null;
    const good = this.replication.replicas.goodReplicas(Date.now(), this.minReplicasMaxLag);
    return good < this.minReplicas ? NOT_ENOUGH_REPLICAS : null;
  }

  /** MASTERDOWN for commands without the stale flag while the link is down, when configured so. */
  staleRefusal(): string | null {
    const link = this.replication.link;
    if (link === null || link.linkUp || this.server.config.bool('replica-serve-stale-data')) return null;
    return MASTER_DOWN;
  }
}

/** The master client on a replica: runs the stream's commands through dispatch, discarding replies. */
class StreamApplier implements MasterClient {
  constructor(private readonly client: Client) {}

  apply(argv: string[]): void {
    const client = this.client;
    client.server.clock.refresh();
    execute(client, argv);
    client.truncate(0);
  }

  get db(): number {
    return this.client.db.index;
  }

  detach(): void {
    this.client.server.removeClient(this.client);
  }
}

/** A replica connection as cluster-bus sees it. */
class ClientPeer implements ReplicaPeer {
  constructor(private readonly client: Client) {}

  get id(): number {
    return this.client.id;
  }

  get ip(): string {
    const addr = this.client.addr;
    const colon = addr.lastIndexOf(':');
    const host = colon === -1 ? addr : addr.slice(0, colon);
    return host.startsWith('[') ? host.slice(1, -1) : host;
  }

  send(chunk: Buffer | string): void {
    const client = this.client;
    const socket = client.socket;
    if (socket === null || socket.destroyed) return;
    // Replies still pending (REPLCONF +OK pipelined before PSYNC) go first.
    if (client.pendingBytes > 0) client.server.flush(client);
    const length = chunk.length;
    if (typeof chunk === 'string') socket.write(chunk, 'latin1');
    else socket.write(chunk);
    client.server.stats.netOutputBytes += length;
  }

  get unsentBytes(): number {
    return this.client.socket?.writableLength ?? 0;
  }

  enforceOutputLimit(): void {
    this.client.server.enforceOutputLimit(this.client, this.unsentBytes);
  }

  drained(): Promise<void> {
    const socket = this.client.socket;
    if (socket === null || socket.destroyed || socket.writableLength < SYNC_DRAIN_BYTES) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  close(): void {
    this.client.server.disconnect(this.client);
  }
}
