import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { SERVER_BIN } from './servers.js';
import { freePort } from './ports.js';
import { isRunning, spawnCaptured, terminate, waitForPort, type Spawned } from './process.js';

/**
 * Redis Cluster test scaffolding: N tsredis nodes with cluster-enabled on free ports whose bus
 * port (port + 10000) is free too, formed with `redis-cli --cluster create`, stopped by PID. A
 * node can be killed (-9) and restarted on the same port and directory (nodes.conf, AOF).
 */

export interface ClusterNodeProcess {
  /** The client port (it changes when a restart is given another one). */
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** Everything the current process wrote to stdout and stderr. */
  output(): string;
  /** Whether the process is running. */
  readonly alive: boolean;
  /** SIGKILL, no cleanup: the node's files stay for a restart. */
  kill(): Promise<void>;
  /** SIGTERM and wait (files stay). */
  stop(): Promise<void>;
  /** Starts the node again with the same directory and arguments, on the same port or `port`. */
  restart(port?: number): Promise<void>;
}

export interface TestCluster {
  readonly nodes: ClusterNodeProcess[];
  readonly ports: number[];
  /** Stops every node and removes their directories. */
  destroy(): Promise<void>;
}

/** Which server a node runs: tsredis, or the real redis-server (mixed clusters). */
export type NodeKind = 'tsredis' | 'redis';

export interface ClusterOptions {
  /** Number of nodes (default 6). */
  nodes?: number;
  /** --cluster-replicas for redis-cli (default 1). */
  replicas?: number;
  /** cluster-node-timeout in ms (default 2000). */
  nodeTimeout?: number;
  /** Extra `--directive value` arguments for every node. */
  args?: string[];
  /** Only start the nodes, do not run `--cluster create`. */
  skipCreate?: boolean;
  /** The server of each node (default: all tsredis). */
  kinds?: NodeKind[];
}

/** Starts the nodes, forms the cluster and waits for cluster_state:ok everywhere. */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const count = options.nodes ?? 6;
  const args = clusterNodeArgs(options.nodeTimeout ?? 2000, options.args ?? []);
  const nodes: ClusterNodeProcess[] = [];
  const cluster: TestCluster = {
    nodes,
    get ports() {
      return nodes.map((node) => node.port);
    },
    async destroy() {
      await Promise.all(nodes.map((node) => node.stop()));
      for (const node of nodes) rmSync(node.dir, { recursive: true, force: true });
    },
  };
  try {
    // Ports are chosen one after another (no two nodes collide), the processes boot together.
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await nodePort(ports));
    const started = await Promise.allSettled(
      ports.map((port, i) => startNode(options.kinds?.[i] ?? 'tsredis', port, mkdtempSync(join(tmpdir(), 'tsredis-cluster-')), args)),
    );
    for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    if (!options.skipCreate) {
      createWithRedisCli(cluster.ports, options.replicas ?? 1);
      await waitForClusterOk(cluster.ports);
    }
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

/** The arguments every test cluster node gets. */
export function clusterNodeArgs(nodeTimeout: number, extra: string[] = []): string[] {
  return [
    '--cluster-enabled', 'yes',
    '--cluster-node-timeout', String(nodeTimeout),
    // Replicas sync at once instead of waiting for more of them (diskless delay).
    '--repl-diskless-sync-delay', '0',
    ...extra,
  ];
}

/**
 * Starts one cluster node (not yet part of any cluster) on a free port whose bus port is free
 * too and distinct from `others`' ports. The caller stops it (or adds it to a TestCluster).
 */
export async function startClusterNode(kind: NodeKind, args: string[], others: readonly ClusterNodeProcess[] = []): Promise<ClusterNodeProcess> {
  const port = await nodePort(others.map((node) => node.port));
  return startNode(kind, port, mkdtempSync(join(tmpdir(), 'tsredis-cluster-')), args);
}

/** A free port whose bus port is free too, clashing with none of `taken` (nor their bus ports). */
async function nodePort(taken: readonly number[]): Promise<number> {
  const clashes = (port: number): boolean => taken.some((other) => other === port || Math.abs(other - port) === 10000);
  let port = await freePort([10000]);
  for (let attempt = 0; clashes(port) && attempt < 20; attempt++) port = await freePort([10000]);
  return port;
}

