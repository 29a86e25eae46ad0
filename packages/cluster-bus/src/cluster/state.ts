import { isIP, type Server as NetServer, type Socket } from 'node:net';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { ClusterConfig, ClusterHost } from '../ports.js';
import { SLOT_COUNT } from '../slots.js';
import type { ClusterView } from './view.js';
import { signMessage, verifyMessage } from './bus-auth.js';
import {
  failureAgreed,
  FAIL_UNDO_TIME_MULT,
  pruneFailureReports,
  quorum,
  rejoinDelay,
} from './failure.js';
import { Election, Todo, type ElectionContext, type FailoverMode } from './election.js';
import { Link, type LinkOwner } from './link.js';
import {
  MESSAGE_TYPE_COUNT,
  MessageFlag,
  MessageType,
  SLOT_BITMAP_BYTES,
  clearSlotBit,
  decodeMessage,
  emptyMessage,
  encodeMessage,
  sameBitmap,
  setSlotBit,
  testSlot,
  type ClusterMessage,
  type GossipEntry,
} from './message.js';
import { ClusterNode, NodeFlag, isNodeId, randomNodeId, type EndpointSettings } from './node.js';
import { describeNodes } from './describe.js';
import { parseNodesFile, type NodesFile } from './nodes-file.js';

/** clusterCron runs every 100 ms in Redis (serverCron's run_with_period(100)). */
const CRON_MS = 100;
/** A master in cluster_state:fail waits this long after start before turning ok (CLUSTER_WRITABLE_DELAY). */
const WRITABLE_DELAY = 2000;
/** A forgotten node is not re-added from gossip for this long (CLUSTER_BLACKLIST_TTL). */
const BLACKLIST_TTL_MS = 60_000;

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
 * cluster.c): the nodes and their slots, epochs, gossip, failure detection, nodes.conf and
 * PUBLISH propagation; elections and manual failover are election.ts's, the CLUSTER replies
 * describe.ts's. The CLUSTER command calls the public methods; request routing reads only the
 * ClusterView part.
 */
export class Cluster implements ClusterView, LinkOwner, ElectionContext {
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
  private readonly ownerNotClaiming = new Uint8Array(SLOT_BITMAP_BYTES);
  private readonly blacklist = new Map<string, number>();
  readonly messagesSent = new Array<number>(MESSAGE_TYPE_COUNT).fill(0);
  readonly messagesReceived = new Array<number>(MESSAGE_TYPE_COUNT).fill(0);
  linksBufferLimitExceeded = 0;
  private pfailNodes = 0;

