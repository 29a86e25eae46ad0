import { isIP, type Server as NetServer, type Socket } from 'node:net';
import type { ClusterConfig, ClusterHost } from '../ports.js';
import { SLOT_COUNT } from '../slots.js';
import type { ClusterView } from './view.js';
import { pruneFailureReports, quorum, rejoinDelay } from './failure.js';
import { Election, Todo, type ElectionContext, type FailoverMode } from './election.js';
import { Link, type LinkOwner } from './link.js';
import { MESSAGE_TYPE_COUNT, MessageType, SLOT_BITMAP_BYTES, testSlot } from './message.js';
import { ClusterNode, NodeFlag, isNodeId, randomNodeId, type EndpointSettings } from './node.js';
import { describeNodes } from './describe.js';
import { loadConfig, verifyConfigWithData, writeConfigFile, type ConfigFileContext } from './config-file.js';
import { announcedPorts, Messenger, type MessengerContext } from './messenger.js';
import { PacketProcessor, type PacketContext } from './packets.js';
import { Cron, type CronContext } from './cron.js';

/** A master in cluster_state:fail waits this long after start before turning ok (CLUSTER_WRITABLE_DELAY). */
const WRITABLE_DELAY = 2000;

export interface ClusterOptions {
  /** nodes.conf path (cluster-config-file, relative to dir already resolved). */
  configFile: string;
  /** The bus port to listen on (cluster-port, or port + 10000). */
  busPort: number;
  /** The addresses the server binds (the bus listens on the same ones). */
  bindAddresses: readonly string[];
}

/**
 * This node's view of the cluster and the bus that keeps it current (Redis's clusterState and
 * cluster.c): the nodes and their slots, epochs, the bus links and the cluster state. The parts
 * of cluster.c with a job of their own live beside it and act on this state: packets.ts
 * processes what arrives, messenger.ts builds what goes out, cron.ts is the periodic work,
 * config-file.ts nodes.conf, election.ts elections and manual failover, describe.ts the CLUSTER
 * replies. The CLUSTER command calls the public methods; request routing reads only the
 * ClusterView part.
 */
