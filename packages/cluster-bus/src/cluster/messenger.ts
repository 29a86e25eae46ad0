/**
 * Building and sending the bus messages (Redis's clusterSend*): the header every message
 * carries, the pings with their gossip, and the FAIL, UPDATE, vote and PUBLISH messages.
 */
import type { ClusterConfig, ClusterHost } from '../ports.js';
import { signMessage } from './bus-auth.js';
import type { Election } from './election.js';
import type { Link } from './link.js';
import {
  MESSAGE_TYPE_COUNT,
  MessageFlag,
  MessageType,
  emptyMessage,
  encodeMessage,
  type ClusterMessage,
  type GossipEntry,
} from './message.js';
import { NodeFlag, type ClusterNode } from './node.js';

/** What sending reads from the cluster state (the Cluster implements it). */
export interface MessengerContext {
  readonly host: ClusterHost;
  readonly config: ClusterConfig;
  readonly myself: ClusterNode;
  readonly nodes: ReadonlyMap<string, ClusterNode>;
  readonly stateOk: boolean;
  readonly currentEpoch: number;
  readonly messagesSent: number[];
  /** Slots whose owner stopped claiming them: left out of UPDATE messages. */
  readonly ownerNotClaiming: Uint8Array;
  readonly election: Pick<Election, 'masterPaused'>;
}

export class Messenger {
  private pingRound = 0;

  constructor(private readonly cluster: MessengerContext) {}

  /** clusterSendPing: the header, a tenth of the nodes (at least 3) as gossip, every PFAIL node. */
  sendPing(link: Link, type: MessageType): void {
    const cluster = this.cluster;
    const round = ++this.pingRound;
    const message = this.header(type);
    if (!link.inbound && type === MessageType.Ping && link.node !== null) link.node.pingSent = Date.now();
    const all = [...cluster.nodes.values()];
    let fresh = all.length - 2;
    let wanted = Math.max(3, Math.floor(all.length / 10));
    if (wanted > fresh) wanted = fresh;
    let iterations = wanted * 3;
    while (fresh > 0 && message.gossip.length < wanted && iterations-- > 0) {
      const node = all[Math.floor(Math.random() * all.length)]!;
      if (node === cluster.myself) continue;
      if (node.timedOut) continue;
      if (node.has(NodeFlag.Handshake | NodeFlag.NoAddr) || (node.link === null && node.slotCount === 0)) {
        fresh--;
        continue;
      }
      if (node.lastInPingGossip === round) continue;
      message.gossip.push(gossipEntry(node));
      node.lastInPingGossip = round;
      fresh--;
    }
    for (const node of all) {
      if (node.has(NodeFlag.Handshake | NodeFlag.NoAddr) || !node.timedOut) continue;
      message.gossip.push(gossipEntry(node));
    }
    const hostname = cluster.myself.hostname;
    if (hostname !== '') message.hostname = hostname;
    this.sendFrame(link, this.frame(message));
  }

  /** clusterBroadcastPong: to every connected node, or only to our master's replicas. */
  broadcastPong(localReplicasOnly: boolean): void {
    const myself = this.cluster.myself;
    for (const node of this.cluster.nodes.values()) {
      if (node.link === null || node === myself || node.inHandshake) continue;
      if (localReplicasOnly) {
        const local = node.isReplica && node.master !== null && (node.master === myself || node.master === myself.master);
        if (!local) continue;
      }
      this.sendPing(node.link, MessageType.Pong);
    }
  }

  sendFail(node: ClusterNode): void {
    this.broadcast(this.frame({ ...this.header(MessageType.Fail), failing: node.id }));
  }

  /** clusterSendUpdate: the owner's config, without the slots it stopped claiming. */
  sendUpdate(link: Link | null, node: ClusterNode): void {
    if (link === null) return;
    const slots = new Uint8Array(node.slots);
    for (let i = 0; i < slots.length; i++) slots[i] = slots[i]! & ~this.cluster.ownerNotClaiming[i]!;
    this.sendFrame(link, this.frame({ ...this.header(MessageType.Update), update: { configEpoch: node.configEpoch, id: node.id, slots } }));
  }

