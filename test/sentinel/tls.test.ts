/**
 * A Sentinel with tls-replication reaches its master and replicas over TLS: it monitors a master
 * by its TLS port, finds the replica (announced on its TLS port) and fails over to it. The same
 * test runs against real redis-sentinel when installed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { TestCertificates } from '../helpers/certs.js';
import { command, waitUntil } from '../helpers/cluster.js';
import { hasRealRedis, startTsredis, type RunningServer } from '../helpers/servers.js';
import { hasRealSentinel, sentinelProc, type Flavor, type Proc } from './topology.js';

const real = hasRealRedis() && hasRealSentinel();
if (!real) console.warn('!!! redis-sentinel not installed: the TLS Sentinel comparison is SKIPPED !!!');

const certs = new TestCertificates();

beforeAll(() => {
  certs.selfSigned('ca');
  certs.leaf('node', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
});

afterAll(() => {
  certs.remove();
});

/** A data node's TLS port, beside its plain one. */
const nodeTlsArgs = (tlsPort: number) => ['--tls-port', String(tlsPort), ...certs.args('node', 'ca')];

for (const flavor of ['tsredis', 'real'] as Flavor[]) {
  describe.skipIf(flavor === 'real' && !real)(`${flavor} Sentinel over TLS`, () => {
    const started: RunningServer[] = [];
    let sentinel: Proc | null = null;

    afterAll(async () => {
      await sentinel?.stop();
      await Promise.all(started.map((server) => server.stop()));
    });

    it('monitors the master on its TLS port, finds the replica and fails over to it', async () => {
      const [masterTls, replicaTls] = [await freePort(), await freePort()];
      const master = await startTsredis([...nodeTlsArgs(masterTls), '--repl-diskless-sync-delay', '0']);
      started.push(master);
      const replica = await startTsredis([...nodeTlsArgs(replicaTls), '--tls-replication', 'yes', '--replicaof', `127.0.0.1 ${masterTls}`]);
      started.push(replica);

      const port = await freePort();
      const file = join(certs.dir, `sentinel-${flavor}.conf`);
      writeFileSync(file, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${certs.dir}`,
        ...certs.directives('node', 'ca').map(([name, value]) => `${name} ${value}`),
        'tls-replication yes',
        `sentinel monitor mymaster 127.0.0.1 ${masterTls} 1`,
        'sentinel down-after-milliseconds mymaster 1000',
        'sentinel failover-timeout mymaster 10000', '',
      ].join('\n'));
      sentinel = sentinelProc(flavor, port, file);
      await sentinel.start();

      const replicas = async () => (await command(port, 'SENTINEL', 'REPLICAS', 'mymaster')) as string[][];
      await waitUntil(async () => (await replicas()).some((fields) => fields.includes(`127.0.0.1:${replicaTls}`) && !fields.includes('disconnected')), 20_000, 'the replica found on its TLS port');
      await master.stop();
      await waitUntil(async () => {
        const address = (await command(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[];
        return address[1] === String(replicaTls);
      }, 20_000, 'the Sentinel to switch to the replica');
      await waitUntil(async () => ((await command(replica.port, 'ROLE')) as string[])[0] === 'master', 10_000, 'the replica to be promoted');
      expect(await command(replica.port, 'SET', 'after', 'failover')).toBe('OK');
    }, 60_000);
  });
}
