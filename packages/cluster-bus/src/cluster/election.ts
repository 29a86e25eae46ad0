import type { ClusterConfig, ClusterHost } from '../ports.js';
import { SLOT_COUNT } from '../slots.js';
import { dataTooOld, electionDelay, electionTimeout, quorum, replicaRank } from './failure.js';
import { MessageFlag, testSlot, type ClusterMessage } from './message.js';
import { NodeFlag, type ClusterNode } from './node.js';
import type { Messenger } from './messenger.js';

/** Things done once the current event is handled (clusterBeforeSleep's todo flags). */
export const enum Todo {
  HandleFailover = 1,
  UpdateState = 2,
  SaveConfig = 4,
  FsyncConfig = 8,
  HandleManualFailover = 16,
}

/** A manual failover must complete within this time (CLUSTER_MF_TIMEOUT). */
const MANUAL_FAILOVER_TIMEOUT = 5000;
/** The master pauses writes for twice that (CLUSTER_MF_PAUSE_MULT). */
const MANUAL_FAILOVER_PAUSE_MULT = 2;
/** An orphaned master gets a migrated replica after this long (CLUSTER_SLAVE_MIGRATION_DELAY). */
const REPLICA_MIGRATION_DELAY = 5000;

/** Why a replica does not fail over now (clusterLogCantFailover), logged once per reason. */
const enum CantFailover {
  None = 0,
  DataAge = 1,
  WaitingDelay = 2,
  Expired = 3,
  WaitingVotes = 4,
}

const CANT_FAILOVER_MESSAGES: Record<number, string> = {
  [CantFailover.DataAge]:
    'Disconnected from master for longer than allowed. Please check the \'cluster-replica-validity-factor\' configuration option.',
  [CantFailover.WaitingDelay]: 'Waiting the delay before I can start a new failover.',
  [CantFailover.Expired]: 'Failover attempt expired.',
  [CantFailover.WaitingVotes]: 'Waiting for votes, but majority still not reached.',
};

/** CLUSTER FAILOVER's modes. */
export type FailoverMode = 'default' | 'force' | 'takeover';

/** What elections read and do in the cluster state (the Cluster implements it). */
export interface ElectionContext {
  readonly host: ClusterHost;
  readonly config: ClusterConfig;
  readonly myself: ClusterNode;
  readonly nodes: ReadonlyMap<string, ClusterNode>;
  /** Masters serving slots: the electorate. */
  readonly size: number;
  readonly stateOk: boolean;
  currentEpoch: number;
  lastVoteEpoch: number;
  ownerOf(slot: number): ClusterNode | null;
  slotUnclaimed(slot: number): boolean;
  doBeforeSleep(flags: number): void;
  saveConfigOrThrow(fsync: boolean): void;
  readonly messenger: Pick<Messenger, 'requestVotes' | 'sendVote' | 'sendManualFailoverStart' | 'broadcastPong'>;
  bumpEpochWithoutConsensus(): boolean;
  /** clusterFailoverReplaceYourMaster. */
  replaceMaster(): void;
  setMaster(master: ClusterNode): void;
}

/**
 * Replica elections (Redis Cluster specification, "Replica election and promotion"): a replica
 * of a FAIL master waits its rank delay, asks the masters for votes in a new epoch, and takes
 * over with a majority; masters grant one vote per epoch. Also manual failover (CLUSTER
 * FAILOVER: the master pauses writes until its replica caught up) and replica migration.
 */
export class Election {
  // The replica's current (or last) election.
  private authTime = 0;
  private authCount = 0;
  private authSent = false;
  private authRank = 0;
  private authEpoch = 0;
  private cantFailoverReason = CantFailover.None;
  // Manual failover: `manualEnd` on both sides; `manualReplica` on the master; the rest on the replica.
  private manualEnd = 0;
  private manualReplica: ClusterNode | null = null;
  private manualMasterOffset = -1;
  private manualCanStart = false;

  constructor(private readonly cluster: ElectionContext) {}

  /** A master paused for a manual failover says so in every message header. */
  get masterPaused(): boolean {
    return this.cluster.myself.isMaster && this.manualEnd !== 0;
  }

