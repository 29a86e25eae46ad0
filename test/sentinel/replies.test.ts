/**
 * Byte-for-byte replies of tsredis-sentinel against redis-sentinel 7.0, both monitoring the
 * same real master (with a replica), so each sees the other as a peer. Replies carrying
 * timings, run ids or client ids are compared with those values masked. Skipped (loudly)
 * without real Redis.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw.js';
import { hasRealRedis, startRealRedis, type RunningServer } from '../helpers/servers.js';
import { hasRealSentinel, Proc, SENTINEL_BIN, sleep } from './topology.js';

const available = hasRealRedis() && hasRealSentinel();
if (!available) console.warn('!!! redis-server / redis-sentinel not installed: Sentinel reply comparisons are SKIPPED !!!');

/** Compared as they are. */
const EXACT = [
  ['PING'], ['PING', 'hello'], ['ROLE'],
  ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'], ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nosuch'],
  ['SENTINEL', 'MASTER', 'nosuch'], ['SENTINEL', 'REPLICAS', 'nosuch'], ['SENTINEL', 'SENTINELS', 'nosuch'],
  ['SENTINEL', 'CKQUORUM', 'mymaster'], ['SENTINEL', 'CKQUORUM', 'nosuch'], ['SENTINEL', 'HELP'],
  ['SENTINEL', 'DEBUG'], ['SENTINEL', 'DEBUG', 'foo', '1'], ['SENTINEL', 'DEBUG', 'info-period', '0'], ['SENTINEL', 'DEBUG', 'info-period'],
  ['SENTINEL', 'CONFIG', 'GET', '*'], ['SENTINEL', 'CONFIG', 'GET', 'announce*'], ['SENTINEL', 'CONFIG', 'SET', 'foo', 'bar'],
  ['SENTINEL', 'CONFIG', 'SET', 'resolve-hostnames', 'maybe'], ['SENTINEL', 'CONFIG', 'SET', 'announce-port', '70000'],
  ['SENTINEL', 'CONFIG', 'foo'], ['SENTINEL', 'CONFIG', 'GET'],
  ['SENTINEL', 'SET', 'nosuch', 'quorum', '1'], ['SENTINEL', 'SET', 'mymaster', 'foo', '1'], ['SENTINEL', 'SET', 'mymaster', 'quorum', '0'],
  ['SENTINEL', 'SET', 'mymaster', 'quorum', 'abc'], ['SENTINEL', 'SET', 'mymaster', 'notification-script', '/bin/true'],
  ['SENTINEL', 'SET', 'mymaster', 'rename-command', '', 'x'],
  ['SENTINEL', 'SIMULATE-FAILURE', 'help'], ['SENTINEL', 'SIMULATE-FAILURE', 'bogus'], ['SENTINEL', 'SIMULATE-FAILURE'],
  ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', 'abc', '0', '*'], ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '10.0.0.1', '1', '0', '*'],
  ['SENTINEL', 'MONITOR', 'x', '127.0.0.1', 'abc', '2'], ['SENTINEL', 'MONITOR', 'x', '127.0.0.1', '1', 'abc'],
  ['SENTINEL', 'MONITOR', 'x', '127.0.0.1', '1', '0'], ['SENTINEL', 'MONITOR', 'x', 'not-an-ip', '1', '1'],
  ['SENTINEL', 'MONITOR', 'mymaster', '127.0.0.1', '1', '1'], ['SENTINEL', 'REMOVE', 'nosuch'], ['SENTINEL', 'FAILOVER', 'nosuch'],
  ['SENTINEL', 'RESET', 'nomatch*'], ['SENTINEL', 'PENDING-SCRIPTS'], ['SENTINEL', 'MASTERS', 'extra'], ['SENTINEL', 'MYID', 'extra'],
  ['SENTINEL', 'FOO'], ['SENTINEL'], ['SENTINEL', 'INFO-CACHE', 'nosuch'], ['PUBLISH', 'foo', 'bar'], ['GET', 'foo'], ['CONFIG', 'GET', 'port'],
  ['COMMAND', 'COUNT'], ['COMMAND', 'INFO', 'sentinel|master', 'ping'], ['INFO', 'memory'], ['CLIENT', 'SETNAME', 'x'],
  ['CLIENT', 'GETNAME'], ['ACL', 'WHOAMI'], ['SUBSCRIBE', '+sdown'],
];

