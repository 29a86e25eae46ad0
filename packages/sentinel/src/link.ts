/**
 * The connections a Sentinel keeps to one instance, over ioredis (so they work against real
 * redis-server as well as tsredis): a command connection, and for masters and replicas a
 * second one subscribed to the hello channel. ioredis never reconnects or retries by itself
 * here: like hiredis in Redis, a dropped connection is gone and the Sentinel timer decides
 * when to dial again, so the link's timestamps mean exactly what Redis's do.
 */
import type { ConnectionOptions } from 'node:tls';
import { withoutNameCheck } from '@tsredis/node/server/tls-connect';
import { Redis } from 'ioredis';

/** Credentials and the name a connection announces (CLIENT SETNAME sentinel-<id>-cmd). */
export interface LinkSetup {
  host: string;
  port: number;
  auth: { user: string | null; pass: string } | null;
  clientName: string;
  /** Client TLS options under tls-replication (every link is then TLS, as in Redis), else null. */
  tls: ConnectionOptions | null;
  /** The command names to use on this instance (rename-command). */
  command(name: string): string;
}

export const HELLO_CHANNEL = '__sentinel__:hello';

export class InstanceLink {
  cc: Redis | null = null;
  pc: Redis | null = null;
  /** True while either connection is missing (only cc for Sentinels). */
  disconnected = true;
  pendingCommands = 0;
  ccConnTime = 0;
  pcConnTime = 0;
  pcLastActivity = 0;
  /** When the oldest unanswered PING was sent (0: none pending). */
  actPingTime: number;
  lastPingTime = 0;
  lastPongTime: number;
  /** Last acceptable PING reply (PONG, LOADING, MASTERDOWN). */
  lastAvailTime: number;
  lastReconnTime = 0;

  constructor(now: number) {
    // As if a PING was just sent and answered: an instance never reached goes SDOWN in time.
    this.actPingTime = now;
    this.lastPongTime = now;
    this.lastAvailTime = now;
  }

  /** Opens the command connection (auth, name, then a PING) if it is missing. */
  openCommand(setup: LinkSetup, now: number): void {
    const cc = connect(setup, () => {
      if (this.cc === cc) this.cc = null;
      this.disconnected = true;
    });
    this.cc = cc;
    this.pendingCommands = 0;
    this.ccConnTime = now;
  }

  /** Opens the pub/sub connection, subscribed to the hello channel, if it is missing. */
  openPubsub(setup: LinkSetup, now: number, onHello: (message: string) => void): void {
    const pc = connect(setup, () => {
      if (this.pc === pc) this.pc = null;
      this.disconnected = true;
    });
    this.pc = pc;
    this.pcConnTime = now;
    pc.on('message', (channel: string, message: string) => {
      this.pcLastActivity = Date.now();
      if (channel === HELLO_CHANNEL) onHello(message);
    });
    // subscribe() (not call()) puts ioredis in subscriber mode so 'message' events flow.
    pc.subscribe(HELLO_CHANNEL).then(
      () => (this.pcLastActivity = Date.now()),
      () => this.closePubsub(),
    );
  }

  /**
   * Sends a command counted in link-pending-commands. The promise never rejects: it resolves
   * to the reply, an Error for an error reply, or null when the connection went away first.
   */
  send(command: string, ...args: (string | number)[]): Promise<unknown> {
    const cc = this.cc;
    if (cc === null) return Promise.resolve(null);
    this.pendingCommands++;
    return cc.call(command, ...args).then(
      (reply) => this.answered(cc, reply),
      (error: unknown) => this.answered(cc, error instanceof Error && isReplyError(error) ? error : null),
    );
  }

  private answered(cc: Redis, reply: unknown): unknown {
    // A reply on a connection we already dropped is not news about the instance.
    if (this.cc !== cc) return null;
    this.pendingCommands--;
    return reply;
  }

  closeCommand(): void {
    const cc = this.cc;
    this.cc = null;
    this.disconnected = true;
    cc?.disconnect();
  }

  closePubsub(): void {
    const pc = this.pc;
    this.pc = null;
    this.disconnected = true;
    pc?.disconnect();
  }

  close(): void {
    this.closeCommand();
    this.closePubsub();
  }

  /** Our address on the command connection, for the hello message when announce-ip is unset. */
  localAddress(): string | null {
    const socket = this.cc?.stream;
    const address = socket?.localAddress;
    if (address === undefined) return null;
    return address.startsWith('::ffff:') ? address.slice(7) : address;
  }
}

/** Errors ioredis reports for an error reply (as opposed to a lost connection). */
function isReplyError(error: Error): boolean {
  return error.name === 'ReplyError';
}

function connect(setup: LinkSetup, onClose: () => void): Redis {
  const redis = new Redis({
    host: setup.host,
    port: setup.port,
    tls: setup.tls === null ? undefined : withoutNameCheck(setup.tls),
    // The Sentinel timer reconnects; queued commands go out once connected, as hiredis does.
    retryStrategy: () => null,
    enableReadyCheck: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 10_000,
    lazyConnect: false,
  });
  redis.on('error', () => {
    // Connection errors surface as 'close'; the instance's PING times tell the story.
  });
  redis.once('end', onClose);
  if (setup.auth !== null) {
    const args = setup.auth.user === null ? [setup.auth.pass] : [setup.auth.user, setup.auth.pass];
    void redis.call(setup.command('AUTH'), ...args).catch(() => undefined);
  }
  void redis.call(setup.command('CLIENT'), 'SETNAME', setup.clientName).catch(() => undefined);
  return redis;
}
