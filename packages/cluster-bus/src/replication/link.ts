import type { Socket } from 'node:net';
import type { MasterClient, ReplicationCheckpoint, ReplicationHost } from '../ports.js';
import { FailoverState, type Failover } from './failover.js';
import type { ReplicationHistory } from './history.js';
import type { Replicas } from './replicas.js';
import { encodeCommand, StreamReader } from './resp.js';

/**
 * The replica side of replication (Redis's connectWithMaster, syncWithMaster, readSyncBulkPayload
 * and the replica half of replicationCron): connect, handshake (PING, AUTH, REPLCONF
 * listening-port / ip-address / capa eof psync2), PSYNC with our history, then either the
 * backlog (+CONTINUE) or a full sync (+FULLRESYNC and an RDB, `$<len>` or diskless
 * `$EOF:<mark>`), then the command stream applied through the master client with offset
 * accounting, REPLCONF ACK every second and on GETACK. A dropped link reconnects and continues.
 */

/** Redis's repl_state values, as ROLE names them. */
export const enum LinkState {
  Connect,
  Connecting,
  Handshake,
  Transfer,
  Connected,
}

const STATE_NAMES = ['connect', 'connecting', 'handshake', 'sync', 'connected'] as const;

/** Replies awaited during the handshake, in the order the commands were sent. */
const enum Step {
  Ping,
  Auth,
  Port,
  Ip,
  Capa,
  Psync,
}

/** Length of the diskless transfer's end mark (CONFIG_RUN_ID_SIZE). */
const EOF_MARK_LENGTH = 40;
/** Delay before a failed connection or handshake is retried (replicationCron runs every second). */
const RETRY_MS = 1000;
const ACK_INTERVAL_MS = 1000;

/** What the link needs from the replication it belongs to. */
export interface LinkContext {
  readonly host: ReplicationHost;
  readonly history: ReplicationHistory;
  readonly replicas: Replicas;
  readonly failover: Failover;
}

