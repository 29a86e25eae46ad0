#!/usr/bin/env node
/**
 * Cluster throughput (issue 8, done-when #6): `redis-benchmark --cluster -t set,get` against a
 * six-node tsredis cluster (3 masters, 3 replicas) and, when redis-server is installed, against
 * the same topology of real Redis, one after the other on the same machine. Prints one line per
 * server and test, then the ratios.
 *
 *   node scripts/cluster-bench.mjs [--requests 200000] [--pipeline 1]
 */
import { spawnSync } from 'node:child_process';
import { freeClusterPorts } from '../packages/ops/dist/ports.js';
import { LocalTopology } from '../packages/ops/dist/topology.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const requests = option('--requests', 200_000);
const pipeline = option('--pipeline', 1);
const CLIENTS = 50;
/** Long enough that a busy machine's stalls never look like a failure during the run. */
const NODE_TIMEOUT_MS = 15_000;

function installed(command) {
  return spawnSync(command, ['--version']).status === 0;
}

/** Requests per second by test name ('SET', 'GET') from `redis-benchmark --csv`. */
function benchmark(port) {
  const result = spawnSync(
    'redis-benchmark',
    ['--cluster', '-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-n', String(requests), '-c', String(CLIENTS), '-P', String(pipeline), '--csv'],
    { encoding: 'utf8', timeout: 600_000 },
  );
  const rates = new Map();
  for (const line of result.stdout.split('\n')) {
    const cells = line.split(',').map((cell) => cell.replace(/"/g, ''));
    if (cells.length > 1 && !Number.isNaN(Number(cells[1]))) rates.set(cells[0], Number(cells[1]));
  }
  if (rates.size === 0) throw new Error(`redis-benchmark --cluster gave no figures:\n${result.stdout}\n${result.stderr}`);
  return rates;
}

async function measure(serverBin) {
  const ports = await freeClusterPorts(6);
  const endpoints = ports.map((port) => ({ host: '127.0.0.1', port }));
  const { topology } = await LocalTopology.start({ serverBin, endpoints, replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
  try {
    benchmark(ports[0]); // warm-up: JIT, slot caches, connections
    return benchmark(ports[0]);
  } finally {
    await topology.stop();
  }
}

if (!installed('redis-benchmark')) {
  console.error('redis-benchmark is not installed (apt-get install redis-tools)');
  process.exit(2);
}
const results = new Map([['tsredis', await measure('tsredis')]]);
if (installed('redis-server')) results.set('redis', await measure('redis-server'));
else console.warn('!!! redis-server is not installed: no ratios !!!');
for (const [server, rates] of results) {
  for (const [test, rps] of rates) console.log(`cluster ${server} ${test}: ${Math.round(rps).toLocaleString('en-US')} ops/s`);
}
const ours = results.get('tsredis');
const theirs = results.get('redis');
if (theirs !== undefined) {
  for (const [test, rps] of ours) {
    const real = theirs.get(test);
    if (real !== undefined) console.log(`cluster ratio ${test}: ${(rps / real).toFixed(2)} (6 nodes, -c ${CLIENTS} -P ${pipeline}, ${requests} requests)`);
  }
}
