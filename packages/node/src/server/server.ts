import { connect, createServer, Socket, type Server as NetServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { unlinkSync, writeFileSync } from 'node:fs';
import type { ParserLimits } from '../protocol/parser.js';
import { loadCommandMeta } from '../commands/meta.js';
import { CommandTable, type Command } from '../commands/table.js';
import { COMMAND_FAMILIES } from '../commands/index.js';
import { Acl } from '../acl/registry.js';
import { AccessPolicy } from '../keyspace/access.js';
import { Clock } from '../keyspace/clock.js';
import { Database, type KeyspaceObserver } from '../keyspace/database.js';
import { activeExpireCycle } from '../keyspace/expiry.js';
import { Evictor } from '../keyspace/eviction.js';
import { BASE_MEMORY, clientMemory } from '../keyspace/memory.js';
import { Client, ClientFlag } from './client.js';
import type { Config } from './config.js';
import { execute } from './dispatch.js';
import { flushLog, type Logger } from './logger.js';
import { MonitorFeed } from './monitor.js';
import { ClientPause } from './pause.js';
import { BlockingKeys } from './blocking.js';
import { WatchedKeys } from './watch.js';
import { Tracking } from './tracking.js';
import { PubSub } from './pubsub.js';
import { OutputLimits } from './output-limits.js';
import { clientInfoLine } from './client-list.js';
import { notifyKeyspaceEvent, NotifyFlag } from '../keyspace/notify.js';
import { CommandLatencies, LatencyMonitor } from './latency.js';
import { Slowlog } from './slowlog.js';
import { Stats } from './stats.js';
import { RdbPersistence } from '../persistence/saver.js';
import { Snapshots } from '../persistence/snapshot.js';
import { listenAll, type ListenAddress } from './listen.js';
import { MemoryWarning } from './memory-warning.js';
import { MetricsEndpoint } from './metrics.js';
import { TlsConfigError, TlsEndpoint } from './tls.js';
import { AppendOnlyFile } from '../persistence/aof.js';
import { Propagation } from './propagate.js';
import { NodeReplication } from '../replication/host.js';
import type { Cluster } from '@tsredis/cluster-bus';
import { MigrateLink } from './migrate-link.js';
import { redirectBlockedClients } from './cluster-gate.js';
import { startCluster } from '../cluster/host.js';

/** Unsent reply bytes above which we stop reading a client until its socket drains. */
const OUTPUT_PAUSE_BYTES = 4 * 1024 * 1024;

/** Flags after which a client's remaining input waits: it is closing, or its command is held. */
const STOP_READING = ClientFlag.closeAfterReply | ClientFlag.closeAsap | ClientFlag.blocked;

const kClient = Symbol('client');
type ClientSocket = Socket & { [kClient]: Client };

/** Hooks later subsystems attach to (slowlog, monitors, keyspace notifications, WATCH). */
export interface CommandObserver {
  commandExecuted(client: Client, command: Command, argv: readonly string[], microseconds: number): void;
}

/**
 * The process-wide server: configuration, databases, clients, the command table and the
 * listeners. Connections are handled by module-level socket listeners that find their client
 * through a symbol on the socket, so no closure is allocated per connection.
 */
export class Server implements KeyspaceObserver {
  readonly clock = new Clock();
  /** LRU/LFU access bookkeeping shared by every database (follows maxmemory-policy). */
  readonly access = new AccessPolicy();
  readonly stats = new Stats();
  readonly commands: CommandTable;
  /** ACL users, the default user, the ACL LOG. */
  readonly acl: Acl;
  readonly databases: Database[];
  readonly clients = new Map<number, Client>();
  readonly parserLimits: ParserLimits;
  readonly startedAt = Date.now();
  readonly runId: string;
  readonly observers: CommandObserver[] = [];
  readonly monitors = new MonitorFeed(this);
  readonly pause = new ClientPause((client, argv) => this.resume(client, argv));
  readonly blocking = new BlockingKeys(this, (client, argv) => this.resume(client, argv));
  readonly watched = new WatchedKeys();
  readonly pubsub = new PubSub(this);
  /** The cluster as request routing sees it (packages/cluster-bus cluster/view.ts); null unless cluster-enabled. */
  cluster: Cluster | null = null;
  /** MIGRATE's connections to target instances. */
  readonly migrateLink = new MigrateLink();
  /** The TLS context, when tls-port, tls-replication or tls-cluster uses one. */
  tls: TlsEndpoint | null = null;
  /** Client-side caching: tracked keys and invalidation messages. */
  readonly tracking = new Tracking(this);
  readonly outputLimits: OutputLimits;
  /** notify-keyspace-events as NotifyFlag bits (0: no keyspace notifications). */
  notifyFlags = 0;
  /** Set while EXEC (or a script) runs its commands: blocking commands must not wait then. */
  executingTransaction = false;
  /** While a script runs past busy-reply-threshold: the BUSY error other clients' commands get. */
  busyReply: string | null = null;
  readonly slowlog: Slowlog;
  readonly latency: LatencyMonitor;
  readonly commandLatencies: CommandLatencies;
  /** Unix time (seconds) of the last successful save; the start time until one happens (LASTSAVE). */
  lastSave = Math.floor(this.startedAt / 1000);
  /** Keys changed since the last save (INFO rdb_changes_since_last_save, save points). */
  dirty = 0;
  /** Bytes charged to keys (DESIGN.md memory accounting). */
  keyspaceBytes = 0;
  /** Bytes charged to connected clients: a fixed part and their buffers (see chargeClient). */
  clientsBytes = 0;
  peakMemory = BASE_MEMORY;
  /** maxmemory and the eviction policies. */
  readonly evictor: Evictor;
  /** Point-in-time copy-on-write snapshots (BGSAVE, AOF rewrite, full sync). */
  readonly snapshots: Snapshots;
  /** RDB files: SAVE/BGSAVE, save points, loading. */
  readonly rdb = new RdbPersistence(this);
  /** Replication: this node's replicas and, as a replica, its link to the master. */
  readonly replication: NodeReplication;
  /** The write stream AOF and replication consume (propagate.ts). */
  readonly propagation = new Propagation();
  readonly aof = new AppendOnlyFile(this);
  /** The Prometheus endpoint on metrics-port. */
  readonly metrics: MetricsEndpoint;
  private readonly memoryWarning: MemoryWarning;
  activeExpireEnabled = true;
  /** Set by tsredis-sentinel: HELLO and INFO report the sentinel mode. */
  sentinelMode = false;
  private nextClientId = 1;
  private readonly listeners: NetServer[] = [];
  private cron: NodeJS.Timeout | null = null;
  private shuttingDown = false;

  /** `commands` replaces the data node's table (the sentinel runs this server with its own). */
  constructor(
    readonly config: Config,
    readonly log: Logger,
    commands?: CommandTable,
  ) {
    this.runId = randomBytes(20).toString('hex');
    this.commands = commands ?? new CommandTable(loadCommandMeta(), COMMAND_FAMILIES);
    this.acl = new Acl(this);
    this.replication = new NodeReplication(this, (client, argv) => this.resume(client, argv));
    this.rdb.replicationCheckpoint = () => this.replication.replication.checkpoint();
    this.databases = Array.from({ length: config.int('databases') }, (_, i) => new Database(i, this.clock, this, this.access));
    this.snapshots = new Snapshots(this.databases);
    if (config.bool('cluster-enabled')) for (const db of this.databases) db.indexSlots();
    this.parserLimits = { maxBulkLength: 0, maxQueryBuffer: 0 };
    config.watch('proto-max-bulk-len', (value) => (this.parserLimits.maxBulkLength = value as number));
    config.watch('client-query-buffer-limit', (value) => (this.parserLimits.maxQueryBuffer = value as number));
    config.watch('hz', () => this.scheduleCron());
    this.slowlog = new Slowlog(config);
    this.latency = new LatencyMonitor(config);
    this.commandLatencies = new CommandLatencies(config);
    this.outputLimits = new OutputLimits(config);
    config.watch('notify-keyspace-events', (value) => (this.notifyFlags = value as number));
    this.observers.push(this.slowlog, this.latency, this.commandLatencies);
    this.evictor = new Evictor(this, config);
    this.metrics = new MetricsEndpoint(this);
    this.memoryWarning = new MemoryWarning(config, log);
    config.watch('maxmemory-policy', (value) => (this.access.lfu = String(value).endsWith('-lfu')));
    config.watch('lfu-log-factor', (value) => (this.access.logFactor = Number(value)));
    config.watch('lfu-decay-time', (value) => (this.access.decayMinutes = Number(value)));
  }

  get usedMemory(): number {
    return BASE_MEMORY + this.keyspaceBytes + this.clientsBytes;
  }

  /** Protected mode refuses outside connections while the default user needs no password. */
  requiresAuth(): boolean {
    return !this.acl.defaultUser.nopass;
  }

  // KeyspaceObserver
  keyExpired(db: Database, key: string): void {
    // Redis counts the expiry but not as a change for save points (rdb_changes_since_last_save).
    this.stats.expiredKeys++;
    this.tracking.keyRemovedByServer(key);
    if (this.propagation.enabled) this.propagation.propagate(db.index, [this.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    if ((this.notifyFlags & NotifyFlag.expired) !== 0) notifyKeyspaceEvent(this, NotifyFlag.expired, 'expired', key, db.index);
  }

  keyAdded(db: Database, key: string): void {
    if ((this.notifyFlags & NotifyFlag.newKey) !== 0) notifyKeyspaceEvent(this, NotifyFlag.newKey, 'new', key, db.index);
  }

  keyModified(db: Database, key: string): void {
    if (!this.watched.empty) this.watched.touched(db, key);
    this.tracking.keyModified(key);
    this.blocking.keyChanged(db, key);
  }

  keysReplaced(db: Database, replacement: Database | null): void {
    if (!this.watched.empty) this.watched.replaced(db, replacement);
    if (this.blocking.blockedCount > 0) this.blocking.keysReplaced(db);
    // A flush invalidates every cached key; SWAPDB does not (Redis 7.0).
    if (replacement === null) this.tracking.flushed();
  }

  memoryChanged(delta: number): void {
    this.keyspaceBytes += delta;
    this.notePeakMemory();
  }

  private notePeakMemory(): void {
    const used = this.usedMemory;
    if (used > this.peakMemory) this.peakMemory = used;
  }

  /** Re-reads what a client holds into used_memory (after its replies were handed to the socket). */
  chargeClient(client: Client): void {
    // A closed client was (or is about to be) uncharged by removeClient.
    if (client.socket?.destroyed !== false) return;
    const bytes = clientMemory(client);
    this.clientsBytes += bytes - client.memoryCharged;
    client.memoryCharged = bytes;
    this.notePeakMemory();
  }

  // EvictionHost
  evictionAllowed(): boolean {
    // A pause keeps the dataset still, expiry and eviction included (Redis 7.0); a dataset
    // being loaded is not evicted from either (isSafeToPerformEvictions).
    return !this.pause.active && !this.rdb.loading.active;
  }

  keyEvicted(db: Database, key: string): void {
    this.tracking.keyRemovedByServer(key);
    if (this.propagation.enabled) this.propagation.propagate(db.index, [this.config.bool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL', key]);
    if ((this.notifyFlags & NotifyFlag.evicted) !== 0) notifyKeyspaceEvent(this, NotifyFlag.evicted, 'evicted', key, db.index);
  }

  commandExecuted(client: Client, command: Command, argv: readonly string[], microseconds: number): void {
    for (const observer of this.observers) observer.commandExecuted(client, command, argv, microseconds);
  }

  /** Starts listening on every `bind` address; resolves when all are bound. */
  async listen(): Promise<void> {
    const aclError = this.acl.loadAtStartup();
    if (aclError !== null) {
      this.log.warn(aclError);
      throw new Error(`ACL users could not be loaded: ${aclError}`);
    }
    // Like loadDataFromDisk (with appendonly yes the AOF is the dataset, the RDB is not read),
    // in time slices: clients are served meanwhile with LOADING. It starts before the listeners
    // are bound, so no client ever sees the dataset before loading began.
    const loaded = this.config.bool('appendonly') ? this.aof.loadAtStartup() : this.rdb.loadAtStartup();
    // A failure is reported where it is awaited below, not as an unhandled rejection meanwhile.
    loaded.catch(() => undefined);
    const port = this.config.int('port');
    const tlsPort = this.config.int('tls-port');
    const addresses = bindAddresses(this.config.list('bind'));
    const backlog = this.config.int('tcp-backlog');
    // As in Redis, port 0 means no plain listener (TLS only).
    if (port !== 0) this.listeners.push(...(await listenAll(() => this.plainListener(), addresses, port, backlog)));
    // Like Redis, TLS is configured (and a bad setting is fatal) when anything uses it.
    if (tlsPort !== 0 || this.config.bool('tls-replication') || this.config.bool('tls-cluster')) this.tls = this.startTls();
    const tls = this.tls;
    if (tlsPort !== 0 && tls !== null) this.listeners.push(...(await listenAll(() => tls.createListener(this), addresses, tlsPort, backlog)));
    if (this.listeners.length === 0) throw new Error('Configured to not listen anywhere, exiting.');
    await this.metrics.start(addresses);
    this.writePidFile();
    await loaded;
    this.aof.openAtStartup();
    this.scheduleCron();
    this.replication.start(this.rdb.lastLoad.replication ?? null);
    if (this.config.bool('cluster-enabled')) {
      const hosts = addresses.filter((address) => !address.optional).map((address) => address.host);
      this.cluster = await startCluster(this, hosts.length > 0 ? hosts : [addresses[0]!.host]);
      this.propagation.publishOverBus = true;
    }
    this.log.info({ port }, 'Ready to accept connections');
  }

  private plainListener(): NetServer {
    const listener = createServer({ noDelay: true, keepAlive: false }, onConnection);
    (listener as NetServer & { owner: Server }).owner = this;
    return listener;
  }

  /**
   * A connection this server opens to a peer: TLS when `secure` (tls-replication toward the
   * master, tls-cluster toward other nodes), plain TCP otherwise. TLS switched on by CONFIG SET
   * after startup is configured then; a failure to do so shows as the socket's error.
   */
  openConnection(host: string, port: number, secure: boolean): Socket {
    if (!secure) return connect({ host, port, noDelay: true });
    try {
      this.tls ??= new TlsEndpoint(this.config, this.log);
    } catch (error) {
      const socket = new Socket();
      process.nextTick(() => socket.destroy(error as Error));
      return socket;
    }
    return this.tls.connect(host, port);
  }

  /** tlsConfigure at startup: an unusable TLS setting stops the server, as in Redis. */
  private startTls(): TlsEndpoint {
    try {
      return new TlsEndpoint(this.config, this.log);
    } catch (error) {
      if (error instanceof TlsConfigError) {
        this.log.warn(error.message);
        this.log.warn('Failed to configure TLS. Check logs for more info.');
      }
      throw error;
    }
  }

  /** INFO tcp_port: the plain port, or the TLS port when there is no plain one. */
  boundPort(): number {
    const address = this.listeners[0]?.address();
    return typeof address === 'object' && address !== null ? address.port : this.config.int('port');
  }

  accept(socket: Socket): void {
    const clientSocket = socket as ClientSocket;
    this.stats.totalConnectionsReceived++;
    if (this.clients.size >= this.config.int('maxclients')) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (this.config.bool('protected-mode') && !this.requiresAuth() && !isLoopback(socket.remoteAddress)) {
      this.stats.rejectedConnections++;
      socket.end(PROTECTED_MODE_DENIED);
      return;
    }
    const client = new Client(this.nextClientId++, this, socket);
    clientSocket[kClient] = client;
    this.clients.set(client.id, client);
    this.chargeClient(client);
    socket.setNoDelay(true);
    const keepAlive = this.config.int('tcp-keepalive');
    if (keepAlive > 0) socket.setKeepAlive(true, keepAlive * 1000);
    socket.on('data', onData);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
    socket.on('error', onError);
  }

  /** Parses and runs every complete command in a chunk, then writes all replies at once. */
  handleData(client: Client, chunk: Buffer): void {
    this.clock.refresh();
    this.stats.netInputBytes += chunk.length;
    const parser = client.parser;
    if (parser.feed(chunk) && (client.flags & ClientFlag.blocked) === 0) this.processInput(client);
    if (parser.overflow) {
      this.log.warn({ client: client.addr }, 'Closing client that reached max query buffer length');
      client.flags |= ClientFlag.closeAsap;
    }
    this.flush(client);
  }

  /** Runs the complete commands buffered in the client's parser until one stops it. */
  private processInput(client: Client): void {
    const parser = client.parser;
    let argv: string[] | null;
    while ((argv = parser.next()) !== null) {
      execute(client, argv);
      if ((client.flags & STOP_READING) !== 0) break;
    }
    if (parser.error !== null) {
      client.error(`ERR ${parser.error}`);
      client.flags |= ClientFlag.closeAfterReply;
      this.log.debug({ client: client.addr, error: parser.error }, 'protocol error');
    }
  }

  /**
   * Runs a command that was held (CLIENT PAUSE) or blocked on keys, then the input that queued
   * up behind it. An empty argv only resumes the input (the wait already replied).
   */
  private resume(client: Client, argv: string[]): void {
    this.clock.refresh();
    if (argv.length > 0) execute(client, argv);
    if ((client.flags & STOP_READING) === 0) this.processInput(client);
    this.flush(client);
  }

  /** Sends a client's pending replies; closes it afterwards when a command asked for that. */
  flush(client: Client): void {
    const socket = client.socket;
    if (socket === null) return;
    if ((client.flags & ClientFlag.closeAsap) !== 0) {
      socket.destroy();
      return;
    }
    // The AOF writes first; with appendfsync always the replies wait for the fsync.
    if (this.aof.holdReplies(client)) return;
    const bytes = client.takeView();
    if (bytes !== null) {
      this.stats.netOutputBytes += bytes.length;
      socket.write(bytes);
      // Fully sent already (the usual case): the working buffer can be reused as it is.
      if (socket.writableLength === 0) client.softLimitReachedAt = 0;
      else {
        client.detach();
        if (this.enforceOutputLimit(client, socket.writableLength)) return;
        if (socket.writableLength > OUTPUT_PAUSE_BYTES && !socket.isPaused()) socket.pause();
      }
    }
    this.chargeClient(client);
    if ((client.flags & ClientFlag.closeAfterReply) !== 0) socket.end();
  }

  /** Drops a client whose `unsent` bytes passed its client-output-buffer-limit; true when it did. */
  enforceOutputLimit(client: Client, unsent: number): boolean {
    if (!this.outputLimits.exceeded(client, unsent, this.clock.seconds)) return false;
    const info = clientInfoLine(client, client, this.clock.ms);
    this.log.warn(`Client ${info} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    this.disconnect(client);
    return true;
  }

  /** Forgets a disconnected client. */
  removeClient(client: Client): void {
    this.clients.delete(client.id);
    this.clientsBytes -= client.memoryCharged;
    client.memoryCharged = 0;
    this.monitors.remove(client);
    this.pause.forget(client);
    this.blocking.forget(client);
    this.watched.unwatchAll(client);
    this.pubsub.forget(client);
    this.tracking.disable(client);
    this.replication.clientClosed(client);
  }

  /** An id for a client the server creates itself (the master link's client). */
  newClientId(): number {
    return this.nextClientId++;
  }

  /** Closes a client now (CLIENT KILL), dropping its unsent replies as Redis's freeClient does. */
  disconnect(client: Client): void {
    client.flags |= ClientFlag.closeAsap;
    this.removeClient(client);
    client.socket?.destroy();
  }

  private scheduleCron(): void {
    if (this.cron !== null) clearInterval(this.cron);
    // serverCron waits for the end of loading (expiry must not touch a half-loaded dataset).
    if (this.listeners.length === 0 || this.rdb.loading.active) return;
    const hz = Math.min(Math.max(this.config.int('hz'), 1), 500);
    this.cron = setInterval(() => this.tick(hz), Math.round(1000 / hz));
    this.cron.unref();
  }

  /** Background work Redis does in serverCron: active expiry, stats sampling, idle clients. */
  private tick(hz: number): void {
    const now = this.clock.refresh();
    this.stats.sample(now);
    // A replica leaves expiry to its master, which sends the DELs (activeExpireCycle runs on masters).
    if (this.activeExpireEnabled && !this.replication.isReplica) activeExpireCycle(this.databases, now, 250 / hz, this.config.int('active-expire-effort'));
    this.closeIdleClients(now);
    if (this.cluster !== null && this.blocking.blockedCount > 0) redirectBlockedClients(this, this.cluster);
    this.memoryWarning.check(this.usedMemory);
    this.rdb.cron();
    this.aof.cron();
  }

  private closeIdleClients(now: number): void {
    const timeout = this.config.int('timeout') * 1000;
    if (timeout === 0) return;
    for (const client of this.clients.values()) {
      if (client.flags & (ClientFlag.replica | ClientFlag.master | ClientFlag.blocked | ClientFlag.pubsub)) continue;
      if (now - client.lastInteraction > timeout) {
        this.log.debug({ client: client.addr }, 'Closing idle client');
        client.socket?.destroy();
      }
    }
  }

  private writePidFile(): void {
    const pidfile = this.config.str('pidfile');
    if (pidfile === '') return;
    try {
      writeFileSync(pidfile, `${process.pid}\n`);
    } catch (error) {
      // Redis keeps running without its pid file.
      this.log.warn({ err: error }, `Failed to write PID file: ${(error as Error).message}`);
    }
  }

  /**
   * Stops accepting, closes clients, removes the pid file. Idempotent. Saves first as
   * prepareForShutdown does (SHUTDOWN passes its flags; signals save when save points exist).
   */
  async shutdown(reason: string, saveFlags = 0): Promise<void> {
    if (this.shuttingDown) return;
    if (!this.rdb.saveForShutdown(saveFlags)) this.log.warn('Exiting without the final RDB snapshot.');
    this.shuttingDown = true;
    this.aof.shutdown();
    this.replication.stop();
    this.cluster?.stop();
    this.log.warn({ reason }, 'User requested shutdown...');
    if (this.cron !== null) clearInterval(this.cron);
    for (const listener of this.listeners) listener.close();
    this.metrics.stop();
    for (const client of this.clients.values()) {
      if (client.socket === null) continue;
      const pending = client.take();
      if (pending !== null) client.socket.write(pending);
      client.socket.destroy();
    }
    const pidfile = this.config.str('pidfile');
    if (pidfile !== '') {
      try {
        unlinkSync(pidfile);
      } catch {
        // Already gone: nothing to clean up.
      }
    }
    this.log.warn('Redis is now ready to exit, bye bye...');
    await flushLog(this.log);
  }
}

function onConnection(this: NetServer & { owner: Server }, socket: Socket): void {
  this.owner.accept(socket);
}

function onData(this: ClientSocket, chunk: Buffer): void {
  const client = this[kClient];
  client.server.handleData(client, chunk);
}

function onDrain(this: ClientSocket): void {
  if (this.isPaused()) this.resume();
  const client = this[kClient];
  client.server.chargeClient(client);
}

function onClose(this: ClientSocket): void {
  const client = this[kClient];
  client.server.removeClient(client);
}

function onError(this: ClientSocket): void {
  // Resets and aborted connections end in 'close'; nothing else to do.
}

/** `bind` words → listen addresses; a leading '-' marks one that may be unavailable. */
function bindAddresses(words: readonly string[]): ListenAddress[] {
  const list = words.length === 0 ? ['*', '-::*'] : words;
  const result: ListenAddress[] = [];
  for (const word of list) {
    const optional = word.startsWith('-');
    const address = optional ? word.slice(1) : word;
    const host = address === '*' ? '0.0.0.0' : address === '::*' ? '::' : address;
    result.push({ host, optional });
  }
  // Listening on '::' also accepts IPv4 on most systems; avoid a double bind of the port.
  if (result.some((a) => a.host === '::') && result.some((a) => a.host === '0.0.0.0')) {
    return result.map((a) => (a.host === '::' ? { host: '::', optional: true } : a));
  }
  return result;
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return true;
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

const PROTECTED_MODE_DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set ' +
  'for the default user. In this mode connections are only accepted from the loopback interface. If you ' +
  'want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just ' +
  "disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by " +
  'connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly ' +
  'accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively ' +
  'you can just disable the protected mode by editing the Redis configuration file, and setting the protected ' +
  "mode option to 'no', and then restarting the server. 3) If you started the server manually just for " +
  "testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the " +
  'default user. NOTE: You only need to do one of the above things in order for the server to start ' +
  'accepting connections from the outside.\r\n';
