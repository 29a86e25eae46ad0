/**
 * The acting half for a master in trouble (Redis's failover state machine): start an attempt in
 * a new epoch, win the leader election, select and promote a replica, repoint the others
 * `parallel-syncs` at a time, then switch the master's address. Also this Sentinel's vote when
 * peers ask for it.
 */
import { countVotes, electedLeader, mostVoted, selectReplica } from './election.js';
import { FailoverState, Flag, type Instance } from './instance.js';
import type { Sentinel } from './sentinel.js';
import { SIMULATE_CRASH_AFTER_ELECTION, type SentinelState } from './state.js';

/** Random delay added to a failover start, so Sentinels do not all ask for votes at once. */
const MAX_DESYNC = 1000;

export class FailoverMachine {
  constructor(private readonly sentinel: Sentinel) {}

  private get state(): SentinelState {
    return this.sentinel.state;
  }

  private get myid(): string {
    return this.sentinel.myid;
  }

  /**
   * Our vote for the failover leader of `epoch`: given to the first asker of a newer epoch,
   * otherwise the vote already cast. Returns the vote and its epoch.
   */
  voteLeader(master: Instance, epoch: number, runId: string): { leader: string | null; epoch: number } {
    if (epoch > this.state.currentEpoch) {
      this.state.currentEpoch = epoch;
      this.sentinel.flushConfig();
      this.sentinel.eventText('warning', '+new-epoch', String(epoch), master);
    }
    if (master.leaderEpoch < epoch && this.state.currentEpoch <= epoch) {
      master.leader = runId;
      master.leaderEpoch = this.state.currentEpoch;
      this.sentinel.flushConfig();
      this.sentinel.eventText('warning', '+vote-for-leader', `${runId} ${master.leaderEpoch}`, master);
      // Having voted for another, wait before trying our own failover of this master.
      if (runId.toLowerCase() !== this.myid) master.failoverStartTime = Date.now() + Math.floor(Math.random() * MAX_DESYNC);
    }
    return { leader: master.leader, epoch: master.leaderEpoch };
  }

  /** The leader of `epoch` if one has a majority of all known Sentinels and the quorum. */
  private leaderFor(master: Instance, epoch: number): string | null {
    const votes: string[] = [];
    for (const peer of master.sentinels.values()) {
      if (peer.leader !== null && peer.leaderEpoch === this.state.currentEpoch) votes.push(peer.leader);
    }
    const counts = countVotes(votes);
    const mine = this.voteLeader(master, epoch, mostVoted(counts) ?? this.myid);
    const counted = mine.leader !== null && mine.epoch === epoch ? mine.leader : null;
    return electedLeader(counts, counted, master.sentinels.size + 1, master.quorum);
  }

  // ---------------------------------------------------------------------------------------
  // Failover

  /** Begins a failover attempt in a new epoch (we still have to win the election). */
  startFailover(master: Instance): void {
    master.failoverState = FailoverState.waitStart;
    master.flags |= Flag.failoverInProgress;
    master.failoverEpoch = ++this.state.currentEpoch;
    this.sentinel.eventText('warning', '+new-epoch', String(this.state.currentEpoch), master);
    this.sentinel.event('warning', '+try-failover', master);
    master.failoverStartTime = Date.now() + Math.floor(Math.random() * MAX_DESYNC);
    master.failoverStateChangeTime = Date.now();
  }

  startFailoverIfNeeded(master: Instance): boolean {
    if (!master.has(Flag.oDown) || master.has(Flag.failoverInProgress)) return false;
    const now = Date.now();
    if (now - master.failoverStartTime < master.failoverTimeout * 2) {
      if (master.failoverDelayLogged !== master.failoverStartTime) {
        master.failoverDelayLogged = master.failoverStartTime;
        const at = new Date(master.failoverStartTime + master.failoverTimeout * 2);
        this.sentinel.server.log.warn(`Next failover delay: I will not start a failover before ${at.toString()}`);
      }
      return false;
    }
    this.startFailover(master);
    return true;
  }

  failoverStateMachine(master: Instance): void {
    if (!master.has(Flag.failoverInProgress)) return;
    switch (master.failoverState) {
      case FailoverState.waitStart:
        this.failoverWaitStart(master);
        break;
      case FailoverState.selectSlave:
        this.failoverSelectReplica(master);
        break;
      case FailoverState.sendSlaveofNoone:
        this.failoverPromote(master);
        break;
      case FailoverState.waitPromotion:
        if (Date.now() - master.failoverStateChangeTime > master.failoverTimeout) {
          this.sentinel.event('warning', '-failover-abort-slave-timeout', master);
          this.abortFailover(master);
        }
        break;
      case FailoverState.reconfSlaves:
        this.reconfigureNextReplicas(master);
        break;
      default:
        break;
    }
  }

  private failoverWaitStart(master: Instance): void {
    const leader = this.leaderFor(master, master.failoverEpoch);
    const isLeader = leader !== null && leader.toLowerCase() === this.myid;
    if (!isLeader && !master.has(Flag.forceFailover)) {
      const timeout = Math.min(this.state.periods.electionTimeout, master.failoverTimeout);
      if (Date.now() - master.failoverStartTime > timeout) {
        this.sentinel.event('warning', '-failover-abort-not-elected', master);
        this.abortFailover(master);
      }
      return;
    }
    this.sentinel.event('warning', '+elected-leader', master);
    if ((this.state.simulateFailure & SIMULATE_CRASH_AFTER_ELECTION) !== 0) this.simulatedCrash();
    master.failoverState = FailoverState.selectSlave;
    master.failoverStateChangeTime = Date.now();
    this.sentinel.event('warning', '+failover-state-select-slave', master);
  }

