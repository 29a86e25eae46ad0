/**
 * A partitioned master: paused with SIGSTOP for longer than down-after-milliseconds, it is
 * failed over; resumed (SIGCONT), it is turned into a replica and only one master takes writes.
 * Then, on the same group: SENTINEL FAILOVER (no agreement needed) and a Sentinel paused past
 * the TILT trigger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topology } from './topology.js';

describe('tsredis sentinel: master paused (SIGSTOP) past down-after', () => {
  let topology: Topology;

  beforeAll(async () => {
    topology = await Topology.start({ downAfter: 1500 });
  }, 60_000);
  afterAll(async () => {
    await topology?.stop();
  });

  it('fails over, then the resumed master becomes a replica: no split brain', async () => {
    const old = topology.master;
    old.pause();
    let newMaster: number;
    try {
      newMaster = await topology.waitForNewMaster(old.port);
    } finally {
      old.resume();
    }
    await topology.waitFor('the resumed master to be turned into a replica', async () => {
      const info = String(await topology.call(old.port, 'INFO', 'replication'));
      return info.includes('role:slave') && info.includes(`master_port:${newMaster}`);
    }, 30_000);
    const writable: number[] = [];
    for (const node of topology.nodes) if (await topology.acceptsWrite(node.port)) writable.push(node.port);
    expect(writable).toEqual([newMaster]);
    for (const sentinel of topology.sentinels) expect(await topology.masterAddress(sentinel)).toBe(`127.0.0.1:${newMaster}`);
  }, 60_000);

  it('SENTINEL FAILOVER promotes a replica without asking the other Sentinels', async () => {
    const sentinel = topology.sentinels[1]!;
    const current = Number((await topology.masterAddress(sentinel))!.split(':')[1]);
    // The resumed old master has just been turned into a replica: a failover now could pick it
    // before it synced, while the other Sentinels are still reconfiguring it.
    await topology.waitUntilSettled(current);
    await topology.waitFor('a promotable replica', async () => (await topology.call(sentinel.port, 'SENTINEL', 'FAILOVER', 'mymaster').catch((e: Error) => e.message)) === 'OK', 20_000);
    await expect(topology.call(sentinel.port, 'SENTINEL', 'FAILOVER', 'mymaster')).rejects.toThrow('INPROG Failover already in progress');
    const promoted = await topology.waitForNewMaster(current);
    expect(promoted).not.toBe(current);
  }, 40_000);

  it('a Sentinel whose timer stalls past the TILT trigger enters TILT and answers "not down"', async () => {
    const sentinel = topology.sentinels[0]!;
    sentinel.pause();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    sentinel.resume();
    await topology.waitFor('TILT', async () => String(await topology.call(sentinel.port, 'INFO', 'sentinel')).includes('sentinel_tilt:1'), 10_000);
    const master = (await topology.masterAddress(sentinel))!.split(':');
    const reply = (await topology.call(sentinel.port, 'SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', master[0]!, master[1]!, 0, '*')) as unknown[];
    expect(reply).toEqual([0, '*', 0]);
  }, 30_000);
});
