#!/usr/bin/env node
/**
 * Latency probe for BGSAVE without fork (issue 5, done-when #3): fills a tsredis with N keys,
 * starts a BGSAVE and, while it runs, measures the round trip of a PING sent every millisecond
 * (optionally with redis-benchmark loading the server at the same time). Prints the save's
 * duration and the probe's max / p99 / p50 latency, during the save and at rest for comparison.
 *
 *   node scripts/bgsave-latency.mjs [--keys 1000000] [--benchmark]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keys = Number(args[args.indexOf('--keys') + 1] ?? 0) || 1_000_000;
const withBenchmark = args.includes('--benchmark');

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** PINGs one at a time until `until()` is true; returns the sorted round trips in ms. */
async function probe(redis, until) {
  const samples = [];
  while (!(await until())) {
    const start = process.hrtime.bigint();
    await redis.ping();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return samples.sort((a, b) => a - b);
}

function report(label, samples) {
  const fmt = (ms) => `${ms.toFixed(2)} ms`;
  console.log(`${label}: ${samples.length} probes, max ${fmt(samples.at(-1) ?? 0)}, p99 ${fmt(percentile(samples, 99))}, p50 ${fmt(percentile(samples, 50))}`);
}

const dir = mkdtempSync(join(tmpdir(), 'tsredis-latency-'));
const port = await freePort();
const server = spawn(process.execPath, [join(root, 'packages/node/dist/cli.js'), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], { stdio: 'ignore' });
let benchmark = null;
try {
  const redis = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => (n > 50 ? null : 100) });
  redis.on('error', () => undefined); // refused until the server listens; ioredis retries
  await redis.ping();
  console.log(`filling ${keys} keys…`);
  for (let base = 0; base < keys; base += 100_000) {
    const pipeline = redis.pipeline();
    for (let batch = base; batch < Math.min(base + 100_000, keys); batch += 1000) {
      const pairs = [];
      for (let i = batch; i < Math.min(batch + 1000, keys); i++) pairs.push(`key:${i}`, `value:${i}`);
      pipeline.mset(...pairs);
    }
    await pipeline.exec();
  }
  const atRestUntil = Date.now() + 2000;
  report('at rest', await probe(redis, async () => Date.now() > atRestUntil));
  if (withBenchmark) {
    benchmark = spawn('redis-benchmark', ['-p', String(port), '-t', 'set,get', '-n', '100000000', '-q', '-c', '20'], { stdio: 'ignore' });
  }
  const started = Date.now();
  console.log(await redis.bgsave());
  const during = await probe(redis, async () => (await redis.info('persistence')).includes('rdb_bgsave_in_progress:0'));
  const seconds = (Date.now() - started) / 1000;
  const status = /rdb_last_bgsave_status:(\w+)/.exec(await redis.info('persistence'))[1];
  console.log(`BGSAVE of ${keys} keys: ${seconds.toFixed(2)} s, status ${status}, file ${statSync(join(dir, 'dump.rdb')).size} bytes${withBenchmark ? ' (redis-benchmark running)' : ''}`);
  report('during BGSAVE', during);
  redis.disconnect();
} finally {
  if (benchmark !== null) benchmark.kill();
  server.kill();
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