  private readonly election = new Election(this);
  private todo = 0;
  private todoScheduled = false;
  private amongMinorityTime = 0;
  private firstStateUpdate = 0;
  /** WRITABLE_DELAY, or 0 for a node that started with nothing to be stale about. */
  private writableDelay = WRITABLE_DELAY;
  private iteration = 0;
  private pingRound = 0;
  private lastUnsignedWarning = 0;
  private readonly listeners: NetServer[] = [];
  private readonly inbound = new Set<Link>();
  private cron: NodeJS.Timeout | null = null;
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
    const configLoaded = this.loadConfig();
    if (!configLoaded) {
      this.myself = this.createNode(null, NodeFlag.Myself | NodeFlag.Master);
      this.addNode(this.myself);
      this.host.log.info(`No cluster configuration found, I'm ${this.myself.id}`);
      this.saveConfigOrThrow(true);
    }
    this.refreshMyself();
    this.verifyConfigWithData();
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
    this.cron = setInterval(() => this.clusterCron(), CRON_MS);
    this.cron.unref();
  }

  stop(): void {
    if (this.cron !== null) clearInterval(this.cron);
    this.cron = null;
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

  private createNode(id: string | null, flags: number): ClusterNode {
    return new ClusterNode(id ?? randomNodeId(), flags, this.endpoints);
  }

  private addNode(node: ClusterNode): void {
    this.nodes.set(node.id, node);
  }

  /** clusterDelNode: its slots, open slots, failure reports and links go with it. */
  private deleteNode(node: ClusterNode): void {
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

  private renameNode(node: ClusterNode, id: string): void {
    this.nodes.delete(node.id);
    node.id = id;
    this.addNode(node);
  }

  private addSlot(node: ClusterNode, slot: number): boolean {
    if (this.slots[slot] !== null) return false;
    node.addSlot(slot);
    this.slots[slot] = node;
    return true;
  }

  private deleteSlot(slot: number): boolean {
    const owner = this.slots[slot];
    if (owner === null || owner === undefined) return false;
    if (owner === this.myself || owner === this.myself.master) this.host.slotLeftShard(slot);
    owner.removeSlot(slot);
    this.slots[slot] = null;
    return true;
  }

  private deleteNodeSlots(node: ClusterNode): number {
    let deleted = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (node.ownsSlot(slot) && this.deleteSlot(slot)) deleted++;
    return deleted;
  }

  private maxEpoch(): number {
    let max = this.currentEpoch;
    for (const node of this.nodes.values()) if (node.configEpoch > max) max = node.configEpoch;
    return max;
  }

  /** clusterSetNodeAsMaster. */
  private setNodeAsMaster(node: ClusterNode): void {
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

  private loadConfig(): boolean {
    const file = this.options.configFile;
    if (!existsSync(file)) return false;
    const text = readFileSync(file, 'latin1');
    if (text.length === 0) return false;
    let parsed: NodesFile;
    try {
      parsed = parseNodesFile(text);
    } catch (error) {
      this.host.log.warn(`Unrecoverable error: corrupted cluster config file (${(error as Error).message}).`);
      throw error;
    }
    const now = Date.now();
    const byId = (id: string): ClusterNode => {
      let node = this.nodes.get(id);
      if (node === undefined) {
        node = this.createNode(id, 0);
        this.addNode(node);
      }
      return node;
    };
    for (const line of parsed.nodes) {
      const node = byId(line.id);
      node.hostname = line.hostname;
      node.ip = line.ip;
      node.port = line.port;
      node.cport = line.cport;
      // |=: a master listed after its replicas already carries MigrateTo from them.
      node.flags |= line.flags;
      if ((line.flags & NodeFlag.Myself) !== 0) this.myself = node;
      if ((line.flags & NodeFlag.Fail) !== 0) node.failTime = now;
      if (line.master !== '') {
        const master = byId(line.master);
        node.master = master;
        master.addReplica(node);
      }
      if (line.pingSent !== 0) node.pingSent = now;
      if (line.pongReceived !== 0) node.pongReceived = now;
      node.configEpoch = node.isReplica && node.master !== null ? 0 : line.configEpoch;
      for (const [start, end] of line.slots) for (let slot = start; slot <= end; slot++) this.addSlot(node, slot);
      for (const [slot, id] of line.migrating) this.migrating[slot] = byId(id);
      for (const [slot, id] of line.importing) this.importing[slot] = byId(id);
    }
    this.currentEpoch = parsed.currentEpoch;
    this.lastVoteEpoch = parsed.lastVoteEpoch;
    this.host.log.info(`Node configuration loaded, I'm ${this.myself.id}`);
    const max = this.maxEpoch();
    if (max > this.currentEpoch) this.currentEpoch = max;
    return true;
  }

  /**
   * clusterSaveConfig: written to a temporary file, fsynced when asked, then renamed over the
   * old one, so a crash leaves either the old or the new file. Returns an error message or null.
   */
  saveConfig(fsync: boolean): string | null {
    this.todo &= ~(Todo.SaveConfig | Todo.FsyncConfig);
    const content = `${describeNodes(this, NodeFlag.Handshake, false)}vars currentEpoch ${this.currentEpoch} lastVoteEpoch ${this.lastVoteEpoch}\n`;
    const temporary = `${this.options.configFile}.tmp-${process.pid}`;
    try {
      const fd = openSync(temporary, 'w', 0o644);
      try {
        writeSync(fd, content, null, 'latin1');
        if (fsync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.options.configFile);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  saveConfigOrThrow(fsync: boolean): void {
    const error = this.saveConfig(fsync);
    if (error !== null) {
      this.host.log.warn(`Fatal: can't update cluster config file: ${error}`);
      throw new Error(`can't update cluster config file: ${error}`);
    }
  }

  /**
   * verifyClusterConfigWithData: keys of a slot nobody serves make it ours; keys of a slot
   * another node serves mark it as importing from that node (so they can be moved or fixed).
   */
  private verifyConfigWithData(): void {
    if (this.myself.isReplica) return;
    let changed = 0;
    for (const slot of this.host.slotsWithKeys()) {
      if (this.slots[slot] === this.myself || this.importing[slot] !== null) continue;
      changed++;
      const owner = this.slots[slot];
      if (owner === null || owner === undefined) {
        this.host.log.warn(`I have keys for unassigned slot ${slot}. Taking responsibility for it.`);
        this.addSlot(this.myself, slot);
      } else {
        this.host.log.warn(`I have keys for slot ${slot}, but the slot is assigned to another node. Setting it to importing state.`);
        this.importing[slot] = owner;
      }
    }
    if (changed > 0) this.saveConfigOrThrow(true);
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
      this.broadcastPong(false);
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
    this.blacklist.set(node.id, Date.now() + BLACKLIST_TTL_MS);
    this.deleteNode(node);
    this.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
  }

  replicate(master: ClusterNode): void {
    this.setMaster(master);
    // Everyone learns the new role now rather than from the next random ping (tools forming a
    // cluster wait until every view agrees).
    this.broadcastPong(false);
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
    const frame = this.frame({ ...emptyMessage(this.header(sharded ? MessageType.PublishShard : MessageType.Publish)), channel, message });
    if (!sharded) {
      this.broadcast(frame);
      return;
    }
    const master = this.myself.isMaster ? this.myself : this.myself.master;
    if (master === null) return;
    for (const node of [master, ...master.replicas]) {
      if (node.isMyself || node.inHandshake) continue;
      this.sendFrame(node.link, frame);
    }
  }

  // -- the bus: links ----------------------------------------------------------------------------

  private accept(socket: Socket): void {
    const link = Link.accept(socket, this);
    this.inbound.add(link);
  }

  linkConnected(link: Link): void {
    const node = link.node!;
    const oldPingSent = node.pingSent;
    this.sendPing(link, node.has(NodeFlag.Meet) ? MessageType.Meet : MessageType.Ping);
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
    const type = frame.readUInt16BE(12);
    if (type < MESSAGE_TYPE_COUNT) this.messagesReceived[type]!++;
    const secret = this.config.masterAuth;
    if (secret !== '' && !verifyMessage(frame, secret)) {
      // A peer without the secret retries every 100 ms: say so at most every 10 s.
      const now = Date.now();
      if (now - this.lastUnsignedWarning > 10_000) {
        this.lastUnsignedWarning = now;
        this.host.log.warn(`Dropping cluster bus messages from ${link.socket.remoteAddress ?? '?'} not signed with masterauth`);
      }
      link.close();
      return;
    }
    const message = decodeMessage(frame);
    if (message === null) return;
    if (typeof message === 'string') {
      this.host.log.warn(message);
      return;
    }
    this.processPacket(link, message);
  }

  private frame(message: ClusterMessage): Buffer {
    const frame = encodeMessage(message);
    const secret = this.config.masterAuth;
    if (secret !== '') signMessage(frame, secret);
    return frame;
  }

  private sendFrame(link: Link | null, frame: Buffer): void {
    if (link === null || link.isClosed) return;
    link.send(frame);
    const type = frame.readUInt16BE(12);
    if (type < MESSAGE_TYPE_COUNT) this.messagesSent[type]!++;
  }

  private broadcast(frame: Buffer): void {
    for (const node of this.nodes.values()) {
      if (node.has(NodeFlag.Myself) || node.inHandshake) continue;
      this.sendFrame(node.link, frame);
    }
  }

  private sendSimple(link: Link | null, type: MessageType, mflags = 0): void {
    const header = this.header(type);
    header.mflags |= mflags;
    this.sendFrame(link, this.frame(emptyMessage(header)));
  }

  /** clusterBuildMessageHdr. */
  private header(type: MessageType): ClusterMessage {
    const myself = this.myself;
    const master = myself.isReplica && myself.master !== null ? myself.master : myself;
    const ports = this.announcedPorts();
    return emptyMessage({
      type,
      port: ports.port,
      pport: ports.pport,
      cport: ports.cport,
      flags: myself.flags,
      state: this.stateOk ? 0 : 1,
      mflags: this.election.masterPaused ? MessageFlag.Paused : 0,
      currentEpoch: this.currentEpoch,
      configEpoch: master.configEpoch,
      offset: this.host.replicationOffset(),
      sender: myself.id,
      slots: master.slots,
      replicaOf: myself.master?.id ?? '',
      ip: this.config.announceIp,
    });
  }

  /** deriveAnnouncedPorts. */
  private announcedPorts(): { port: number; pport: number; cport: number } {
    const config = this.config;
    return config.tlsCluster
      ? { port: config.announceTlsPort, pport: config.announcePort, cport: config.announceBusPort }
      : { port: config.announcePort, pport: 0, cport: config.announceBusPort };
  }

  /** clusterSendPing: the header, a tenth of the nodes (at least 3) as gossip, every PFAIL node. */
  private sendPing(link: Link, type: MessageType): void {
    const round = ++this.pingRound;
    const message = this.header(type);
    if (!link.inbound && type === MessageType.Ping && link.node !== null) link.node.pingSent = Date.now();
    const all = [...this.nodes.values()];
    let fresh = all.length - 2;
    let wanted = Math.max(3, Math.floor(all.length / 10));
    if (wanted > fresh) wanted = fresh;
    let iterations = wanted * 3;
    while (fresh > 0 && message.gossip.length < wanted && iterations-- > 0) {
      const node = all[Math.floor(Math.random() * all.length)]!;
      if (node === this.myself) continue;
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
    const hostname = this.myself.hostname;
    if (hostname !== '') message.hostname = hostname;
    this.sendFrame(link, this.frame(message));
  }

  /** clusterBroadcastPong: to every connected node, or only to our master's replicas. */
  broadcastPong(localReplicasOnly: boolean): void {
    const myself = this.myself;
    for (const node of this.nodes.values()) {
      if (node.link === null || node === myself || node.inHandshake) continue;
      if (localReplicasOnly) {
        const local = node.isReplica && node.master !== null && (node.master === myself || node.master === myself.master);
        if (!local) continue;
      }
      this.sendPing(node.link, MessageType.Pong);
    }
  }

  private sendFail(node: ClusterNode): void {
    this.broadcast(this.frame({ ...this.header(MessageType.Fail), failing: node.id }));
  }

  /** clusterSendUpdate: the owner's config, without the slots it stopped claiming. */
  private sendUpdate(link: Link | null, node: ClusterNode): void {
    if (link === null) return;
    const slots = new Uint8Array(node.slots);
    for (let i = 0; i < slots.length; i++) slots[i] = slots[i]! & ~this.ownerNotClaiming[i]!;
    this.sendFrame(link, this.frame({ ...this.header(MessageType.Update), update: { configEpoch: node.configEpoch, id: node.id, slots } }));
  }

  // -- the bus: processing -----------------------------------------------------------------------

  private senderOf(link: Link, message: ClusterMessage): ClusterNode | null {
    if (link.node !== null && !link.node.inHandshake) return link.node;
    const sender = this.lookup(message.sender);
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
    const myself = this.myself;
    const sender = this.senderOf(link, message);
    if (sender !== null) sender.dataReceived = now;
    let senderConfigEpoch = 0;
    if (sender !== null && !sender.inHandshake) {
      if (message.currentEpoch > this.currentEpoch) this.currentEpoch = message.currentEpoch;
      senderConfigEpoch = message.configEpoch;
      if (senderConfigEpoch > sender.configEpoch) {
        sender.configEpoch = senderConfigEpoch;
        this.doBeforeSleep(Todo.SaveConfig | Todo.FsyncConfig);
      }
      sender.replOffset = message.offset;
      sender.replOffsetTime = now;
      if (myself.isReplica && myself.master === sender) this.election.masterMessage(sender, message);
    }

    if (type === MessageType.Ping || type === MessageType.Meet) {
      // Our own address as the peer reaches us, unless we announce one.
      if ((type === MessageType.Meet || myself.ip === '') && this.config.announceIp === '') {
        const local = stripIpv4Mapped(link.socket.localAddress ?? '');
        if (local !== '' && local !== myself.ip) {
          myself.ip = local;
          this.host.log.warn(`IP address for this node updated to ${myself.ip}`);
          this.doBeforeSleep(Todo.SaveConfig);
        }
      }
      if (sender === null && type === MessageType.Meet) {
        const node = this.createNode(null, NodeFlag.Handshake);
        node.setAddress(senderIp(link, message), message.port, message.pport, message.cport);
        this.addNode(node);
        this.doBeforeSleep(Todo.SaveConfig);
        this.processGossip(message, link);
      }
      this.sendPing(link, MessageType.Pong);
    }

    if (type === MessageType.Ping || type === MessageType.Pong || type === MessageType.Meet) {
      if (!link.inbound && link.node !== null) {
        const node = link.node;
        if (node.inHandshake) {
          if (sender !== null) {
            // A node we already know, seen again at another address: keep the known one.
            if (this.updateAddressIfNeeded(sender, link, message)) this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
            this.deleteNode(node);
            return;
          }
          this.renameNode(node, message.sender);
          node.flags &= ~NodeFlag.Handshake;
          node.flags |= message.flags & (NodeFlag.Master | NodeFlag.Replica);
          this.doBeforeSleep(Todo.SaveConfig);
        } else if (node.id !== message.sender) {
          // Someone else answers at this address now: the node's address is unknown.
          node.flags |= NodeFlag.NoAddr;
          node.setAddress('', 0, 0, 0);
          link.close();
          this.doBeforeSleep(Todo.SaveConfig);
          return;
        }
      }
      if (sender !== null) {
        sender.flags = (sender.flags & ~NodeFlag.NoFailover) | (message.flags & NodeFlag.NoFailover);
      }
      if (sender !== null && type === MessageType.Ping && !sender.inHandshake && this.updateAddressIfNeeded(sender, link, message)) {
        this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
      }
      if (!link.inbound && type === MessageType.Pong && link.node !== null) {
        const node = link.node;
        node.pongReceived = now;
        node.pingSent = 0;
        if (node.timedOut) {
          node.flags &= ~NodeFlag.PFail;
          this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
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
          const owner = this.slots[slot];
          if (owner === sender || owner === null || owner === undefined || this.slotUnclaimed(slot)) continue;
          if (owner.configEpoch > senderConfigEpoch) {
            this.sendUpdate(sender.link, owner);
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
          this.host.log.info(`Ignoring FAIL message from unknown node ${message.sender} about ${message.failing}`);
          return;
        }
        const failing = this.lookup(message.failing);
        if (failing !== null && !failing.has(NodeFlag.Fail | NodeFlag.Myself)) {
          this.host.log.info(`FAIL message received from ${message.sender} about ${message.failing}`);
          failing.flags |= NodeFlag.Fail;
          failing.failTime = now;
          failing.flags &= ~NodeFlag.PFail;
          this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | this.failoverTodo(failing));
        }
        return;
      }
      case MessageType.Publish:
      case MessageType.PublishShard:
        if (sender === null) return;
        this.host.deliverPublish(message.channel, message.message, type === MessageType.PublishShard);
        return;
      case MessageType.AuthRequest:
        if (sender === null) return;
        this.election.voteIfNeeded(sender, message);
        return;
      case MessageType.AuthAck:
        if (sender !== null) this.election.voteReceived(sender, message.currentEpoch);
        return;
      case MessageType.MfStart:
        if (sender === null || sender.master !== myself) return;
        this.election.manualFailoverRequested(sender);
        // Our offset, with the paused flag, goes to the replica at once.
        this.sendPing(link, MessageType.Ping);
        return;
      case MessageType.Update: {
        const update = message.update;
        if (sender === null || update === null) return;
        const node = this.lookup(update.id);
        if (node === null || node.configEpoch >= update.configEpoch) return;
        if (node.isReplica) this.setNodeAsMaster(node);
        node.configEpoch = update.configEpoch;
        this.doBeforeSleep(Todo.SaveConfig | Todo.FsyncConfig);
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
      this.setNodeAsMaster(sender);
      return;
    }
    const master = this.lookup(message.replicaOf);
    if (sender.isMaster) {
      // A master turned replica: its slots are someone else's now.
      this.deleteNodeSlots(sender);
      sender.flags &= ~(NodeFlag.Master | NodeFlag.MigrateTo);
      sender.flags |= NodeFlag.Replica;
      this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState);
    }
    if (master !== null && sender.master !== master) {
      sender.master?.removeReplica(sender);
      master.addReplica(sender);
      sender.master = master;
      this.doBeforeSleep(Todo.SaveConfig);
    }
  }

  private updateHostname(node: ClusterNode, hostname: string): void {
    if (node.hostname === hostname) return;
    node.hostname = hostname;
    this.doBeforeSleep(Todo.SaveConfig);
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
    this.host.log.warn(`Address updated for node ${node.id}, now ${node.ip}:${node.port}`);
    return true;
  }

  /** A known node moved: reconnect to it there, and if it is our master, replication follows it. */
  private relocate(node: ClusterNode, ip: string, port: number, pport: number, cport: number): void {
    node.link?.close();
    node.setAddress(ip, port, pport, cport);
    node.flags &= ~NodeFlag.NoAddr;
    if (this.myself.isReplica && this.myself.master === node) this.host.replicateFrom(ip, port);
  }

  /** clusterProcessGossipSection. */
  private processGossip(message: ClusterMessage, link: Link): void {
    const sender = link.node ?? this.lookup(message.sender);
    const now = Date.now();
    for (const entry of message.gossip) {
      const node = this.lookup(entry.id);
      const failing = (entry.flags & (NodeFlag.Fail | NodeFlag.PFail)) !== 0;
      if (node !== null) {
        // Only masters' opinions count as failure reports.
        if (sender !== null && sender.isMaster && node !== this.myself) {
          if (failing) {
            if (!node.failReports.has(sender)) this.host.log.info(`Node ${sender.id} reported node ${node.id} as not reachable.`);
            node.failReports.set(sender, now);
            this.markFailingIfNeeded(node);
          } else if (node.failReports.delete(sender)) {
            pruneFailureReports(node.failReports, now, this.config.nodeTimeout);
          }
        }
        // Another node's recent pong counts as ours while we have nothing pending for the node.
        if (!failing && node.pingSent === 0 && this.failureReportCount(node) === 0) {
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
        const added = this.createNode(entry.id, entry.flags);
        added.setAddress(entry.ip, entry.port, entry.pport, entry.cport);
        this.addNode(added);
      }
    }
  }

  private blacklisted(id: string): boolean {
    const now = Date.now();
    for (const [name, expires] of this.blacklist) if (expires < now) this.blacklist.delete(name);
    return this.blacklist.has(id);
  }

  slotUnclaimed(slot: number): boolean {
    return testSlot(this.ownerNotClaiming, slot);
  }

  /**
   * clusterUpdateSlotsConfigWith: slots `sender` claims with a newer config epoch than their
   * owner's become its own. If we (or our master) lose every slot to it, we follow it as a
   * replica; slots we lost while keeping others have their keys deleted.
   */
  private updateSlotsConfigWith(sender: ClusterNode, senderConfigEpoch: number, slots: Uint8Array): void {
    const myself = this.myself;
    if (sender === myself) {
      this.host.log.warn('Discarding UPDATE message about myself.');
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
        const owner = this.slots[slot] ?? null;
        if (owner === sender) {
          clearSlotBit(this.ownerNotClaiming, slot);
          continue;
        }
        // A slot we are importing is being fixed by an operator (redis-cli): leave it alone.
        if (this.importing[slot] !== null) continue;
        if (owner === null || this.slotUnclaimed(slot) || owner.configEpoch < senderConfigEpoch) {
          if (owner === myself && this.host.countKeysInSlot(slot) > 0) dirty.push(slot);
          if (owner !== null && owner === currentMaster) {
            newMaster = sender;
            migratedOurSlots++;
          }
          this.deleteSlot(slot);
          this.addSlot(sender, slot);
          clearSlotBit(this.ownerNotClaiming, slot);
          this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | Todo.FsyncConfig);
        }
      } else if (this.slots[slot] === sender) {
        setSlotBit(this.ownerNotClaiming, slot);
      }
    }
    if (newMaster !== null && currentMaster !== null && currentMaster.slotCount === 0 &&
      (this.config.allowReplicaMigration || senderSlots === migratedOurSlots)) {
      this.host.log.warn(`Configuration change detected. Reconfiguring myself as a replica of ${sender.id}`);
      this.setMaster(sender);
      this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | Todo.FsyncConfig);
    } else if (myself.master !== null && myself.master.master !== null && myself.master.master !== myself) {
      this.host.log.warn(`I'm a sub-replica! Reconfiguring myself as a replica of grandmaster ${myself.master.master.id}`);
      this.setMaster(myself.master.master);
      this.doBeforeSleep(Todo.SaveConfig | Todo.UpdateState | Todo.FsyncConfig);
    } else {
      for (const slot of dirty) this.host.deleteKeysInSlot(slot);
    }
  }

  /**
   * clusterHandleConfigEpochCollision: two masters with the same config epoch; the one with the
   * lexicographically smaller id takes a new epoch, so every master ends up with its own.
   */
  private handleConfigEpochCollision(sender: ClusterNode): void {
    const myself = this.myself;
    if (sender.configEpoch !== myself.configEpoch || !sender.isMaster || !myself.isMaster) return;
    if (sender.id <= myself.id) return;
    this.currentEpoch++;
    myself.configEpoch = this.currentEpoch;
    this.saveConfigOrThrow(true);
    this.host.log.info(`WARNING: configEpoch collision with node ${sender.id}. configEpoch set to ${myself.configEpoch}`);
  }

  // -- failure detection -------------------------------------------------------------------------

  /** markNodeAsFailingIfNeeded: PFAIL → FAIL on a majority of masters, then everyone is told. */
  private markFailingIfNeeded(node: ClusterNode): void {
    if (!node.timedOut || node.failed) return;
    const reports = this.failureReportCount(node);
    if (!failureAgreed(reports, this.myself.isMaster, this.size)) return;
    this.host.log.info(`Marking node ${node.id} as failing (quorum reached).`);
    node.flags &= ~NodeFlag.PFail;
    node.flags |= NodeFlag.Fail;
    node.failTime = Date.now();
    this.sendFail(node);
    this.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig | this.failoverTodo(node));
  }

  /** When our master fails, the election is scheduled now rather than at the next cron tick. */
  private failoverTodo(failed: ClusterNode): number {
    return this.myself.master === failed ? Todo.HandleFailover : 0;
  }

  /** clearNodeFailureIfNeeded: a FAIL node answers again. */
  private clearFailureIfNeeded(node: ClusterNode): void {
    const now = Date.now();
    if (node.isReplica || node.slotCount === 0) {
      this.host.log.info(`Clear FAIL state for node ${node.id}: ${node.isReplica ? 'replica' : 'master without slots'} is reachable again.`);
      node.flags &= ~NodeFlag.Fail;
      this.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
    }
    if (node.isMaster && node.slotCount > 0 && now - node.failTime > this.config.nodeTimeout * FAIL_UNDO_TIME_MULT) {
      this.host.log.info(`Clear FAIL state for node ${node.id}: is reachable again and nobody is serving its slots after some time.`);
      node.flags &= ~NodeFlag.Fail;
      this.doBeforeSleep(Todo.UpdateState | Todo.SaveConfig);
    }
  }

  // -- elections (election.ts decides; these act on the cluster) -------------------------------

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
    this.broadcastPong(false);
    this.election.reset();
  }

  // -- cron and state ----------------------------------------------------------------------------

  /** Myself's announced address, hostname and nofailover flag follow the config. */
  private refreshMyself(): void {
    this.settings = this.host.config();
    const config = this.settings;
    this.endpoints.preferred = config.preferredEndpointType;
    this.endpoints.tlsCluster = config.tlsCluster;
    const myself = this.myself;
    const ports = this.announcedPorts();
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

  /** clusterCron. */
  private clusterCron(): void {
    this.iteration++;
    this.refreshMyself();
    const config = this.config;
    const myself = this.myself;
    let now = Date.now();
    const handshakeTimeout = Math.max(config.nodeTimeout, 1000);
    let updateState = false;
    this.pfailNodes = 0;
    for (const node of [...this.nodes.values()]) {
      this.enforceSendBufferLimit(node.link);
      this.enforceSendBufferLimit(node.inboundLink);
      if (node.has(NodeFlag.Myself | NodeFlag.NoAddr)) continue;
      if (node.timedOut) this.pfailNodes++;
      if (node.inHandshake && now - node.createdAt > handshakeTimeout) {
        this.deleteNode(node);
        continue;
      }
      if (node.link === null) Link.outbound(node, this.host.connectToNode(node.ip, node.cport), this);
    }

    // Every second, ping one of five random nodes, the one we heard from least recently.
    if (this.iteration % 10 === 0) {
      const all = [...this.nodes.values()];
      let oldest: ClusterNode | null = null;
      for (let i = 0; i < 5 && all.length > 0; i++) {
        const node = all[Math.floor(Math.random() * all.length)]!;
        if (node.link === null || node.pingSent !== 0 || node.has(NodeFlag.Myself | NodeFlag.Handshake)) continue;
        if (oldest === null || node.pongReceived < oldest.pongReceived) oldest = node;
      }
      if (oldest !== null && oldest.link !== null) this.sendPing(oldest.link, MessageType.Ping);
    }

    let orphanedMasters = 0;
    let maxReplicas = 0;
    let myMasterReplicas = 0;
    for (const node of this.nodes.values()) {
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
        this.sendPing(node.link, MessageType.Ping);
        continue;
      }
      if (this.election.manualFailoverReplica() === node && node.link !== null) {
        this.sendPing(node.link, MessageType.Ping);
        continue;
      }
      if (node.pingSent === 0) continue;
      const delay = Math.min(pingDelay, dataDelay);
      if (delay > config.nodeTimeout && !node.has(NodeFlag.PFail | NodeFlag.Fail)) {
        this.host.log.info(`*** NODE ${node.id} possibly failing`);
        node.flags |= NodeFlag.PFail;
        updateState = true;
      }
    }
    // A master's failure report counts toward FAIL: gossip it now rather than at the next
    // periodic ping (up to node-timeout / 2 later), so a dead master is replaced sooner.
    if (updateState && myself.isMaster) {
      for (const node of this.nodes.values()) {
        if (node.link !== null && node.pingSent === 0 && !node.has(NodeFlag.Myself | NodeFlag.Handshake)) this.sendPing(node.link, MessageType.Ping);
      }
    }

    // A replica whose replication is not set up (after a restart) starts it.
    if (myself.isReplica && myself.master !== null && !myself.master.has(NodeFlag.NoAddr) && this.host.replicationMaster() === null) {
      this.host.replicateFrom(myself.master.ip, myself.master.port);
    }
    this.election.cron();
    if (myself.isReplica) {
      if (orphanedMasters > 0 && maxReplicas >= 2 && myMasterReplicas === maxReplicas && config.allowReplicaMigration) {
        this.election.migrateIfNeeded(maxReplicas);
      }
    }
    if (updateState || !this.stateOk) this.updateState();
  }

  private enforceSendBufferLimit(link: Link | null): void {
    const limit = this.config.linkSendBufferLimit;
    if (link === null || limit === 0 || link.sendBufferBytes <= limit) return;
    this.host.log.warn(`Freeing cluster link(${link.inbound ? 'from' : 'to'} node ${link.node?.id ?? ''}, used memory: ${link.sendBufferBytes}) due to exceeding send buffer memory limit.`);
    link.close();
    this.linksBufferLimitExceeded++;
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

/** The sender's IP: the one it announces, else the address its connection comes from. */
function senderIp(link: Link, message: ClusterMessage): string {
  return message.ip !== '' ? message.ip : stripIpv4Mapped(link.socket.remoteAddress ?? '');
}

/** "::ffff:1.2.3.4" (an IPv4 peer on a dual-stack socket) → "1.2.3.4". */
function stripIpv4Mapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** inet_ntop's form of an IPv6 address (lower case, zeros compressed). */
function normalizeIpv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}
