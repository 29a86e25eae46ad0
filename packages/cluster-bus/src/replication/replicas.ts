import { randomBytes } from 'node:crypto';
import type { ReplicaPeer, ReplicationHost } from '../ports.js';
import type { ReplicationHistory } from './history.js';
import { encodeCommand } from './resp.js';

/**
 * The master side of replication (Redis's syncCommand, replconfCommand, replicationFeedSlaves
 * and the master half of replicationCron): replicas asking for PSYNC get the backlog from their
 * offset (+CONTINUE) or a full sync — +FULLRESYNC, an RDB of a copy-on-write snapshot, then
 * the writes made since the snapshot began. Writes are appended to the backlog at once and sent
 * to the replicas once per event-loop pass, so a pipeline of writes costs one socket write.
 */

export const enum ReplicaState {
  WaitBgsaveStart,
  WaitBgsaveEnd,
  Online,
}

/** INFO slaveN state= names (replstateToString). */
const STATE_NAMES = ['wait_bgsave', 'wait_bgsave', 'online'] as const;

/** What a connection said with REPLCONF before its PSYNC. */
interface Announced {
  port: number;
  ip: string;
  eof: boolean;
  psync2: boolean;
}

/** Longest REPLCONF ip-address Redis accepts (NET_HOST_STR_LEN - 1). */
const MAX_ANNOUNCED_IP = 255;

const PING = encodeCommand(['PING']);
const GETACK = encodeCommand(['REPLCONF', 'GETACK', '*']);

export class Replica {
  state = ReplicaState.WaitBgsaveStart;
  /** REPLCONF ACK offset and when it came (ms); before it is online, when it asked for a sync. */
  ackOffset = 0;
  ackTime: number;
  /** Diskless sync done: the stream starts with the replica's first ACK (its EOF mark must end its read). */
  startOnAck = false;
  /** The RDB payload has begun on the socket: no more keepalive newlines. */
  payloadStarted = false;
  /** Stream bytes produced during its full sync, sent when it goes online. */
  held: Buffer[] = [];
  /** Connected with SYNC (no PSYNC): sends no ACKs, never timed out on them. */
  prePsync = false;

  constructor(
    readonly peer: ReplicaPeer,
    readonly announced: Announced,
    now: number,
  ) {
    this.ackTime = now;
  }

  /** Whether stream bytes go to the socket now (otherwise they are held). */
  get streaming(): boolean {
    return this.state === ReplicaState.Online && !this.startOnAck;
  }

  get stateName(): string {
    return STATE_NAMES[this.state];
  }

  /** The address ROLE and INFO show: the announced one (replica-announce-ip) or the peer's. */
  get ip(): string {
    return this.announced.ip || this.peer.ip;
  }
}

/** A replication reply for the node to write: OK, an error line (without '-'), or nothing. */
export type ReplconfReply = { ok: true } | { error: string } | null;

export class Replicas {
  readonly list: Replica[] = [];
  private readonly byPeer = new Map<number, Replica>();
  private readonly announcements = new Map<number, Announced>();
  /** The db the stream last selected; -1 forces a SELECT before the next write. */
  selectedDb = -1;
  /** Whether local writes are fed (a replica only passes its master's stream on). */
  feeding = true;
  /** A failover waits for a replica to reach our offset: no PING or GETACK may move it. */
  quiet = false;
  /** Stream bytes appended since the last delivery to the replicas. */
  private unsent = 0;
  private deliveryScheduled = false;
  private ackRequested = false;
  private syncRunning = false;
  private syncRetry: NodeJS.Timeout | null = null;
  /** ms since which there is no replica (backlog TTL), 0 while there are some. */
  noReplicasSince: number;
  private lastPing = 0;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;

  constructor(
    private readonly history: ReplicationHistory,
    private readonly host: ReplicationHost,
    /** On a replica, the db its master's stream has selected (the stream we relay); null on a master. */
    private readonly relayedDb: () => number | null,
  ) {
    this.noReplicasSince = Date.now();
  }

  // -- the stream ------------------------------------------------------------------------------

  /** replicationFeedSlaves: a write of this node's own clients (SELECT first when the db changes). */
  feedCommand(db: number, argv: readonly string[]): void {
    if (!this.feeding || (this.history.backlog === null && this.list.length === 0)) return;
    if (db !== this.selectedDb) {
      this.write(encodeCommand(['SELECT', String(db)]));
      this.selectedDb = db;
    }
    this.write(encodeCommand(argv));
  }

  /** Stream text received from our master, passed on as is (chained replication). */
  proxy(text: string): void {
    this.write(text);
  }

