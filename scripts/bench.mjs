#!/usr/bin/env node
// `npm run bench`: redis-benchmark against tsredis (built dist) and, when installed, the real
// redis-server, side by side in one run, each on a free port. Both servers see the same
// workloads in alternation so machine noise hits them alike. Prints a table and writes
// bench/results.json and bench/results.md (the markdown table for the README).
//   BENCH_SCALE=0.2 npm run bench   shorter run (request counts scaled)
//   BENCH_REPEAT=5 npm run bench    runs per workload (default 3); the table shows medians
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_BIN = join(root, 'packages', 'node', 'dist', 'cli.js');
const CORE_TESTS = 'ping,set,get,incr,mset';
const TYPE_TESTS = 'lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_300';
const CLIENTS = 50;
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
/**
 * Each workload runs REPEAT times per server, alternating which server goes first; the table
 * reports medians (of ops/s, latencies and per-run ratios), which a busy machine skews less.
 */
const REPEAT = Math.max(1, Math.round(Number(process.env.BENCH_REPEAT ?? '3')));
/** Share of each workload run once, unmeasured, before the table: JIT warm-up for tsredis, same load for both. */
const WARMUP_SHARE = 0.1;
/**
 * Requests per test: sized so the whole bench takes a few minutes on a small machine. A config
 * runs either built-in redis-benchmark tests or one custom command (redis-benchmark 7.0 has no
 * XADD test), labelled by `label`.
 */
const CONFIGS = [
  { pipeline: 1, size: 3, requests: 100_000, tests: CORE_TESTS },
  { pipeline: 1, size: 1024, requests: 100_000, tests: CORE_TESTS },
  { pipeline: 16, size: 3, requests: 400_000, tests: CORE_TESTS },
  { pipeline: 16, size: 1024, requests: 300_000, tests: CORE_TESTS },
  { pipeline: 1, size: 3, requests: 50_000, tests: TYPE_TESTS },
  { pipeline: 1, size: 3, requests: 50_000, command: ['XADD', 'bench:stream', '*', 'field', 'value'], label: 'XADD' },
];

