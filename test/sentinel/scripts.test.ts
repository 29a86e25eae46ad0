/**
 * Sentinel scripts: a failover runs the notification script for warning events and the
 * client-reconfig script on the leader and on the observers; a script asking for a retry (exit
 * code 1) waits in SENTINEL PENDING-SCRIPTS. The same test runs against real redis-sentinel when
 * installed, so what it expects is what Redis does.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasRealRedis } from '../helpers/servers.js';
import { hasRealSentinel, Topology, type Flavor } from './topology.js';

const real = hasRealRedis() && hasRealSentinel();
if (!real) console.warn('!!! redis-sentinel not installed: the Sentinel script comparison is SKIPPED !!!');

const dir = mkdtempSync(join(tmpdir(), 'tsredis-sentinel-scripts-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A script appending its arguments as one line to `log`, then exiting with `status`. */
function script(name: string, log: string, status = 0): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho "$*" >> '${log}'\nexit ${status}\n`);
  chmodSync(path, 0o755);
  return path;
}

function lines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'latin1').trim().split('\n') : [];
}

for (const flavor of ['tsredis', 'real'] as Flavor[]) {
  describe.skipIf(flavor === 'real' && !real)(`${flavor} Sentinel scripts`, () => {
    let topology: Topology;
    const notifications = join(dir, `${flavor}-notify.log`);
    const reconfigs = join(dir, `${flavor}-reconfig.log`);
    const retries = join(dir, `${flavor}-retry.log`);

    afterAll(async () => {
      await topology?.stop();
    });

    it('runs notification and client-reconfig scripts through a failover; a retry waits in PENDING-SCRIPTS', async () => {
      topology = await Topology.start({
        downAfter: 1000,
        sentinels: flavor,
        sentinelLines: ['sentinel deny-scripts-reconfig no', `sentinel notification-script mymaster ${script(`${flavor}-notify.sh`, notifications)}`],
      });
      const first = topology.sentinels[0];
      // Set at runtime: the reconfig script everywhere, a notification script asking for retries on one Sentinel.
      for (const sentinel of topology.sentinels) {
        expect(await topology.call(sentinel.port, 'SENTINEL', 'SET', 'mymaster', 'client-reconfig-script', script(`${flavor}-reconfig.sh`, reconfigs))).toBe('OK');
      }
      expect(await topology.call(first!.port, 'SENTINEL', 'SET', 'mymaster', 'notification-script', script(`${flavor}-retry.sh`, retries, 1))).toBe('OK');
      await expect(topology.call(first!.port, 'SENTINEL', 'SET', 'mymaster', 'notification-script', join(dir, 'missing.sh'))).rejects.toThrow(
        'Notification script seems non existing or non executable',
      );

      const old = topology.master.port;
      await topology.master.kill();
      const promoted = await topology.waitForNewMaster(old);
      // One leader and the two observers run the reconfig script with the old and new addresses.
      await topology.waitFor('the reconfig script on every Sentinel', async () => lines(reconfigs).length >= 3);
      const reconfigLines = lines(reconfigs);
      expect(reconfigLines.filter((line) => line === `mymaster leader start 127.0.0.1 ${old} 127.0.0.1 ${promoted}`)).toHaveLength(1);
      expect(reconfigLines.filter((line) => line === `mymaster observer start 127.0.0.1 ${old} 127.0.0.1 ${promoted}`)).toHaveLength(2);

      // The other two Sentinels kept the configured notification script: event name, then its payload.
      await topology.waitFor('the switch-master notification', async () => lines(notifications).some((line) => line.startsWith('+switch-master ')));
      const notified = lines(notifications);
      expect(notified).toContain(`+sdown master mymaster 127.0.0.1 ${old}`);
      expect(notified).toContain(`+switch-master mymaster 127.0.0.1 ${old} 127.0.0.1 ${promoted}`);
      expect(notified.every((line) => /^[+-][a-z-]+ /.test(line))).toBe(true);

      // The first Sentinel's script exited 1: each of its jobs is scheduled again after the retry delay (30 s).
      await topology.waitFor('a job waiting for its retry', async () => {
        const pending = (await topology.call(first!.port, 'SENTINEL', 'PENDING-SCRIPTS')) as unknown[][];
        return pending.some((job) => job[3] === 'scheduled' && job[9] === '1');
      });
      const pending = (await topology.call(first!.port, 'SENTINEL', 'PENDING-SCRIPTS')) as unknown[][];
      const job = pending.find((entry) => entry[3] === 'scheduled')!;
      expect(job.filter((_, i) => i % 2 === 0)).toEqual(['argv', 'flags', 'pid', 'run-delay', 'retry-num']);
      expect((job[1] as string[])[0]).toBe(join(dir, `${flavor}-retry.sh`));
      expect(Number(job[7])).toBeGreaterThan(0);
      expect(lines(retries).length).toBeGreaterThan(0);
      const info = String(await topology.call(first!.port, 'INFO', 'sentinel'));
      expect(info).toMatch(/sentinel_scripts_queue_length:[1-9]/);
    }, 60_000);
  });
}