  private write(text: string): void {
    const backlog = this.history.backlog;
    if (backlog === null) {
      // No backlog means no replica either (see feedCommand): only the offset moves.
      this.history.append(text);
      return;
    }
    // What has not been delivered must stay in the ring until it is.
    if (this.unsent > 0 && this.unsent + text.length > backlog.size) this.deliver();
    if (text.length > backlog.size) {
      this.history.append(text);
      this.send(Buffer.from(text, 'latin1'));
      return;
    }
    this.history.append(text);
    this.unsent += text.length;
    if (!this.deliveryScheduled) {
      this.deliveryScheduled = true;
      setImmediate(deliverScheduled, this);
    }
  }

  /** Sends the bytes appended since the last delivery (and a GETACK WAIT asked for). */
  deliver(): void {
    this.deliveryScheduled = false;
    if (this.ackRequested) {
      this.ackRequested = false;
      if (this.list.length > 0 && !this.quiet) {
        this.history.append(GETACK);
        this.unsent += GETACK.length;
      }
    }
    if (this.unsent === 0) return;
    const backlog = this.history.backlog!;
    const bytes = backlog.from(this.history.offset - this.unsent + 1);
    this.unsent = 0;
    this.send(bytes);
  }

  private send(bytes: Buffer): void {
    // Backwards: a replica over its output limit leaves the list during the loop.
    for (let i = this.list.length - 1; i >= 0; i--) {
      const replica = this.list[i]!;
      if (replica.streaming) {
        replica.peer.send(bytes);
        replica.peer.enforceOutputLimit();
      } else if (replica.state !== ReplicaState.WaitBgsaveStart) replica.held.push(bytes);
    }
  }

  /** WAIT: a REPLCONF GETACK goes to the replicas with the next delivery. */
  requestAcks(): void {
    this.ackRequested = true;
    if (!this.deliveryScheduled) {
      this.deliveryScheduled = true;
      setImmediate(deliverScheduled, this);
    }
  }

  // -- REPLCONF, SYNC, PSYNC ---------------------------------------------------------------------

  /** REPLCONF <option> <value> … from a connection (a replica or one about to be). */
  replconf(peer: ReplicaPeer, args: readonly string[], now: number): ReplconfReply {
    if (args.length % 2 !== 0) return { error: 'ERR syntax error' };
    const announced = this.announcements.get(peer.id) ?? { port: 0, ip: '', eof: false, psync2: false };
    for (let i = 0; i < args.length; i += 2) {
      const option = args[i]!.toLowerCase();
      const value = args[i + 1]!;
      if (option === 'listening-port') {
        const port = parseLong(value);
        if (port === null) return { error: 'ERR value is not an integer or out of range' };
        announced.port = port;
      } else if (option === 'ip-address') {
        if (value.length > MAX_ANNOUNCED_IP) {
          return { error: `ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes` };
        }
        announced.ip = value;
      } else if (option === 'capa') {
        const capability = value.toLowerCase();
        if (capability === 'eof') announced.eof = true;
        else if (capability === 'psync2') announced.psync2 = true;
      } else if (option === 'ack') {
        const offset = parseLong(value);
        if (offset !== null) this.acknowledge(peer.id, offset, now);
        return null;
      } else if (option === 'getack') {
        // Answered by the replica link when it reads it in its master's stream.
        return null;
      } else if (option === 'rdb-only') {
        if (value !== '0' && value !== '1') return { error: 'ERR value is not an integer or out of range' };
      } else {
        return { error: `ERR Unrecognized REPLCONF option: ${args[i]}` };
      }
    }
    this.announcements.set(peer.id, announced);
    return { ok: true };
  }

  private acknowledge(peerId: number, offset: number, now: number): void {
    const replica = this.byPeer.get(peerId);
    if (replica === undefined) return;
    if (offset > replica.ackOffset) replica.ackOffset = offset;
    replica.ackTime = now;
    if (replica.startOnAck && replica.state === ReplicaState.Online) this.startStream(replica);
    this.host.acksChanged();
  }

  /**
   * SYNC / PSYNC replid offset (argv as received). Returns an error line to reply, or null when
   * the peer became a replica (the replies were written to it directly).
   */
  sync(peer: ReplicaPeer, argv: readonly string[], now: number): string | null {
    const announced = this.announcements.get(peer.id) ?? { port: 0, ip: '', eof: false, psync2: false };
    const replica = new Replica(peer, announced, now);
    if (argv[0]!.toLowerCase() === 'psync') {
      const offset = parseLong(argv[2]!);
      if (offset === null) return 'ERR value is not an integer or out of range';
      const replid = argv[1]!;
      if (this.continueReplica(replica, replid, offset)) {
        this.syncPartialOk++;
        return null;
      }
      if (!replid.startsWith('?')) this.syncPartialErr++;
    } else {
      replica.prePsync = true;
    }
    this.syncFull++;
    this.attach(replica, now);
    if (this.list.length === 1 && this.history.backlog === null) {
      // A backlog created from scratch starts a new history (nothing before it can be continued).
      this.history.restart();
      this.history.createBacklog(this.host.config().backlogSize);
      this.host.log.info(`Replication backlog created, my new replication IDs are '${this.history.replid}' and '${this.history.replid2}'`);
    }
    this.host.stateChanged();
    this.startSyncWhenPossible(now);
    return null;
  }

