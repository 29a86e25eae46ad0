/**
 * A Sentinel's configuration and knowledge: the masters it monitors (with their replicas and
 * the other Sentinels), its id and epoch, and the global options. Everything here is what the
 * config file persists; the runtime (sentinel.ts) acts on it.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { addressKey, FailoverState, Flag, Instance } from './instance.js';

/** The timing parameters SENTINEL DEBUG lists and changes (milliseconds). */
export interface Periods {
  info: number;
  ping: number;
  ask: number;
  publish: number;
  defaultDownAfter: number;
  defaultFailoverTimeout: number;
  tiltTrigger: number;
  tiltPeriod: number;
  slaveReconfTimeout: number;
  minLinkReconnect: number;
  electionTimeout: number;
  scriptMaxRuntime: number;
  scriptRetryDelay: number;
}

export const DEFAULT_PERIODS: Readonly<Periods> = {
  info: 10_000,
  ping: 1000,
  ask: 1000,
  publish: 2000,
  defaultDownAfter: 30_000,
  defaultFailoverTimeout: 180_000,
  tiltTrigger: 2000,
  tiltPeriod: 30_000,
  slaveReconfTimeout: 10_000,
  minLinkReconnect: 15_000,
  electionTimeout: 10_000,
  scriptMaxRuntime: 60_000,
  scriptRetryDelay: 30_000,
};

/** SENTINEL SIMULATE-FAILURE bits. */
export const SIMULATE_CRASH_AFTER_ELECTION = 1;
export const SIMULATE_CRASH_AFTER_PROMOTION = 2;

/** Thrown when an instance cannot be created; the message is Redis's. */
export class InstanceError extends Error {}

export class SentinelState {
  readonly masters = new Map<string, Instance>();
  myid = '';
  currentEpoch = 0;
  announceIp: string | null = null;
  announcePort = 0;
  denyScriptsReconfig = true;
  resolveHostnames = false;
  announceHostnames = false;
  sentinelUser: string | null = null;
  sentinelPass: string | null = null;
  simulateFailure = 0;
  tilt = false;
  tiltStartTime = 0;
  readonly periods: Periods = { ...DEFAULT_PERIODS };

  /** Gives this Sentinel an id when the config file had none. */
  ensureId(): boolean {
    if (this.myid !== '') return false;
    this.myid = randomBytes(20).toString('hex');
    return true;
  }

  /** The address as Redis would accept it: an IP literal unless resolve-hostnames is on. */
  checkAddress(host: string, port: number): void {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InstanceError('Invalid port number.');
    if (!this.resolveHostnames && isIP(host) === 0) throw new InstanceError("Can't resolve instance hostname.");
  }

  addMaster(name: string, host: string, port: number, quorum: number, now: number): Instance {
    this.checkAddress(host, port);
    if (this.masters.has(name)) throw new InstanceError('Duplicate master name.');
    const master = new Instance(Flag.master, name, host, port, quorum, null, now);
    master.downAfterPeriod = this.periods.defaultDownAfter;
    master.failoverTimeout = this.periods.defaultFailoverTimeout;
    this.masters.set(name, master);
    return master;
  }

  addReplica(master: Instance, host: string, port: number, now: number): Instance {
    this.checkAddress(host, port);
    const key = addressKey(host, port);
    if (master.replicas.has(key)) throw new InstanceError('Duplicate hostname and port for replica.');
    const replica = new Instance(Flag.replica, key, host, port, master.quorum, master, now);
    master.replicas.set(key, replica);
    return replica;
  }

  addSentinel(master: Instance, runId: string, host: string, port: number, now: number): Instance {
    this.checkAddress(host, port);
    const key = addressKey(host, port);
    if (master.sentinels.has(key)) throw new InstanceError('Duplicate runid for sentinel.');
    const sentinel = new Instance(Flag.sentinel, runId, host, port, master.quorum, master, now);
    sentinel.runId = runId;
    master.sentinels.set(key, sentinel);
    return sentinel;
  }

  /** The instance clients should use for this master: the promoted replica once it took over. */
  currentMaster(master: Instance): Instance {
    const promoted = master.promotedReplica;
    if (promoted !== null && master.has(Flag.failoverInProgress) && master.failoverState >= FailoverState.reconfSlaves) return promoted;
    return master;
  }
}

/** Forgets an instance and closes its connections. */
export function releaseInstance(instance: Instance): void {
  instance.link.close();
  for (const child of instance.replicas.values()) child.link.close();
  for (const child of instance.sentinels.values()) child.link.close();
}
