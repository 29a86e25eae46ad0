/**
 * Starting a Sentinel: `tsredis-server <conf> --sentinel` hands over to the sentinel package
 * (Redis runs Sentinel as a mode of the server binary), the config file is rewritten with the
 * new Sentinel id, and a bad `sentinel` line stops it with Redis's fatal error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { SERVER_BIN } from '../helpers/servers.js';
import { Proc, SENTINEL_BIN } from './topology.js';

describe('sentinel command lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsredis-sentinel-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tsredis-server --sentinel runs a Sentinel that persists its id', async () => {
    const port = await freePort();
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, `port ${port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 1 2\n`);
    const sentinel = new Proc('tsredis-server --sentinel', port, process.execPath, [SERVER_BIN, file, '--sentinel']);
    await sentinel.start();
    const client = new Redis({ port, host: '127.0.0.1' });
    try {
      expect(await client.call('ROLE')).toEqual(['sentinel', ['mymaster']]);
      const id = await client.call('SENTINEL', 'MYID');
      expect(readFileSync(file, 'latin1')).toContain(`sentinel myid ${String(id)}\n`);
      expect(await client.info('server')).toContain('redis_mode:sentinel');
    } finally {
      client.disconnect();
      await sentinel.stop();
    }
  });

  it("a bad sentinel line is fatal with Redis's message", () => {
    const file = join(dir, 'bad.conf');
    writeFileSync(file, 'port 0\nsentinel monitor m 127.0.0.1 6379 0\n');
    const result = spawnSync(process.execPath, [SENTINEL_BIN, file], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'sentinel monitor m 127.0.0.1 6379 0'\nQuorum must be 1 or greater.\n",
    );
  });
});