export class MasterLink {
  state = LinkState.Connect;
  private socket: Socket | null = null;
  private reader = new StreamReader();
  private client: MasterClient | null = null;
  private steps: Step[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** ms of the last bytes from the master (master_last_io_seconds_ago, repl-timeout). */
  lastIo = 0;
  /** ms the link went down (master_link_down_since_seconds), 0 when never up. */
  downSince = 0;
  private lastAck = 0;
  // The full sync being received.
  private masterReplid = '';
  private masterOffset = 0;
  private payload: Buffer[] = [];
  /** Bytes received so far of the payload, and its size (-1 while diskless). */
  transferRead = 0;
  transferSize = -1;
  private eofMark = '';
  private payloadHeaderRead = false;
  /** The full sync's RDB is being loaded (in slices): the stream that follows waits in the reader. */
  private loadingPayload = false;

  constructor(
    readonly masterHost: string,
    readonly masterPort: number,
    private readonly context: LinkContext,
    /** A cached master: our history continues the master's (PSYNC replid offset), and its db. */
    private cached: { db: number } | null,
  ) {
    this.schedule(0);
  }

  get stateName(): string {
    return this.state === LinkState.Connecting && this.steps.length > 0 ? 'handshake' : STATE_NAMES[this.state];
  }

  get linkUp(): boolean {
    return this.state === LinkState.Connected;
  }

  /** Whether a master client (live or cached) holds an offset (INFO slave_repl_offset / ROLE). */
  get hasMasterClient(): boolean {
    return this.client !== null;
  }

  get hasCachedMaster(): boolean {
    return this.cached !== null;
  }

  /** The db of the master's stream (live or cached master), null without one. */
  currentDb(): number | null {
    return this.client?.db ?? this.cached?.db ?? null;
  }

  /** Bytes read from the master but not applied yet (slave_read_repl_offset - slave_repl_offset). */
  get unappliedBytes(): number {
    return this.state === LinkState.Connected ? this.reader.buffered : 0;
  }

  /** REPLICAOF elsewhere or NO ONE: closes the link for good; returns the master client's db. */
  stop(): { db: number } | null {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const cached = this.client !== null ? { db: this.client.db } : this.cached;
    this.detachClient();
    this.socket?.destroy();
    this.socket = null;
    return cached;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(onConnectTimer, delay, this);
  }

  connect(): void {
    this.timer = null;
    if (this.stopped || this.socket !== null) return;
    // A load still filling the dataset must end before another sync may replace it.
    if (this.loadingPayload) {
      this.schedule(RETRY_MS);
      return;
    }
    const { host } = this.context;
    host.log.info(`Connecting to MASTER ${this.masterHost}:${this.masterPort}`);
    this.state = LinkState.Connecting;
    // repl-timeout counts from the connection attempt (a fresh link has no I/O yet).
    this.lastIo = Date.now();
    this.reader = new StreamReader();
    const socket = host.connectToMaster(this.masterHost, this.masterPort);
    this.socket = socket;
    socket.on('connect', () => this.connected(socket));
    socket.on('data', (chunk: Buffer) => this.received(socket, chunk));
    socket.on('error', (error) => host.log.warn(`Error condition on socket for SYNC: ${error.message}`));
    socket.on('close', () => this.closed(socket));
  }

  private connected(socket: Socket): void {
    if (socket !== this.socket) return;
    this.context.host.log.info('MASTER <-> REPLICA sync started');
    this.lastIo = Date.now();
    this.steps = [Step.Ping];
    socket.write(encodeCommand(['PING']), 'latin1');
  }

  private closed(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = null;
    const wasUp = this.state === LinkState.Connected;
    if (wasUp) {
      // replicationCacheMaster: the history and the selected db let us continue later.
      this.cached = { db: this.client!.db };
      this.detachClient();
      this.downSince = Date.now();
      this.context.host.log.warn('Connection with master lost.');
    }
    this.state = LinkState.Connect;
    this.steps = [];
    this.payload = [];
    // Redis 7.0 reconnects at once after losing an established link, else on the next cron.
    this.schedule(wasUp ? 0 : RETRY_MS);
  }

  /** Drops the connection (protocol error, timeout); the link reconnects. */
  private drop(reason: string): void {
    this.context.host.log.warn(reason);
    this.socket?.destroy();
  }

  private detachClient(): void {
    this.client?.detach();
    this.client = null;
  }

  private received(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.lastIo = Date.now();
    if (this.loadingPayload) {
      this.reader.feed(chunk);
      return;
    }
    if (this.state === LinkState.Transfer && this.payloadHeaderRead) {
      this.receivePayload(chunk);
      return;
    }
    this.reader.feed(chunk);
    if (this.state === LinkState.Connecting) this.handshake();
    if (this.state === LinkState.Transfer) this.readPayloadHeader();
    if (this.state === LinkState.Connected) this.applyStream();
  }

  // -- handshake ---------------------------------------------------------------------------------

  private handshake(): void {
    let line: string | null;
    while (this.steps.length > 0 && (line = this.reader.line()) !== null) {
      // A master may send newlines to keep the link alive while it prepares its reply.
      if (line === '' && this.steps[0] === Step.Psync) continue;
      const step = this.steps.shift()!;
      if (!this.handshakeReply(step, line)) return;
      if (this.state !== LinkState.Connecting) return;
    }
  }

  /** Handles one handshake reply; false when the link was dropped. */
  private handshakeReply(step: Step, line: string): boolean {
    const log = this.context.host.log;
    switch (step) {
      case Step.Ping:
        // An error asking for authentication is fine: AUTH comes next.
        if (line.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(line)) {
          this.drop(`Error reply to PING from master: '${line}'`);
          return false;
        }
        log.info('Master replied to PING, replication can continue...');
        this.sendIdentity();
        return true;
      case Step.Auth:
        if (line.startsWith('-')) {
          this.drop(`Unable to AUTH to MASTER: ${line}`);
          return false;
        }
        return true;
      case Step.Port:
      case Step.Ip:
      case Step.Capa:
        // Old masters may not know an option: not fatal.
        if (line.startsWith('-')) log.info(`(Non critical) Master does not understand REPLCONF: ${line}`);
        if (this.steps.length === 0) this.sendPsync();
        return true;
      case Step.Psync:
        return this.psyncReply(line);
    }
  }

  /** AUTH (masterauth / masteruser), REPLCONF listening-port, ip-address, capa — sent together. */
  private sendIdentity(): void {
    const config = this.context.host.config();
    let text = '';
    if (config.masterAuth !== '') {
      const auth = config.masterUser !== '' ? ['AUTH', config.masterUser, config.masterAuth] : ['AUTH', config.masterAuth];
      text += encodeCommand(auth);
      this.steps.push(Step.Auth);
    }
    text += encodeCommand(['REPLCONF', 'listening-port', String(config.announcePort)]);
    this.steps.push(Step.Port);
    if (config.announceIp !== '') {
      text += encodeCommand(['REPLCONF', 'ip-address', config.announceIp]);
      this.steps.push(Step.Ip);
    }
    text += encodeCommand(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    this.steps.push(Step.Capa);
    this.socket!.write(text, 'latin1');
  }

  private sendPsync(): void {
    const history = this.context.history;
    const argv = this.cached !== null ? ['PSYNC', history.replid, String(history.offset + 1)] : ['PSYNC', '?', '-1'];
    // A master failing over to this replica of its own asks it to take over (PSYNC … FAILOVER).
    if (this.context.failover.state === FailoverState.InProgress) argv.push('FAILOVER');
    if (this.cached !== null) {
      this.context.host.log.info(`Trying a partial resynchronization (request ${history.replid}:${history.offset + 1}).`);
    }
    this.steps.push(Step.Psync);
    this.socket!.write(encodeCommand(argv), 'latin1');
  }

  private psyncReply(line: string): boolean {
    const { host, history, replicas, failover } = this.context;
    if (failover.state === FailoverState.InProgress) {
      const accepted = line.startsWith('+FULLRESYNC') || line.startsWith('+CONTINUE');
      failover.psyncAnswered(accepted);
      // A refusal made us a master again: this link is gone.
      if (!accepted) return false;
    }
    if (line.startsWith('+FULLRESYNC')) {
      const [, replid, offset] = line.split(' ');
      if (replid === undefined || replid.length !== 40 || offset === undefined || !/^-?\d+$/.test(offset)) {
        this.drop(`Master replied with wrong +FULLRESYNC syntax: ${line}`);
        return false;
      }
      this.masterReplid = replid;
      this.masterOffset = Number(offset);
      host.log.info(`Full resync from master: ${replid}:${offset}`);
      // The dataset will be replaced: the cached history cannot be continued any more.
      this.cached = null;
      this.state = LinkState.Transfer;
      this.payloadHeaderRead = false;
      this.transferRead = 0;
      this.transferSize = -1;
      return true;
    }
    if (line.startsWith('+CONTINUE')) {
      const replid = line.slice('+CONTINUE'.length).trim();
      host.log.info('Successful partial resynchronization with master.');
      if (replid !== '' && replid !== history.replid) {
        // The master's history goes on under a new id (it was promoted): ours does too.
        history.shift(replid);
        replicas.disconnectAll();
        host.log.info(`Master replication ID changed to ${replid}`);
      }
      if (history.backlog === null) history.createBacklog(host.config().backlogSize);
      this.streamReady(this.cached?.db ?? 0);
      return true;
    }
    // -NOMASTERLINK, -LOADING and other errors: try again later.
    this.drop(`Unexpected reply to PSYNC from master: ${line}`);
    return false;
  }

  // -- full sync payload ---------------------------------------------------------------------------

  private readPayloadHeader(): void {
    let line: string | null;
    while ((line = this.reader.line()) !== null) {
      if (line === '') continue; // keepalive newlines before the payload
      if (!line.startsWith('$')) {
        this.drop(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
        return;
      }
      if (line.startsWith('$EOF:') && line.length === 5 + EOF_MARK_LENGTH) {
        this.eofMark = line.slice(5);
        this.transferSize = -1;
        this.context.host.log.info('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
      } else {
        this.transferSize = Number(line.slice(1));
        this.context.host.log.info(`MASTER <-> REPLICA sync: receiving ${this.transferSize} bytes from master to disk`);
      }
      this.payloadHeaderRead = true;
      this.payload = [];
      this.transferRead = 0;
      const rest = this.reader.takeAll();
      if (rest.length > 0) this.receivePayload(rest);
      else if (this.transferSize === 0) this.receivePayload(rest);
      return;
    }
  }

  private receivePayload(chunk: Buffer): void {
    let data = chunk;
    let leftover: Buffer | null = null;
    if (this.transferSize >= 0) {
      const wanted = this.transferSize - this.transferRead;
      if (data.length > wanted) {
        leftover = data.subarray(wanted);
        data = data.subarray(0, wanted);
      }
    }
    this.payload.push(data);
    this.transferRead += data.length;
    const done = this.transferSize >= 0 ? this.transferRead === this.transferSize : this.endsWithMark();
    if (!done) return;
    let rdb = Buffer.concat(this.payload);
    this.payload = [];
    if (this.transferSize < 0) rdb = rdb.subarray(0, rdb.length - EOF_MARK_LENGTH);
    // What followed the payload is the stream: applied once the RDB is loaded.
    if (leftover !== null) this.reader.feed(leftover);
    this.loadPayload(rdb);
  }

  /** Whether the diskless payload received so far ends with the master's mark. */
  private endsWithMark(): boolean {
    if (this.transferRead < EOF_MARK_LENGTH) return false;
    const parts: Buffer[] = [];
    let needed = EOF_MARK_LENGTH;
    for (let i = this.payload.length - 1; i >= 0 && needed > 0; i--) {
      const chunk = this.payload[i]!;
      const take = Math.min(needed, chunk.length);
      parts.unshift(chunk.subarray(chunk.length - take));
      needed -= take;
    }
    return Buffer.concat(parts).toString('latin1') === this.eofMark;
  }

  private loadPayload(rdb: Buffer): void {
    const { host, history, replicas } = this.context;
    host.log.info('MASTER <-> REPLICA sync: Flushing old data');
    // Our replicas held the old dataset: they must sync again (replicationAttachToNewMaster).
    replicas.disconnectAll();
    history.backlog = null;
    host.log.info('MASTER <-> REPLICA sync: Loading DB in memory');
    this.loadingPayload = true;
    const socket = this.socket;
    host.loadRdb(rdb).then(
      (checkpoint) => {
        this.loadingPayload = false;
        // The link went down (or was stopped) during the load: it syncs again from scratch.
        if (socket === this.socket && !this.stopped) this.payloadLoaded(checkpoint);
      },
      (error: unknown) => {
        this.loadingPayload = false;
        if (socket === this.socket) this.drop(`Failed trying to load the MASTER synchronization DB from socket: ${(error as Error).message}`);
      },
    );
  }

  private payloadLoaded(checkpoint: ReplicationCheckpoint | null): void {
    const { host, history } = this.context;
    history.replid = this.masterReplid;
    history.offset = this.masterOffset;
    history.clearSecondId();
    history.createBacklog(host.config().backlogSize);
    host.log.info('MASTER <-> REPLICA sync: Finished with success');
    this.streamReady(checkpoint?.streamDb ?? 0);
    this.applyStream();
  }

  // -- the command stream ------------------------------------------------------------------------

  /** In sync: the master client applies what follows; the first ACK tells the master we are. */
  private streamReady(db: number): void {
    this.client = this.context.host.attachMaster(this.socket!, db);
    this.cached = null;
    this.state = LinkState.Connected;
    this.steps = [];
    this.sendAck();
  }

  private applyStream(): void {
    const replicas = this.context.replicas;
    let command;
    while (this.state === LinkState.Connected && (command = this.reader.command()) !== null) {
      const argv = command.argv;
      if (argv.length === 3 && argv[0]!.toLowerCase() === 'replconf' && argv[1]!.toLowerCase() === 'getack') {
        // Answered with the offset before this command, as Redis does.
        this.sendAck();
      } else if (argv.length > 0) {
        this.client!.apply(argv);
      }
      // Into our history (the offset) and on to our own replicas, byte for byte.
      replicas.proxy(command.raw);
    }
    if (this.reader.error !== null) this.drop(`Protocol error from master: ${this.reader.error}`);
  }

  private sendAck(): void {
    this.lastAck = Date.now();
    this.socket?.write(encodeCommand(['REPLCONF', 'ACK', String(this.context.history.offset)]), 'latin1');
  }

  /** The replica half of replicationCron: ACK every second, repl-timeout. */
  cron(now: number): void {
    // Loading blocks Redis's replicationCron too: no timeout, no ACK until the dataset is in.
    if (this.loadingPayload) return;
    const timeout = this.context.host.config().timeout * 1000;
    if ((this.state === LinkState.Connecting || this.state === LinkState.Transfer) && now - this.lastIo > timeout) {
      this.drop(this.state === LinkState.Transfer ? 'Timeout receiving bulk data from MASTER... If the problem persists try to set the \'repl-timeout\' parameter in redis.conf to a larger value.' : 'Timeout connecting to the MASTER...');
      return;
    }
    if (this.state !== LinkState.Connected) return;
    if (now - this.lastIo > timeout) {
      this.drop('MASTER timeout: no data nor PING received...');
      return;
    }
    if (now - this.lastAck >= ACK_INTERVAL_MS) this.sendAck();
  }
}

function onConnectTimer(link: MasterLink): void {
  link.connect();
}