/** Compared with numbers, run ids and ports masked (their values differ between two Sentinels). */
const MASKED = [
  ['SENTINEL', 'MASTER', 'mymaster'], ['SENTINEL', 'MASTERS'], ['SENTINEL', 'REPLICAS', 'mymaster'], ['SENTINEL', 'SLAVES', 'mymaster'],
  ['SENTINEL', 'SENTINELS', 'mymaster'], ['SENTINEL', 'MYID'], ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', 'PORT', '0', '*'],
  ['INFO', 'sentinel'], ['HELLO', '3'],
];

function mask(reply: string): string {
  return reply
    .replace(/[0-9a-f]{40}/g, '<id>')
    .replace(/\$\d+\r\n\d+\r\n/g, '<number>')
    .replace(/:\d+\r\n/g, '<integer>')
    .replace(/\d+/g, 'N');
}

describe.skipIf(!available)('tsredis-sentinel replies match redis-sentinel 7.0', () => {
  let master: RunningServer;
  let replica: RunningServer;
  let ours: Proc;
  let real: Proc;
  const dir = mkdtempSync(join(tmpdir(), 'tsredis-sentinel-replies-'));

  beforeAll(async () => {
    master = await startRealRedis();
    replica = await startRealRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    const config = (port: number) => {
      const file = join(dir, `${port}.conf`);
      writeFileSync(file, `port ${port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 ${master.port} 2\n`);
      return file;
    };
    const realPort = await freePort();
    const ourPort = await freePort();
    real = new Proc('redis-sentinel', realPort, 'redis-sentinel', [config(realPort)]);
    ours = new Proc('tsredis-sentinel', ourPort, process.execPath, [SENTINEL_BIN, config(ourPort)]);
    await Promise.all([real.start(), ours.start()]);
    // Until each has found the replica and the other Sentinel (hello every 2 s).
    const deadline = Date.now() + 15_000;
    for (const sentinel of [real, ours]) {
      const client = await RawClient.connect(sentinel.port);
      while (Date.now() < deadline && !/num-slaves\r\n\$1\r\n1\r\n.*num-other-sentinels\r\n\$1\r\n1\r\n/s.test(await client.call('SENTINEL', 'MASTER', 'mymaster'))) await sleep(100);
      client.destroy();
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all([ours?.stop(), real?.stop(), replica?.stop(), master?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function replies(port: number, resp: 2 | 3, commands: string[][]): Promise<string[]> {
    const client = await RawClient.connect(port);
    try {
      if (resp === 3) await client.call('HELLO', '3');
      const out: string[] = [];
      for (const command of commands) {
        const args = command.map((arg) => (arg === 'PORT' ? String(master.port) : arg));
        out.push(`${command.join(' ')} → ${await client.call(...args)}`);
      }
      return out;
    } finally {
      client.destroy();
    }
  }

  for (const resp of [2, 3] as const) {
    it(`same bytes (RESP${resp})`, async () => {
      expect(await replies(ours.port, resp, EXACT)).toEqual(await replies(real.port, resp, EXACT));
    });

    it(`same shapes and field lists where values differ (RESP${resp})`, async () => {
      // A Sentinel's view changes for a moment while a loaded machine delays a ping or a reconnect
      // (a flag, an optional field): compare again, a few times, before calling it a difference.
      let [a, b] = await Promise.all([replies(ours.port, resp, MASKED), replies(real.port, resp, MASKED)]);
      for (let attempt = 1; attempt < 5 && a.map(mask).join() !== b.map(mask).join(); attempt++) {
        await sleep(500);
        [a, b] = await Promise.all([replies(ours.port, resp, MASKED), replies(real.port, resp, MASKED)]);
      }
      expect(a.map(mask)).toEqual(b.map(mask));
      // Each lists the other as a peer and the replica: the field lists were really compared.
      const peers = a.find((line) => line.startsWith('SENTINEL SENTINELS'))!;
      expect(peers).toMatch(/→ \*1\r\n[*%]/);
      expect(a.find((line) => line.startsWith('SENTINEL REPLICAS'))).toMatch(/→ \*1\r\n[*%]/);
    });
  }
});
