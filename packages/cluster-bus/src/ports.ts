/**
 * The interfaces packages/node implements for cluster-bus (DESIGN.md: cluster-bus never imports
 * node). Replication needs a few things from a server: its settings, a point-in-time RDB of the
 * dataset, loading one, a client that applies the master's commands, and the connections of
 * replicas (which node accepts and dispatches like any client until they ask for PSYNC).
 */
import type { Socket } from 'node:net';

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
  close(): void;
}

/** What replication needs from the server it runs in. */
export interface ReplicationHost {
  readonly log: ReplicationLog;
  config(): ReplicationConfig;
  /** Whether a point-in-time snapshot may start now (one runs at a time). */
  snapshotAvailable(): boolean;
  /**
   * Starts (synchronously) a point-in-time RDB of the whole dataset carrying `checkpoint` in its
   * AUX fields and streams it into `write`; resolves when it is all written.
   */
  streamRdb(write: RdbWrite, checkpoint: ReplicationCheckpoint): Promise<void>;
  /** Replaces the dataset with an RDB; returns the checkpoint it carries, if any. Throws if corrupt. */
  loadRdb(payload: Buffer): ReplicationCheckpoint | null;
  /** The link with the master is up: the client that applies its stream, selecting `db` first. */
  attachMaster(socket: Socket, db: number): MasterClient;
  /** A replica acknowledged an offset (WAIT may be answered). */
  acksChanged(): void;
  /** The role, the backlog or the set of replicas changed: node refreshes what depends on them. */
  stateChanged(): void;
}
