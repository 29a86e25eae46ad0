import type { ReplicationLog } from '../ports.js';
import type { ReplicationHistory } from './history.js';
import { ReplicaState, type Replica, type Replicas } from './replicas.js';

/**
 * FAILOVER, the coordinated failover of Redis 7.0 (replication.c's failoverCommand,
 * updateFailoverStatus, abortFailover): the master pauses writes, waits until a replica (any, or
 * the one named) has acknowledged its whole stream, then becomes a replica of it and sends
 * `PSYNC <replid> <offset> FAILOVER`, which makes the target a master that continues the same
 * history (+CONTINUE). A timeout aborts, or with FORCE fails over anyway.
 */

export const enum FailoverState {
  None,
  WaitForSync,
  InProgress,
}

const STATE_NAMES = ['no-failover', 'waiting-for-sync', 'failover-in-progress'] as const;

/** FAILOVER's arguments. */
export interface FailoverRequest {
  /** TO host port; null for any replica. */
  host: string | null;
  port: number;
  /** TIMEOUT in ms, 0 for none. */
  timeoutMs: number;
  force: boolean;
}

/** What the failover drives: the node's replication. */
export interface FailoverContext {
  readonly history: ReplicationHistory;
  readonly replicas: Replicas;
  readonly isReplica: boolean;
  readonly log: ReplicationLog;
  /** replicationSetMaster: become a replica continuing our own history. */
  replicaOf(host: string, port: number): boolean;
  /** replicationUnsetMaster. */
  promote(): void;
}

export class Failover {
  state = FailoverState.None;
  private targetHost: string | null = null;
  private targetPort = 0;
  /** ms when waiting ends (TIMEOUT), 0 without one. */
  private endsAt = 0;
  private force = false;
  /** The node's part when a failover ends either way: writes are no longer paused. */
  onEnd: () => void = () => undefined;

  constructor(private readonly context: FailoverContext) {}

  get stateName(): string {
    return STATE_NAMES[this.state];
  }

  get active(): boolean {
    return this.state !== FailoverState.None;
  }

  /**
   * FAILOVER's checks, in Redis's order after parsing; starts waiting for a replica to catch up
   * (the caller pauses writes). Returns the error line, or null when started.
   */
  start(request: FailoverRequest, now: number): string | null {
    if (this.state !== FailoverState.None) return 'ERR FAILOVER already in progress.';
    if (this.context.isReplica) return 'ERR FAILOVER is not valid when server is a replica.';
    if (this.context.replicas.list.length === 0) return 'ERR FAILOVER requires connected replicas.';
    if (request.force && (request.timeoutMs === 0 || request.host === null)) {
      return 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.';
    }
    if (request.host !== null) {
      const replica = this.findReplica(request.host, request.port);
      if (replica === undefined) return 'ERR FAILOVER target HOST and PORT is not a replica.';
      if (replica.state !== ReplicaState.Online) return 'ERR FAILOVER target replica is not online.';
      this.targetHost = request.host;
      this.targetPort = request.port;
      this.context.log.info(`FAILOVER requested to ${request.host}:${request.port}.`);
    } else {
      this.context.log.info('FAILOVER requested to any replica.');
    }
    this.endsAt = request.timeoutMs > 0 ? now + request.timeoutMs : 0;
    this.force = request.force;
    this.state = FailoverState.WaitForSync;
    // Nothing may move the offset the replica has to reach: no PING, no GETACK.
    this.context.replicas.quiet = true;
    return null;
  }

  /** FAILOVER ABORT and the failures on the way: back to a master with writes. */
  abort(reason: string): void {
    if (this.state === FailoverState.None) return;
    const target = this.targetHost !== null ? `${this.targetHost}:${this.targetPort}` : 'any replica';
    this.context.log.info(`FAILOVER to ${target} aborted: ${reason}`);
    if (this.state === FailoverState.InProgress) this.context.promote();
    this.clear();
  }

  /** updateFailoverStatus: timeout, or a caught-up replica to fail over to. */
  check(now: number): void {
    if (this.state !== FailoverState.WaitForSync) return;
    if (this.endsAt !== 0 && this.endsAt <= now) {
      if (this.force) {
        this.context.log.info(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.failOver();
      } else {
        this.abort('Replica never caught up before timeout');
      }
      return;
    }
    const offset = this.context.history.offset;
    let replica: Replica | undefined;
    if (this.targetHost !== null) {
      replica = this.findReplica(this.targetHost, this.targetPort);
    } else {
      replica = this.context.replicas.list.find((candidate) => candidate.ackOffset === offset);
      if (replica !== undefined) {
        this.targetHost = replica.ip;
        this.targetPort = replica.announced.port;
      }
    }
    if (replica === undefined || replica.ackOffset !== offset) return;
    this.context.log.info(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
    this.failOver();
  }

  /** The master link's PSYNC FAILOVER was answered: +CONTINUE or +FULLRESYNC end the failover. */
  psyncAnswered(accepted: boolean): void {
    if (this.state !== FailoverState.InProgress) return;
    if (accepted) this.clear();
    else this.abort('Failover target rejected psync request');
  }

  private failOver(): void {
    this.state = FailoverState.InProgress;
    this.context.replicaOf(this.targetHost!, this.targetPort);
  }

  private clear(): void {
    this.state = FailoverState.None;
    this.targetHost = null;
    this.targetPort = 0;
    this.endsAt = 0;
    this.force = false;
    this.context.replicas.quiet = false;
    this.onEnd();
  }

  /** findReplica: by the address INFO shows (announced or peer) and the announced port. */
  private findReplica(host: string, port: number): Replica | undefined {
    const wanted = host.toLowerCase();
    return this.context.replicas.list.find((replica) => replica.ip.toLowerCase() === wanted && replica.announced.port === port);
  }
}
