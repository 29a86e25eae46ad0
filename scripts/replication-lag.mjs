#!/usr/bin/env node
/**
 * Replication lag under load (issue 7, done-when #4): a master with one replica of the same
 * kind (tsredis, and real Redis when installed, for comparison) takes redis-benchmark SET at
 * -P 16 while the master's master_repl_offset and the replica's slave_repl_offset are sampled
 * every 50 ms. Prints, per server, the lag in bytes (max, p99, mean) and how long the replica
 * needed to catch up once the load stopped.
 *
 *   node scripts/replication-lag.mjs [--requests 1000000] [--tsredis-only]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const requests = Number(args[args.indexOf('--requests') + 1] ?? 0) || 1_000_000;
const tsredisOnly = args.includes('--tsredis-only');
const SAMPLE_MS = 50;
/** Bound on waiting for a replica to sync or catch up. */
const WAIT_MS = 60_000;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** One field of INFO replication. */
async function field(redis, name) {
  const text = await redis.info('replication');
  const match = text.match(new RegExp(`^${name}:(.*)$`, 'm'));
  return match ? match[1].trim() : '';
}

/** Starts a server process (tsredis or redis-server) on a free port in a scratch directory. */
async function startServer(kind) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `repl-lag-${kind}-`));
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--loglevel', 'warning', '--repl-diskless-sync-delay', '0'];
  const child = kind === 'tsredis'
    ? spawn(process.execPath, [join(root, 'packages/node/dist/cli.js'), ...common], { stdio: 'ignore' })
    : spawn('redis-server', [...common, '--appendonly', 'no'], { stdio: 'ignore' });
  const redis = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => (n > 50 ? null : 100) });
  redis.on('error', () => undefined); // refused until the server listens; ioredis retries
  await redis.ping();
  return {
    port,
    redis,
    async stop() {
      redis.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(child.pid, 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The lag samples of one master/replica pair under the SET load. */
async function measure(kind) {
  const master = await startServer(kind);
  const replica = await startServer(kind);
  try {
    await replica.redis.replicaof('127.0.0.1', master.port);
    const syncedBy = Date.now() + WAIT_MS;
    while ((await field(replica.redis, 'master_link_status')) !== 'up') {
      if (Date.now() > syncedBy) throw new Error(`${kind} replica never synced`);
      await sleep(SAMPLE_MS);
    }
    const benchmark = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(master.port), '-c', '50', '-P', '16', '-n', String(requests), '-t', 'set', '-r', '100000', '-q'], { stdio: 'ignore' });
    const finished = new Promise((resolve) => benchmark.once('exit', resolve));
    let running = true;
    void finished.then(() => (running = false));
    const lags = [];
    const started = Date.now();
    while (running) {
      const [masterOffset, replicaOffset] = await Promise.all([field(master.redis, 'master_repl_offset'), field(replica.redis, 'slave_repl_offset')]);
      lags.push(Math.max(0, Number(masterOffset) - Number(replicaOffset)));
      await sleep(SAMPLE_MS);
    }
    const loadSeconds = (Date.now() - started) / 1000;
    const stopped = Date.now();
    const target = await field(master.redis, 'master_repl_offset');
    while (Number(await field(replica.redis, 'slave_repl_offset')) < Number(target)) {
      if (Date.now() - stopped > WAIT_MS) throw new Error(`${kind} replica never caught up`);
      await sleep(5);
    }
    return { kind, lags: lags.sort((a, b) => a - b), catchUpMs: Date.now() - stopped, loadSeconds };
  } finally {
    await replica.stop();
    await master.stop();
  }
}

function summary({ kind, lags, catchUpMs, loadSeconds }) {
  const mean = lags.length === 0 ? 0 : lags.reduce((sum, lag) => sum + lag, 0) / lags.length;
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  return (
    `replication lag ${kind} (SET -P 16, ${requests} requests, ${loadSeconds.toFixed(1)} s, ${lags.length} samples): ` +
    `max ${kb(lags.at(-1) ?? 0)}, p99 ${kb(percentile(lags, 99))}, mean ${kb(mean)}; caught up ${catchUpMs} ms after the load`
  );
}

const kinds = ['tsredis'];
if (!tsredisOnly && spawnSync('redis-server', ['--version']).status === 0) kinds.push('redis');
for (const kind of kinds) console.log(summary(await measure(kind)));
