import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import { freePort } from './ports.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER_BIN = join(root, 'packages', 'node', 'dist', 'cli.js');

/** A server process a test started: stopped by its PID, its scratch directory removed. */
export interface RunningServer {
  port: number;
  pid: number;
  dir: string;
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `tsredis-server` on a free port with extra `--directive value` arguments. */
export async function startTsredis(args: string[] = []): Promise<RunningServer> {
  return startProcess(process.execPath, (port, dir) => [
    SERVER_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args,
  ]);
}

/** Whether a real redis-server is installed (the comparisons run only then). */
export function hasRealRedis(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** Starts the real redis-server on a free port, for byte-for-byte comparisons. */
export async function startRealRedis(args: string[] = []): Promise<RunningServer> {
  return startProcess('redis-server', (port, dir) => [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args,
  ]);
}

async function startProcess(command: string, argsFor: (port: number, dir: string) => string[]): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tsredis-test-'));
  const port = await freePort();
  const child = spawn(command, argsFor(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: RunningServer = {
    port,
    pid: child.pid!,
    dir,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForPort(port, child, () => output);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Polls until the port accepts connections (bounded: 10 s), or the process dies. */
async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not listen on ${port} within 10 s:\n${output()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs redis-cli against a port and returns its stdout (the tool installed by .ci/run). */
export function redisCli(port: number, args: string[], input?: string): { stdout: string; status: number | null } {
  const result = spawnSync('redis-cli', ['-p', String(port), ...args], { input, encoding: 'latin1', timeout: 20_000 });
  return { stdout: result.stdout, status: result.status };
}

/**
 * Starts tsredis and the real redis-server side by side. When one fails to start, the other is
 * stopped before the error propagates, so a failed beforeAll leaks no process.
 */
export async function startPair(oursArgs: string[] = [], realArgs: string[] = []): Promise<[RunningServer, RunningServer]> {
  const [ours, real] = await Promise.allSettled([startTsredis(oursArgs), startRealRedis(realArgs)]);
  if (ours.status === 'fulfilled' && real.status === 'fulfilled') return [ours.value, real.value];
  if (ours.status === 'fulfilled') await ours.value.stop();
  if (real.status === 'fulfilled') await real.value.stop();
  throw ours.status === 'rejected' ? ours.reason : (real as PromiseRejectedResult).reason;
}
