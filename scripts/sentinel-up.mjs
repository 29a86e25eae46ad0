#!/usr/bin/env node
// `npm run sentinel`: a tsredis master (6380), two replicas (6381, 6382) and three tsredis
// Sentinels (26379-26381, quorum 2) on 127.0.0.1, as plain processes. Files live in
// $TMPDIR/tsredis-sentinel-up (rewritten Sentinel configs, logs); each run starts afresh.
// Ctrl-C (or SIGTERM) stops every process by its PID and waits for them to exit.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = join(root, 'packages', 'node', 'dist', 'cli.js');
const SENTINEL = join(root, 'packages', 'sentinel', 'dist', 'cli.js');
const dir = join(tmpdir(), 'tsredis-sentinel-up');
const MASTER = 6380;
const REPLICAS = [6381, 6382];
const SENTINELS = [26379, 26380, 26381];

const startedAt = Date.now();
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const children = [];
function start(name, args) {
  const log = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${signal ?? code}); see ${join(dir, `${name}.log`)}`);
  });
  children.push({ name, child });
}

function waitForPort(port, deadline = Date.now() + 15_000) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

async function waitForReplicas(deadline = Date.now() + 15_000) {
  const master = new Redis({ port: MASTER, host: '127.0.0.1', enableReadyCheck: false });
  try {
    while ((await master.info('replication')).match(/state=online/g)?.length !== REPLICAS.length) {
      if (Date.now() > deadline) throw new Error('the replicas did not sync with the master');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    master.disconnect();
  }
}

let stopping = false;
async function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping ${children.length} processes…`);
  await Promise.all(
    children.map(({ child }) => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
    })),
  );
  console.log('all stopped');
  process.exit(0);
}
process.on('SIGINT', () => void stopAll('SIGINT'));
process.on('SIGTERM', () => void stopAll('SIGTERM'));

const dataArgs = (port) => [SERVER, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`,
  '--save', '', '--repl-diskless-sync-delay', '0'];
try {
  start(`node-${MASTER}`, dataArgs(MASTER));
  for (const port of REPLICAS) start(`node-${port}`, [...dataArgs(port), '--replicaof', '127.0.0.1', String(MASTER)]);
  await Promise.all([MASTER, ...REPLICAS].map((port) => waitForPort(port)));
  // Sentinels started once the replicas are in sync find them in the master's first INFO.
  await waitForReplicas();
  for (const port of SENTINELS) {
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(file, [
      `port ${port}`,
      'bind 127.0.0.1',
      `sentinel monitor mymaster 127.0.0.1 ${MASTER} 2`,
      'sentinel down-after-milliseconds mymaster 5000',
      'sentinel failover-timeout mymaster 60000',
      '',
    ].join('\n'));
    start(`sentinel-${port}`, [SENTINEL, file]);
  }
  await Promise.all(SENTINELS.map((port) => waitForPort(port)));
} catch (error) {
  console.error(error.message);
  await stopAll('startup failure');
}
console.log(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
console.log(`master 127.0.0.1:${MASTER}, replicas ${REPLICAS.map((p) => `127.0.0.1:${p}`).join(', ')}`);
console.log(`sentinels ${SENTINELS.map((p) => `127.0.0.1:${p}`).join(', ')} (master name "mymaster", quorum 2)`);
console.log(`try: redis-cli -p ${SENTINELS[0]} SENTINEL GET-MASTER-ADDR-BY-NAME mymaster   — logs and configs in ${dir}`);
console.log('Ctrl-C stops everything.');
