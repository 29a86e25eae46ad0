#!/usr/bin/env node
// Issue 3, criterion 4: time per ZADD / ZREM / ZRANK on sorted sets of 10^4, 10^5 and 10^6
// members, measured on the SortedSet type itself (no network), and the growth from 10^4 to 10^6.
//
// How to read it: an O(log n) structure does 1.5x the comparisons at 10^6 (log(10^6)/log(10^4)),
// an O(n) one 100x. Wall time also grows because 10^4 members fit in the CPU caches and 10^6 do
// not, whatever the structure: the ZSCORE row (one hash lookup, O(1)) shows that floor, since
// ZADD/ZREM/ZRANK each start with the same lookup of the member.
//
// Usage: node scripts/zset-scaling.mjs [path/to/zset.js] (default: the build, after `npx tsc -b`).
// Prints ns/op (best of ROUNDS); asserts nothing (timings belong to reports, not tests).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modulePath = process.argv[2] ? resolve(process.argv[2]) : join(root, 'packages/node/dist/types/zset.js');
const { SortedSet } = await import(pathToFileURL(modulePath).href);

const SIZES = [10_000, 100_000, 1_000_000];
const OPS = 100_000;
const ROUNDS = 3;
/** New members added then removed per batch, so the set keeps its size while ZADD/ZREM run. */
const BATCH = 1_000;

/** A set of n members m0..m(n-1) with pseudo-random scores. */
function build(n) {
  const zset = new SortedSet('skiplist');
  for (let i = 0; i < n; i++) zset.set(`m${i}`, (i * 2654435761) % 1000003);
  return zset;
}

/** OPS existing members in a scattered order, built fresh so no hash is cached in them. */
function probes(n) {
  return Array.from({ length: OPS }, (_, i) => `m${(i * 7919) % n}`);
}

function timed(run) {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start);
}

function round(zset, n, tag) {
  const members = probes(n);
  const zscore = timed(() => {
    for (let i = 0; i < OPS; i++) zset.score(members[i]);
  });
  const again = probes(n);
  const zrank = timed(() => {
    for (let i = 0; i < OPS; i++) zset.rank(again[i], false);
  });
  const added = Array.from({ length: OPS }, (_, i) => `${tag}n${i}`);
  let zadd = 0;
  let zrem = 0;
  for (let from = 0; from < OPS; from += BATCH) {
    zadd += timed(() => {
      for (let i = from; i < from + BATCH; i++) zset.set(added[i], (i * 40503) % 1000003);
    });
    zrem += timed(() => {
      for (let i = from; i < from + BATCH; i++) zset.delete(added[i]);
    });
  }
  return { zadd: zadd / OPS, zrem: zrem / OPS, zrank: zrank / OPS, zscore: zscore / OPS };
}

function measure(n) {
  const zset = build(n);
  round(zset, n, 'warm'); // optimized code and a settled heap before timing
  let best = null;
  for (let r = 0; r < ROUNDS; r++) {
    const result = round(zset, n, `r${r}`);
    best = best === null ? result : Object.fromEntries(Object.entries(best).map(([op, ns]) => [op, Math.min(ns, result[op])]));
  }
  if (zset.size !== n) throw new Error(`set size drifted to ${zset.size}`);
  return best;
}

const results = SIZES.map(measure);
const label = (n) => `10^${Math.log10(n)}`;
console.log(`ns/op on ${modulePath}`);
console.log(['op'.padEnd(8), ...SIZES.map((n) => label(n).padStart(8)), '10^6/10^4'.padStart(10)].join(' '));
for (const op of ['zadd', 'zrem', 'zrank', 'zscore']) {
  const cells = results.map((r) => r[op].toFixed(0).padStart(8));
  const ratio = `${(results.at(-1)[op] / results[0][op]).toFixed(2)}x`.padStart(10);
  console.log([op.padEnd(8), ...cells, ratio].join(' '));
}
