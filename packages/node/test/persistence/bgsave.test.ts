import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';
import { canonicalDump } from './dataset.js';

/**
 * SAVE, BGSAVE on a copy-on-write snapshot, save points, SHUTDOWN SAVE, DEBUG RELOAD and
 * stop-writes-on-bgsave-error, checked through the files they leave and a restart on them.
 */

const servers: RunningServer[] = [];
const clients: Redis[] = [];
const scratch: string[] = [];

async function start(args: string[] = []): Promise<{ server: RunningServer; redis: Redis }> {
  const server = await startTsredis(args);
  servers.push(server);
  const redis = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => null });
  clients.push(redis);
  return { server, redis };
}

/** A restart on a copy of the server's dump.rdb. */
async function reopen(server: RunningServer): Promise<Redis> {
  const dir = mkdtempSync(join(tmpdir(), 'tsredis-bgsave-'));
  scratch.push(dir);
  copyFileSync(join(server.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
  return (await start(['--dir', dir])).redis;
}

async function persistenceInfo(redis: Redis): Promise<Record<string, string>> {
  const text = await redis.info('persistence');
  return Object.fromEntries(text.split('\r\n').filter((line) => line.includes(':')).map((line) => line.split(':') as [string, string]));
}

/** Polls (bounded: 20 s) until no BGSAVE runs. */
async function bgsaveFinished(redis: Redis): Promise<Record<string, string>> {
  for (let i = 0; i < 400; i++) {
    const info = await persistenceInfo(redis);
    if (info.rdb_bgsave_in_progress === '0') return info;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('BGSAVE did not finish within 20 s');
}

afterAll(async () => {
  for (const redis of clients) redis.disconnect();
  for (const server of servers) await server.stop();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('BGSAVE writes the dataset as it was when it started', () => {
  it('leaves out keys written during the save and keeps old values of keys changed during it', async () => {
    // 1 ms per key makes the save last long enough for the writes below to land during it.
    const { server, redis } = await start(['--rdb-key-save-delay', '1000']);
    const setup = redis.pipeline();
    for (let i = 0; i < 400; i++) setup.set(`k:${i}`, `v:${i}`);
    setup.rpush('list', 'a', 'b', 'c').hset('hash', 'f', '1').zadd('zset', '1', 'm').sadd('set', 'x');
    setup.xadd('stream', '1-1', 'f', 'v').set('ttl', 'v').pexpireat('ttl', 4102444800000);
    setup.select(1).set('db1:k', 'v').select(0);
    await setup.exec();
    const before = await canonicalDump(redis);

    expect(await redis.bgsave()).toBe('Background saving started');
    expect((await persistenceInfo(redis)).rdb_bgsave_in_progress).toBe('1');
    await expect(redis.bgsave()).rejects.toThrow('Background save already in progress');
    await expect(redis.save()).rejects.toThrow('Background save already in progress');
    const writes = redis.pipeline();
    for (let i = 0; i < 400; i += 3) writes.set(`k:${i}`, 'changed');
    for (let i = 1; i < 400; i += 7) writes.del(`k:${i}`);
    for (let i = 0; i < 50; i++) writes.set(`new:${i}`, 'added during the save');
    writes.rpush('list', 'd').lpop('list').hset('hash', 'f', '2', 'g', '3').zadd('zset', '5', 'm', '6', 'n');
    writes.sadd('set', 'y').xadd('stream', '2-2', 'f', 'w').persist('ttl').expire('k:2', 1000);
    writes.rename('k:5', 'renamed').copy('k:8', 'k:9', 'REPLACE').select(1).flushdb().set('db1:new', 'v').select(0);
    writes.swapdb(0, 2).swapdb(0, 2);
    await writes.exec();
    const during = await persistenceInfo(redis);
    expect(during.rdb_bgsave_in_progress).toBe('1');
    expect(Number(during.current_save_keys_processed)).toBeLessThan(Number(during.current_save_keys_total));

    const after = await bgsaveFinished(redis);
    expect(after.rdb_last_bgsave_status).toBe('ok');
    expect(await redis.get('k:0')).toBe('changed');
    expect(await canonicalDump(await reopen(server))).toEqual(before);
  });

  it('keeps answering clients while it saves', async () => {
    const { redis } = await start(['--rdb-key-save-delay', '1000']);
    await redis.mset(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k:${i}`, 'v'])));
    expect(await redis.bgsave()).toBe('Background saving started');
    const started = Date.now();
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.get('k:1')).toBe('v');
    expect((await persistenceInfo(redis)).rdb_bgsave_in_progress).toBe('1');
    expect(Date.now() - started).toBeLessThan(10_000);
    await bgsaveFinished(redis);
  });
});

describe('SAVE, LASTSAVE, save points, SHUTDOWN SAVE, DEBUG RELOAD', () => {
  it('SAVE writes the file, resets the change counter and moves LASTSAVE', async () => {
    const { server, redis } = await start();
    await redis.set('a', '1');
    expect((await persistenceInfo(redis)).rdb_changes_since_last_save).toBe('1');
    const lastSave = await redis.lastsave();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await redis.save()).toBe('OK');
    const info = await persistenceInfo(redis);
    expect(info.rdb_changes_since_last_save).toBe('0');
    expect(info.rdb_saves).toBe('1');
    expect(await redis.lastsave()).toBeGreaterThan(lastSave);
    expect(await (await reopen(server)).get('a')).toBe('1');
  });

  it('a save point starts a BGSAVE on its own', async () => {
    const { server, redis } = await start(['--save', '1 1']);
    await redis.set('a', '1');
    for (let i = 0; i < 60 && !existsSync(join(server.dir, 'dump.rdb')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await bgsaveFinished(redis);
    expect(existsSync(join(server.dir, 'dump.rdb'))).toBe(true);
    expect(await (await reopen(server)).get('a')).toBe('1');
  });

  it('SHUTDOWN SAVE saves before exiting and a restart loads it', async () => {
    const { server, redis } = await start();
    await redis.rpush('list', 'x', 'y').catch(() => undefined);
    await redis.call('SHUTDOWN', 'SAVE').catch(() => undefined);
    await new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
    expect(await (await reopen(server)).lrange('list', 0, -1)).toEqual(['x', 'y']);
  });

  it('DEBUG RELOAD saves, empties and loads the dataset back', async () => {
    const { redis } = await start(['--enable-debug-command', 'yes']);
    await redis.hset('h', 'f', 'v');
    await redis.set('s', '1');
    await redis.pexpireat('s', 4102444800000);
    expect(await redis.call('DEBUG', 'RELOAD')).toBe('OK');
    expect(await redis.hgetall('h')).toEqual({ f: 'v' });
    expect(await redis.call('PEXPIRETIME', 's')).toBe(4102444800000);
    await expect(redis.call('DEBUG', 'RELOAD', 'BAD')).rejects.toThrow('DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  });

  it('a failed BGSAVE makes writes answer MISCONF until a save succeeds', async () => {
    const { server, redis } = await start(['--save', '3600 1']);
    const pid = (await redis.info('server')).match(/process_id:(\d+)/)![1];
    // The temp file of the first BGSAVE cannot be created: a directory holds its name.
    mkdirSync(join(server.dir, `temp-bg-${pid}-1.rdb`));
    await redis.set('a', '1');
    expect(await redis.bgsave()).toBe('Background saving started');
    expect((await bgsaveFinished(redis)).rdb_last_bgsave_status).toBe('err');
    await expect(redis.set('b', '2')).rejects.toThrow(/^MISCONF Redis is configured to save RDB snapshots/);
    await expect(redis.ping()).rejects.toThrow(/^MISCONF/);
    expect(await redis.get('a')).toBe('1');
    await redis.config('SET', 'stop-writes-on-bgsave-error', 'no');
    expect(await redis.set('b', '2')).toBe('OK');
    await redis.config('SET', 'stop-writes-on-bgsave-error', 'yes');
    expect(await redis.bgsave()).toBe('Background saving started');
    expect((await bgsaveFinished(redis)).rdb_last_bgsave_status).toBe('ok');
    expect(await redis.set('c', '3')).toBe('OK');
  });
});
