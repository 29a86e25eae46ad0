/**
 * A master, its replicas and three Sentinels as processes on free ports, for the failover
 * drills: tsredis or real Redis for either side. Every process is stopped by its PID; each
 * can be killed, paused, resumed or restarted on the same port with the same files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { freePort } from '../helpers/ports.js';
import { isRunning, spawnCaptured, terminate, waitForPort, type Spawned } from '../helpers/process.js';
import { SERVER_BIN } from '../helpers/servers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SENTINEL_BIN = join(root, 'packages', 'sentinel', 'dist', 'cli.js');

export type Flavor = 'tsredis' | 'real';

/** Whether redis-sentinel (the real one) is installed. */
export function hasRealSentinel(): boolean {
  return spawnSync('redis-sentinel', ['--version']).status === 0;
}

/** A Sentinel process (not started) of either flavor, reading `file`. */
export function sentinelProc(flavor: Flavor, port: number, file: string): Proc {
  return flavor === 'real'
    ? new Proc(`redis-sentinel:${port}`, port, 'redis-sentinel', [file])
    : new Proc(`tsredis-sentinel:${port}`, port, process.execPath, [SENTINEL_BIN, file]);
}

/** One process of the topology, restartable on its port. */
export class Proc {
  private spawned: Spawned | null = null;
  /** What the earlier runs of this process printed. */
  private earlierOutput = '';

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly command: string,
    private readonly args: string[],
  ) {}

  get pid(): number {
    return this.spawned!.child.pid!;
  }

  get running(): boolean {
    return this.spawned !== null && isRunning(this.spawned.child);
  }

  output(): string {
    return this.earlierOutput + (this.spawned?.output() ?? '');
  }

  async start(): Promise<void> {
    this.earlierOutput = this.output();
    this.spawned = spawnCaptured(this.command, this.args);
    // Generous: on a loaded machine several Node processes starting at once take a while.
    await waitForPort(this.port, { spawned: this.spawned, name: this.name, timeoutMs: 30_000 });
  }

  /** kill -9, and wait until it is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    process.kill(this.pid, 'SIGKILL');
    await this.spawned!.exited;
  }

  pause(): void {
    process.kill(this.pid, 'SIGSTOP');
  }

  resume(): void {
    process.kill(this.pid, 'SIGCONT');
  }

  /** SIGTERM (resumed first, in case it was paused), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.spawned !== null) await terminate(this.spawned);
  }
}

export interface TopologyOptions {
  data?: Flavor;
  sentinels?: Flavor;
  downAfter?: number;
  failoverTimeout?: number;
  replicas?: number;
  quorum?: number;
  /** requirepass (and masterauth) of the data nodes; Sentinels get it as auth-pass. */
  password?: string;
  /** requirepass of the Sentinels (they present it to each other too). */
  sentinelPassword?: string;
  /** More lines for every Sentinel's config file. */
  sentinelLines?: string[];
}