export class Cluster
  implements ClusterView, LinkOwner, ElectionContext, MessengerContext, PacketContext, CronContext, ConfigFileContext {
  readonly nodes = new Map<string, ClusterNode>();
  myself!: ClusterNode;
  currentEpoch = 0;
  lastVoteEpoch = 0;
  /** cluster_state: ok. Starts as fail, as in Redis, until the first state update says otherwise. */
  stateOk = false;
  /** Masters serving at least one slot. */
  size = 1;
  readonly slots: (ClusterNode | null)[] = new Array<ClusterNode | null>(SLOT_COUNT).fill(null);
  readonly migrating: (ClusterNode | null)[] = new Array<ClusterNode | null>(SLOT_COUNT).fill(null);
  readonly importing: (ClusterNode | null)[] = new Array<ClusterNode | null>(SLOT_COUNT).fill(null);
  /** Slots whose owner stopped claiming them (so UPDATE messages do not spread a stale owner). */
  readonly ownerNotClaiming = new Uint8Array(SLOT_BITMAP_BYTES);
  readonly messagesSent = new Array<number>(MESSAGE_TYPE_COUNT).fill(0);
  readonly messagesReceived = new Array<number>(MESSAGE_TYPE_COUNT).fill(0);
  linksBufferLimitExceeded = 0;

  readonly messenger: Messenger = new Messenger(this);
  readonly election: Election = new Election(this);
  private readonly packets = new PacketProcessor(this);
  private readonly cron = new Cron(this);
  private todo = 0;
  private todoScheduled = false;
  private amongMinorityTime = 0;
  private firstStateUpdate = 0;
  /** WRITABLE_DELAY, or 0 for a node that started with nothing to be stale about. */
  private writableDelay = WRITABLE_DELAY;
  private readonly listeners: NetServer[] = [];
  private readonly inbound = new Set<Link>();
  private readonly endpoints: EndpointSettings;
  private settings: ClusterConfig;

  constructor(
    readonly host: ClusterHost,
    private readonly options: ClusterOptions,
  ) {
    this.settings = host.config();
    this.endpoints = { preferred: this.settings.preferredEndpointType, tlsCluster: this.settings.tlsCluster };
  }

  // -- ClusterView -------------------------------------------------------------------------------

  ownerOf(slot: number): ClusterNode | null {
    return this.slots[slot] ?? null;
  }

  migratingTo(slot: number): ClusterNode | null {
    return this.migrating[slot] ?? null;
  }

  importingFrom(slot: number): ClusterNode | null {
    return this.importing[slot] ?? null;
  }

  // -- lifecycle ---------------------------------------------------------------------------------

  /** clusterInit: loads (or creates) nodes.conf, listens on the bus, starts the cron. */
  async start(): Promise<void> {
    const configLoaded = loadConfig(this, this.options.configFile);
    if (!configLoaded) {
      this.myself = this.createNode(null, NodeFlag.Myself | NodeFlag.Master);
      this.addNode(this.myself);
      this.host.log.info(`No cluster configuration found, I'm ${this.myself.id}`);
      this.saveConfigOrThrow(true);
    }
    this.refreshMyself();
    verifyConfigWithData(this);
    // The delay lets a restarted master learn that its slots moved on; a node that started without
    // a config file or slots has no such past, so a new cluster is ok as soon as it is formed.
    if (!configLoaded && this.myself.slotCount === 0) this.writableDelay = 0;
    for (const address of this.options.bindAddresses) {
      const listener = this.host.createBusListener((socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen({ port: this.options.busPort, host: address }, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      this.listeners.push(listener);
    }
    this.cron.start();
  }

  stop(): void {
    this.cron.stop();
    for (const listener of this.listeners) listener.close();
    for (const node of this.nodes.values()) {
      node.link?.close();
      node.inboundLink?.close();
    }
    for (const link of this.inbound) link.close();
    if ((this.todo & Todo.SaveConfig) !== 0) this.saveConfig(true);
  }

  /** Runs what the last event asked for (clusterBeforeSleep); commands call it before replying. */
  beforeSleep(): void {
    const flags = this.todo;
    this.todo = 0;
    if ((flags & Todo.HandleManualFailover) !== 0) {
      if (this.myself.isReplica) {
        this.election.handleManualFailover();
        this.election.handleReplicaFailover();
      }
    } else if ((flags & Todo.HandleFailover) !== 0) {
      this.election.handleReplicaFailover();
    }
    if ((flags & Todo.UpdateState) !== 0) this.updateState();
    if ((flags & Todo.SaveConfig) !== 0) this.saveConfigOrThrow((flags & Todo.FsyncConfig) !== 0);
  }

  doBeforeSleep(flags: number): void {
    this.todo |= flags;
    if (this.todoScheduled) return;
    this.todoScheduled = true;
    setImmediate(() => {
      this.todoScheduled = false;
      this.beforeSleep();
    });
  }

  get config(): ClusterConfig {
    return this.settings;
  }

  // -- nodes -------------------------------------------------------------------------------------

  lookup(id: string): ClusterNode | null {
    if (!isNodeId(id)) return null;
    return this.nodes.get(id) ?? null;
  }

  createNode(id: string | null, flags: number): ClusterNode {
    return new ClusterNode(id ?? randomNodeId(), flags, this.endpoints);
  }

  addNode(node: ClusterNode): void {
    this.nodes.set(node.id, node);
  }

  /** clusterDelNode: its slots, open slots, failure reports and links go with it. */
  deleteNode(node: ClusterNode): void {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (this.importing[slot] === node) this.importing[slot] = null;
      if (this.migrating[slot] === node) this.migrating[slot] = null;
      if (this.slots[slot] === node) this.deleteSlot(slot);
    }
    for (const other of this.nodes.values()) {
      if (other !== node && other.failReports.delete(node)) pruneFailureReports(other.failReports, Date.now(), this.config.nodeTimeout);
    }
    for (const replica of node.replicas) replica.master = null;
    if (node.isReplica && node.master !== null) node.master.removeReplica(node);
    this.nodes.delete(node.id);
    node.link?.close();
    node.inboundLink?.close();
  }

  renameNode(node: ClusterNode, id: string): void {
    this.nodes.delete(node.id);
    node.id = id;
    this.addNode(node);
  }

  addSlot(node: ClusterNode, slot: number): boolean {
    if (this.slots[slot] !== null) return false;
    node.addSlot(slot);
    this.slots[slot] = node;
    return true;
  }

  deleteSlot(slot: number): boolean {
    const owner = this.slots[slot];
    if (owner === null || owner === undefined) return false;
    if (owner === this.myself || owner === this.myself.master) this.host.slotLeftShard(slot);
    owner.removeSlot(slot);
    this.slots[slot] = null;
    return true;
  }

  deleteNodeSlots(node: ClusterNode): number {
    let deleted = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (node.ownsSlot(slot) && this.deleteSlot(slot)) deleted++;
    return deleted;
  }

  slotUnclaimed(slot: number): boolean {
    return testSlot(this.ownerNotClaiming, slot);
  }

  maxEpoch(): number {
    let max = this.currentEpoch;
    for (const node of this.nodes.values()) if (node.configEpoch > max) max = node.configEpoch;
    return max;
  }

  /** clusterSetNodeAsMaster. */
  setNodeAsMaster(node: ClusterNode): void {
    if (node.isMaster) return;
    if (node.master !== null) {
      node.master.removeReplica(node);
      if (node !== this.myself) node.flags |= NodeFlag.MigrateTo;
    }
    node.flags &= ~NodeFlag.Replica;
    node.flags |= NodeFlag.Master;
    node.master = null;
    this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
  }

  /** clusterSetMaster: myself becomes a replica of `master`. */
  setMaster(master: ClusterNode): void {
    const myself = this.myself;
    if (myself.isMaster) {
      myself.flags &= ~(NodeFlag.Master | NodeFlag.MigrateTo);
      myself.flags |= NodeFlag.Replica;
      this.migrating.fill(null);
      this.importing.fill(null);
    } else if (myself.master !== null) {
      myself.master.removeReplica(myself);
    }
    myself.master = master;
    master.addReplica(myself);
    this.host.replicateFrom(master.ip, master.port);
    this.election.resetManualFailover();
  }

  // -- nodes.conf --------------------------------------------------------------------------------

  /** clusterSaveConfig: returns an error message or null. */
  saveConfig(fsync: boolean): string | null {
    this.todo &= ~(Todo.SaveConfig | Todo.FsyncConfig);
    const content = `${describeNodes(this, NodeFlag.Handshake, false)}vars currentEpoch ${this.currentEpoch} lastVoteEpoch ${this.lastVoteEpoch}\n`;
    return writeConfigFile(this.options.configFile, content, fsync);
  }

  saveConfigOrThrow(fsync: boolean): void {
    const error = this.saveConfig(fsync);
    if (error !== null) {
      this.host.log.warn(`Fatal: can't update cluster config file: ${error}`);
      throw new Error(`can't update cluster config file: ${error}`);
    }
  }

  /** A node's replication offset; ours comes from the host (nodes do not gossip to themselves). */
  offsetOf(node: ClusterNode): number {
    return node === this.myself ? this.host.replicationOffset() : node.replOffset;
  }

  failureReportCount(node: ClusterNode): number {
    return pruneFailureReports(node.failReports, Date.now(), this.config.nodeTimeout);
  }

  // -- operator actions (CLUSTER subcommands) ----------------------------------------------------

  /** clusterStartHandshake; false for an invalid address (a handshake in progress is fine). */
  meet(ip: string, port: number, cport: number): boolean {
    const family = isIP(ip);
    if (family === 0) return false;
    if (port <= 0 || port > 65535 || cport <= 0 || cport > 65535) return false;
    const normalized = family === 6 ? normalizeIpv6(ip) : ip;
    for (const node of this.nodes.values()) {
      if (node.inHandshake && node.ip.toLowerCase() === normalized.toLowerCase() && node.port === port && node.cport === cport) return true;
    }
    const node = this.createNode(null, NodeFlag.Handshake | NodeFlag.Meet);
    node.ip = normalized;
    node.port = port;
    node.cport = cport;
    this.addNode(node);
    return true;
  }

  /** ADDSLOTS/DELSLOTS once checked: an importing slot that becomes ours is no longer importing. */
  updateSlots(slots: Iterable<number>, remove: boolean): void {
    for (const slot of slots) {
      this.importing[slot] = null;
      if (remove) this.deleteSlot(slot);
      else this.addSlot(this.myself, slot);
    }
    this.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
  }

  flushSlots(): void {
    this.deleteNodeSlots(this.myself);
    this.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
  }

  setMigrating(slot: number, node: ClusterNode | null): void {
    this.migrating[slot] = node;
    this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
  }

  setImporting(slot: number, node: ClusterNode | null): void {
    this.importing[slot] = node;
    this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
  }

  setStable(slot: number): void {
    this.importing[slot] = null;
    this.migrating[slot] = null;
    this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
  }

  /** CLUSTER SETSLOT <slot> NODE <id> once checked (the key check is the command's). */
  setSlotNode(slot: number, node: ClusterNode): void {
    const myself = this.myself;
    if (this.host.countKeysInSlot(slot) === 0 && this.migrating[slot] !== null) this.migrating[slot] = null;
    const wasMine = this.slots[slot] === myself;
    this.deleteSlot(slot);
    this.addSlot(node, slot);
    if (wasMine && node !== myself && myself.slotCount === 0 && this.config.allowReplicaMigration) {
      this.host.log.warn(`Configuration change detected. Reconfiguring myself as a replica of ${node.id}`);
      this.setMaster(node);
      this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | Todo.FsyncConfig);
    }
    if (node === myself && this.importing[slot] !== null) {
      // A manually migrated slot gets a new config epoch so the change wins everywhere.
      if (this.bumpEpochWithoutConsensus()) this.host.log.warn(`configEpoch updated after importing slot ${slot}`);
      this.importing[slot] = null;
      this.messenger.broadcastPong(false);
    }
    this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
  }

  /** clusterBumpConfigEpochWithoutConsensus: true when the epoch changed (BUMPED), false (STILL). */
  bumpEpochWithoutConsensus(): boolean {
    const max = this.maxEpoch();
    const myself = this.myself;
    if (myself.configEpoch !== 0 && myself.configEpoch === max) return false;
    this.currentEpoch++;
    myself.configEpoch = this.currentEpoch;
    this.doBeforeSleep(Todo.SaveConfig | Todo.FsyncConfig);
    this.host.log.warn(`New configEpoch set to ${myself.configEpoch}`);
    return true;
  }

  /** CLUSTER SET-CONFIG-EPOCH once checked. */
  setConfigEpoch(epoch: number): void {
    this.myself.configEpoch = epoch;
    this.host.log.warn(`configEpoch set to ${epoch} via CLUSTER SET-CONFIG-EPOCH`);
    if (this.currentEpoch < epoch) this.currentEpoch = epoch;
    this.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
  }

  forget(node: ClusterNode): void {
    this.packets.forget(node.id);
    this.deleteNode(node);
    this.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
  }

  replicate(master: ClusterNode): void {
    this.setMaster(master);
    // Everyone learns the new role now rather than from the next random ping (tools forming a
    // cluster wait until every view agrees).
    this.messenger.broadcastPong(false);
    this.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
  }

  /** clusterReset: forget every other node; HARD also takes a new id and zeroes the epochs. */
  reset(hard: boolean): void {
    const myself = this.myself;
    if (myself.isReplica) {
      this.setNodeAsMaster(myself);
      this.host.promote();
      this.host.flushAll();
    }
    this.migrating.fill(null);
    this.importing.fill(null);
    this.election.resetManualFailover();
    for (let slot = 0; slot < SLOT_COUNT; slot++) this.deleteSlot(slot);
    for (const node of [...this.nodes.values()]) if (node !== myself) this.deleteNode(node);
    if (hard) {
      this.currentEpoch = 0;
      this.lastVoteEpoch = 0;
      myself.configEpoch = 0;
      this.host.log.warn('configEpoch set to 0 via CLUSTER RESET HARD');
      this.renameNode(myself, randomNodeId());
      this.host.log.info(`Node hard reset, now I'm ${myself.id}`);
    }
    this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | Todo.FsyncConfig);
  }

  /** CLUSTER FAILOVER once its preconditions were checked by the command. */
  failover(mode: FailoverMode): void {
    this.election.start(mode);
  }

  /** clusterPropagatePublish: everyone for PUBLISH, our shard for SPUBLISH. */
  propagatePublish(channel: string, message: string, sharded: boolean): void {
    this.messenger.propagatePublish(channel, message, sharded);
  }

  // -- the bus: links ----------------------------------------------------------------------------

  private accept(socket: Socket): void {
    const link = Link.accept(socket, this);
    this.inbound.add(link);
  }

  linkConnected(link: Link): void {
    const node = link.node!;
    const oldPingSent = node.pingSent;
    this.messenger.sendPing(link, node.has(NodeFlag.Meet) ? MessageType.Meet : MessageType.Ping);
    // A reconnection must not hide a ping that is still unanswered.
    if (oldPingSent !== 0) node.pingSent = oldPingSent;
    node.flags &= ~NodeFlag.Meet;
  }

  linkClosed(link: Link): void {
    this.inbound.delete(link);
    const node = link.node;
    // A connection that failed counts as an unanswered ping, so an unreachable node times out.
    if (!link.inbound && node !== null && node.pingSent === 0 && this.nodes.get(node.id) === node) node.pingSent = Date.now();
  }

  linkError(link: Link, reason: string): void {
    this.host.log.warn(`Bad message on the cluster bus from ${link.socket.remoteAddress ?? '?'}: ${reason}`);
  }

  frameReceived(link: Link, frame: Buffer): void {
    this.packets.frameReceived(link, frame);
  }

  // -- elections (election.ts decides; this acts on the cluster) -------------------------------

  /** clusterFailoverReplaceYourMaster: we become the master of our master's slots and say so. */
  replaceMaster(): void {
    const myself = this.myself;
    const oldMaster = myself.master;
    if (myself.isMaster || oldMaster === null) return;
    this.setNodeAsMaster(myself);
    this.host.promote();
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (!oldMaster.ownsSlot(slot)) continue;
      this.deleteSlot(slot);
      this.addSlot(myself, slot);
    }
    this.updateState();
    this.saveConfigOrThrow(true);
    this.messenger.broadcastPong(false);
    this.election.reset();
  }

  // -- myself and cluster_state ------------------------------------------------------------------

  /** Myself's announced address, hostname and nofailover flag follow the config. */
  refreshMyself(): void {
    this.settings = this.host.config();
    const config = this.settings;
    this.endpoints.preferred = config.preferredEndpointType;
    this.endpoints.tlsCluster = config.tlsCluster;
    const myself = this.myself;
    const ports = announcedPorts(config);
    myself.port = ports.port;
    myself.pport = ports.pport;
    myself.cport = ports.cport;
    if (config.announceIp !== '' && myself.ip !== config.announceIp) {
      myself.ip = config.announceIp;
      this.doBeforeSleep(Todo.SaveConfig);
    }
    myself.hostname = config.announceHostname;
    const noFailover = config.replicaNoFailover ? NodeFlag.NoFailover : 0;
    if ((myself.flags & NodeFlag.NoFailover) !== noFailover) {
      myself.flags = (myself.flags & ~NodeFlag.NoFailover) | noFailover;
      this.doBeforeSleep(Todo.SaveConfig);
    }
  }

  /** clusterUpdateState: ok when every slot is served by a non-failed node and we see a majority. */
  updateState(): void {
    this.todo &= ~Todo.UpdateState;
    const now = Date.now();
    if (this.firstStateUpdate === 0) this.firstStateUpdate = now;
    // A master that just started waits for the cluster to tell it about changes before serving.
    if (this.myself.isMaster && !this.stateOk && now - this.firstStateUpdate < this.writableDelay) return;
    let ok = true;
    if (this.config.requireFullCoverage) {
      for (const owner of this.slots) {
        if (owner === null || owner.failed) {
          ok = false;
          break;
        }
      }
    }
    let size = 0;
    let reachable = 0;
    for (const node of this.nodes.values()) {
      if (!node.isMaster || node.slotCount === 0) continue;
      size++;
      if (!node.has(NodeFlag.Fail | NodeFlag.PFail)) reachable++;
    }
    this.size = size;
    if (reachable < quorum(size)) {
      ok = false;
      // Knowing no master with slots (a node not yet given any) is not being cut off from them:
      // only a real minority delays the return to ok.
      if (size > 0) this.amongMinorityTime = now;
    }
    if (ok === this.stateOk) return;
    // A master back from the minority side waits before accepting writes again.
    if (ok && this.myself.isMaster && now - this.amongMinorityTime < rejoinDelay(this.config.nodeTimeout)) return;
    this.host.log.warn(`Cluster state changed: ${ok ? 'ok' : 'fail'}`);
    this.stateOk = ok;
  }
}

/** inet_ntop's form of an IPv6 address (lower case, zeros compressed). */
function normalizeIpv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}
