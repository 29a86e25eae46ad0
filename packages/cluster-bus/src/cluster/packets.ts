/**
 * Processing what arrives on the bus (Redis's clusterProcessPacket and its helpers): the
 * sender's epochs, role, address and slots, gossip and failure reports, FAIL, UPDATE, votes
 * and PUBLISH.
 */
import type { ClusterConfig, ClusterHost } from '../ports.js';
import { SLOT_COUNT } from '../slots.js';
import { verifyMessage } from './bus-auth.js';
import { Todo, type Election } from './election.js';
import { failureAgreed, FAIL_UNDO_TIME_MULT, pruneFailureReports } from './failure.js';
import type { Link } from './link.js';
import {
  MESSAGE_TYPE_COUNT,
  MessageType,
  clearSlotBit,
  decodeMessage,
  sameBitmap,
  setSlotBit,
  testSlot,
  type ClusterMessage,
} from './message.js';
import { NodeFlag, isNodeId, type ClusterNode } from './node.js';
import type { Messenger } from './messenger.js';

/** A forgotten node is not re-added from gossip for this long (CLUSTER_BLACKLIST_TTL). */
const BLACKLIST_TTL_MS = 60_000;

/** What packet processing reads and changes in the cluster state (the Cluster implements it). */
export interface PacketContext {
  readonly host: ClusterHost;
  readonly config: ClusterConfig;
  readonly myself: ClusterNode;
  currentEpoch: number;
  readonly size: number;
  readonly slots: readonly (ClusterNode | null)[];
  readonly importing: readonly (ClusterNode | null)[];
  readonly ownerNotClaiming: Uint8Array;
  readonly messagesReceived: number[];
  readonly messenger: Pick<Messenger, 'sendPing' | 'sendFail' | 'sendUpdate'>;
  readonly election: Pick<Election, 'masterMessage' | 'voteIfNeeded' | 'voteReceived' | 'manualFailoverRequested'>;
  lookup(id: string): ClusterNode | null;
  createNode(id: string | null, flags: number): ClusterNode;
  addNode(node: ClusterNode): void;
  deleteNode(node: ClusterNode): void;
  renameNode(node: ClusterNode, id: string): void;
  addSlot(node: ClusterNode, slot: number): boolean;
  deleteSlot(slot: number): boolean;
  deleteNodeSlots(node: ClusterNode): number;
  setNodeAsMaster(node: ClusterNode): void;
  setMaster(master: ClusterNode): void;
  slotUnclaimed(slot: number): boolean;
  failureReportCount(node: ClusterNode): number;
  doBeforeSleep(flags: number): void;
  saveConfigOrThrow(fsync: boolean): void;
}

export class PacketProcessor {
  private readonly blacklist = new Map<string, number>();
  private lastUnsignedWarning = 0;

  constructor(private readonly cluster: PacketContext) {}

  /** CLUSTER FORGET: the node is not re-added from gossip for a while. */
  forget(id: string): void {
    this.blacklist.set(id, Date.now() + BLACKLIST_TTL_MS);
  }

  frameReceived(link: Link, frame: Buffer): void {
    const type = frame.readUInt16BE(12);
    if (type < MESSAGE_TYPE_COUNT) this.cluster.messagesReceived[type]!++;
    const secret = this.cluster.config.masterAuth;
    if (secret !== '' && !verifyMessage(frame, secret)) {
      // A peer without the secret retries every 100 ms: say so at most every 10 s.
      const now = Date.now();
      if (now - this.lastUnsignedWarning > 10_000) {
        this.lastUnsignedWarning = now;
        this.cluster.host.log.warn(`Dropping cluster bus messages from ${link.socket.remoteAddress ?? '?'} not signed with masterauth`);
      }
      link.close();
      return;
    }
    const message = decodeMessage(frame);
    if (message === null) return;
    if (typeof message === 'string') {
      this.cluster.host.log.warn(message);
      return;
    }
    this.processPacket(link, message);
  }

  private senderOf(link: Link, message: ClusterMessage): ClusterNode | null {
    if (link.node !== null && !link.node.inHandshake) return link.node;
    const sender = this.cluster.lookup(message.sender);
    if (sender !== null && link.node === null) {
      // One inbound link per node: a newer connection replaces the older one.
      if (sender.inboundLink !== null && sender.inboundLink !== link) sender.inboundLink.close();
      sender.inboundLink = link;
      link.node = sender;
    }
    return sender;
  }

