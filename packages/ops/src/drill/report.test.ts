import { describe, expect, it } from 'vitest';
import { buildReport, formatReport, medianOf, type DrillRunResult } from './report.js';
import { errorKind } from './writer.js';

const run = (firstWriteMs: number | null, lost: number, passed = true): DrillRunResult => ({
  passed,
  failures: passed ? [] : ['something broke'],
  metrics: [
    { key: 'firstWriteMs', label: 'first write, ms', value: firstWriteMs },
    { key: 'lostReplicated', label: 'lost', value: lost },
    { key: 'oldMaster', label: 'old master', value: 'replica' },
  ],
  details: {},
});

describe('drill reports', () => {
  it('take the median of each numeric metric over the runs, skipping runs that did not measure it', () => {
    expect(medianOf([5, 1, 3])).toBe(3);
    expect(medianOf([4, 1, 3, 2])).toBe(2.5);
    expect(medianOf([])).toBeNull();
    const report = buildReport({ drill: 'failover', server: 'x', nodeTimeoutMs: 1, method: 'kill -9' }, [run(900, 0), run(null, 0), run(700, 0)]);
    expect(report.median).toEqual({ firstWriteMs: 800, lostReplicated: 0 });
    expect(report.passed).toBe(true);
  });

  it('fail when any run failed, and print why under the table', () => {
    const report = buildReport({ drill: 'failover', server: 'x', nodeTimeoutMs: 1, method: 'kill -9' }, [run(1, 0), run(2, 1, false)]);
    expect(report.passed).toBe(false);
    const text = formatReport(report);
    expect(text).toMatch(/metric\s+run 1\s+run 2\s+median/);
    expect(text).toMatch(/first write, ms\s+1\s+2\s+1.5/);
    expect(text).toContain('FAIL\n  run 2: something broke');
  });

  it('classify client errors as a client would branch on them', () => {
    expect(errorKind('MOVED 3999 127.0.0.1:7001')).toBe('MOVED');
    expect(errorKind('CLUSTERDOWN The cluster is down')).toBe('CLUSTERDOWN');
    expect(errorKind('Command timed out')).toBe('timeout');
    expect(errorKind('connect ECONNREFUSED 127.0.0.1:7000')).toBe('connection');
    expect(errorKind('Reached the max retries per request limit (which is 0).')).toBe('connection');
  });
});
