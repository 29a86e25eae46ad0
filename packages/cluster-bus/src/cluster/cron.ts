/**
 * The periodic work of the bus (Redis's clusterCron, every 100 ms): links to every known node,
 * pings, PFAIL after node-timeout without an answer, the election and replica migration checks.
 */
import type { ClusterConfig, ClusterHost } from '../ports.js';
import type { Election } from './election.js';
import { Link, type LinkOwner } from './link.js';
import { MessageType } from './message.js';
import { NodeFlag, type ClusterNode } from './node.js';
import type { Messenger } from './messenger.js';

/** clusterCron runs every 100 ms in Redis (serverCron's run_with_period(100)). */
const CRON_MS = 100;

/** What the cron reads and does in the cluster state (the Cluster implements it). */
export interface CronContext extends LinkOwner {
  readonly host: ClusterHost;
  readonly config: ClusterConfig;
  readonly myself: ClusterNode;
  readonly nodes: ReadonlyMap<string, ClusterNode>;
  readonly stateOk: boolean;
  linksBufferLimitExceeded: number;
  readonly messenger: Pick<Messenger, 'sendPing'>;
  readonly election: Pick<Election, 'manualFailoverReplica' | 'cron' | 'migrateIfNeeded'>;
  refreshMyself(): void;
  deleteNode(node: ClusterNode): void;
  updateState(): void;
}

export class Cron {
  private timer: NodeJS.Timeout | null = null;
  private iteration = 0;

  constructor(private readonly cluster: CronContext) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), CRON_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** clusterCron. */
  private tick(): void {
    this.iteration++;
    this.cluster.refreshMyself();
    const config = this.cluster.config;
    const myself = this.cluster.myself;
    let now = Date.now();
    const handshakeTimeout = Math.max(config.nodeTimeout, 1000);
    let updateState = false;
    for (const node of [...this.cluster.nodes.values()]) {
      this.enforceSendBufferLimit(node.link);
      this.enforceSendBufferLimit(node.inboundLink);
      if (node.has(NodeFlag.Myself | NodeFlag.NoAddr)) continue;
      if (node.inHandshake && now - node.createdAt > handshakeTimeout) {
        this.cluster.deleteNode(node);
        continue;
      }
      if (node.link === null) Link.outbound(node, this.cluster.host.connectToNode(node.ip, node.cport), this.cluster);
    }

    // Every second, ping one of five random nodes, the one we heard from least recently.
    if (this.iteration % 10 === 0) {
      const all = [...this.cluster.nodes.values()];
      let oldest: ClusterNode | null = null;
      for (let i = 0; i < 5 && all.length > 0; i++) {
        const node = all[Math.floor(Math.random() * all.length)]!;
        if (node.link === null || node.pingSent !== 0 || node.has(NodeFlag.Myself | NodeFlag.Handshake)) continue;
        if (oldest === null || node.pongReceived < oldest.pongReceived) oldest = node;
      }
      if (oldest !== null && oldest.link !== null) this.cluster.messenger.sendPing(oldest.link, MessageType.Ping);
    }

    let orphanedMasters = 0;
    let maxReplicas = 0;
    let myMasterReplicas = 0;
    for (const node of this.cluster.nodes.values()) {
      now = Date.now();
      if (node.has(NodeFlag.Myself | NodeFlag.NoAddr | NodeFlag.Handshake)) continue;
      if (myself.isReplica && node.isMaster && !node.failed) {
        const ok = node.nonFailingReplicas();
        if (ok === 0 && node.slotCount > 0 && node.has(NodeFlag.MigrateTo)) orphanedMasters++;
        if (ok > maxReplicas) maxReplicas = ok;
        if (myself.master === node) myMasterReplicas = ok;
      }
      const pingDelay = now - node.pingSent;
      const dataDelay = now - node.dataReceived;
      // A link that answers nothing for half the timeout is replaced (the peer may be fine).
      if (node.link !== null && now - node.link.createdAt > config.nodeTimeout && node.pingSent !== 0 &&
        pingDelay > config.nodeTimeout / 2 && dataDelay > config.nodeTimeout / 2) {
        node.link.close();
      }
      if (node.link !== null && node.pingSent === 0 && now - node.pongReceived > config.nodeTimeout / 2) {
        this.cluster.messenger.sendPing(node.link, MessageType.Ping);
        continue;
      }
      if (this.cluster.election.manualFailoverReplica() === node && node.link !== null) {
        this.cluster.messenger.sendPing(node.link, MessageType.Ping);
        continue;
      }
      if (node.pingSent === 0) continue;
      const delay = Math.min(pingDelay, dataDelay);
      if (delay > config.nodeTimeout && !node.has(NodeFlag.PFail | NodeFlag.Fail)) {
        this.cluster.host.log.info(`*** NODE ${node.id} possibly failing`);
        node.flags |= NodeFlag.PFail;
        updateState = true;
      }
    }
    // A master's failure report counts toward FAIL: gossip it now rather than at the next
    // periodic ping (up to node-timeout / 2 later), so a dead master is replaced sooner.
    if (updateState && myself.isMaster) {
      for (const node of this.cluster.nodes.values()) {
        if (node.link !== null && node.pingSent === 0 && !node.has(NodeFlag.Myself | NodeFlag.Handshake)) this.cluster.messenger.sendPing(node.link, MessageType.Ping);
      }
    }

    // A replica whose replication is not set up (after a restart) starts it.
    if (myself.isReplica && myself.master !== null && !myself.master.has(NodeFlag.NoAddr) && this.cluster.host.replicationMaster() === null) {
      this.cluster.host.replicateFrom(myself.master.ip, myself.master.port);
    }
    this.cluster.election.cron();
    if (myself.isReplica) {
      if (orphanedMasters > 0 && maxReplicas >= 2 && myMasterReplicas === maxReplicas && config.allowReplicaMigration) {
        this.cluster.election.migrateIfNeeded(maxReplicas);
      }
    }
    if (updateState || !this.cluster.stateOk) this.cluster.updateState();
  }

  private enforceSendBufferLimit(link: Link | null): void {
    const limit = this.cluster.config.linkSendBufferLimit;
    if (link === null || limit === 0 || link.sendBufferBytes <= limit) return;
    this.cluster.host.log.warn(`Freeing cluster link(${link.inbound ? 'from' : 'to'} node ${link.node?.id ?? ''}, used memory: ${link.sendBufferBytes}) due to exceeding send buffer memory limit.`);
    link.close();
    this.cluster.linksBufferLimitExceeded++;
  }
}
