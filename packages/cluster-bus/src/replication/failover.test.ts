import { describe, expect, it } from 'vitest';
import { Failover, FailoverState, type FailoverContext, type FailoverRequest } from './failover.js';
import { ReplicaState, type Replica, type Replicas } from './replicas.js';
import type { ReplicationHistory } from './history.js';

/** A node with replicas at given ack offsets, recording what the failover makes it do. */
function node(acks: number[], offset = 100) {
  const calls: string[] = [];
  const list = acks.map((ackOffset, i) => ({ ip: '127.0.0.1', announced: { port: 7001 + i }, state: ReplicaState.Online, ackOffset }) as unknown as Replica);
  const replicas = { list, quiet: false } as unknown as Replicas;
  const context: FailoverContext & { isReplica: boolean } = {
    history: { offset } as ReplicationHistory,
    replicas,
    isReplica: false,
    log: { info: () => undefined, warn: () => undefined },
    replicaOf: (host, port) => (calls.push(`replicaof ${host}:${port}`), true),
    promote: () => void calls.push('promote'),
  };
  const failover = new Failover(context);
  failover.onEnd = () => void calls.push('end');
  return { failover, calls, replicas, list, context };
}

const any: FailoverRequest = { host: null, port: 0, timeoutMs: 0, force: false };

describe('Failover', () => {
  it('waits for a replica at the master offset, then becomes its replica', () => {
    const { failover, calls, replicas, list } = node([90, 95]);
    expect(failover.start(any, 0)).toBeNull();
    expect(failover.stateName).toBe('waiting-for-sync');
    expect(replicas.quiet).toBe(true);
    failover.check(10);
    expect(calls).toEqual([]);
    list[1]!.ackOffset = 100;
    failover.check(20);
    expect(calls).toEqual(['replicaof 127.0.0.1:7002']);
    expect(failover.stateName).toBe('failover-in-progress');
    failover.psyncAnswered(true);
    expect(calls).toEqual(['replicaof 127.0.0.1:7002', 'end']);
    expect(failover.state).toBe(FailoverState.None);
    expect(replicas.quiet).toBe(false);
  });

  it('aborts at the timeout, or fails over anyway with FORCE', () => {
    const plain = node([90]);
    expect(plain.failover.start({ ...any, timeoutMs: 50 }, 1000)).toBeNull();
    plain.failover.check(1049);
    expect(plain.failover.active).toBe(true);
    plain.failover.check(1050);
    expect(plain.calls).toEqual(['end']);
    const forced = node([90]);
    expect(forced.failover.start({ host: '127.0.0.1', port: 7001, timeoutMs: 50, force: true }, 1000)).toBeNull();
    forced.failover.check(1050);
    expect(forced.calls).toEqual(['replicaof 127.0.0.1:7001']);
    // The target refused PSYNC FAILOVER: a master again.
    forced.failover.psyncAnswered(false);
    expect(forced.calls).toEqual(['replicaof 127.0.0.1:7001', 'promote', 'end']);
  });

  it('refuses as Redis does', () => {
    const { failover, context, list } = node([90]);
    expect(failover.start({ ...any, force: true, timeoutMs: 10 }, 0)).toBe('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    expect(failover.start({ ...any, host: '127.0.0.1', port: 1 }, 0)).toBe('ERR FAILOVER target HOST and PORT is not a replica.');
    (list[0] as { state: ReplicaState }).state = ReplicaState.WaitBgsaveEnd;
    expect(failover.start({ ...any, host: '127.0.0.1', port: 7001 }, 0)).toBe('ERR FAILOVER target replica is not online.');
    context.isReplica = true;
    expect(failover.start(any, 0)).toBe('ERR FAILOVER is not valid when server is a replica.');
    expect(node([]).failover.start(any, 0)).toBe('ERR FAILOVER requires connected replicas.');
    const started = node([90]);
    started.failover.start(any, 0);
    expect(started.failover.start(any, 0)).toBe('ERR FAILOVER already in progress.');
  });
});