export class Topology {
  readonly nodes: Proc[] = [];
  readonly sentinels: Proc[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'tsredis-sentinel-'));

  constructor(readonly options: Required<TopologyOptions>) {}

  static async start(options: TopologyOptions = {}): Promise<Topology> {
    const topology = new Topology({
      data: 'tsredis', sentinels: 'tsredis', downAfter: 2000, failoverTimeout: 10_000, replicas: 2, quorum: 2, password: '',
      sentinelPassword: '', sentinelLines: [], ...options,
    });
    try {
      await topology.startAll();
    } catch (error) {
      await topology.stop();
      throw error;
    }
    return topology;
  }

  private async startAll(): Promise<void> {
    const masterPort = await freePort();
    this.nodes.push(this.dataNode(masterPort, null));
    for (let i = 0; i < this.options.replicas; i++) this.nodes.push(this.dataNode(await freePort(), masterPort));
    await Promise.all(this.nodes.map((node) => node.start()));
    await this.waitFor('replicas in sync', async () => {
      const info = String(await this.call(masterPort, 'INFO', 'replication'));
      return (info.match(/state=online/g)?.length ?? 0) === this.options.replicas;
    });
    for (let i = 0; i < 3; i++) this.sentinels.push(await this.sentinelNode(await freePort(), masterPort));
    await Promise.all(this.sentinels.map((sentinel) => sentinel.start()));
    await this.waitFor('sentinels to discover each other and the replicas', async () => {
      for (const sentinel of this.sentinels) {
        const master = await this.masterState(sentinel);
        if (master['num-slaves'] !== String(this.options.replicas) || master['num-other-sentinels'] !== '2') return false;
      }
      return true;
    });
  }

  private dataNode(port: number, masterPort: number | null): Proc {
    const dir = join(this.dir, `node-${port}`);
    mkdirSync(dir, { recursive: true });
    // No diskless-sync delay: replicas sync at once instead of after Redis's default 5 s.
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];
    if (masterPort !== null) args.push('--replicaof', '127.0.0.1', String(masterPort));
    if (this.options.password !== '') args.push('--requirepass', this.options.password, '--masterauth', this.options.password);
    return this.options.data === 'real'
      ? new Proc(`redis-server:${port}`, port, 'redis-server', args)
      : new Proc(`tsredis:${port}`, port, process.execPath, [SERVER_BIN, ...args]);
  }

  private async sentinelNode(port: number, masterPort: number): Promise<Proc> {
    const file = join(this.dir, `sentinel-${port}.conf`);
    const { downAfter, failoverTimeout, quorum, password, sentinelPassword, sentinelLines } = this.options;
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${masterPort} ${quorum}`,
        `sentinel down-after-milliseconds mymaster ${downAfter}`,
        `sentinel failover-timeout mymaster ${failoverTimeout}`,
        ...(password === '' ? [] : [`sentinel auth-pass mymaster ${password}`]),
        ...(sentinelPassword === '' ? [] : [`requirepass ${sentinelPassword}`]),
        ...sentinelLines,
        '',
      ].join('\n'),
    );
    return sentinelProc(this.options.sentinels, port, file);
  }

  configFile(sentinel: Proc): string {
    return readFileSync(join(this.dir, `sentinel-${sentinel.port}.conf`), 'latin1');
  }

  get master(): Proc {
    return this.nodes[0]!;
  }

  node(port: number): Proc {
    return this.nodes.find((node) => node.port === port)!;
  }

  /** Sends one command on a fresh connection (so a paused or dead peer does not poison a cache). */
  async call(port: number, ...args: (string | number)[]): Promise<unknown> {
    const isSentinel = this.sentinels.some((sentinel) => sentinel.port === port);
    const password = (isSentinel ? this.options.sentinelPassword : this.options.password) || undefined;
    const client = new Redis({ port, host: '127.0.0.1', password, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000, commandTimeout: 1000 });
    client.on('error', () => undefined);
    try {
      return await client.call(String(args[0]), ...args.slice(1));
    } finally {
      client.disconnect();
    }
  }

  async masterAddress(sentinel: Proc): Promise<string | null> {
    const reply = (await this.call(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[] | null;
    return reply === null ? null : `${reply[0]}:${reply[1]}`;
  }

  async masterState(sentinel: Proc): Promise<Record<string, string>> {
    const reply = (await this.call(sentinel.port, 'SENTINEL', 'MASTER', 'mymaster')) as string[];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) fields[reply[i]!] = reply[i + 1]!;
    return fields;
  }

  /** ROLE of a data node ('master' / 'slave'), or null when it does not answer. */
  async role(port: number): Promise<string | null> {
    try {
      const reply = (await this.call(port, 'ROLE')) as unknown[];
      return String(reply[0]);
    } catch {
      return null;
    }
  }

  /** Whether a data node accepts a write. */
  async acceptsWrite(port: number): Promise<boolean> {
    try {
      return (await this.call(port, 'SET', 'sentinel:probe', String(Date.now()))) === 'OK';
    } catch {
      return false;
    }
  }

  /**
   * Waits until every running Sentinel names the same master, other than `old`, and it takes
   * writes. Returns its port.
   */
  async waitForNewMaster(old: number, timeoutMs = 30_000): Promise<number> {
    let port = 0;
    await this.waitFor(`every Sentinel to agree on a master other than ${old}`, async () => {
      const addresses = new Set<string | null>();
      for (const sentinel of this.sentinels) if (sentinel.running) addresses.add(await this.masterAddress(sentinel).catch(() => null));
      if (addresses.size !== 1) return false;
      const [address] = [...addresses];
      if (address === null || address === undefined || address === `127.0.0.1:${old}`) return false;
      port = Number(address.split(':')[1]);
      return this.acceptsWrite(port);
    }, timeoutMs);
    return port;
  }

  /**
   * Waits until every other data node replicates `masterPort` with its link up and every Sentinel
   * lists them as replicas in sync: no Sentinel has a reconfiguration left to make.
   */
  async waitUntilSettled(masterPort: number, timeoutMs = 30_000): Promise<void> {
    const replicas = this.nodes.filter((node) => node.port !== masterPort);
    await this.waitFor(`every replica to follow ${masterPort} in every Sentinel's view`, async () => {
      for (const node of replicas) {
        const info = String(await this.call(node.port, 'INFO', 'replication'));
        if (!info.includes(`master_port:${masterPort}`) || !info.includes('master_link_status:up')) return false;
      }
      const field = (fields: string[], name: string) => fields[fields.indexOf(name) + 1];
      for (const sentinel of this.sentinels) {
        const listed = (await this.call(sentinel.port, 'SENTINEL', 'REPLICAS', 'mymaster')) as string[][];
        const inSync = listed.filter((fields) => field(fields, 'flags') === 'slave' && field(fields, 'master-link-status') === 'ok');
        if (inSync.length !== replicas.length) return false;
      }
      return true;
    }, timeoutMs);
  }

  /** Polls (every 100 ms, bounded) until the condition holds. */
  async waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown = null;
    while (Date.now() < deadline) {
      try {
        if (await condition()) return;
      } catch (error) {
        lastError = error;
      }
      await sleep(100);
    }
    const logs = this.sentinels.map((sentinel) => `--- ${sentinel.name}\n${sentinel.output().slice(-4000)}`).join('\n');
    throw new Error(`timed out waiting for ${what} (${String(lastError)})\n${logs}`);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.nodes].map((proc) => proc.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