function installed(command) {
  return spawnSync(command, ['--version']).status === 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not listen on ${port}`);
}

async function start(name, command, argsFor) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const child = spawn(command, argsFor(port, dir), { stdio: 'ignore' });
  await waitForPort(port, child);
  return {
    name,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs redis-benchmark once and parses its --csv rows: test → { rps, p50, p99 }. */
function benchmark(port, { pipeline, size, requests, tests, command, label }) {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-c', String(CLIENTS), '-n', String(Math.max(1000, Math.round(requests * SCALE))),
    '-P', String(pipeline), '-d', String(size), '--csv', ...(command ?? ['-t', tests])];
  const result = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) throw new Error(`redis-benchmark failed: ${result.stderr}`);
  const rows = new Map();
  for (const line of result.stdout.split('\n')) {
    const cells = line.split('","').map((cell) => cell.replace(/^"|"$/g, ''));
    if (cells.length < 7 || cells[0] === 'test') continue;
    rows.set(command ? label : cells[0], { rps: Number(cells[1]), p50: Number(cells[4]), p99: Number(cells[6]) });
  }
  return rows;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One row per test of a workload: medians over its runs (each run's ratio pairs the servers' results). */
function medianRows(config, runs) {
  const stat = (results, field) => median(results.map((result) => result[field]));
  const rows = [];
  for (const test of runs[0].ours.keys()) {
    const ours = runs.map((run) => run.ours.get(test)).filter(Boolean);
    const paired = runs.filter((run) => run.ours.has(test) && run.theirs?.has(test));
    const theirs = paired.map((run) => run.theirs.get(test));
    rows.push({
      test, pipeline: config.pipeline, size: config.size, runs: ours.length,
      tsredis: { rps: stat(ours, 'rps'), p50: stat(ours, 'p50'), p99: stat(ours, 'p99') },
      redis: theirs.length ? { rps: stat(theirs, 'rps'), p50: stat(theirs, 'p50'), p99: stat(theirs, 'p99') } : null,
      ratio: paired.length ? median(paired.map((run) => run.ours.get(test).rps / run.theirs.get(test).rps)) : null,
    });
  }
  return rows;
}

const pad = (text, width) => String(text).padEnd(width);
const fmt = (n) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const ms = (n) => (n === undefined ? '-' : n.toFixed(3));

async function main() {
  if (!installed('redis-benchmark')) {
    console.error('redis-benchmark is not installed (apt-get install redis-tools)');
    return 2;
  }
  const withRedis = installed('redis-server');
  if (!withRedis) console.warn('!!! redis-server is not installed: benchmarking tsredis alone, no ratios !!!');
  const servers = [];
  try {
    servers.push(await start('tsredis', process.execPath, (port, dir) => [SERVER_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--loglevel', 'warning']));
    if (withRedis) {
      servers.push(await start('redis', 'redis-server', (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning']));
    }
    for (const config of CONFIGS) {
      for (const server of servers) benchmark(server.port, { ...config, requests: config.requests * WARMUP_SHARE });
    }
    process.stderr.write('  done warm-up\n');
    const rows = [];
    const began = Date.now();
    for (const config of CONFIGS) {
      const runs = [];
      for (let run = 0; run < REPEAT; run++) {
        const order = run % 2 === 0 ? servers : [...servers].reverse();
        const byServer = new Map(order.map((server) => [server.name, benchmark(server.port, config)]));
        runs.push({ ours: byServer.get('tsredis'), theirs: byServer.get('redis') });
      }
      rows.push(...medianRows(config, runs));
      process.stderr.write(`  done ${config.label ?? config.tests} -P ${config.pipeline} -d ${config.size} (${REPEAT} runs)\n`);
    }
    report(rows, Math.round((Date.now() - began) / 1000), bgsaveLatency(), replicationLag(), clusterThroughput());
    return 0;
  } finally {
    for (const server of servers) await server.stop();
  }
}

/** Runs one of the side benchmarks in scripts/ and returns the summary lines it printed. */
function sideBenchmark(script, args, summary, label) {
  const result = spawnSync(process.execPath, [join(root, 'scripts', script), ...args], { encoding: 'utf8', timeout: 600_000 });
  process.stderr.write(`  done ${label}\n`);
  return result.stdout.split('\n').filter((line) => summary.test(line));
}

/**
 * Issue 5's latency probe: PINGs every millisecond while tsredis saves 1,000,000 keys with
 * redis-benchmark loading it (scripts/bgsave-latency.mjs).
 */
function bgsaveLatency() {
  const keys = String(Math.max(10_000, Math.round(1_000_000 * SCALE)));
  return sideBenchmark('bgsave-latency.mjs', ['--keys', keys, '--benchmark'], /BGSAVE of|probes/, `BGSAVE latency probe (${keys} keys)`);
}

/**
 * Issue 7's replication lag: a replica attached to tsredis (and to real Redis, for comparison)
 * while redis-benchmark SET -P 16 loads the master (scripts/replication-lag.mjs).
 */
function replicationLag() {
  const requests = String(Math.max(20_000, Math.round(1_000_000 * SCALE)));
  return sideBenchmark('replication-lag.mjs', ['--requests', requests], /^replication lag/, `replication lag (${requests} SET requests)`);
}

/**
 * Issue 8's cluster figure: redis-benchmark --cluster -t set,get against six tsredis nodes and six
 * real Redis nodes (scripts/cluster-bench.mjs).
 */
function clusterThroughput() {
  const requests = String(Math.max(20_000, Math.round(500_000 * SCALE)));
  return sideBenchmark('cluster-bench.mjs', ['--requests', requests], /^cluster /, `cluster benchmark (${requests} requests per test)`);
}

function report(rows, seconds, latencyLines, lagLines, clusterLines) {
  const header = ['test', 'P', 'size', 'tsredis ops/s', 'redis ops/s', 'ratio', 'tsredis p50/p99 ms', 'redis p50/p99 ms'];
  const table = rows.map((r) => [
    r.test, r.pipeline, r.size, fmt(r.tsredis.rps), fmt(r.redis?.rps), r.ratio === null ? '-' : r.ratio.toFixed(2),
    `${ms(r.tsredis.p50)}/${ms(r.tsredis.p99)}`, r.redis ? `${ms(r.redis.p50)}/${ms(r.redis.p99)}` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
  console.log(header.map((h, i) => pad(h, widths[i])).join('  '));
  for (const row of table) console.log(row.map((cell, i) => pad(cell, widths[i])).join('  '));
  const ratios = rows.filter((r) => r.ratio !== null).map((r) => r.ratio);
  const geomean = ratios.length ? Math.exp(ratios.reduce((s, x) => s + Math.log(x), 0) / ratios.length) : null;
  if (geomean !== null) console.log(`\ngeometric mean ratio tsredis/redis: ${geomean.toFixed(2)} (${seconds} s, ${CLIENTS} clients, medians of ${REPEAT} runs)`);
  console.log(`\nBGSAVE latency probe:\n${latencyLines.join('\n')}`);
  console.log(`\nReplication lag (master offset - replica offset):\n${lagLines.join('\n')}`);
  console.log(`\nCluster of 6 nodes (redis-benchmark --cluster):\n${clusterLines.join('\n')}`);

  const outDir = join(root, 'bench');
  mkdirSync(outDir, { recursive: true });
  const meta = {
    date: new Date().toISOString(), clients: CLIENTS, scale: SCALE, repeat: REPEAT, node: process.version, seconds, geomeanRatio: geomean,
    bgsaveLatency: latencyLines, replicationLag: lagLines, cluster: clusterLines,
  };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  const md = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...table.map((row) => `| ${row.join(' | ')} |`),
    '',
    `redis-benchmark -c ${CLIENTS}, medians of ${REPEAT} alternating runs after a warm-up, ${meta.date.slice(0, 10)}, Node ${process.version}` +
      (geomean === null ? '' : `; geometric mean ratio ${geomean.toFixed(2)}`),
    '',
    'PING latency while tsredis runs a BGSAVE of 1,000,000 keys with redis-benchmark loading it:',
    '',
    ...latencyLines.map((line) => `    ${line}`),
    '',
    'Replication lag (master offset - replica offset, sampled every 50 ms) under redis-benchmark SET -P 16:',
    '',
    ...lagLines.map((line) => `    ${line}`),
    '',
    'Six-node cluster (3 masters, 3 replicas), redis-benchmark --cluster -t set,get -c 50:',
    '',
    ...clusterLines.map((line) => `    ${line}`),
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'results.md'), md);
  console.log('wrote bench/results.json and bench/results.md');
}

process.exitCode = await main();
