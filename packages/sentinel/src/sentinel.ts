/**
 * The Sentinel at work: a timer (10–19 times a second, desynchronised from other Sentinels)
 * that keeps links to every master, replica and peer, sends PING/INFO/hello, marks instances
 * SDOWN and masters ODOWN, and asks peers for their view. What instances report is handled by
 * observations.ts, the failover by failover.ts. The order of checks and every event follow
 * Redis's sentinel.c.
 */
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import type { Server } from '@tsredis/node/server/server';
import { describeInstance, emitEvent, type EventLevel } from './events.js';
import { FailoverMachine } from './failover.js';
import { formatHello } from './hello.js';
import { addressKey, FailoverState, Flag, type Instance } from './instance.js';
import { HELLO_CHANNEL, type LinkSetup } from './link.js';
import { Observations } from './observations.js';
import { rewriteConfigText, sentinelConfigLines, writeConfigFile } from './rewrite.js';
import { ScriptQueue } from './scripts.js';
import { releaseInstance, SentinelState } from './state.js';

/** Commands waiting for replies on a link above which the periodic ones are skipped. */
const MAX_PENDING_COMMANDS = 100;
const BASE_HZ = 10;
/** How long an unresolvable hostname waits before it is looked up again. */
const RESOLVE_RETRY_MS = 1000;

export class Sentinel {
  readonly failover = new FailoverMachine(this);
  readonly observations = new Observations(this);
  readonly scripts = new ScriptQueue({
    timings: () => this.state.periods,
    event: (level, type, message) => this.eventText(level, type, message, null),
  });
  private timer: NodeJS.Timeout | null = null;
  private readonly resolving = new Set<Instance>();
  /** Hostnames whose last lookup failed (logged once until one succeeds). */
  private readonly unresolvable = new Set<string>();
  private previousTime = Date.now();

  constructor(
    readonly state: SentinelState,
    readonly server: Server,
    /** The config file the state is persisted to. */
    readonly configFile: string,
  ) {}

  get myid(): string {
    return this.state.myid;
  }

