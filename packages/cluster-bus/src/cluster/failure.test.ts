import { describe, expect, it } from 'vitest';
import { dataTooOld, electionDelay, failureAgreed, pruneFailureReports, quorum, rejoinDelay, replicaRank } from './failure.js';

describe('failure detection math', () => {
  it('needs a majority of the masters serving slots', () => {
    expect(quorum(1)).toBe(1);
    expect(quorum(3)).toBe(2);
    expect(quorum(4)).toBe(3);
    expect(quorum(5)).toBe(3);
    // A master counts its own opinion; a replica does not.
    expect(failureAgreed(1, true, 3)).toBe(true);
    expect(failureAgreed(1, false, 3)).toBe(false);
    expect(failureAgreed(2, false, 3)).toBe(true);
    expect(failureAgreed(1, true, 4)).toBe(false);
  });

  it('forgets failure reports older than node-timeout × 2', () => {
    const reports = new Map([['a', 1000], ['b', 5000], ['c', 9000]]);
    expect(pruneFailureReports(reports, 10_000, 3000)).toBe(2);
    expect([...reports.keys()]).toEqual(['b', 'c']);
  });

  it('clamps the rejoin delay to [500, 5000] ms', () => {
    expect(rejoinDelay(100)).toBe(500);
    expect(rejoinDelay(2000)).toBe(2000);
    expect(rejoinDelay(15_000)).toBe(5000);
  });
});

describe('election', () => {
  it('ranks a replica by the siblings that processed more of the stream', () => {
    const siblings = [
      { offset: 100, noFailover: false },
      { offset: 300, noFailover: false },
      { offset: 500, noFailover: true },
    ];
    expect(replicaRank(400, siblings)).toBe(0);
    expect(replicaRank(200, siblings)).toBe(1);
    expect(replicaRank(50, siblings)).toBe(2);
  });

  it('delays by 500 ms + jitter + 1 s per rank', () => {
    expect(electionDelay(0, 0)).toBe(500);
    expect(electionDelay(0, 499)).toBe(999);
    expect(electionDelay(2, 100)).toBe(2600);
  });

  it('refuses replicas whose data is too old unless the factor is 0', () => {
    // node-timeout 2000, ping period 10 s, factor 10: allowed age 10 000 + 20 000 ms after node-timeout.
    expect(dataTooOld(2000 + 30_000, 2000, 10, 10)).toBe(false);
    expect(dataTooOld(2000 + 30_001, 2000, 10, 10)).toBe(true);
    expect(dataTooOld(10_000_000, 2000, 10, 0)).toBe(false);
  });
});