  /** masterTryPartialResynchronization: +CONTINUE and the backlog from the offset, if we can. */
  private continueReplica(replica: Replica, replid: string, offset: number): boolean {
    const history = this.history;
    if (!history.sameHistory(replid, offset)) {
      if (replid.startsWith('?')) this.host.log.info('Full resync requested by replica');
      else this.host.log.info(`Partial resynchronization not accepted: replication ID mismatch or offset ${offset} past the second ID`);
      return false;
    }
    this.deliver();
    const backlog = history.backlog;
    if (backlog === null || !backlog.covers(offset)) {
      this.host.log.info(`Unable to partial resync with replica for lack of backlog (Replica request was: ${offset}).`);
      return false;
    }
    replica.state = ReplicaState.Online;
    this.attach(replica, replica.ackTime);
    this.host.stateChanged();
    replica.peer.send(replica.announced.psync2 ? `+CONTINUE ${history.replid}\r\n` : '+CONTINUE\r\n');
    const missing = backlog.from(offset);
    if (missing.length > 0) replica.peer.send(missing);
    this.host.log.info(`Partial resynchronization request accepted. Sending ${missing.length} bytes of backlog starting from offset ${offset}.`);
    return true;
  }

  private attach(replica: Replica, now: number): void {
    replica.ackTime = now;
    this.list.push(replica);
    this.byPeer.set(replica.peer.id, replica);
    this.noReplicasSince = 0;
  }

  /** The replica's connection closed (or is closing): it is no longer a replica. */
  forget(peerId: number, now: number): void {
    this.announcements.delete(peerId);
    const replica = this.byPeer.get(peerId);
    if (replica === undefined) return;
    this.byPeer.delete(peerId);
    this.list.splice(this.list.indexOf(replica), 1);
    if (this.list.length === 0) this.noReplicasSince = now;
    this.host.log.info(`Connection with replica ${replica.ip}:${replica.announced.port} lost.`);
  }

  isReplica(peerId: number): boolean {
    return this.byPeer.has(peerId);
  }

  /** Closes every replica connection (they reconnect and resync: the history changed). */
  disconnectAll(): void {
    for (const replica of [...this.list]) replica.peer.close();
  }

  // -- full sync ---------------------------------------------------------------------------------

  /**
   * Starts a full sync for the replicas waiting for one, unless a snapshot is running (retried
   * shortly) or, for a diskless sync, repl-diskless-sync-delay asks to wait for more replicas.
   */
  private startSyncWhenPossible(now: number): void {
    if (this.syncRunning) return;
    const waiting = this.list.filter((replica) => replica.state === ReplicaState.WaitBgsaveStart);
    if (waiting.length === 0) return;
    const config = this.host.config();
    const diskless = config.disklessSync && waiting.every((replica) => replica.announced.eof);
    if (diskless && config.disklessSyncDelay > 0) {
      const longest = Math.max(...waiting.map((replica) => now - replica.ackTime));
      const enough = config.disklessSyncMaxReplicas > 0 && waiting.length >= config.disklessSyncMaxReplicas;
      if (longest < config.disklessSyncDelay * 1000 && !enough) return;
    }
    if (!this.host.snapshotAvailable()) {
      this.syncRetry ??= setTimeout(retrySync, 100, this);
      return;
    }
    this.fullSync(waiting, diskless);
  }

  /** Timer callback: a snapshot was busy when a sync wanted to start. */
  retrySync(): void {
    this.syncRetry = null;
    this.startSyncWhenPossible(Date.now());
  }

