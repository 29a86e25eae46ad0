import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRealRedis, startRealRedis, startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';
import { canonicalDump, populate } from './dataset.js';

/**
 * Issue 5, done-when #1: RDB files and DUMP payloads move between tsredis and real Redis 7.0 in
 * both directions, with every type and encoding size, and every key, value, encoding and TTL
 * matching key by key.
 */

const realRedis = hasRealRedis();
if (!realRedis) console.warn('redis-server is not installed: the RDB interoperability tests are SKIPPED');

const scratch: string[] = [];
const servers: RunningServer[] = [];
const clients: Redis[] = [];

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsredis-rdb-'));
  scratch.push(dir);
  return dir;
}

async function started(server: Promise<RunningServer>): Promise<{ server: RunningServer; redis: Redis }> {
  const running = await server;
  servers.push(running);
  const redis = new Redis({ port: running.port, host: '127.0.0.1', lazyConnect: true });
  await redis.connect();
  clients.push(redis);
  return { server: running, redis };
}

/** Copies a server's dump.rdb into a fresh directory another server can start on. */
function takeDump(server: RunningServer): string {
  const dir = scratchDir();
  copyFileSync(join(server.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
  return dir;
}

afterAll(async () => {
  for (const redis of clients) redis.disconnect();
  for (const server of servers) await server.stop();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!realRedis)('RDB files between tsredis and Redis 7.0', () => {
  let tsredis: { server: RunningServer; redis: Redis };
  let real: { server: RunningServer; redis: Redis };

  beforeAll(async () => {
    tsredis = await started(startTsredis());
    real = await started(startRealRedis());
    await populate(tsredis.redis);
    await populate(real.redis);
  });

  it('builds the same dataset on both servers (the baseline the round trips are compared to)', async () => {
    expect(await canonicalDump(tsredis.redis)).toEqual(await canonicalDump(real.redis));
  });

  it('writes an RDB that redis-check-rdb accepts and Redis loads with every key, value and TTL', async () => {
    expect(await tsredis.redis.save()).toBe('OK');
    const dir = takeDump(tsredis.server);
    const check = spawnSync('redis-check-rdb', [join(dir, 'dump.rdb')], { encoding: 'utf8' });
    expect(check.stdout).toContain('RDB looks OK!');
    expect(check.status).toBe(0);
    const loaded = await started(startRealRedis(['--dir', dir]));
    expect(await canonicalDump(loaded.redis)).toEqual(await canonicalDump(tsredis.redis));
  });

  it('loads an RDB written by Redis with every key, value and TTL', async () => {
    expect(await real.redis.save()).toBe('OK');
    const dir = takeDump(real.server);
    const loaded = await started(startTsredis(['--dir', dir]));
    expect(await canonicalDump(loaded.redis)).toEqual(await canonicalDump(real.redis));
  });

  it('loads an uncompressed RDB written without a checksum', async () => {
    const source = await started(startRealRedis(['--rdbchecksum', 'no', '--rdbcompression', 'no']));
    await populate(source.redis);
    expect(await source.redis.save()).toBe('OK');
    const loaded = await started(startTsredis(['--dir', takeDump(source.server)]));
    expect(await canonicalDump(loaded.redis)).toEqual(await canonicalDump(source.redis));
  });

  /** Every key of db 0 of `from`, moved with DUMP and RESTORE … ABSTTL into an empty `to`. */
  async function moveWithDump(from: Redis, to: Redis): Promise<void> {
    await to.flushall();
    for (const key of await from.keys('*')) {
      const payload = (await from.dumpBuffer(key))!;
      const expireAt = Number(await from.call('PEXPIRETIME', key));
      expect(await to.call('RESTORE', key, String(Math.max(expireAt, 0)), payload, 'ABSTTL')).toBe('OK');
    }
  }

  it('moves every key to Redis with DUMP and RESTORE', async () => {
    const target = await started(startRealRedis());
    await moveWithDump(tsredis.redis, target.redis);
    expect((await canonicalDump(target.redis, 1)).db0).toEqual((await canonicalDump(tsredis.redis, 1)).db0);
  });

  it('moves every key from Redis with DUMP and RESTORE', async () => {
    const target = await started(startTsredis());
    await moveWithDump(real.redis, target.redis);
    expect((await canonicalDump(target.redis, 1)).db0).toEqual((await canonicalDump(real.redis, 1)).db0);
  });

  it('writes DUMP payloads byte for byte as Redis does for deterministic encodings', async () => {
    const deterministic = ['str:int8', 'str:int64', 'str:text', 'str:binary', 'list:small', 'list:big', 'set:intset64', 'zset:small', 'zset:big', 'hash:small', 'stream:small', 'stream:huge-id'];
    for (const key of deterministic) {
      expect([key, (await tsredis.redis.dumpBuffer(key))!.toString('hex')]).toEqual([key, (await real.redis.dumpBuffer(key))!.toString('hex')]);
    }
  });
});
