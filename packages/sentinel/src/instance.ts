/**
 * What a Sentinel knows about one instance: a monitored master, one of its replicas, or another
 * Sentinel watching it. One shape for the three kinds, as in Redis, because the monitoring half
 * (links, PING, SDOWN) treats them alike; kind-specific fields sit unused on the others.
 */
import { isIP } from 'node:net';
import { InstanceLink } from './link.js';

/** Instance state bits (Redis's SRI_*), printed by SENTINEL MASTER/REPLICAS/SENTINELS in this order. */
export enum Flag {
  master = 1 << 0,
  replica = 1 << 1,
  sentinel = 1 << 2,
  sDown = 1 << 3,
  oDown = 1 << 4,
  /** A peer Sentinel told us it sees the master down. */
  masterDown = 1 << 5,
  failoverInProgress = 1 << 6,
  promoted = 1 << 7,
  reconfSent = 1 << 8,
  reconfInprog = 1 << 9,
  reconfDone = 1 << 10,
  forceFailover = 1 << 11,
  scriptKillSent = 1 << 12,
  masterReboot = 1 << 13,
}

export enum FailoverState {
  none = 0,
  waitStart = 1,
  selectSlave = 2,
  sendSlaveofNoone = 3,
  waitPromotion = 4,
  reconfSlaves = 5,
  updateConfig = 6,
}

export const FAILOVER_STATE_NAMES = [
  'none', 'wait_start', 'select_slave', 'send_slaveof_noone', 'wait_promotion', 'reconf_slaves', 'update_config',
] as const;

export const DEFAULT_REPLICA_PRIORITY = 100;
export const DEFAULT_PARALLEL_SYNCS = 1;

export type Kind = Flag.master | Flag.replica | Flag.sentinel;

export class Instance {
  flags: number;
  /** Masters: the configured name; replicas: "ip:port"; sentinels: their run id. */
  name: string;
  /** The address as configured or learned: an IP, or a hostname under resolve-hostnames. */
  host: string;
  /** What `host` resolves to (itself for an IP); null until a hostname's lookup answered. */
  ip: string | null;
  port: number;
  runId: string | null = null;
  readonly link: InstanceLink;
  /** The master a replica or a Sentinel belongs to (null for masters). */
  readonly master: Instance | null;

  // Every kind.
  downAfterPeriod: number;
  sDownSince = 0;
  oDownSince = 0;
  lastPubTime = 0;
  lastHelloTime = 0;
  lastMasterDownReplyTime = 0;
  /** Sentinels: whom they voted for, and in which epoch. Masters: our own vote. */
  leader: string | null = null;
  leaderEpoch = 0;

  // Masters and replicas.
  info: string | null = null;
  infoRefresh = 0;
  roleReported: Flag.master | Flag.replica;
  roleReportedTime: number;
  slaveConfChangeTime = 0;

  // Masters.
  quorum: number;
  failoverTimeout = 0;
  parallelSyncs = DEFAULT_PARALLEL_SYNCS;
  authPass: string | null = null;
  authUser: string | null = null;
  notificationScript: string | null = null;
  clientReconfigScript: string | null = null;
  readonly renamedCommands = new Map<string, string>();
  masterRebootDownAfterPeriod = 0;
  masterRebootSinceTime = 0;
  configEpoch = 0;
  failoverEpoch = 0;
  failoverState = FailoverState.none;
  failoverStateChangeTime = 0;
  failoverStartTime = 0;
  failoverDelayLogged = 0;
  promotedReplica: Instance | null = null;
  /** Keyed by "ip:port". */
  replicas = new Map<string, Instance>();
  /** Keyed by "ip:port" (run ids are checked on lookup). */
  sentinels = new Map<string, Instance>();

  // Replicas.
  masterLinkDownTime = 0;
  slaveMasterHost: string | null = null;
  slaveMasterPort = 0;
  slaveMasterLinkUp = false;
  slavePriority = DEFAULT_REPLICA_PRIORITY;
  slaveReplOffset = 0;
  replicaAnnounced = 1;
  slaveReconfSentTime = 0;

  constructor(kind: Kind, name: string, host: string, port: number, quorum: number, master: Instance | null, now: number) {
    this.flags = kind;
    this.name = name;
    this.host = host;
    this.ip = isIP(host) !== 0 ? host : null;
    this.port = port;
    this.quorum = quorum;
    this.master = master;
    this.link = new InstanceLink(now);
    this.downAfterPeriod = master?.downAfterPeriod ?? 0;
    this.roleReported = kind === Flag.replica ? Flag.replica : Flag.master;
    this.roleReportedTime = now;
  }

  /** Moves the instance to a new address (a failover's new master), resolved or not yet. */
  moveTo(host: string, port: number, ip = isIP(host) !== 0 ? host : null): void {
    this.host = host;
    this.ip = ip;
    this.port = port;
  }

  /** Whether an address a peer or INFO names is this instance's (by hostname or by IP, as Redis compares). */
  isAt(address: string | null): boolean {
    return address !== null && (address.toLowerCase() === this.host.toLowerCase() || address === this.ip);
  }

  has(flag: Flag): boolean {
    return (this.flags & flag) !== 0;
  }

  get kindName(): 'master' | 'slave' | 'sentinel' {
    if (this.has(Flag.master)) return 'master';
    return this.has(Flag.replica) ? 'slave' : 'sentinel';
  }

  /** The master this instance's events and settings belong to. */
  get owner(): Instance {
    return this.master ?? this;
  }

  /** The name a command has on this instance (`sentinel rename-command`). */
  command(name: string): string {
    return this.owner.renamedCommands.get(name.toLowerCase()) ?? name;
  }
}

/** "ip:port", the key of replicas and sentinels (IPv6 addresses in brackets, as Redis names them). */
export function addressKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Whether the instance had no SDOWN/ODOWN in the last `ms` milliseconds. */
export function noDownFor(instance: Instance, ms: number, now: number): boolean {
  const mostRecent = Math.max(instance.sDownSince, instance.oDownSince);
  return mostRecent === 0 || now - mostRecent > ms;
}