/** `redis-cli --cluster create` with the given ports; throws with its output when it fails. */
export function createWithRedisCli(ports: number[], replicas: number): string {
  const result = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
    { encoding: 'latin1', timeout: 60_000 },
  );
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || !output.includes('All 16384 slots covered')) throw new Error(`redis-cli --cluster create failed:\n${output}`);
  return output;
}

/** `redis-cli --cluster check` output. */
export function checkWithRedisCli(port: number): { output: string; status: number | null } {
  const result = spawnSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${port}`], { encoding: 'latin1', timeout: 30_000 });
  return { output: `${result.stdout}${result.stderr}`, status: result.status };
}

/** One connection per node, kept between commands so polling measures the cluster, not connecting. */
const connections = new Map<number, Redis>();

/** Runs one command on a node (a connection that fails is dropped and made again next time). */
export async function command(port: number, ...argv: (string | number)[]): Promise<unknown> {
  let client = connections.get(port);
  if (client === undefined || client.status !== 'ready') {
    client?.disconnect();
    client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => undefined);
    connections.set(port, client);
    try {
      await client.connect();
    } catch (error) {
      connections.delete(port);
      client.disconnect();
      throw error;
    }
  }
  return client.call(String(argv[0]), ...argv.slice(1).map(String));
}

/** Closes the connections `command` keeps to these ports. */
export function closeConnections(ports: readonly number[]): void {
  for (const port of ports) {
    connections.get(port)?.disconnect();
    connections.delete(port);
  }
}

/** CLUSTER INFO as a field map (empty when the node does not answer). */
export async function clusterInfo(port: number): Promise<Record<string, string>> {
  try {
    const text = String(await command(port, 'CLUSTER', 'INFO'));
    return Object.fromEntries(text.split('\r\n').filter(Boolean).map((line) => line.split(':') as [string, string]));
  } catch {
    return {};
  }
}

/** The role INFO replication reports ('master' / 'slave'), or '' when the node does not answer. */
export async function roleOf(port: number): Promise<string> {
  try {
    const text = String(await command(port, 'INFO', 'replication'));
    return /role:(\w+)/.exec(text)?.[1] ?? '';
  } catch {
    return '';
  }
}

/** Polls `check` every 50 ms until it holds; throws after `timeoutMs`. Returns the elapsed ms. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Waits until every port reports cluster_state:ok. */
export async function waitForClusterOk(ports: number[], timeoutMs = 20_000): Promise<number> {
  return waitUntil(async () => {
    const states = await Promise.all(ports.map((port) => clusterInfo(port)));
    return states.every((info) => info['cluster_state'] === 'ok');
  }, timeoutMs, `cluster_state:ok on ${ports.join(', ')}`);
}

/** Slot ranges → owner address, from CLUSTER SLOTS (for comparing maps across restarts). */
export async function slotMap(port: number): Promise<string[]> {
  const reply = (await command(port, 'CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
  return reply.map(([start, end, [, masterPort]]) => `${start}-${end}@${masterPort}`).sort();
}

async function startNode(kind: NodeKind, port: number, dir: string, args: string[]): Promise<ClusterNodeProcess> {
  let current: Spawned | null = null;
  const launch = async (): Promise<void> => {
    const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args];
    current = kind === 'tsredis' ? spawnCaptured(process.execPath, [SERVER_BIN, ...common]) : spawnCaptured('redis-server', common);
    // Six nodes booting at once on a loaded 2-core box can take a while.
    await waitForPort(port, { spawned: current, name: `node on ${port}`, timeoutMs: 20_000 });
  };
  const running = (): boolean => current !== null && isRunning(current.child);
  const node: ClusterNodeProcess = {
    get port() {
      return port;
    },
    dir,
    get pid() {
      return current?.child.pid ?? 0;
    },
    output: () => current?.output() ?? '',
    get alive() {
      return running();
    },
    async kill() {
      closeConnections([port]);
      if (!running()) return;
      process.kill(current!.child.pid!, 'SIGKILL');
      await current!.exited;
    },
    async stop() {
      closeConnections([port]);
      if (current !== null) await terminate(current);
    },
    async restart(newPort?: number) {
      await node.stop();
      if (newPort !== undefined) port = newPort;
      await launch();
    },
  };
  try {
    await launch();
  } catch (error) {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return node;
}