  /** Saves the id (new or not) and the state, announces the masters, starts the timer. */
  start(): void {
    this.flushConfig();
    this.server.log.warn(`Sentinel ID is ${this.myid}`);
    for (const master of this.state.masters.values()) this.event('warning', '+monitor', master, `quorum ${master.quorum}`);
    this.previousTime = Date.now();
    this.schedule();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const master of this.state.masters.values()) releaseInstance(master);
  }

  private schedule(): void {
    // Like Redis changing hz each time: Sentinels started together do not stay in lockstep.
    const hz = BASE_HZ + Math.floor(Math.random() * BASE_HZ);
    this.timer = setTimeout(() => this.tick(), Math.floor(1000 / hz));
  }

  private tick(): void {
    try {
      this.checkTilt();
      this.handleMasters();
      this.scripts.tick(Date.now());
      void this.resolveAddresses();
    } catch (error) {
      this.server.log.error({ err: error }, 'sentinel timer failed');
    }
    if (this.timer !== null) this.schedule();
  }

  // ---------------------------------------------------------------------------------------
  // Config and events

  /** Rewrites the config file with the current state; false (and a warning) when it fails. */
  flushConfig(): boolean {
    try {
      const original = readFileSync(this.configFile, 'latin1');
      writeConfigFile(this.configFile, rewriteConfigText(original, sentinelConfigLines(this.state)));
      this.server.log.info('Sentinel new configuration saved on disk');
      return true;
    } catch (error) {
      this.server.log.warn(`WARNING: Sentinel was not able to save the new configuration on disk!!!: ${(error as Error).message}`);
      return false;
    }
  }

  /** An event about an instance: "<kind> <name> <ip> <port> [@ <master> <ip> <port>] [detail]". */
  event(level: EventLevel, type: string, instance: Instance, detail = ''): void {
    const who = describeInstance(instance, (at) => this.announceAddress(at));
    this.eventText(level, type, detail === '' ? who : `${who} ${detail}`, instance);
  }

  /**
   * An event whose payload is given whole (+new-epoch, +vote-for-leader, +switch-master, +tilt).
   * A warning `about` an instance also goes to its master's notification script, as in Redis.
   */
  eventText(level: EventLevel, type: string, message: string, about: Instance | null): void {
    emitEvent(this.sink, level, type, message);
    const master = about === null ? null : about.has(Flag.master) ? about : about.master;
    if (level === 'warning' && master !== null && master.notificationScript !== null) this.scripts.schedule(master.notificationScript, [type, message]);
  }

  /**
   * The client-reconfig script after a failover, as the leader or an observer:
   * "<master> <leader|observer> start <from-ip> <from-port> <to-ip> <to-port>".
   */
  clientReconfigScript(master: Instance, role: 'leader' | 'observer', from: { host: string; port: number }, to: Instance): void {
    if (master.clientReconfigScript === null) return;
    const args = [master.name, role, 'start', from.host, String(from.port), this.announceAddress(to), String(to.port)];
    this.scripts.schedule(master.clientReconfigScript, args);
  }

  private readonly sink = {
    publish: (channel: string, message: string) => {
      const pubsub = this.server.pubsub;
      pubsub.publish(channel, message, pubsub.global);
    },
    log: (level: EventLevel, type: string, message: string) => {
      const line = `${type} ${message}`;
      const log = this.server.log;
      if (level === 'warning') log.warn({ event: type }, line);
      else if (level === 'notice') log.info({ event: type }, line);
      else log.debug({ event: type }, line);
    },
  };

  /**
   * announceSentinelAddr: the address shown and sent for an instance, its hostname under
   * announce-hostnames, else its IP (the hostname until its lookup answers).
   */
  announceAddress(instance: Instance): string {
    return this.state.announceHostnames ? instance.host : (instance.ip ?? instance.host);
  }

  /**
   * Looks up the hostnames not resolved yet (Redis resolves when an address is created; node's
   * resolver is asynchronous, so the timer starts lookups and the answers fill `ip` in).
   */
  resolveAddresses(): Promise<void> {
    const lookups: Promise<void>[] = [];
    for (const master of this.state.masters.values()) {
      this.resolve(master, lookups);
      for (const replica of master.replicas.values()) this.resolve(replica, lookups);
      for (const peer of master.sentinels.values()) this.resolve(peer, lookups);
    }
    return Promise.all(lookups).then(() => undefined);
  }

  /** Starts the lookup of an unresolved hostname: a failure is logged once and retried a second later. */
  private resolve(instance: Instance, lookups: Promise<void>[]): void {
    if (instance.ip !== null || this.resolving.has(instance)) return;
    this.resolving.add(instance);
    const host = instance.host;
    const resolved = ({ address }: { address: string }): void => {
      if (instance.host === host) instance.ip = address;
      this.unresolvable.delete(host);
      this.resolving.delete(instance);
    };
    const failed = (): void => {
      if (!this.unresolvable.has(host)) this.server.log.warn(`Failed to resolve hostname '${host}'`);
      this.unresolvable.add(host);
      setTimeout(() => this.resolving.delete(instance), RESOLVE_RETRY_MS).unref();
    };
    lookups.push(lookup(host).then(resolved, failed));
  }

  // ---------------------------------------------------------------------------------------
  // The timer

  /** TILT: the timer ran late (the process was stopped, the clock jumped): act on nothing for a while. */
  private checkTilt(): void {
    const now = Date.now();
    const delta = now - this.previousTime;
    if (delta < 0 || delta > this.state.periods.tiltTrigger) {
      this.state.tilt = true;
      this.state.tiltStartTime = now;
      this.eventText('warning', '+tilt', '#tilt mode entered', null);
    }
    this.previousTime = now;
  }

  private handleMasters(): void {
    let switchToPromoted: Instance | null = null;
    for (const master of this.state.masters.values()) {
      this.handleInstance(master);
      for (const replica of [...master.replicas.values()]) this.handleInstance(replica);
      for (const sentinel of [...master.sentinels.values()]) this.handleInstance(sentinel);
      if (master.failoverState === FailoverState.updateConfig) switchToPromoted = master;
    }
    if (switchToPromoted !== null) this.failover.switchToPromoted(switchToPromoted);
  }

  private handleInstance(instance: Instance): void {
    this.reconnect(instance);
    this.sendPeriodicCommands(instance);
    const state = this.state;
    if (state.tilt) {
      if (Date.now() - state.tiltStartTime < state.periods.tiltPeriod) return;
      state.tilt = false;
      this.eventText('warning', '-tilt', '#tilt mode exited', null);
    }
    this.checkSubjectivelyDown(instance);
    if (!instance.has(Flag.master)) return;
    this.checkObjectivelyDown(instance);
    if (this.failover.startFailoverIfNeeded(instance)) this.askMasterStateToOtherSentinels(instance, true);
    this.failover.failoverStateMachine(instance);
    this.askMasterStateToOtherSentinels(instance, false);
  }

  // ---------------------------------------------------------------------------------------
  // Links and periodic commands

  private linkSetup(instance: Instance, type: 'cmd' | 'pubsub'): LinkSetup {
    const master = instance.owner;
    let auth: LinkSetup['auth'] = null;
    if (!instance.has(Flag.sentinel)) {
      if (master.authPass !== null) auth = { user: master.authUser, pass: master.authPass };
    } else if (this.state.sentinelPass !== null) {
      auth = { user: this.state.sentinelUser, pass: this.state.sentinelPass };
    } else {
      // Old configurations: requirepass is both what we ask for and what we present.
      const requirepass = this.server.config.str('requirepass');
      if (requirepass !== '') auth = { user: null, pass: requirepass };
    }
    return {
      host: instance.host,
      port: instance.port,
      auth,
      clientName: `sentinel-${this.myid.slice(0, 8)}-${type}`,
      tls: this.server.config.bool('tls-replication') ? (this.server.tls?.peerOptions ?? null) : null,
      command: (name) => instance.command(name),
    };
  }

  private reconnect(instance: Instance): void {
    const link = instance.link;
    if (!link.disconnected || instance.port === 0) return;
    const now = Date.now();
    if (now - link.lastReconnTime < this.state.periods.ping) return;
    link.lastReconnTime = now;
    if (link.cc === null) {
      link.openCommand(this.linkSetup(instance, 'cmd'), now);
      this.sendPing(instance);
    }
    if (!instance.has(Flag.sentinel) && link.pc === null) {
      link.openPubsub(this.linkSetup(instance, 'pubsub'), now, (message) => this.observations.receiveHello(message));
    }
    if (link.cc !== null && (instance.has(Flag.sentinel) || link.pc !== null)) link.disconnected = false;
  }

  private sendPeriodicCommands(instance: Instance): void {
    const link = instance.link;
    if (link.disconnected || link.pendingCommands >= MAX_PENDING_COMMANDS) return;
    const now = Date.now();
    const periods = this.state.periods;
    // Replicas of a master in trouble (or that lost their master) are watched every second.
    const master = instance.master;
    const closeWatch =
      instance.has(Flag.replica) &&
      master !== null &&
      (master.has(Flag.oDown) || master.has(Flag.failoverInProgress) || instance.masterLinkDownTime !== 0);
    const infoPeriod = closeWatch ? 1000 : periods.info;
    const pingPeriod = Math.min(instance.downAfterPeriod, periods.ping);
    if (!instance.has(Flag.sentinel) && (instance.infoRefresh === 0 || now - instance.infoRefresh > infoPeriod)) {
      void link.send(instance.command('INFO')).then((reply) => {
        if (typeof reply === 'string') this.observations.refreshInfo(instance, reply);
      });
    }
    if (now - link.lastPongTime > pingPeriod && now - link.lastPingTime > pingPeriod / 2) this.sendPing(instance);
    if (now - instance.lastPubTime > periods.publish) this.sendHello(instance);
  }

  private sendPing(instance: Instance): void {
    const link = instance.link;
    if (link.cc === null) return;
    link.lastPingTime = Date.now();
    // The oldest unanswered PING is what SDOWN measures from.
    if (link.actPingTime === 0) link.actPingTime = link.lastPingTime;
    void link.send(instance.command('PING')).then((reply) => this.pingReply(instance, reply));
  }

  private pingReply(instance: Instance, reply: unknown): void {
    if (reply === null) return;
    const link = instance.link;
    const text = reply instanceof Error ? reply.message : String(reply);
    if (text.startsWith('PONG') || text.startsWith('LOADING') || text.startsWith('MASTERDOWN')) {
      link.lastAvailTime = Date.now();
      link.actPingTime = 0;
      if (instance.has(Flag.masterReboot) && text.startsWith('PONG')) instance.flags &= ~Flag.masterReboot;
    } else if (text.startsWith('BUSY') && instance.has(Flag.sDown) && !instance.has(Flag.scriptKillSent)) {
      // Down because a script is stuck: ask it to stop once.
      void link.send(instance.command('SCRIPT'), 'KILL');
      instance.flags |= Flag.scriptKillSent;
    }
    link.lastPongTime = Date.now();
  }

  /** Publishes our hello for this instance's master (to masters and replicas, or straight to a peer). */
  private sendHello(instance: Instance): boolean {
    const link = instance.link;
    if (link.disconnected) return false;
    const ip = this.state.announceIp ?? link.localAddress();
    if (ip === null) return false;
    const master = instance.owner;
    const current = this.state.currentMaster(master);
    const payload = formatHello({
      ip,
      port: this.state.announcePort !== 0 ? this.state.announcePort : this.server.boundPort(),
      runId: this.myid,
      currentEpoch: this.state.currentEpoch,
      masterName: master.name,
      masterIp: this.announceAddress(current),
      masterPort: current.port,
      masterConfigEpoch: master.configEpoch,
    });
    void link.send(instance.command('PUBLISH'), HELLO_CHANNEL, payload).then((reply) => {
      if (reply !== null && !(reply instanceof Error)) instance.lastPubTime = Date.now();
    });
    return true;
  }

  /** Makes the next timer pass send hellos about this master everywhere (after a config change). */
  forceHelloUpdate(master: Instance): void {
    const publish = this.state.periods.publish;
    for (const instance of [master, ...master.sentinels.values(), ...master.replicas.values()]) {
      if (instance.lastPubTime >= publish + 1) instance.lastPubTime -= publish + 1;
    }
  }

  /**
   * REPLICAOF (or REPLICAOF NO ONE when `target` is null) in a transaction with CONFIG REWRITE
   * and CLIENT KILL of normal and pub/sub clients, so they reconnect and ask again. Replies are
   * ignored: INFO shows whether it worked.
   */
  sendReplicaOf(instance: Instance, target: Instance | null): boolean {
    const link = instance.link;
    if (link.cc === null) return false;
    const [host, port] = target === null ? ['NO', 'ONE'] : [this.announceAddress(target), String(target.port)];
    const command = (name: string) => instance.command(name);
    void link.send(command('MULTI'));
    void link.send(command('SLAVEOF'), host, port);
    void link.send(command('CONFIG'), 'REWRITE');
    void link.send(command('CLIENT'), 'KILL', 'TYPE', 'normal');
    void link.send(command('CLIENT'), 'KILL', 'TYPE', 'pubsub');
    void link.send(command('EXEC'));
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Down detection

  private checkSubjectivelyDown(instance: Instance): void {
    const link = instance.link;
    const now = Date.now();
    const periods = this.state.periods;
    let elapsed = 0;
    if (link.actPingTime !== 0) elapsed = now - link.actPingTime;
    else if (link.disconnected) elapsed = now - link.lastAvailTime;
    const downAfter = instance.downAfterPeriod;
    // A connection that stopped answering for half the down period is replaced.
    if (
      link.cc !== null &&
      now - link.ccConnTime > periods.minLinkReconnect &&
      link.actPingTime !== 0 &&
      now - link.actPingTime > downAfter / 2 &&
      now - link.lastPongTime > downAfter / 2
    ) {
      link.closeCommand();
    }
    if (link.pc !== null && now - link.pcConnTime > periods.minLinkReconnect && now - link.pcLastActivity > periods.publish * 3) {
      link.closePubsub();
    }
    const down =
      elapsed > downAfter ||
      (instance.has(Flag.master) &&
        instance.roleReported === Flag.replica &&
        now - instance.roleReportedTime > downAfter + periods.info * 2) ||
      (instance.has(Flag.masterReboot) && now - instance.masterRebootSinceTime > instance.masterRebootDownAfterPeriod);
    if (down) {
      if (!instance.has(Flag.sDown)) {
        this.event('warning', '+sdown', instance);
        instance.sDownSince = now;
        instance.flags |= Flag.sDown;
      }
    } else if (instance.has(Flag.sDown)) {
      this.event('warning', '-sdown', instance);
      instance.flags &= ~(Flag.sDown | Flag.scriptKillSent);
    }
  }

  private checkObjectivelyDown(master: Instance): void {
    let agreeing = 0;
    let odown = false;
    if (master.has(Flag.sDown)) {
      agreeing = 1;
      for (const peer of master.sentinels.values()) if (peer.has(Flag.masterDown)) agreeing++;
      odown = agreeing >= master.quorum;
    }
    if (odown) {
      if (!master.has(Flag.oDown)) {
        this.event('warning', '+odown', master, `#quorum ${agreeing}/${master.quorum}`);
        master.flags |= Flag.oDown;
        master.oDownSince = Date.now();
      }
    } else if (master.has(Flag.oDown)) {
      this.event('warning', '-odown', master);
      master.flags &= ~Flag.oDown;
    }
  }

  /** SENTINEL IS-MASTER-DOWN-BY-ADDR to every peer: their view, and their vote once we run a failover. */
  private askMasterStateToOtherSentinels(master: Instance, forced: boolean): void {
    const now = Date.now();
    const ask = this.state.periods.ask;
    for (const peer of master.sentinels.values()) {
      if (now - peer.lastMasterDownReplyTime > ask * 5) {
        // Too old to count.
        peer.flags &= ~Flag.masterDown;
        peer.leader = null;
      }
      if (!master.has(Flag.sDown) || peer.link.disconnected) continue;
      if (!forced && now - peer.lastMasterDownReplyTime < ask) continue;
      const candidate = master.failoverState > FailoverState.none ? this.myid : '*';
      void peer.link
        .send(peer.command('SENTINEL'), 'is-master-down-by-addr', this.announceAddress(master), master.port, this.state.currentEpoch, candidate)
        .then((reply) => this.isMasterDownReply(peer, reply));
    }
  }

  private isMasterDownReply(peer: Instance, reply: unknown): void {
    if (!Array.isArray(reply) || reply.length !== 3) return;
    const [down, leader, epoch] = reply as unknown[];
    if (typeof down !== 'number' || typeof leader !== 'string' || typeof epoch !== 'number') return;
    peer.lastMasterDownReplyTime = Date.now();
    if (down === 1) peer.flags |= Flag.masterDown;
    else peer.flags &= ~Flag.masterDown;
    if (leader !== '*') {
      if (peer.leaderEpoch !== epoch) this.server.log.warn(`${peer.name} voted for ${leader} ${epoch}`);
      peer.leader = leader;
      peer.leaderEpoch = epoch;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Reset

  /** Forgets replicas (and peers unless told not to) and failover state; reconnects to the master. */
  resetMaster(master: Instance, options: { keepSentinels: boolean; event: boolean }): void {
    const now = Date.now();
    for (const replica of master.replicas.values()) replica.link.close();
    master.replicas = new Map();
    if (!options.keepSentinels) {
      for (const sentinel of master.sentinels.values()) sentinel.link.close();
      master.sentinels = new Map();
    }
    const link = master.link;
    link.close();
    master.flags &= Flag.master;
    master.leader = null;
    master.failoverState = FailoverState.none;
    master.failoverStateChangeTime = 0;
    // A failover can start again right away.
    master.failoverStartTime = 0;
    master.promotedReplica = null;
    master.runId = null;
    master.slaveMasterHost = null;
    link.actPingTime = now;
    link.lastPingTime = 0;
    link.lastAvailTime = now;
    link.lastPongTime = now;
    master.roleReportedTime = now;
    master.roleReported = Flag.master;
    if (options.event) this.event('warning', '+reset-master', master);
  }

  /** After a switch: the master has a new address, its replicas are the others plus the old master. */
  resetMasterAndChangeAddress(master: Instance, host: string, port: number, ip?: string | null): void {
    const newKey = addressKey(host, port);
    const replicas = [...master.replicas.values()].filter((replica) => replica.name !== newKey).map(({ host, port }) => ({ host, port }));
    if (addressKey(master.host, master.port) !== newKey) replicas.push({ host: master.host, port: master.port });
    this.resetMaster(master, { keepSentinels: true, event: false });
    master.moveTo(host, port, ip);
    master.oDownSince = 0;
    master.sDownSince = 0;
    const now = Date.now();
    for (const address of replicas) {
      try {
        const replica = this.state.addReplica(master, address.host, address.port, now);
        this.event('notice', '+slave', replica);
      } catch {
        // Not an address we can use any more.
      }
    }
    this.flushConfig();
  }

  /** Resets the masters whose name matches the glob; returns how many. */
  resetMatching(matches: (name: string) => boolean): number {
    let count = 0;
    for (const master of this.state.masters.values()) {
      if (!matches(master.name)) continue;
      this.resetMaster(master, { keepSentinels: false, event: true });
      count++;
    }
    return count;
  }

  /** Drops an instance's connections so they are opened again with new credentials. */
  dropConnections(master: Instance): void {
    master.link.close();
    for (const replica of master.replicas.values()) replica.link.close();
  }

  /** Drops the links to every peer Sentinel (their credentials changed). */
  dropSentinelConnections(): void {
    for (const master of this.state.masters.values()) for (const peer of master.sentinels.values()) peer.link.close();
  }
}
