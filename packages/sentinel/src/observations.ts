/**
 * What instances tell a Sentinel, and what it does about it: hello messages (peers, newer epochs,
 * a newer master address) and INFO replies (run id, role, replicas, a replica's master), with
 * the reactions Redis has to them — promoted replica confirmed, replica pointed back at the
 * right master, reconfiguration progress.
 */
import { parseHello } from './hello.js';
import { parseInfo } from './info-reply.js';
import { addressKey, FailoverState, Flag, noDownFor, type Instance } from './instance.js';
import type { Sentinel } from './sentinel.js';
import { SIMULATE_CRASH_AFTER_PROMOTION, type SentinelState } from './state.js';

export class Observations {
  constructor(private readonly sentinel: Sentinel) {}

  private get state(): SentinelState {
    return this.sentinel.state;
  }

  private get myid(): string {
    return this.sentinel.myid;
  }

  /** A message on the hello channel of a master or replica. */
  receiveHello(message: string): void {
    // Our own hellos come back on the channel too.
    if (message.includes(this.myid)) return;
    this.processHello(message);
  }

  /** A hello from a peer: learn the Sentinel, newer epochs, and a newer master address. */
  processHello(payload: string): void {
    const hello = parseHello(payload);
    if (hello === null) return;
    const master = this.state.masters.get(hello.masterName);
    if (master === undefined) return;
    const now = Date.now();
    let peer = findSentinel(master, hello.ip, hello.port, hello.runId);
    if (peer === null) {
      // The same Sentinel at a new address replaces the old entries; a different one at an
      // address we know makes that address invalid everywhere.
      const removed = removeSentinelsById(master, hello.runId);
      if (removed > 0) {
        this.sentinel.event('notice', '+sentinel-address-switch', master, `ip ${hello.ip} port ${hello.port} for ${hello.runId}`);
      } else {
        const other = findSentinel(master, hello.ip, hello.port, null);
        if (other !== null) {
          this.sentinel.event('notice', '+sentinel-invalid-addr', other);
          const obsolete = other.runId;
          for (const each of this.state.masters.values()) if (obsolete !== null) removeSentinelsById(each, obsolete);
        }
      }
      try {
        peer = this.state.addSentinel(master, hello.runId, hello.ip, hello.port, now);
      } catch {
        peer = null;
      }
      if (peer !== null) {
        if (removed === 0) this.sentinel.event('notice', '+sentinel', peer);
        else this.updateSentinelAddressEverywhere(peer);
        this.sentinel.flushConfig();
      }
    }
    if (hello.currentEpoch > this.state.currentEpoch) {
      this.state.currentEpoch = hello.currentEpoch;
      this.sentinel.flushConfig();
      this.sentinel.eventText('warning', '+new-epoch', String(this.state.currentEpoch), master);
    }
    if (peer !== null && master.configEpoch < hello.masterConfigEpoch) {
      master.configEpoch = hello.masterConfigEpoch;
      if (hello.masterPort !== master.port || !master.isAt(hello.masterIp)) {
        this.sentinel.event('warning', '+config-update-from', peer);
        this.sentinel.eventText(
          'warning',
          '+switch-master',
          `${master.name} ${this.sentinel.announceAddress(master)} ${master.port} ${hello.masterIp} ${hello.masterPort}`,
          master,
        );
        const from = { host: this.sentinel.announceAddress(master), port: master.port };
        this.sentinel.resetMasterAndChangeAddress(master, hello.masterIp, hello.masterPort);
        this.sentinel.clientReconfigScript(master, 'observer', from, master);
      }
    }
    if (peer !== null) peer.lastHelloTime = now;
  }

