import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/** A process a test started, with what it printed so far and a promise of its exit. */
export interface Spawned {
  child: ChildProcess;
  exited: Promise<void>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
}

export function spawnCaptured(command: string, args: readonly string[]): Spawned {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, output: () => output };
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Polls every 50 ms until `port` accepts connections; throws after `timeoutMs` (10 s unless told),
 * or as soon as `spawned`, when given, has exited (its output is in the error).
 */
export async function waitForPort(port: number, options: { spawned?: Spawned; name?: string; timeoutMs?: number } = {}): Promise<void> {
  const { spawned, name = 'server', timeoutMs = 10_000 } = options;
  const output = () => spawned?.output() ?? '';
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned !== undefined && !isRunning(spawned.child)) {
      throw new Error(`${name} exited with ${spawned.child.signalCode ?? spawned.child.exitCode}:\n${output()}`);
    }
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not listen on ${port} within ${timeoutMs / 1000} s:\n${output()}`);
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** SIGTERM by PID (after SIGCONT, in case it was paused), SIGKILL after 5 s; resolves once it is gone. */
export async function terminate(spawned: Spawned): Promise<void> {
  const { child } = spawned;
  if (!isRunning(child)) return;
  const pid = child.pid!;
  process.kill(pid, 'SIGCONT');
  process.kill(pid, 'SIGTERM');
  const timer = setTimeout(() => isRunning(child) && process.kill(pid, 'SIGKILL'), 5000);
  await spawned.exited;
  clearTimeout(timer);
}
