/**
 * Starts cluster nodes as child processes — tsredis (`node packages/node/dist/cli.js`) or a real
 * `redis-server`, chosen by --server-bin / TSREDIS_SERVER_BIN — and stops them by PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './client.js';
import { formatEndpoint, type Endpoint } from './endpoint.js';

/** The tsredis server next to this package in the workspace. */
export const TSREDIS_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node', 'dist', 'cli.js');

/** What `--server-bin` defaults to; TSREDIS_SERVER_BIN=redis-server runs the same topology on real Redis. */
export const DEFAULT_SERVER_BIN = process.env['TSREDIS_SERVER_BIN'] ?? 'tsredis';

/** `tsredis` → our server; `redis`/`redis-server` → real Redis from PATH; a .js path → node it; anything else → run it. */
export function serverCommand(bin: string): string[] {
  if (bin === 'tsredis') return [process.execPath, TSREDIS_CLI];
  if (bin === 'redis' || bin === 'redis-server') return ['redis-server'];
  if (bin.endsWith('.js') || bin.endsWith('.mjs')) return [process.execPath, resolve(bin)];
  return [bin];
}

/** A short name for reports: "tsredis" or the real server's version line. */
export function serverName(bin: string): string {
  const [command, ...args] = serverCommand(bin);
  const result = spawnSync(command!, [...args, '--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = /v=([\d.]+)/.exec(result.stdout ?? '')?.[1];
  const kind = bin === 'tsredis' || result.stdout?.includes('tsredis') ? 'tsredis' : 'redis-server';
  return version === undefined ? kind : `${kind} ${version}`;
}

export interface NodeSpec {
  /** Where the node listens (bind address and port). */
  endpoint: Endpoint;
  /** Its working directory: nodes.conf, dump.rdb, node.log. */
  dir: string;
  nodeTimeoutMs: number;
  /** Extra `--directive value` pairs. */
  extra?: string[];
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Save an RDB on shutdown (restart drills keep their keys); otherwise no persistence at all. */
  persist?: boolean;
}

export interface NodeProcess {
  spec: NodeSpec;
  pid: number;
  child: ChildProcess;
  exited: Promise<void>;
  alive(): boolean;
}

export function nodeArgs(spec: NodeSpec): string[] {
  return [
    '--port', String(spec.endpoint.port),
    '--bind', spec.endpoint.host,
    '--dir', spec.dir,
    '--cluster-enabled', 'yes',
    '--cluster-config-file', 'nodes.conf',
    '--cluster-node-timeout', String(spec.nodeTimeoutMs),
    ...(spec.persist === true ? ['--save', '3600', '1'] : ['--save', '']),
    '--appendonly', 'no',
    '--logfile', 'node.log',
    // A replica that never finished its first sync cannot be elected: do not wait 5 s to start it.
    '--repl-diskless-sync-delay', '0',
    ...(spec.extra ?? []),
  ];
}

/** Every node process this program started that has not exited yet. */
const running = new Set<NodeProcess>();

/**
 * On SIGINT/SIGTERM, kill -9 every node this program started (by PID) and exit: an interrupted
 * drill leaves nothing behind. (`cluster up` stops its nodes gracefully instead.)
 */
export function killNodesOnSignal(): void {
  const handler = (signalName: NodeJS.Signals): void => {
    for (const node of running) signal(node, 'SIGKILL');
    process.exit(signalName === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

export async function startNode(bin: string, spec: NodeSpec): Promise<NodeProcess> {
  mkdirSync(spec.dir, { recursive: true });
  const [command, ...args] = serverCommand(bin);
  const argv = [...args, ...nodeArgs(spec)];
  const child = spec.netns === undefined
    ? spawn(command!, argv, { cwd: spec.dir, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('ip', ['netns', 'exec', spec.netns, command!, ...argv], { cwd: spec.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  // Whatever escapes the logfile (fatal config errors) lands next to it.
  const console = createWriteStream(join(spec.dir, 'console.log'), { flags: 'a' });
  child.stdout!.pipe(console);
  child.stderr!.pipe(console);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const node: NodeProcess = {
    spec,
    pid: child.pid!,
    child,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
  running.add(node);
  void exited.then(() => running.delete(node));
  try {
    await waitForListen(node);
  } catch (error) {
    await killNode(node);
    throw error;
  }
  return node;
}

async function waitForListen(node: NodeProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (!node.alive()) throw new Error(`node ${formatEndpoint(node.spec.endpoint)} exited during start:\n${lastLines(node.spec.dir)}`);
    if (await canConnect(node.spec.endpoint)) return;
    await sleep(20);
  }
  throw new Error(`node ${formatEndpoint(node.spec.endpoint)} did not listen within 30 s (a busy machine, or see its node.log)`);
}

/** The end of what a node wrote, for the error when it did not come up (its directory may be removed next). */
function lastLines(dir: string): string {
  const read = (file: string): string => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'latin1') : '');
  return `${read('console.log')}${read('node.log')}`.split('\n').slice(-15).join('\n');
}

function canConnect(endpoint: Endpoint): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** SIGTERM (a SIGSTOPped node is continued first), then SIGKILL after `graceMs`. */
export async function stopNode(node: NodeProcess, graceMs = 5000): Promise<void> {
  if (!node.alive()) return;
  signal(node, 'SIGCONT');
  signal(node, 'SIGTERM');
  const timer = setTimeout(() => signal(node, 'SIGKILL'), graceMs);
  await node.exited;
  clearTimeout(timer);
}

export async function killNode(node: NodeProcess): Promise<void> {
  signal(node, 'SIGKILL');
  await node.exited;
}

export function signal(node: NodeProcess, name: NodeJS.Signals): void {
  if (!node.alive()) return;
  try {
    process.kill(node.pid, name);
  } catch {
    // Already gone between the check and the signal.
  }
}

export function isBuilt(bin: string): boolean {
  return bin !== 'tsredis' || existsSync(TSREDIS_CLI);
}