  /** clusterProcessPacket. */
  private processPacket(link: Link, message: ClusterMessage): void {
    const now = Date.now();
    const type = message.type;
    const myself = this.cluster.myself;
    const sender = this.senderOf(link, message);
    if (sender !== null) sender.dataReceived = now;
    let senderConfigEpoch = 0;
    if (sender !== null && !sender.inHandshake) {
      if (message.currentEpoch > this.cluster.currentEpoch) this.cluster.currentEpoch = message.currentEpoch;
      senderConfigEpoch = message.configEpoch;
      if (senderConfigEpoch > sender.configEpoch) {
        sender.configEpoch = senderConfigEpoch;
        this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.FsyncConfig);
      }
      sender.replOffset = message.offset;
      sender.replOffsetTime = now;
      if (myself.isReplica && myself.master === sender) this.cluster.election.masterMessage(sender, message);
    }

    if (type === MessageType.Ping || type === MessageType.Meet) {
      // Our own address as the peer reaches us, unless we announce one.
      if ((type === MessageType.Meet || myself.ip === '') && this.cluster.config.announceIp === '') {
        const local = stripIpv4Mapped(link.socket.localAddress ?? '');
        if (local !== '' && local !== myself.ip) {
          myself.ip = local;
          this.cluster.host.log.warn(`IP address for this node updated to ${myself.ip}`);
          this.cluster.doBeforeSleep(Todo.SaveConfig);
        }
      }
      if (sender === null && type === MessageType.Meet) {
        const node = this.cluster.createNode(null, NodeFlag.Handshake);
        node.setAddress(senderIp(link, message), message.port, message.pport, message.cport);
        this.cluster.addNode(node);
        this.cluster.doBeforeSleep(Todo.SaveConfig);
        this.processGossip(message, link);
      }
      this.cluster.messenger.sendPing(link, MessageType.Pong);
    }

    if (type === MessageType.Ping || type === MessageType.Pong || type === MessageType.Meet) {
      if (!link.inbound && link.node !== null) {
        const node = link.node;
        if (node.inHandshake) {
          if (sender !== null) {
            // A node we already know, seen again at another address: keep the known one.
            if (this.updateAddressIfNeeded(sender, link, message)) this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
            this.cluster.deleteNode(node);
            return;
          }
          this.cluster.renameNode(node, message.sender);
          node.flags &= ~NodeFlag.Handshake;
          node.flags |= message.flags & (NodeFlag.Master | NodeFlag.Replica);
          this.cluster.doBeforeSleep(Todo.SaveConfig);
        } else if (node.id !== message.sender) {
          // Someone else answers at this address now: the node's address is unknown.
          node.flags |= NodeFlag.NoAddr;
          node.setAddress('', 0, 0, 0);
          link.close();
          this.cluster.doBeforeSleep(Todo.SaveConfig);
          return;
        }
      }
      if (sender !== null) {
        sender.flags = (sender.flags & ~NodeFlag.NoFailover) | (message.flags & NodeFlag.NoFailover);
      }
      if (sender !== null && type === MessageType.Ping && !sender.inHandshake && this.updateAddressIfNeeded(sender, link, message)) {
        this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
      }
      if (!link.inbound && type === MessageType.Pong && link.node !== null) {
        const node = link.node;
        node.pongReceived = now;
        node.pingSent = 0;
        if (node.timedOut) {
          node.flags &= ~NodeFlag.PFail;
          this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
        } else if (node.failed) {
          this.clearFailureIfNeeded(node);
        }
      }
      if (sender !== null) this.updateRole(sender, message);

      let dirtySlots = false;
      if (sender !== null) {
        const senderMaster = sender.isMaster ? sender : sender.master;
        if (senderMaster !== null) dirtySlots = !sameBitmap(senderMaster.slots, message.slots);
      }
      if (sender !== null && sender.isMaster && dirtySlots) this.updateSlotsConfigWith(sender, senderConfigEpoch, message.slots);
      if (sender !== null && dirtySlots) {
        // The sender claims slots whose owner has a newer config: tell it (UPDATE).
        for (let slot = 0; slot < SLOT_COUNT; slot++) {
          if (!testSlot(message.slots, slot)) continue;
          const owner = this.cluster.slots[slot];
          if (owner === sender || owner === null || owner === undefined || this.cluster.slotUnclaimed(slot)) continue;
          if (owner.configEpoch > senderConfigEpoch) {
            this.cluster.messenger.sendUpdate(sender.link, owner);
            break;
          }
        }
      }
      if (sender !== null && myself.isMaster && sender.isMaster && senderConfigEpoch === myself.configEpoch) {
        this.handleConfigEpochCollision(sender);
      }
      if (sender !== null) {
        this.processGossip(message, link);
        this.updateHostname(sender, message.hostname ?? '');
      }
      return;
    }

