import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { startRealRedis, startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';

/**
 * Servers started on a directory the test keeps (so they can be killed and restarted on the
 * same AOF), their clients, and readers for the files in appendonlydir.
 */

export interface Node {
  server: RunningServer;
  redis: Redis;
}

export class Fixture {
  private readonly nodes: Node[] = [];
  private readonly dirs: string[] = [];

  directory(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tsredis-aof-'));
    this.dirs.push(dir);
    return dir;
  }

  async tsredis(dir: string, args: string[] = []): Promise<Node> {
    return this.track(await startTsredis(['--dir', dir, ...args]));
  }

  async real(dir: string, args: string[] = []): Promise<Node> {
    return this.track(await startRealRedis(['--dir', dir, ...args]));
  }

  private track(server: RunningServer): Node {
    const redis = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    const node = { server, redis };
    this.nodes.push(node);
    return node;
  }

  /** SIGKILL by PID: no shutdown code runs. */
  async kill(node: Node): Promise<void> {
    node.redis.disconnect();
    const child = node.server.process;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(node.server.pid, 'SIGKILL');
      await exited;
    }
    await node.server.stop();
  }

  /**
   * Starts tsredis on a dataset it must refuse: resolves with its output once it exited (exit
   * status 1). Like Redis it may listen before it loads, so the refusal can come after the port opened.
   */
  async refusal(dir: string, args: string[] = []): Promise<string> {
    let server: RunningServer;
    try {
      server = await startTsredis(['--dir', dir, ...args]);
    } catch (error) {
      return String(error);
    }
    const child = server.process;
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const bound = new Promise((resolve) => setTimeout(resolve, 10_000));
      await Promise.race([exited, bound]);
    }
    const output = `exit status ${child.exitCode}\n${server.output()}`;
    await server.stop();
    return output;
  }

  async stop(node: Node): Promise<void> {
    node.redis.disconnect();
    await node.server.stop();
  }

  async cleanup(): Promise<void> {
    for (const node of this.nodes) await this.stop(node);
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export function aofDir(dir: string): string {
  return join(dir, 'appendonlydir');
}

export function aofFiles(dir: string): string[] {
  return readdirSync(aofDir(dir)).sort();
}

export function manifest(dir: string): string {
  return readFileSync(join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1');
}

/** The incr files' commands, concatenated, as one latin1 string. */
export function incrText(dir: string): string {
  return aofFiles(dir)
    .filter((name) => name.endsWith('.incr.aof'))
    .map((name) => readFileSync(join(aofDir(dir), name), 'latin1'))
    .join('');
}

export async function persistenceInfo(redis: Redis): Promise<Record<string, string>> {
  const text = await redis.info('persistence');
  return Object.fromEntries(text.split('\r\n').filter((line) => line.includes(':')).map((line) => line.split(':') as [string, string]));
}

/** Polls (bounded: 20 s) until no AOF rewrite runs or is scheduled. */
export async function rewriteFinished(redis: Redis): Promise<Record<string, string>> {
  for (let i = 0; i < 400; i++) {
    const info = await persistenceInfo(redis);
    if (info.aof_rewrite_in_progress === '0' && info.aof_rewrite_scheduled === '0') return info;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('AOF rewrite did not finish within 20 s');
}
