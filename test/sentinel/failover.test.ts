/**
 * Three tsredis Sentinels (quorum 2, down-after 2000) over a tsredis master and two replicas:
 * kill -9 of the master is failed over, the old master rejoins as a replica, and restarted
 * Sentinels keep what they learned from their rewritten config files.
 *
 * SENTINEL_TIMES_FILE=<path> appends the measured failover time (ms) to that file, for
 * scripts/sentinel-failover-times.mjs.
 */
import { appendFileSync } from 'node:fs';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topology } from './topology.js';

/** Events every failover publishes on some Sentinel (the leader publishes the failover-state ones). */
const FAILOVER_EVENTS = [
  '+sdown', '+odown', '+new-epoch', '+try-failover', '+vote-for-leader', '+elected-leader', '+failover-state-select-slave',
  '+selected-slave', '+failover-state-send-slaveof-noone', '+failover-state-wait-promotion', '+promoted-slave',
  '+failover-state-reconf-slaves', '+slave-reconf-sent', '+slave-reconf-inprog', '+slave-reconf-done', '+failover-end',
  '+switch-master', '+slave',
];

describe('tsredis sentinel failover (kill -9 of the master)', () => {
  let topology: Topology;
  let newMaster = 0;

  beforeAll(async () => {
    topology = await Topology.start({ downAfter: 2000 });
  }, 60_000);
  afterAll(async () => {
    await topology?.stop();
  });

  it('every Sentinel names the same new master, which takes writes, and publishes the events', async () => {
    const old = topology.master.port;
    const events: { channel: string; message: string }[] = [];
    const subscribers = topology.sentinels.map((sentinel) => new Redis({ host: '127.0.0.1', port: sentinel.port }));
    for (const subscriber of subscribers) {
      subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => events.push({ channel, message }));
      await subscriber.psubscribe('*');
    }
    const started = Date.now();
    await topology.master.kill();
    newMaster = await topology.waitForNewMaster(old);
    const elapsed = Date.now() - started;
    console.log(`sentinel failover: new master 127.0.0.1:${newMaster} agreed by all 3 Sentinels and writable after ${elapsed} ms (down-after 2000)`);
    if (process.env.SENTINEL_TIMES_FILE) appendFileSync(process.env.SENTINEL_TIMES_FILE, `${elapsed}\n`);
    expect(newMaster).not.toBe(old);
    expect(topology.nodes.slice(1).map((node) => node.port)).toContain(newMaster);
    // The other replica follows the new master.
    const other = topology.nodes.slice(1).find((node) => node.port !== newMaster)!;
    await topology.waitFor('the other replica to follow the new master', async () => {
      const info = String(await topology.call(other.port, 'INFO', 'replication'));
      return info.includes(`master_port:${newMaster}`) && info.includes('master_link_status:up');
    });
    await topology.waitFor('the failover to end on the leader', async () => events.some((event) => event.channel === '+failover-end'));
    for (const subscriber of subscribers) subscriber.disconnect();
    const channels = new Set(events.map((event) => event.channel));
    for (const name of FAILOVER_EVENTS) expect(channels, name).toContain(name);
    // Payloads as Redis formats them.
    const at = (channel: string) => events.find((event) => event.channel === channel)!.message;
    expect(at('+sdown')).toBe(`master mymaster 127.0.0.1 ${old}`);
    expect(at('+odown')).toMatch(new RegExp(`^master mymaster 127\\.0\\.0\\.1 ${old} #quorum [23]/2$`));
    expect(at('+try-failover')).toBe(`master mymaster 127.0.0.1 ${old}`);
    expect(at('+new-epoch')).toMatch(/^\d+$/);
    expect(at('+vote-for-leader')).toMatch(/^[0-9a-f]{40} \d+$/);
    expect(at('+selected-slave')).toBe(`slave 127.0.0.1:${newMaster} 127.0.0.1 ${newMaster} @ mymaster 127.0.0.1 ${old}`);
    expect(at('+promoted-slave')).toBe(`slave 127.0.0.1:${newMaster} 127.0.0.1 ${newMaster} @ mymaster 127.0.0.1 ${old}`);
    expect(at('+switch-master')).toBe(`mymaster 127.0.0.1 ${old} 127.0.0.1 ${newMaster}`);
  }, 40_000);

  it('the old master rejoins as a replica of the new one when restarted', async () => {
    const old = topology.master;
    await old.start();
    await topology.waitFor('the old master to be reconfigured as a replica', async () => {
      const info = String(await topology.call(old.port, 'INFO', 'replication'));
      return info.includes('role:slave') && info.includes(`master_port:${newMaster}`);
    }, 30_000);
    expect(await topology.acceptsWrite(old.port)).toBe(false);
    expect(await topology.role(newMaster)).toBe('master');
  }, 40_000);

  it('restarted Sentinels keep epochs, replicas and peers from their rewritten files', async () => {
    const before = await Promise.all(topology.sentinels.map((sentinel) => topology.masterState(sentinel)));
    const ids = await Promise.all(topology.sentinels.map((sentinel) => topology.call(sentinel.port, 'SENTINEL', 'MYID')));
    for (const sentinel of topology.sentinels) {
      const file = topology.configFile(sentinel);
      expect(file).toContain(`sentinel monitor mymaster 127.0.0.1 ${newMaster} 2`);
      expect(file).toMatch(/sentinel current-epoch [1-9]/);
    }
    await Promise.all(topology.sentinels.map((sentinel) => sentinel.stop()));
    await Promise.all(topology.sentinels.map((sentinel) => sentinel.start()));
    for (let i = 0; i < topology.sentinels.length; i++) {
      const sentinel = topology.sentinels[i]!;
      // Straight after the restart: nothing had time to be rediscovered.
      const after = await topology.masterState(sentinel);
      expect(after.port).toBe(String(newMaster));
      expect(after['config-epoch']).toBe(before[i]!['config-epoch']);
      expect(Number(after['config-epoch'])).toBeGreaterThan(0);
      expect(after['num-slaves']).toBe('2');
      expect(after['num-other-sentinels']).toBe('2');
      expect(await topology.call(sentinel.port, 'SENTINEL', 'MYID')).toBe(ids[i]);
      const replicas = (await topology.call(sentinel.port, 'SENTINEL', 'REPLICAS', 'mymaster')) as string[][];
      const ports = replicas.map((fields) => Number(fields[fields.indexOf('port') + 1])).sort();
      expect(ports).toEqual(topology.nodes.map((node) => node.port).filter((port) => port !== newMaster).sort());
    }
    expect(await topology.masterAddress(topology.sentinels[0]!)).toBe(`127.0.0.1:${newMaster}`);
  }, 40_000);
});
