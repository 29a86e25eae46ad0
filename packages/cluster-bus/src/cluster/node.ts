import { randomBytes } from 'node:crypto';
import type { SlotNode } from './view.js';
import { SLOT_BITMAP_BYTES, clearSlotBit, setSlotBit, testSlot } from './message.js';
import type { Link } from './link.js';

/** Node flags, with Redis's values: they travel on the bus (header and gossip flags). */
export const enum NodeFlag {
  Master = 1,
  Replica = 2,
  PFail = 4,
  Fail = 8,
  Myself = 16,
  Handshake = 32,
  NoAddr = 64,
  Meet = 128,
  MigrateTo = 256,
  NoFailover = 512,
}

/** Flag names in CLUSTER NODES / nodes.conf order (representClusterNodeFlags). */
export const FLAG_NAMES: readonly (readonly [NodeFlag, string])[] = [
  [NodeFlag.Myself, 'myself'],
  [NodeFlag.Master, 'master'],
  [NodeFlag.Replica, 'slave'],
  [NodeFlag.PFail, 'fail?'],
  [NodeFlag.Fail, 'fail'],
  [NodeFlag.Handshake, 'handshake'],
  [NodeFlag.NoAddr, 'noaddr'],
  [NodeFlag.NoFailover, 'nofailover'],
];

/** How redirects and CLUSTER SLOTS name a node (cluster-preferred-endpoint-type). */
export interface EndpointSettings {
  preferred: 'ip' | 'hostname' | 'unknown-endpoint';
  tlsCluster: boolean;
}

export function randomNodeId(): string {
  return randomBytes(20).toString('hex');
}

/** 40 characters of [a-z0-9] (verifyClusterNodeId). */
export function isNodeId(text: string): boolean {
  return text.length === 40 && /^[a-z0-9]+$/.test(text);
}

/** A node of the cluster as this node knows it (clusterNode). */
export class ClusterNode implements SlotNode {
  flags: number;
  configEpoch = 0;
  readonly slots = new Uint8Array(SLOT_BITMAP_BYTES);
  slotCount = 0;
  master: ClusterNode | null = null;
  readonly replicas: ClusterNode[] = [];
  /** When we sent a ping still unanswered (0: none pending), ms. */
  pingSent = 0;
  pongReceived = 0;
  dataReceived = 0;
  failTime = 0;
  /** Last time we voted for a replica of this master. */
  votedTime = 0;
  replOffsetTime = 0;
  orphanedTime = 0;
  replOffset = 0;
  ip = '';
  hostname = '';
  /** Client port (the TLS port under tls-cluster). */
  port = 0;
  /** Plain client port when `port` is the TLS one. */
  pport = 0;
  cport = 0;
  link: Link | null = null;
  inboundLink: Link | null = null;
  /** Masters that reported this node as failing → when they last did. */
  readonly failReports = new Map<ClusterNode, number>();
  /** The ping round that last carried this node in its gossip section. */
  lastInPingGossip = 0;
  readonly createdAt = Date.now();

  constructor(
    public id: string,
    flags: number,
    private readonly endpoints: EndpointSettings,
  ) {
    this.flags = flags;
  }
  /** Where the node is reached: its IP, client ports and bus port (as a ping or gossip entry gives them). */
  setAddress(ip: string, port: number, pport: number, cport: number): void {
    this.ip = ip;
    this.port = port;
    this.pport = pport;
    this.cport = cport;
  }


  has(flag: NodeFlag): boolean {
    return (this.flags & flag) !== 0;
  }

  get isMyself(): boolean {
    return this.has(NodeFlag.Myself);
  }

  get isMaster(): boolean {
    return this.has(NodeFlag.Master);
  }

  get isReplica(): boolean {
    return this.has(NodeFlag.Replica);
  }

  get failed(): boolean {
    return this.has(NodeFlag.Fail);
  }

  get timedOut(): boolean {
    return this.has(NodeFlag.PFail);
  }

  get inHandshake(): boolean {
    return this.has(NodeFlag.Handshake);
  }

  ownsSlot(slot: number): boolean {
    return testSlot(this.slots, slot);
  }

  /** Sets the bit; returns whether it was clear. */
  addSlot(slot: number): boolean {
    if (testSlot(this.slots, slot)) return false;
    setSlotBit(this.slots, slot);
    this.slotCount++;
    return true;
  }

  removeSlot(slot: number): boolean {
    if (!testSlot(this.slots, slot)) return false;
    clearSlotBit(this.slots, slot);
    this.slotCount--;
    return true;
  }

  addReplica(replica: ClusterNode): void {
    if (this.replicas.includes(replica)) return;
    this.replicas.push(replica);
    this.flags |= NodeFlag.MigrateTo;
  }

  removeReplica(replica: ClusterNode): void {
    const index = this.replicas.indexOf(replica);
    if (index === -1) return;
    this.replicas.splice(index, 1);
    if (this.replicas.length === 0) this.flags &= ~NodeFlag.MigrateTo;
  }

  nonFailingReplicas(): number {
    let ok = 0;
    for (const replica of this.replicas) if (!replica.failed) ok++;
    return ok;
  }

  /** The config epoch CLUSTER NODES shows: a replica shows its master's. */
  get shownEpoch(): number {
    return this.isReplica && this.master !== null ? this.master.configEpoch : this.configEpoch;
  }

  /** getPreferredEndpoint. */
  preferredEndpoint(): string {
    switch (this.endpoints.preferred) {
      case 'ip':
        return this.ip;
      case 'hostname':
        return this.hostname !== '' ? this.hostname : '?';
      default:
        return '';
    }
  }

  /** The client port to show a client: the plain one to a plain client of a TLS cluster. */
  clientPort(tlsClient: boolean): number {
    return this.endpoints.tlsCluster && !tlsClient && this.pport !== 0 ? this.pport : this.port;
  }

  redirectEndpoint(tls: boolean): string {
    return `${this.preferredEndpoint()}:${this.clientPort(tls)}`;
  }
}