  /** The replica SENTINEL FAILOVER and the state machine would promote now. */
  selectReplica(master: Instance): Instance | null {
    return selectReplica(master, Date.now(), this.state.periods);
  }

  private failoverSelectReplica(master: Instance): void {
    const replica = this.selectReplica(master);
    if (replica === null) {
      this.sentinel.event('warning', '-failover-abort-no-good-slave', master);
      this.abortFailover(master);
      return;
    }
    this.sentinel.event('warning', '+selected-slave', replica);
    replica.flags |= Flag.promoted;
    master.promotedReplica = replica;
    master.failoverState = FailoverState.sendSlaveofNoone;
    master.failoverStateChangeTime = Date.now();
    this.sentinel.event('notice', '+failover-state-send-slaveof-noone', replica);
  }

  private failoverPromote(master: Instance): void {
    const replica = master.promotedReplica!;
    if (replica.link.disconnected) {
      if (Date.now() - master.failoverStateChangeTime > master.failoverTimeout) {
        this.sentinel.event('warning', '-failover-abort-slave-timeout', master);
        this.abortFailover(master);
      }
      return;
    }
    if (!this.sentinel.sendReplicaOf(replica, null)) return;
    this.sentinel.event('notice', '+failover-state-wait-promotion', replica);
    master.failoverState = FailoverState.waitPromotion;
    master.failoverStateChangeTime = Date.now();
  }

  /** Points up to parallel-syncs replicas at a time at the promoted one, then checks for the end. */
  private reconfigureNextReplicas(master: Instance): void {
    const now = Date.now();
    let inProgress = 0;
    for (const replica of master.replicas.values()) {
      if (replica.has(Flag.reconfSent) || replica.has(Flag.reconfInprog)) inProgress++;
    }
    for (const replica of master.replicas.values()) {
      if (inProgress >= master.parallelSyncs) break;
      if (replica.has(Flag.promoted) || replica.has(Flag.reconfDone)) continue;
      // Stuck after SLAVEOF: count it as done; the config fix-up will catch it later.
      if (replica.has(Flag.reconfSent) && now - replica.slaveReconfSentTime > this.state.periods.slaveReconfTimeout) {
        this.sentinel.event('notice', '-slave-reconf-sent-timeout', replica);
        replica.flags = (replica.flags & ~Flag.reconfSent) | Flag.reconfDone;
      }
      if (replica.has(Flag.reconfSent) || replica.has(Flag.reconfInprog) || replica.link.disconnected) continue;
      if (this.sentinel.sendReplicaOf(replica, master.promotedReplica!)) {
        replica.flags |= Flag.reconfSent;
        replica.slaveReconfSentTime = now;
        this.sentinel.event('notice', '+slave-reconf-sent', replica);
        inProgress++;
      }
    }
    this.detectFailoverEnd(master);
  }

  private detectFailoverEnd(master: Instance): void {
    const promoted = master.promotedReplica;
    if (promoted === null || promoted.has(Flag.sDown)) return;
    let notReconfigured = 0;
    for (const replica of master.replicas.values()) {
      if (replica.has(Flag.promoted) || replica.has(Flag.reconfDone) || replica.has(Flag.sDown)) continue;
      notReconfigured++;
    }
    const timeout = Date.now() - master.failoverStateChangeTime > master.failoverTimeout;
    if (timeout) {
      notReconfigured = 0;
      this.sentinel.event('warning', '+failover-end-for-timeout', master);
    }
    if (notReconfigured === 0) {
      this.sentinel.event('warning', '+failover-end', master);
      master.failoverState = FailoverState.updateConfig;
      master.failoverStateChangeTime = Date.now();
    }
    if (!timeout) return;
    // Best effort for the replicas that never got the new master.
    for (const replica of master.replicas.values()) {
      if (replica.flags & (Flag.promoted | Flag.reconfDone | Flag.reconfSent)) continue;
      if (replica.link.disconnected) continue;
      if (this.sentinel.sendReplicaOf(replica, promoted)) {
        this.sentinel.event('notice', '+slave-reconf-sent-be', replica);
        replica.flags |= Flag.reconfSent;
      }
    }
  }

  switchToPromoted(master: Instance): void {
    const target = master.promotedReplica ?? master;
    this.sentinel.eventText(
      'warning',
      '+switch-master',
      `${master.name} ${this.sentinel.announceAddress(master)} ${master.port} ${this.sentinel.announceAddress(target)} ${target.port}`,
      master,
    );
    this.sentinel.resetMasterAndChangeAddress(master, target.host, target.port, target.ip);
  }

  abortFailover(master: Instance): void {
    master.flags &= ~(Flag.failoverInProgress | Flag.forceFailover);
    master.failoverState = FailoverState.none;
    master.failoverStateChangeTime = Date.now();
    if (master.promotedReplica !== null) {
      master.promotedReplica.flags &= ~Flag.promoted;
      master.promotedReplica = null;
    }
  }

  /** SENTINEL SIMULATE-FAILURE: exit as a crash would, at the chosen point of a failover. */
  simulatedCrash(): never {
    this.sentinel.server.log.warn('Sentinel CRASH because of SENTINEL simulate-failure');
    process.exit(99);
  }
}
