import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { command, waitUntil } from '../helpers/cluster.js';
import { freePort } from '../helpers/ports.js';
import { SERVER_BIN } from '../helpers/servers.js';
import { SENTINEL_BIN } from '../sentinel/topology.js';

/**
 * `daemonize yes`, for the server and the Sentinel: the command returns at once with status 0,
 * the daemon listens and writes its pid to the pidfile, and SIGTERM to that pid stops it and
 * removes the file.
 */

const dir = mkdtempSync(join(tmpdir(), 'tsredis-daemonize-'));
/** Daemons still running when a test failed: stopped by pid afterwards. */
const daemons = new Set<number>();

afterAll(() => {
  for (const pid of daemons) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function daemonizes(args: string[], port: number, pidfile: string): Promise<void> {
  const launcher = spawnSync(process.execPath, args, { encoding: 'latin1', timeout: 15_000 });
  expect(launcher.status).toBe(0);
  await waitUntil(async () => existsSync(pidfile) && readFileSync(pidfile, 'latin1').trim() !== '', 15_000, 'the pid file');
  const pid = Number(readFileSync(pidfile, 'latin1').trim());
  daemons.add(pid);
  expect(pid).not.toBe(launcher.pid);
  await waitUntil(async () => (await command(port, 'PING').catch(() => null)) === 'PONG', 15_000, 'the daemon to answer');
  process.kill(pid, 'SIGTERM');
  await waitUntil(async () => !alive(pid), 15_000, 'the daemon to stop');
  daemons.delete(pid);
  expect(existsSync(pidfile)).toBe(false);
}

describe('daemonize yes', () => {
  it('runs tsredis-server in the background with its pid file', async () => {
    const port = await freePort();
    const pidfile = join(dir, 'server.pid');
    await daemonizes([SERVER_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'yes', '--pidfile', pidfile], port, pidfile);
  }, 60_000);

  it('runs tsredis-sentinel in the background with its pid file', async () => {
    const port = await freePort();
    const pidfile = join(dir, 'sentinel.pid');
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, [`port ${port}`, 'bind 127.0.0.1', 'daemonize yes', `pidfile ${pidfile}`, `dir ${dir}`, ''].join('\n'));
    await daemonizes([SENTINEL_BIN, file], port, pidfile);
  }, 60_000);
});