    switch (type) {
      case MessageType.Fail: {
        if (sender === null) {
          this.cluster.host.log.info(`Ignoring FAIL message from unknown node ${message.sender} about ${message.failing}`);
          return;
        }
        const failing = this.cluster.lookup(message.failing);
        if (failing !== null && !failing.has(NodeFlag.Fail | NodeFlag.Myself)) {
          this.cluster.host.log.info(`FAIL message received from ${message.sender} about ${message.failing}`);
          failing.flags |= NodeFlag.Fail;
          failing.failTime = now;
          failing.flags &= ~NodeFlag.PFail;
          this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | this.failoverTodo(failing));
        }
        return;
      }
      case MessageType.Publish:
      case MessageType.PublishShard:
        if (sender === null) return;
        this.cluster.host.deliverPublish(message.channel, message.message, type === MessageType.PublishShard);
        return;
      case MessageType.AuthRequest:
        if (sender === null) return;
        this.cluster.election.voteIfNeeded(sender, message);
        return;
      case MessageType.AuthAck:
        if (sender !== null) this.cluster.election.voteReceived(sender, message.currentEpoch);
        return;
      case MessageType.MfStart:
        if (sender === null || sender.master !== myself) return;
        this.cluster.election.manualFailoverRequested(sender);
        // Our offset, with the paused flag, goes to the replica at once.
        this.cluster.messenger.sendPing(link, MessageType.Ping);
        return;
      case MessageType.Update: {
        const update = message.update;
        if (sender === null || update === null) return;
        const node = this.cluster.lookup(update.id);
        if (node === null || node.configEpoch >= update.configEpoch) return;
        if (node.isReplica) this.cluster.setNodeAsMaster(node);
        node.configEpoch = update.configEpoch;
        this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.FsyncConfig);
        this.updateSlotsConfigWith(node, update.configEpoch, update.slots);
        return;
      }
      default:
        return;
    }
  }

  /** The sender's role as its header states it: master, or replica of the master it names. */
  private updateRole(sender: ClusterNode, message: ClusterMessage): void {
    if (message.replicaOf === '') {
      this.cluster.setNodeAsMaster(sender);
      return;
    }
    const master = this.cluster.lookup(message.replicaOf);
    if (sender.isMaster) {
      // A master turned replica: its slots are someone else's now.
      this.cluster.deleteNodeSlots(sender);
      sender.flags &= ~(NodeFlag.Master | NodeFlag.MigrateTo);
      sender.flags |= NodeFlag.Replica;
      this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
    }
    if (master !== null && sender.master !== master) {
      sender.master?.removeReplica(sender);
      master.addReplica(sender);
      sender.master = master;
      this.cluster.doBeforeSleep(Todo.SaveConfig);
    }
  }

  private updateHostname(node: ClusterNode, hostname: string): void {
    if (node.hostname === hostname) return;
    node.hostname = hostname;
    this.cluster.doBeforeSleep(Todo.SaveConfig);
  }

  /**
   * nodeUpdateAddressIfNeeded: a known node talking from a new address (a restarted container
   * with a new IP) is reconnected there; if it is our master, replication follows it.
   */
  private updateAddressIfNeeded(node: ClusterNode, link: Link, message: ClusterMessage): boolean {
    if (link === node.link) return false;
    const ip = senderIp(link, message);
    if (ip === '') return false;
    if (node.port === message.port && node.cport === message.cport && node.pport === message.pport && node.ip === ip) return false;
    this.relocate(node, ip, message.port, message.pport, message.cport);
    this.cluster.host.log.warn(`Address updated for node ${node.id}, now ${node.ip}:${node.port}`);
    return true;
  }

  /** A known node moved: reconnect to it there, and if it is our master, replication follows it. */
  private relocate(node: ClusterNode, ip: string, port: number, pport: number, cport: number): void {
    node.link?.close();
    node.setAddress(ip, port, pport, cport);
    node.flags &= ~NodeFlag.NoAddr;
    if (this.cluster.myself.isReplica && this.cluster.myself.master === node) this.cluster.host.replicateFrom(ip, port);
  }

  /** clusterProcessGossipSection. */
  private processGossip(message: ClusterMessage, link: Link): void {
    const sender = link.node ?? this.cluster.lookup(message.sender);
    const now = Date.now();
    for (const entry of message.gossip) {
      const node = this.cluster.lookup(entry.id);
      const failing = (entry.flags & (NodeFlag.Fail | NodeFlag.PFail)) !== 0;
      if (node !== null) {
        // Only masters' opinions count as failure reports.
        if (sender !== null && sender.isMaster && node !== this.cluster.myself) {
          if (failing) {
            if (!node.failReports.has(sender)) this.cluster.host.log.info(`Node ${sender.id} reported node ${node.id} as not reachable.`);
            node.failReports.set(sender, now);
            this.markFailingIfNeeded(node);
          } else if (node.failReports.delete(sender)) {
            pruneFailureReports(node.failReports, now, this.cluster.config.nodeTimeout);
          }
        }
        // Another node's recent pong counts as ours while we have nothing pending for the node.
        if (!failing && node.pingSent === 0 && this.cluster.failureReportCount(node) === 0) {
          const pongTime = entry.pongReceived * 1000;
          if (pongTime <= now + 500 && pongTime > node.pongReceived) node.pongReceived = pongTime;
        }
        // A node we cannot reach, seen healthy at another address by a peer: try there.
        if (node.has(NodeFlag.Fail | NodeFlag.PFail) && (entry.flags & NodeFlag.NoAddr) === 0 && !failing &&
          (node.ip.toLowerCase() !== entry.ip.toLowerCase() || node.port !== entry.port || node.cport !== entry.cport)) {
          this.relocate(node, entry.ip, entry.port, entry.pport, entry.cport);
        }
      } else if (sender !== null && (entry.flags & NodeFlag.NoAddr) === 0 && !this.blacklisted(entry.id) && isNodeId(entry.id)) {
        // Only a known node may introduce others, so we never join another cluster by accident.
        const added = this.cluster.createNode(entry.id, entry.flags);
        added.setAddress(entry.ip, entry.port, entry.pport, entry.cport);
        this.cluster.addNode(added);
      }
    }
  }

  private blacklisted(id: string): boolean {
    const now = Date.now();
    for (const [name, expires] of this.blacklist) if (expires < now) this.blacklist.delete(name);
    return this.blacklist.has(id);
  }

  /**
   * clusterUpdateSlotsConfigWith: slots `sender` claims with a newer config epoch than their
   * owner's become its own. If we (or our master) lose every slot to it, we follow it as a
   * replica; slots we lost while keeping others have their keys deleted.
   */
  private updateSlotsConfigWith(sender: ClusterNode, senderConfigEpoch: number, slots: Uint8Array): void {
    const myself = this.cluster.myself;
    if (sender === myself) {
      this.cluster.host.log.warn('Discarding UPDATE message about myself.');
      return;
    }
    const currentMaster = myself.isMaster ? myself : myself.master;
    let newMaster: ClusterNode | null = null;
    const dirty: number[] = [];
    let senderSlots = 0;
    let migratedOurSlots = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (testSlot(slots, slot)) {
        senderSlots++;
        const owner = this.cluster.slots[slot] ?? null;
        if (owner === sender) {
          clearSlotBit(this.cluster.ownerNotClaiming, slot);
          continue;
        }
        // A slot we are importing is being fixed by an operator (redis-cli): leave it alone.
        if (this.cluster.importing[slot] !== null) continue;
        if (owner === null || this.cluster.slotUnclaimed(slot) || owner.configEpoch < senderConfigEpoch) {
          if (owner === myself && this.cluster.host.countKeysInSlot(slot) > 0) dirty.push(slot);
          if (owner !== null && owner === currentMaster) {
            newMaster = sender;
            migratedOurSlots++;
          }
          this.cluster.deleteSlot(slot);
          this.cluster.addSlot(sender, slot);
          clearSlotBit(this.cluster.ownerNotClaiming, slot);
          this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | Todo.FsyncConfig);
        }
      } else if (this.cluster.slots[slot] === sender) {
        setSlotBit(this.cluster.ownerNotClaiming, slot);
      }
    }
    if (newMaster !== null && currentMaster !== null && currentMaster.slotCount === 0 &&
      (this.cluster.config.allowReplicaMigration || senderSlots === migratedOurSlots)) {
      this.cluster.host.log.warn(`Configuration change detected. Reconfiguring myself as a replica of ${sender.id}`);
      this.cluster.setMaster(sender);
      this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | Todo.FsyncConfig);
    } else if (myself.master !== null && myself.master.master !== null && myself.master.master !== myself) {
      this.cluster.host.log.warn(`I'm a sub-replica! Reconfiguring myself as a replica of grandmaster ${myself.master.master.id}`);
      this.cluster.setMaster(myself.master.master);
      this.cluster.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | Todo.FsyncConfig);
    } else {
      for (const slot of dirty) this.cluster.host.deleteKeysInSlot(slot);
    }
  }

  /**
   * clusterHandleConfigEpochCollision: two masters with the same config epoch; the one with the
   * lexicographically smaller id takes a new epoch, so every master ends up with its own.
   */
  private handleConfigEpochCollision(sender: ClusterNode): void {
    const myself = this.cluster.myself;
    if (sender.configEpoch !== myself.configEpoch || !sender.isMaster || !myself.isMaster) return;
    if (sender.id <= myself.id) return;
    this.cluster.currentEpoch++;
    myself.configEpoch = this.cluster.currentEpoch;
    this.cluster.saveConfigOrThrow(true);
    this.cluster.host.log.info(`WARNING: configEpoch collision with node ${sender.id}. configEpoch set to ${myself.configEpoch}`);
  }

  // -- failure reports ---------------------------------------------------------------------------

  /** markNodeAsFailingIfNeeded: PFAIL → FAIL on a majority of masters, then everyone is told. */
  private markFailingIfNeeded(node: ClusterNode): void {
    if (!node.timedOut || node.failed) return;
    const reports = this.cluster.failureReportCount(node);
    if (!failureAgreed(reports, this.cluster.myself.isMaster, this.cluster.size)) return;
    this.cluster.host.log.info(`Marking node ${node.id} as failing (quorum reached).`);
    node.flags &= ~NodeFlag.PFail;
    node.flags |= NodeFlag.Fail;
    node.failTime = Date.now();
    this.cluster.messenger.sendFail(node);
    this.cluster.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig | this.failoverTodo(node));
  }

  /** When our master fails, the election is scheduled now rather than at the next cron tick. */
  private failoverTodo(failed: ClusterNode): number {
    return this.cluster.myself.master === failed ? Todo.HandleFailover : 0;
  }

  /** clearNodeFailureIfNeeded: a FAIL node answers again. */
  private clearFailureIfNeeded(node: ClusterNode): void {
    const now = Date.now();
    if (node.isReplica || node.slotCount === 0) {
      this.cluster.host.log.info(`Clear FAIL state for node ${node.id}: ${node.isReplica ? 'replica' : 'master without slots'} is reachable again.`);
      node.flags &= ~NodeFlag.Fail;
      this.cluster.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
    }
    if (node.isMaster && node.slotCount > 0 && now - node.failTime > this.cluster.config.nodeTimeout * FAIL_UNDO_TIME_MULT) {
      this.cluster.host.log.info(`Clear FAIL state for node ${node.id}: is reachable again and nobody is serving its slots after some time.`);
      node.flags &= ~NodeFlag.Fail;
      this.cluster.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
    }
  }
}

/** The sender's IP: the one it announces, else the address its connection comes from. */
function senderIp(link: Link, message: ClusterMessage): string {
  return message.ip !== '' ? message.ip : stripIpv4Mapped(link.socket.remoteAddress ?? '');
}

/** "::ffff:1.2.3.4" (an IPv4 peer on a dual-stack socket) → "1.2.3.4". */
function stripIpv4Mapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
