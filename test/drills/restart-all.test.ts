import { describe, expect, it } from 'vitest';
import { drillServers, metric, runDrill, TEST_NODE_TIMEOUT } from './drill.js';

const servers = drillServers('test/drills/restart-all.test.ts');

describe('tsredis drill restart-all (every node back on a new address)', () => {
  it.each(servers)('on %s: the cluster returns to ok with every key', async (server) => {
    const { report } = await runDrill(['restart-all', '--server-bin', server, '--node-timeout', String(TEST_NODE_TIMEOUT)]);
    console.log(JSON.stringify(report.runs[0]?.metrics.map(({ key, value }) => [key, value])));
    expect(report.runs[0]?.failures).toEqual([]);
    expect(metric(report, 'keysWritten')).toBe(3000);
    expect(metric(report, 'keysMissing')).toBe(0);
    expect(metric(report, 'okMs')).toBeTypeOf('number');
  }, 150_000);
});
