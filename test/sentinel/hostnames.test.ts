/**
 * resolve-hostnames and announce-hostnames: a master configured by hostname is reported by its
 * IP unless announce-hostnames is on, then by the hostname. Runs against real redis-sentinel too.
 */
import { lookup } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { command, waitUntil } from '../helpers/cluster.js';
import { hasRealRedis, startTsredis, type RunningServer } from '../helpers/servers.js';
import { hasRealSentinel, sentinelProc, type Flavor, type Proc } from './topology.js';

const real = hasRealRedis() && hasRealSentinel();
if (!real) console.warn('!!! redis-sentinel not installed: the Sentinel hostname comparison is SKIPPED !!!');

const dir = mkdtempSync(join(tmpdir(), 'tsredis-sentinel-hostnames-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

for (const flavor of ['tsredis', 'real'] as Flavor[]) {
  describe.skipIf(flavor === 'real' && !real)(`${flavor} Sentinel with hostnames`, () => {
    let master: RunningServer | null = null;
    let sentinel: Proc | null = null;

    afterAll(async () => {
      await sentinel?.stop();
      await master?.stop();
    });

    it('reports a master configured as localhost by its IP, and by its name under announce-hostnames', async () => {
      master = await startTsredis();
      const { address } = await lookup('localhost');
      const port = await freePort();
      const file = join(dir, `${flavor}.conf`);
      writeFileSync(file, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'sentinel resolve-hostnames yes',
        `sentinel monitor mymaster localhost ${master.port} 1`, '',
      ].join('\n'));
      sentinel = sentinelProc(flavor, port, file);
      await sentinel.start();

      const masterAddress = async () => (await command(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[];
      await waitUntil(async () => (await masterAddress())[0] === address, 10_000, `the master reported at ${address}`);
      const fields = (await command(port, 'SENTINEL', 'MASTER', 'mymaster')) as string[];
      expect(fields[fields.indexOf('ip') + 1]).toBe(address);
      expect(await command(port, 'SENTINEL', 'CONFIG', 'SET', 'announce-hostnames', 'yes')).toBe('OK');
      expect(await masterAddress()).toEqual(['localhost', String(master.port)]);
    }, 30_000);
  });
}
