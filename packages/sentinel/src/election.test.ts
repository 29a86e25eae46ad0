import { describe, expect, it } from 'vitest';
import { compareForPromotion, countVotes, electedLeader, mostVoted, selectReplica } from './election.js';
import { formatHello, parseHello } from './hello.js';
import { parseInfo } from './info-reply.js';
import { Flag } from './instance.js';
import { SentinelState } from './state.js';

describe('hello message', () => {
  it('has the eight fields of Redis in order and parses back', () => {
    const hello = {
      ip: '127.0.0.1', port: 26379, runId: 'f'.repeat(40), currentEpoch: 4,
      masterName: 'mymaster', masterIp: '127.0.0.1', masterPort: 6380, masterConfigEpoch: 3,
    };
    const text = formatHello(hello);
    expect(text).toBe(`127.0.0.1,26379,${'f'.repeat(40)},4,mymaster,127.0.0.1,6380,3`);
    expect(parseHello(text)).toEqual(hello);
    expect(parseHello('1,2,3')).toBeNull();
  });
});

describe('leader election', () => {
  it('needs an absolute majority of all voters and the quorum', () => {
    // 5 voters, quorum 2: 3 votes win, 2 do not (no majority).
    expect(electedLeader(countVotes(['a', 'a']), 'a', 5, 2)).toBe('a');
    expect(electedLeader(countVotes(['a']), 'a', 5, 2)).toBeNull();
    // 3 voters, quorum 3: a majority of 2 is not enough.
    expect(electedLeader(countVotes(['a']), 'a', 3, 3)).toBeNull();
    expect(electedLeader(countVotes(['a', 'a']), 'a', 3, 3)).toBe('a');
    // Our vote goes to whom we voted for, even against the others' favourite.
    expect(electedLeader(countVotes(['b']), 'a', 3, 2)).toBeNull();
    expect(electedLeader(new Map(), null, 1, 1)).toBeNull();
  });

  it('prefers the most voted candidate, the first seen on a tie', () => {
    expect(mostVoted(countVotes(['x', 'y', 'y']))).toBe('y');
    expect(mostVoted(countVotes(['x', 'y']))).toBe('x');
    expect(mostVoted(new Map())).toBeNull();
  });
});

describe('replica selection', () => {
  function setup() {
    const state = new SentinelState();
    const now = 100_000;
    const master = state.addMaster('m', '127.0.0.1', 6379, 2, now);
    master.downAfterPeriod = 1000;
    const make = (port: number, priority: number, offset: number, runId: string | null) => {
      const replica = state.addReplica(master, '127.0.0.1', port, now);
      replica.slavePriority = priority;
      replica.slaveReplOffset = offset;
      replica.runId = runId;
      replica.link.disconnected = false;
      replica.link.lastAvailTime = now;
      replica.infoRefresh = now;
      return replica;
    };
    return { state, master, make, now };
  }

  it('orders by priority, then offset, then run id', () => {
    const { make } = setup();
    const a = make(1, 100, 10, 'b');
    const b = make(2, 10, 5, 'z');
    const c = make(3, 100, 20, 'c');
    const d = make(4, 100, 20, 'A');
    const e = make(5, 100, 20, null);
    expect([a, b, c, d, e].sort(compareForPromotion).map((r) => r.port)).toEqual([2, 4, 3, 5, 1]);
  });

  it('skips zero priority, down, disconnected, silent and stale replicas', () => {
    const { state, master, make, now } = setup();
    make(1, 0, 100, 'a');
    make(2, 100, 90, 'b').flags |= Flag.sDown;
    make(3, 100, 80, 'c').link.disconnected = true;
    make(4, 100, 70, 'd').link.lastAvailTime = now - 6000;
    make(5, 100, 60, 'e').infoRefresh = now - 40_000;
    const linkDown = make(6, 100, 50, 'f');
    linkDown.masterLinkDownTime = 20_000;
    expect(selectReplica(master, now, state.periods)).toBeNull();
    const good = make(7, 100, 1, 'g');
    expect(selectReplica(master, now, state.periods)).toBe(good);
  });
});

describe('INFO parsing', () => {
  it('reads replicas (both formats), role and replica fields', () => {
    const master = parseInfo(
      '# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=127.0.0.1,port=6381,state=online,offset=1,lag=0\r\n' +
        `slave1:127.0.0.2,6382,online\r\nrun_id:${'1'.repeat(40)}\r\n`,
    );
    expect(master.role).toBe('master');
    expect(master.replicas).toEqual([{ ip: '127.0.0.1', port: 6381 }, { ip: '127.0.0.2', port: 6382 }]);
    expect(master.runId).toBe('1'.repeat(40));
    const replica = parseInfo(
      'role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6380\r\nmaster_link_status:down\r\n' +
        'master_link_down_since_seconds:3\r\nslave_repl_offset:42\r\nslave_priority:7\r\nreplica_announced:0\r\n',
    );
    expect(replica).toMatchObject({
      role: 'slave', masterHost: '127.0.0.1', masterPort: 6380, masterLinkUp: false, masterLinkDownTime: 3000,
      replOffset: 42, priority: 7, replicaAnnounced: 0,
    });
  });
});
