import { describe, expect, it } from 'vitest';
import { netnsAvailable } from '../../packages/ops/src/drill/netns.js';
import { drillServers, metric, runDrill, TEST_NODE_TIMEOUT } from './drill.js';

const servers = drillServers('test/drills/partition.test.ts');
const netns = netnsAvailable();
if (!netns.ok) console.warn(`test/drills/partition.test.ts: ${netns.reason} — the network-namespace partition drills are SKIPPED`);

describe('tsredis drill partition', () => {
  it.each(servers)('on %s with SIGSTOP: the majority fails over, the old master comes back as a replica, no WAIT 1 write lost', async (server) => {
    const { report } = await runDrill(['partition', '--server-bin', server, '--node-timeout', String(TEST_NODE_TIMEOUT)]);
    console.log(JSON.stringify(report.runs[0]?.metrics.map(({ key, value }) => [key, value])));
    expect(report.runs[0]?.failures).toEqual([]);
    expect(metric(report, 'electionMs')).toBeTypeOf('number');
    expect(metric(report, 'lostReplicated')).toBe(0);
    // A stopped process acknowledges nothing: SIGSTOP cannot lose writes the way a partition does.
    expect(metric(report, 'ackedByOldMasterAfterFault')).toBe(0);
    expect(metric(report, 'oldMaster')).toBe('replica');
  }, 150_000);

});

describe.skipIf(!netns.ok)('tsredis drill partition --netns', () => {
  it.each(servers)(
    'on %s in network namespaces: the isolated master acknowledges writes that are lost, WAIT 1 writes are not',
    async (server) => {
      const { report } = await runDrill(['partition', '--netns', '--server-bin', server, '--node-timeout', String(TEST_NODE_TIMEOUT)]);
      console.log(JSON.stringify(report.runs[0]?.metrics.map(({ key, value }) => [key, value])));
      expect(report.runs[0]?.failures).toEqual([]);
      expect(metric(report, 'electionMs')).toBeTypeOf('number');
      // The client on the isolated master's side was told OK after the cut…
      expect(metric(report, 'ackedByOldMasterAfterFault')).toBeGreaterThan(0);
      // …and those writes died with the minority (Redis's model), but none WAIT 1 had confirmed.
      expect(metric(report, 'lostPlain')).toBeGreaterThan(0);
      expect(metric(report, 'lostReplicated')).toBe(0);
      expect(metric(report, 'oldMaster')).toBe('replica');
    },
    150_000,
  );
});