  /** The replica a paused master keeps informed of its offset (pinged every cron tick). */
  manualFailoverReplica(): ClusterNode | null {
    return this.masterPaused ? this.manualReplica : null;
  }

  /** CLUSTER FAILOVER once its preconditions were checked by the command. */
  start(mode: FailoverMode): void {
    const cluster = this.cluster;
    this.resetManualFailover();
    this.resetElection();
    this.manualEnd = Date.now() + MANUAL_FAILOVER_TIMEOUT;
    if (mode === 'takeover') {
      // No agreement at all: a new epoch of our own, the master's slots, and everyone is told.
      cluster.host.log.warn('Taking over the master (user request).');
      cluster.bumpEpochWithoutConsensus();
      cluster.replaceMaster();
    } else if (mode === 'force') {
      cluster.host.log.warn('Forced failover user request accepted.');
      this.manualCanStart = true;
    } else {
      cluster.host.log.warn('Manual failover user request accepted.');
      if (cluster.myself.master !== null) cluster.messenger.sendManualFailoverStart(cluster.myself.master);
    }
  }

  /** MFSTART from one of our replicas: pause writes and let it catch up. */
  manualFailoverRequested(replica: ClusterNode): void {
    const now = Date.now();
    this.resetManualFailover();
    this.manualEnd = now + MANUAL_FAILOVER_TIMEOUT;
    this.manualReplica = replica;
    this.cluster.host.pauseWrites(now + MANUAL_FAILOVER_TIMEOUT * MANUAL_FAILOVER_PAUSE_MULT);
    this.cluster.host.log.warn(`Manual failover requested by replica ${replica.id}.`);
  }

  /** Any message from our master: when it says it is paused, its offset is the one to reach. */
  masterMessage(master: ClusterNode, message: ClusterMessage): void {
    if (this.manualEnd === 0 || (message.mflags & MessageFlag.Paused) === 0 || this.manualMasterOffset !== -1) return;
    this.manualMasterOffset = master.replOffset;
    this.cluster.doBeforeSleep(Todo.HandleManualFailover);
    this.cluster.host.log.warn(`Received replication offset for paused master manual failover: ${this.manualMasterOffset}`);
  }

  /** FAILOVER_AUTH_ACK: votes count from masters with slots, for the election we are running. */
  voteReceived(sender: ClusterNode, senderCurrentEpoch: number): void {
    if (!sender.isMaster || sender.slotCount === 0 || senderCurrentEpoch < this.authEpoch) return;
    this.authCount++;
    this.cluster.doBeforeSleep(Todo.HandleFailover);
  }

