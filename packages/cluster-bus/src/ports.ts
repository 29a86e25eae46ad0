/**
 * The interfaces packages/node implements for cluster-bus (DESIGN.md: cluster-bus never imports
 * node). Replication needs a few things from a server: its settings, a point-in-time RDB of the
 * dataset, loading one, a client that applies the master's commands, and the connections of
 * replicas (which node accepts and dispatches like any client until they ask for PSYNC).
 */
import type { Server as NetServer, Socket } from 'node:net';

/** The replication directives; read when needed, so CONFIG SET applies at once. */
export interface ReplicationConfig {
  readonly backlogSize: number;
  /** Seconds without replicas after which a master frees its backlog (0: never). */
  readonly backlogTtl: number;
  readonly pingPeriod: number;
  readonly timeout: number;
  readonly disklessSync: boolean;
  readonly disklessSyncDelay: number;
  readonly disklessSyncMaxReplicas: number;
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLag: number;
  readonly masterAuth: string;
  readonly masterUser: string;
  readonly announceIp: string;
  /** replica-announce-port, or the port the server listens on. */
  readonly announcePort: number;
}

export interface ReplicationLog {
  info(message: string): void;
  warn(message: string): void;
}

/** A replication history point an RDB carries (AUX repl-id, repl-offset, repl-stream-db). */
export interface ReplicationCheckpoint {
  replicationId: string;
  offset: number;
  streamDb: number;
}

/** Where RDB bytes go; a returned promise is waited on (back-pressure). */
export type RdbWrite = (chunk: Buffer) => Promise<void> | void;

/** The client that applies the master's stream on a replica (CLIENT LIST shows it with flags=M). */
export interface MasterClient {
  /** Runs one command of the stream; its reply is discarded. */
  apply(argv: string[]): void;
  /** The database the stream has selected (kept for a partial resync). */
  readonly db: number;
  /** The link is gone: the client is forgotten (the socket is the link's to close). */
  detach(): void;
}

/** A replica's connection on the master side: a client that sent SYNC or PSYNC. */
export interface ReplicaPeer {
  /** The client id (REPLCONF options are kept per client until it syncs). */
  readonly id: number;
  /** The peer's IP address, shown when the replica announced none. */
  readonly ip: string;
  /** Writes raw bytes after any replies still pending for the client. */
  send(chunk: Buffer | string): void;
  /** Bytes written and not yet accepted by the kernel (for back-pressure during a sync). */
  readonly unsentBytes: number;
  /** Resolves when the unsent bytes fall below a threshold (or the peer is gone). */
  drained(): Promise<void>;
  /**
   * After stream bytes were sent: closes the connection when what waits for it is over
   * client-output-buffer-limit replica (a replica that stopped reading must not grow the master).
   */
  enforceOutputLimit(): void;
  close(): void;
}

/** What replication needs from the server it runs in. */
export interface ReplicationHost {
  readonly log: ReplicationLog;
  config(): ReplicationConfig;
  /**
   * Opens the connection to our master: TLS under tls-replication. It emits 'connect' when TCP
   * is up (a TLS socket sends what is written meanwhile once its handshake completes).
   */
  connectToMaster(host: string, port: number): Socket;
  /** Whether a point-in-time snapshot may start now (one runs at a time). */
  snapshotAvailable(): boolean;
  /**
   * Starts (synchronously) a point-in-time RDB of the whole dataset carrying `checkpoint` in its
   * AUX fields and streams it into `write`; resolves when it is all written.
   */
  streamRdb(write: RdbWrite, checkpoint: ReplicationCheckpoint): Promise<void>;
  /**
   * Replaces the dataset with an RDB (in time slices, clients answered LOADING meanwhile);
   * resolves with the checkpoint it carries, if any. Rejects if corrupt.
   */
  loadRdb(payload: Buffer): Promise<ReplicationCheckpoint | null>;
  /** The link with the master is up: the client that applies its stream, selecting `db` first. */
  attachMaster(socket: Socket, db: number): MasterClient;
  /** A replica acknowledged an offset (WAIT may be answered). */
  acksChanged(): void;
  /** The role, the backlog or the set of replicas changed: node refreshes what depends on them. */
  stateChanged(): void;
}

/** The cluster directives; read when needed, so CONFIG SET applies at once. */
export interface ClusterConfig {
  readonly nodeTimeout: number;
  readonly requireFullCoverage: boolean;
  readonly allowReplicaMigration: boolean;
  readonly migrationBarrier: number;
  readonly replicaValidityFactor: number;
  readonly replicaNoFailover: boolean;
  /** cluster-announce-ip, or '' (peers take the address they see). */
  readonly announceIp: string;
  readonly announceHostname: string;
  readonly preferredEndpointType: 'ip' | 'hostname' | 'unknown-endpoint';
  /** The client port peers and clients are told (cluster-announce-port or the listening port). */
  readonly announcePort: number;
  readonly announceTlsPort: number;
  readonly announceBusPort: number;
  readonly tlsCluster: boolean;
  /** cluster-link-sendbuf-limit in bytes (0: no limit). */
  readonly linkSendBufferLimit: number;
  /** masterauth: when set, bus messages are signed with it and unsigned ones dropped (bus-auth.ts). */
  readonly masterAuth: string;
  /** repl-ping-replica-period (seconds), part of the replica validity rule. */
  readonly replPingPeriod: number;
}

/** What the cluster needs from the server it runs in. */
export interface ClusterHost {
  readonly log: ReplicationLog;
  config(): ClusterConfig;
  /** Opens a bus link to another node (TLS under tls-cluster); 'connect' as connectToMaster. */
  connectToNode(host: string, port: number): Socket;
  /** A bus listener handing over each accepted (under tls-cluster: verified TLS) connection. */
  createBusListener(accept: (socket: Socket) => void): NetServer;
  /** Keys of db 0 in a slot (CLUSTER SETSLOT NODE refuses to give away a slot with keys). */
  countKeysInSlot(slot: number): number;
  /** Deletes the keys of a slot this node lost (and propagates the deletions); returns how many. */
  deleteKeysInSlot(slot: number): number;
  /** The slot is no longer served by this node's shard: its shard channels' subscribers are dropped. */
  slotLeftShard(slot: number): void;
  /** The slots db 0 holds keys of (startup: keys of slots this node does not serve are claimed). */
  slotsWithKeys(): Iterable<number>;
  /** Keys in db 0 (FLUSHSLOTS, REPLICATE and RESET need an empty master). */
  keyCount(): number;
  /** Empties every database (CLUSTER RESET of a replica). */
  flushAll(): void;
  /** Replicates ip:port, continuing our replication history where possible (PSYNC). */
  replicateFrom(ip: string, port: number): void;
  /** REPLICAOF NO ONE keeping the history, so the other replicas continue with us. */
  promote(): void;
  /** The master we replicate, as the replication link knows it, or null. */
  replicationMaster(): { host: string; port: number } | null;
  /** master_repl_offset as a master; the processed offset as a replica. */
  replicationOffset(): number;
  /** Milliseconds since the master last spoke to us (or since the link went down). */
  masterDataAge(now: number): number;
  /**
   * Pauses writes until `endsAt` (manual failover on the master side) and keeps the replication
   * stream still meanwhile; unpause ends both.
   */
  pauseWrites(endsAt: number): void;
  unpauseWrites(): void;
  /** Delivers a message another node published (PUBLISH / SPUBLISH propagated over the bus). */
  deliverPublish(channel: string, message: string, sharded: boolean): void;
}