  /** Broadcasts FAILOVER_AUTH_REQUEST (with FORCEACK for a manual failover). */
  requestVotes(forceAck: boolean): void {
    const header = this.header(MessageType.AuthRequest);
    if (forceAck) header.mflags |= MessageFlag.ForceAck;
    this.broadcast(this.frame(header));
  }

  sendVote(node: ClusterNode): void {
    this.sendSimple(node.link, MessageType.AuthAck);
  }

  sendManualFailoverStart(master: ClusterNode): void {
    this.sendSimple(master.link, MessageType.MfStart);
  }

  /** clusterPropagatePublish: everyone for PUBLISH, our shard for SPUBLISH. */
  propagatePublish(channel: string, message: string, sharded: boolean): void {
    const frame = this.frame({ ...emptyMessage(this.header(sharded ? MessageType.PublishShard : MessageType.Publish)), channel, message });
    if (!sharded) {
      this.broadcast(frame);
      return;
    }
    const myself = this.cluster.myself;
    const master = myself.isMaster ? myself : myself.master;
    if (master === null) return;
    for (const node of [master, ...master.replicas]) {
      if (node.isMyself || node.inHandshake) continue;
      this.sendFrame(node.link, frame);
    }
  }

  private frame(message: ClusterMessage): Buffer {
    const frame = encodeMessage(message);
    const secret = this.cluster.config.masterAuth;
    if (secret !== '') signMessage(frame, secret);
    return frame;
  }

  private sendFrame(link: Link | null, frame: Buffer): void {
    if (link === null || link.isClosed) return;
    link.send(frame);
    const type = frame.readUInt16BE(12);
    if (type < MESSAGE_TYPE_COUNT) this.cluster.messagesSent[type]!++;
  }

  private broadcast(frame: Buffer): void {
    for (const node of this.cluster.nodes.values()) {
      if (node.has(NodeFlag.Myself) || node.inHandshake) continue;
      this.sendFrame(node.link, frame);
    }
  }

  private sendSimple(link: Link | null, type: MessageType): void {
    this.sendFrame(link, this.frame(emptyMessage(this.header(type))));
  }

  /** clusterBuildMessageHdr. */
  private header(type: MessageType): ClusterMessage {
    const cluster = this.cluster;
    const myself = cluster.myself;
    const master = myself.isReplica && myself.master !== null ? myself.master : myself;
    const ports = announcedPorts(cluster.config);
    return emptyMessage({
      type,
      port: ports.port,
      pport: ports.pport,
      cport: ports.cport,
      flags: myself.flags,
      state: cluster.stateOk ? 0 : 1,
      mflags: cluster.election.masterPaused ? MessageFlag.Paused : 0,
      currentEpoch: cluster.currentEpoch,
      configEpoch: master.configEpoch,
      offset: cluster.host.replicationOffset(),
      sender: myself.id,
      slots: master.slots,
      replicaOf: myself.master?.id ?? '',
      ip: cluster.config.announceIp,
    });
  }
}

/** deriveAnnouncedPorts. */
export function announcedPorts(config: ClusterConfig): { port: number; pport: number; cport: number } {
  return config.tlsCluster
    ? { port: config.announceTlsPort, pport: config.announcePort, cport: config.announceBusPort }
    : { port: config.announcePort, pport: 0, cport: config.announceBusPort };
}

function gossipEntry(node: ClusterNode): GossipEntry {
  return {
    id: node.id,
    pingSent: Math.floor(node.pingSent / 1000),
    pongReceived: Math.floor(node.pongReceived / 1000),
    ip: node.ip,
    port: node.port,
    cport: node.cport,
    flags: node.flags,
    pport: node.pport,
  };
}