  private fullSync(group: Replica[], diskless: boolean): void {
    // Everything before the snapshot is in the RDB, and nothing after it may be sent early.
    this.deliver();
    const history = this.history;
    const offset = history.offset;
    // A master re-emits SELECT after the snapshot; a relayed stream goes on in its master's db.
    this.selectedDb = -1;
    const streamDb = this.relayedDb() ?? 0;
    for (const replica of group) {
      replica.state = ReplicaState.WaitBgsaveEnd;
      replica.peer.send(`+FULLRESYNC ${history.replid} ${offset}\r\n`);
    }
    this.host.log.info(`Starting BGSAVE for SYNC with target: ${diskless ? 'replicas sockets' : 'disk'}`);
    this.syncRunning = true;
    const mark = diskless ? randomBytes(20).toString('hex') : '';
    const alive = (): Replica[] => group.filter((replica) => this.byPeer.get(replica.peer.id) === replica);
    const chunks: Buffer[] = [];
    if (diskless) {
      for (const replica of group) {
        replica.payloadStarted = true;
        replica.peer.send(`$EOF:${mark}\r\n`);
      }
    }
    const write = diskless
      ? async (chunk: Buffer): Promise<void> => {
          const targets = alive();
          if (targets.length === 0) throw new Error('every replica of the sync is gone');
          for (const replica of targets) replica.peer.send(chunk);
          await Promise.all(targets.map((replica) => replica.peer.drained()));
        }
      : (chunk: Buffer): void => void chunks.push(chunk);
    this.host
      .streamRdb(write, { replicationId: history.replid, offset, streamDb })
      .then(
        () => {
          for (const replica of alive()) {
            if (diskless) {
              replica.peer.send(mark);
              replica.state = ReplicaState.Online;
              replica.startOnAck = true;
            } else {
              const size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
              replica.peer.send(`$${size}\r\n`);
              for (const chunk of chunks) replica.peer.send(chunk);
              replica.state = ReplicaState.Online;
              this.startStream(replica);
            }
            replica.ackTime = Date.now();
          }
          this.host.log.info('Synchronization with replicas succeeded');
        },
        (error: unknown) => {
          this.host.log.warn(`Full sync failed: ${(error as Error).message}`);
          for (const replica of alive()) replica.peer.close();
        },
      )
      .finally(() => {
        this.syncRunning = false;
        this.startSyncWhenPossible(Date.now());
      });
  }

  /** The replica is in sync: what was written meanwhile goes out, then the live stream. */
  private startStream(replica: Replica): void {
    replica.startOnAck = false;
    for (const chunk of replica.held) replica.peer.send(chunk);
    replica.held = [];
    this.host.log.info(`Synchronization with replica ${replica.ip}:${replica.announced.port} succeeded`);
  }

  // -- cron, WAIT, min-replicas ----------------------------------------------------------------------

  /** The master half of replicationCron (called about every 100 ms). */
  cron(now: number): void {
    const config = this.host.config();
    if (this.feeding && !this.quiet && this.list.length > 0 && now - this.lastPing >= config.pingPeriod * 1000) {
      this.lastPing = now;
      this.write(PING);
    }
    for (const replica of [...this.list]) {
      // A newline keeps a replica waiting for its RDB from timing out (it ignores them).
      if (replica.state !== ReplicaState.Online && !replica.payloadStarted && now - replica.ackTime >= 1000) {
        replica.peer.send('\n');
      }
      if (replica.state === ReplicaState.Online && !replica.prePsync && now - replica.ackTime > config.timeout * 1000) {
        this.host.log.warn(`Disconnecting timedout replica (streaming sync): ${replica.ip}:${replica.announced.port}`);
        replica.peer.close();
      }
    }
    const ttl = config.backlogTtl * 1000;
    if (this.feeding && this.list.length === 0 && this.history.backlog !== null && ttl > 0 && now - this.noReplicasSince > ttl) {
      this.history.restart();
      this.history.backlog = null;
      this.host.log.info(`Replication backlog freed after ${config.backlogTtl} seconds without connected replicas.`);
      this.host.stateChanged();
    }
    this.startSyncWhenPossible(now);
  }

  /** Replicas whose acknowledged offset reached `offset` (WAIT). */
  acknowledged(offset: number): number {
    let count = 0;
    for (const replica of this.list) if (replica.state === ReplicaState.Online && replica.ackOffset >= offset) count++;
    return count;
  }

  /** Replicas online whose last ACK is at most `maxLag` seconds old (min-replicas-to-write). */
  goodReplicas(now: number, maxLag: number): number {
    const seconds = Math.floor(now / 1000);
    let good = 0;
    for (const replica of this.list) {
      if (replica.state === ReplicaState.Online && seconds - Math.floor(replica.ackTime / 1000) <= maxLag) good++;
    }
    return good;
  }

  /** Stops timers (shutdown). */
  close(): void {
    if (this.syncRetry !== null) clearTimeout(this.syncRetry);
    this.syncRetry = null;
  }
}

function deliverScheduled(replicas: Replicas): void {
  replicas.deliver();
}

function retrySync(replicas: Replicas): void {
  replicas.retrySync();
}

/** A C long from text (strict decimal), or null. */
export function parseLong(text: string): number | null {
  if (!/^-?[0-9]{1,19}$/.test(text)) return null;
  const value = BigInt(text);
  if (value > 9223372036854775807n || value < -9223372036854775808n) return null;
  return Number(value);
}