  /** clusterSendFailoverAuthIfNeeded: a master votes once per epoch for a replica of a failed master. */
  voteIfNeeded(node: ClusterNode, request: ClusterMessage): void {
    const cluster = this.cluster;
    const log = cluster.host.log;
    const myself = cluster.myself;
    const master = node.master;
    const forceAck = (request.mflags & MessageFlag.ForceAck) !== 0;
    if (myself.isReplica || myself.slotCount === 0) return;
    if (request.currentEpoch < cluster.currentEpoch) {
      log.warn(`Failover auth denied to ${node.id}: reqEpoch (${request.currentEpoch}) < curEpoch(${cluster.currentEpoch})`);
      return;
    }
    if (cluster.lastVoteEpoch === cluster.currentEpoch) {
      log.warn(`Failover auth denied to ${node.id}: already voted for epoch ${cluster.currentEpoch}`);
      return;
    }
    if (node.isMaster || master === null || (!master.failed && !forceAck)) {
      const why = node.isMaster ? 'it is a master node' : master === null ? 'I don\'t know its master' : 'its master is up';
      log.warn(`Failover auth denied to ${node.id}: ${why}`);
      return;
    }
    const now = Date.now();
    const window = cluster.config.nodeTimeout * 2;
    if (now - master.votedTime < window) {
      log.warn(`Failover auth denied to ${node.id}: can't vote about this master before ${window - (now - master.votedTime)} milliseconds`);
      return;
    }
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (!testSlot(request.slots, slot)) continue;
      const owner = cluster.ownerOf(slot);
      if (owner === null || cluster.slotUnclaimed(slot) || owner.configEpoch <= request.configEpoch) continue;
      log.warn(`Failover auth denied to ${node.id}: slot ${slot} epoch (${owner.configEpoch}) > reqEpoch (${request.configEpoch})`);
      return;
    }
    cluster.lastVoteEpoch = cluster.currentEpoch;
    master.votedTime = now;
    // The vote is on disk before it is sent: one vote per epoch survives a restart.
    cluster.saveConfigOrThrow(true);
    cluster.messenger.sendVote(node);
    log.warn(`Failover auth granted to ${node.id} for epoch ${cluster.currentEpoch}`);
  }

  /** The replica half of clusterCron: manual failover timeout, then the election steps. */
  cron(): void {
    if (this.manualEnd !== 0 && this.manualEnd < Date.now()) {
      this.cluster.host.log.warn('Manual failover timed out.');
      this.resetManualFailover();
    }
    if (!this.cluster.myself.isReplica) return;
    this.handleManualFailover();
    this.handleReplicaFailover();
  }

  /** clusterHandleManualFailover: the election may start once we processed the paused master's offset. */
  handleManualFailover(): void {
    if (this.manualEnd === 0 || this.manualCanStart || this.manualMasterOffset === -1) return;
    if (this.manualMasterOffset === this.cluster.host.replicationOffset()) {
      this.manualCanStart = true;
      this.cluster.host.log.warn('All master replication stream processed, manual failover can start.');
      this.cluster.doBeforeSleep(Todo.HandleFailover);
      return;
    }
    this.cluster.doBeforeSleep(Todo.HandleManualFailover);
  }

  /** clusterHandleSlaveFailover: schedule, ask for votes, count them, take over. */
  handleReplicaFailover(): void {
    const cluster = this.cluster;
    const { myself, config, host } = cluster;
    const now = Date.now();
    const authAge = now - this.authTime;
    const manual = this.manualEnd !== 0 && this.manualCanStart;
    const timeout = electionTimeout(config.nodeTimeout);
    const master = myself.master;
    if (myself.isMaster || master === null || (!master.failed && !manual) || (config.replicaNoFailover && !manual) || master.slotCount === 0) {
      this.cantFailoverReason = CantFailover.None;
      return;
    }
    if (!manual && dataTooOld(host.masterDataAge(now), config.nodeTimeout, config.replPingPeriod, config.replicaValidityFactor)) {
      this.logCantFailover(CantFailover.DataAge);
      return;
    }
    if (authAge > timeout * 2) {
      this.schedule(now);
      return;
    }
    if (!this.authSent && this.manualEnd === 0) {
      // A sibling that turned out to be ahead of us goes first.
      const rank = this.rank();
      if (rank > this.authRank) {
        const added = (rank - this.authRank) * 1000;
        this.authTime += added;
        this.authRank = rank;
        host.log.warn(`Replica rank updated to #${rank}, added ${added} milliseconds of delay.`);
      }
    }
    if (now < this.authTime) {
      this.logCantFailover(CantFailover.WaitingDelay);
      return;
    }
    if (authAge > timeout) {
      this.logCantFailover(CantFailover.Expired);
      return;
    }
    if (!this.authSent) {
      cluster.currentEpoch++;
      this.authEpoch = cluster.currentEpoch;
      host.log.warn(`Starting a failover election for epoch ${cluster.currentEpoch}.`);
      cluster.messenger.requestVotes(this.manualEnd !== 0);
      this.authSent = true;
      cluster.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | Todo.FsyncConfig);
      return;
    }
    if (this.authCount < quorum(cluster.size)) {
      this.logCantFailover(CantFailover.WaitingVotes);
      return;
    }
    host.log.warn('Failover election won: I\'m the new master.');
    if (myself.configEpoch < this.authEpoch) {
      myself.configEpoch = this.authEpoch;
      host.log.warn(`configEpoch set to ${myself.configEpoch} after successful failover`);
    }
    cluster.replaceMaster();
  }

  /** A new election: the rank delay (none for a manual failover), then our offset to the siblings. */
  private schedule(now: number): void {
    const cluster = this.cluster;
    this.authCount = 0;
    this.authSent = false;
    this.authRank = this.manualEnd !== 0 ? 0 : this.rank();
    // A manual failover has no reason to wait: the master agreed and we are in sync.
    this.authTime = this.manualEnd !== 0 ? now : now + electionDelay(this.authRank, Math.floor(Math.random() * 500));
    if (this.manualEnd !== 0) cluster.doBeforeSleep(Todo.HandleFailover);
    cluster.host.log.warn(`Start of election delayed for ${this.authTime - now} milliseconds (rank #${this.authRank}, offset ${cluster.host.replicationOffset()}).`);
    // The other replicas learn our offset now, so they can compute their own rank.
    cluster.messenger.broadcastPong(true);
  }

  private rank(): number {
    const myself = this.cluster.myself;
    const master = myself.master;
    if (master === null) return 0;
    const siblings = master.replicas
      .filter((replica) => replica !== myself)
      .map((replica) => ({ offset: replica.replOffset, noFailover: replica.has(NodeFlag.NoFailover) }));
    return replicaRank(this.cluster.host.replicationOffset(), siblings);
  }

  private logCantFailover(reason: CantFailover): void {
    if (reason === this.cantFailoverReason) return;
    this.cantFailoverReason = reason;
    const master = this.cluster.myself.master;
    // Right after a FAIL the waiting is expected: not worth a log line.
    if (master !== null && master.failed && Date.now() - master.failTime < this.cluster.config.nodeTimeout + 5000) return;
    this.cluster.host.log.warn(`Currently unable to failover: ${CANT_FAILOVER_MESSAGES[reason] ?? 'Unknown reason code.'}`);
  }

  /** After a role change: no manual failover in progress, and the next election starts afresh. */
  reset(): void {
    this.resetManualFailover();
    this.resetElection();
  }

  /**
   * Votes counted for an old epoch must never make a later (manual) failover look won. Redis
   * keeps them until the retry time passes; two failovers of one shard within it would reuse them.
   */
  private resetElection(): void {
    this.authTime = 0;
    this.authSent = false;
    this.authCount = 0;
  }

  resetManualFailover(): void {
    if (this.manualReplica !== null) this.cluster.host.unpauseWrites();
    this.manualEnd = 0;
    this.manualCanStart = false;
    this.manualReplica = null;
    this.manualMasterOffset = -1;
  }

  /** clusterHandleSlaveMigration: a replica of a well-covered master moves to an orphaned one. */
  migrateIfNeeded(maxReplicas: number): void {
    const cluster = this.cluster;
    const myself = cluster.myself;
    const myMaster = myself.master;
    if (!cluster.stateOk || myMaster === null) return;
    let okReplicas = 0;
    for (const replica of myMaster.replicas) if (!replica.failed && !replica.timedOut) okReplicas++;
    if (okReplicas <= cluster.config.migrationBarrier) return;
    let candidate = myself;
    let target: ClusterNode | null = null;
    const now = Date.now();
    for (const node of cluster.nodes.values()) {
      let ok = 0;
      let orphaned = !node.isReplica && !node.failed && node.has(NodeFlag.MigrateTo);
      if (node.isMaster) ok = node.nonFailingReplicas();
      if (ok > 0) orphaned = false;
      if (orphaned) {
        if (target === null && node.slotCount > 0) target = node;
        if (node.orphanedTime === 0) node.orphanedTime = now;
      } else {
        node.orphanedTime = 0;
      }
      // The replica with the smallest id among the best-covered masters' replicas migrates.
      if (ok === maxReplicas) for (const replica of node.replicas) if (replica.id < candidate.id) candidate = replica;
    }
    if (target !== null && candidate === myself && now - target.orphanedTime > REPLICA_MIGRATION_DELAY) {
      cluster.host.log.warn(`Migrating to orphaned master ${target.id}`);
      cluster.setMaster(target);
    }
  }
}
