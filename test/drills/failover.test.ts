import { describe, expect, it } from 'vitest';
import { drillServers, metric, runDrill, TEST_NODE_TIMEOUT } from './drill.js';

const servers = drillServers('test/drills/failover.test.ts');

describe('tsredis drill failover (kill -9 a master)', () => {
  it.each(servers)('on %s: the replica takes over, no WAIT 1-confirmed write is lost, the old master rejoins as a replica', async (server) => {
    const { report } = await runDrill(['failover', '--server-bin', server, '--node-timeout', String(TEST_NODE_TIMEOUT)]);
    console.log(JSON.stringify(report.runs[0]?.metrics.map(({ key, value }) => [key, value])));
    expect(report.runs[0]?.failures).toEqual([]);
    expect(report.passed).toBe(true);
    expect(metric(report, 'lostReplicated')).toBe(0);
    expect(metric(report, 'writesReplicated')).toBeGreaterThan(0);
    expect(metric(report, 'detectionMs')).toBeTypeOf('number');
    expect(metric(report, 'electionMs')).toBeTypeOf('number');
    expect(metric(report, 'firstWriteMs')).toBeTypeOf('number');
    expect(metric(report, 'oldMaster')).toBe('replica');
    expect(metric(report, 'clusterOkAfter')).toBe('yes');
  }, 150_000);
});
