#!/usr/bin/env node
// Runs the kill -9 failover drill of test/sentinel/failover.test.ts (three tsredis Sentinels,
// quorum 2, down-after 2000, over a tsredis master and two replicas) N times (default 5) and
// prints each time — kill to "every Sentinel names the same new master and it takes writes" —
// and the median.
//
//   node scripts/sentinel-failover-times.mjs [runs=5]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'sentinel-times-'));
const file = join(dir, 'times');
try {
  for (let i = 1; i <= runs; i++) {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/sentinel/failover.test.ts', '-t', 'every Sentinel names the same new master'],
      { cwd: root, env: { ...process.env, SENTINEL_TIMES_FILE: file }, stdio: 'ignore' },
    );
    const times = readFileSync(file, 'utf8').trim().split('\n').map(Number);
    console.log(`run ${i}: ${times.at(-1)} ms`);
  }
  const times = readFileSync(file, 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b);
  console.log(`median of ${times.length} runs: ${times[Math.floor(times.length / 2)]} ms (down-after 2000 ms; all: ${times.join(', ')})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