  /**
   * sentinelUpdateSentinelAddressInAllMasters: a Sentinel seen at a new address under one master
   * moves there under every master watched with it; the old connections are dropped.
   */
  private updateSentinelAddressEverywhere(moved: Instance): void {
    let reconfigured = 0;
    for (const { master, key, sentinel } of sentinelsById(this.state.masters.values(), moved.runId)) {
      sentinel.link.close();
      if (sentinel === moved) continue;
      master.sentinels.delete(key);
      sentinel.moveTo(moved.host, moved.port, moved.ip);
      master.sentinels.set(addressKey(moved.host, moved.port), sentinel);
      reconfigured++;
    }
    if (reconfigured > 0) this.sentinel.event('notice', '+sentinel-address-update', moved, `${reconfigured} additional matching instances`);
  }

  // ---------------------------------------------------------------------------------------
  // INFO

  refreshInfo(instance: Instance, info: string): void {
    const now = Date.now();
    const facts = parseInfo(info);
    instance.info = info;
    instance.masterLinkDownTime = facts.masterLinkDownTime;
    if (facts.runId !== null) {
      if (instance.runId === null) instance.runId = facts.runId;
      else if (instance.runId !== facts.runId) {
        this.sentinel.event('notice', '+reboot', instance);
        if (instance.has(Flag.master) && instance.masterRebootDownAfterPeriod !== 0) {
          instance.flags |= Flag.masterReboot;
          instance.masterRebootSinceTime = now;
        }
        instance.runId = facts.runId;
      }
    }
    if (instance.has(Flag.master)) {
      for (const { ip, port } of facts.replicas) {
        if (instance.replicas.has(addressKey(ip, port))) continue;
        try {
          const replica = this.state.addReplica(instance, ip, port, now);
          this.sentinel.event('notice', '+slave', replica);
          this.sentinel.flushConfig();
        } catch {
          // An address we cannot use (Redis skips it the same way).
        }
      }
    }
    const role = facts.role === 'master' ? Flag.master : facts.role === 'slave' ? Flag.replica : null;
    if (role === Flag.replica) {
      if (facts.masterHost !== null && (instance.slaveMasterHost === null || facts.masterHost.toLowerCase() !== instance.slaveMasterHost.toLowerCase())) {
        instance.slaveMasterHost = facts.masterHost;
        instance.slaveConfChangeTime = now;
      }
      if (facts.masterPort !== null && facts.masterPort !== instance.slaveMasterPort) {
        instance.slaveMasterPort = facts.masterPort;
        instance.slaveConfChangeTime = now;
      }
      if (facts.masterLinkUp !== null) instance.slaveMasterLinkUp = facts.masterLinkUp;
      if (facts.priority !== null) instance.slavePriority = facts.priority;
      if (facts.replOffset !== null) instance.slaveReplOffset = facts.replOffset;
      if (facts.replicaAnnounced !== null) instance.replicaAnnounced = facts.replicaAnnounced;
    }
    instance.infoRefresh = now;
    if (role !== null && role !== instance.roleReported) {
      instance.roleReportedTime = now;
      instance.roleReported = role;
      if (role === Flag.replica) instance.slaveConfChangeTime = now;
      const coherent = (instance.flags & (Flag.master | Flag.replica)) === role;
      this.sentinel.event('verbose', coherent ? '+role-change' : '-role-change', instance, `new reported role is ${role === Flag.master ? 'master' : 'slave'}`);
    }
    if (this.state.tilt || role === null) return;
    if (instance.has(Flag.replica) && role === Flag.master) this.replicaReportsMaster(instance, now);
    const master = instance.master;
    if (master === null || !instance.has(Flag.replica) || role !== Flag.replica) return;
    if (instance.slaveMasterPort !== master.port || !master.isAt(instance.slaveMasterHost)) {
      // Replicating from somewhere else: point it back at our master once things are calm.
      const wait = master.failoverTimeout;
      if (this.masterLooksSane(master) && noDownFor(instance, wait, now) && now - instance.slaveConfChangeTime > wait) {
        if (this.sentinel.sendReplicaOf(instance, master)) this.sentinel.event('notice', '+fix-slave-config', instance);
      }
    }
    this.trackReconfiguration(instance, master);
  }

