/**
 * A Sentinel that comes back at a new address is moved there under every master its peers
 * watch with it, even a master it no longer sends hellos about (sentinelUpdateSentinelAddressInAllMasters).
 * Runs against real redis-sentinel too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { command, waitUntil } from '../helpers/cluster.js';
import { hasRealRedis, startTsredis, type RunningServer } from '../helpers/servers.js';
import { hasRealSentinel, sentinelProc, type Flavor, type Proc } from './topology.js';

const real = hasRealRedis() && hasRealSentinel();
if (!real) console.warn('!!! redis-sentinel not installed: the Sentinel address update comparison is SKIPPED !!!');

const dir = mkdtempSync(join(tmpdir(), 'tsredis-sentinel-address-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

for (const flavor of ['tsredis', 'real'] as Flavor[]) {
  describe.skipIf(flavor === 'real' && !real)(`${flavor} Sentinels`, () => {
    const masters: RunningServer[] = [];
    const sentinels: Proc[] = [];

    afterAll(async () => {
      await Promise.all(sentinels.map((sentinel) => sentinel.stop()));
      await Promise.all(masters.map((master) => master.stop()));
    });

    function sentinel(name: string, port: number, watched: RunningServer[]): Proc {
      const file = join(dir, `${flavor}-${name}.conf`);
      const monitors = watched.map((master, i) => `sentinel monitor m${i + 1} 127.0.0.1 ${master.port} 1`);
      writeFileSync(file, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...monitors, ''].join('\n'));
      const proc = sentinelProc(flavor, port, file);
      sentinels.push(proc);
      return proc;
    }

    /** The ports of the peers `observer` lists under a master. */
    async function peerPorts(observer: Proc, master: string): Promise<string[]> {
      const peers = (await command(observer.port, 'SENTINEL', 'SENTINELS', master)) as string[][];
      return peers.map((fields) => fields[fields.indexOf('port') + 1]!);
    }

    it('moves a peer that restarted on a new port under both masters it was known by', async () => {
      masters.push(await startTsredis(), await startTsredis());
      const observer = sentinel('a', await freePort(), masters);
      const moving = sentinel('b', await freePort(), masters);
      await Promise.all([observer.start(), moving.start()]);
      for (const master of ['m1', 'm2']) {
        await waitUntil(async () => (await peerPorts(observer, master)).includes(String(moving.port)), 20_000, `the peer under ${master}`);
      }
      // Same identity (its rewritten file keeps myid), a new port, and only m1 watched now.
      await moving.stop();
      const myid = /^sentinel myid (\w+)$/m.exec(readFileSync(join(dir, `${flavor}-b.conf`), 'latin1'))![1]!;
      const port = await freePort();
      const moved = sentinel('b2', port, masters.slice(0, 1));
      writeFileSync(join(dir, `${flavor}-b2.conf`), `${readFileSync(join(dir, `${flavor}-b2.conf`), 'latin1')}sentinel myid ${myid}\n`);
      await moved.start();
      for (const master of ['m1', 'm2']) {
        await waitUntil(async () => (await peerPorts(observer, master)).join() === String(port), 20_000, `the peer moved under ${master}`);
      }
      expect(observer.output()).toContain('+sentinel-address-update');
    }, 60_000);
  });
}
