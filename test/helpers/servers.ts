import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { spawnCaptured, terminate, waitForPort } from './process.js';

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
  const spawned = spawnCaptured(command, argsFor(port, dir));
  const server: RunningServer = {
    port,
    pid: spawned.child.pid!,
    dir,
    process: spawned.child,
    output: spawned.output,
    async stop() {
      await terminate(spawned);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForPort(port, { spawned });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
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