  /** A replica says it is a master: our promotion completing, or one to turn back into a replica. */
  private replicaReportsMaster(replica: Instance, now: number): void {
    const master = replica.master!;
    if (replica.has(Flag.promoted) && master.has(Flag.failoverInProgress) && master.failoverState === FailoverState.waitPromotion) {
      // The promotion took: our epoch becomes the config epoch, which other Sentinels will adopt.
      master.configEpoch = master.failoverEpoch;
      master.failoverState = FailoverState.reconfSlaves;
      master.failoverStateChangeTime = now;
      this.sentinel.flushConfig();
      this.sentinel.event('warning', '+promoted-slave', replica);
      if ((this.state.simulateFailure & SIMULATE_CRASH_AFTER_PROMOTION) !== 0) this.sentinel.failover.simulatedCrash();
      this.sentinel.event('warning', '+failover-state-reconf-slaves', master);
      this.sentinel.clientReconfigScript(master, 'leader', { host: this.sentinel.announceAddress(master), port: master.port }, replica);
      this.sentinel.forceHelloUpdate(master);
      return;
    }
    const wait = this.state.periods.publish * 4;
    if (
      !replica.has(Flag.promoted) &&
      this.masterLooksSane(master) &&
      noDownFor(replica, wait, now) &&
      now - replica.roleReportedTime > wait
    ) {
      if (this.sentinel.sendReplicaOf(replica, master)) this.sentinel.event('notice', '+convert-to-slave', replica);
    }
  }

  /** A replica we told to follow the promoted one: sent → in progress → done. */
  private trackReconfiguration(replica: Instance, master: Instance): void {
    if (!replica.has(Flag.reconfSent) && !replica.has(Flag.reconfInprog)) return;
    const promoted = master.promotedReplica;
    if (
      replica.has(Flag.reconfSent) &&
      promoted !== null &&
      promoted.isAt(replica.slaveMasterHost) &&
      replica.slaveMasterPort === promoted.port
    ) {
      replica.flags = (replica.flags & ~Flag.reconfSent) | Flag.reconfInprog;
      this.sentinel.event('notice', '+slave-reconf-inprog', replica);
    }
    if (replica.has(Flag.reconfInprog) && replica.slaveMasterLinkUp) {
      replica.flags = (replica.flags & ~Flag.reconfInprog) | Flag.reconfDone;
      this.sentinel.event('notice', '+slave-reconf-done', replica);
    }
  }

  /** A master we can rely on: configured and reporting as master, up, with fresh INFO. */
  private masterLooksSane(master: Instance): boolean {
    return (
      master.has(Flag.master) &&
      master.roleReported === Flag.master &&
      !master.has(Flag.sDown) &&
      !master.has(Flag.oDown) &&
      Date.now() - master.infoRefresh < this.state.periods.info * 2
    );
  }
}

/** The peer at ip:port (with that run id, unless null). */
function findSentinel(master: Instance, ip: string, port: number, runId: string | null): Instance | null {
  for (const sentinel of master.sentinels.values()) {
    if (sentinel.isAt(ip) && sentinel.port === port && (runId === null || sentinel.runId === runId)) return sentinel;
  }
  return null;
}

/** The entries for the Sentinel with this run id under the given masters (collected first: callers change the maps). */
function sentinelsById(masters: Iterable<Instance>, runId: string | null): { master: Instance; key: string; sentinel: Instance }[] {
  const found: { master: Instance; key: string; sentinel: Instance }[] = [];
  for (const master of masters) {
    for (const [key, sentinel] of master.sentinels) if (sentinel.runId === runId) found.push({ master, key, sentinel });
  }
  return found;
}

/** Removes every Sentinel with this run id from the master; returns how many. */
function removeSentinelsById(master: Instance, runId: string): number {
  const found = sentinelsById([master], runId);
  for (const { key, sentinel } of found) {
    sentinel.link.close();
    master.sentinels.delete(key);
  }
  return found.length;
}
