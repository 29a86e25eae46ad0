import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { hasRealRedis, startRealRedis, startTsredis, type RunningServer } from '../helpers/servers.js';
import { ALL_FAMILIES, type Family } from './generator.js';
import { formatReport, runDifferential, type RunResult } from './runner.js';

/**
 * The differential tester in `npm test`: fixed seeds, bounded counts (fast). Any other seed or
 * length: `npm run diff -- --seed N --count 10000` (see test/differential/README.md).
 */
const RUNS: Array<{ resp: 2 | 3; seed: number; count: number; families: readonly Family[] }> = [
  { resp: 2, seed: 1, count: 3000, families: ALL_FAMILIES },
  { resp: 3, seed: 2, count: 1000, families: ALL_FAMILIES },
  // Blocking episodes are rare in the mixed stream (they need extra connections): a few hundred.
  { resp: 2, seed: 3, count: 400, families: ['blocking'] },
  { resp: 3, seed: 4, count: 400, families: ['blocking'] },
];

const realRedis = hasRealRedis();
if (!realRedis) console.warn('\n!!! SKIPPED: differential tests need redis-server (apt-get install redis-server) !!!\n');

describe.skipIf(!realRedis)('differential: tsredis vs redis-server 7.0, raw reply bytes', () => {
  const servers: RunningServer[] = [];
  const results = new Map<(typeof RUNS)[number], RunResult>();

  beforeAll(async () => {
    const reference = await startRealRedis();
    servers.push(reference);
    const subject = await startTsredis();
    servers.push(subject);
    for (const run of RUNS) {
      const result = await runDifferential({ ...run, referencePort: reference.port, subjectPort: subject.port });
      results.set(run, result);
      if (result.differences.length > 0) console.log(formatReport(result, 5));
    }
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  for (const run of RUNS) {
    const { resp, seed, count, families } = run;
    it(`RESP${resp} seed ${seed}: ${count} commands run to the end (no server hung or closed the connection)`, () => {
      const result = results.get(run)!;
      expect(result.aborted, formatReport(result)).toBeNull();
    });

    for (const family of [...families, 'setup'] as Array<Family | 'setup'>) {
      it(`RESP${resp} seed ${seed}: ${family} replies are byte-identical`, () => {
        const result = results.get(run)!;
        const differing = result.differences.filter((d) => d.family === family);
        const report = formatReport({ ...result, differences: differing }, 8);
        expect(differing.length, report).toBe(0);
      });
    }
  }
});
