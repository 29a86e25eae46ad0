import { statSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRealRedis } from '../../../../test/helpers/servers.js';
import { Fixture, incrText, persistenceInfo, rewriteFinished } from './aof-helpers.js';
import { waitInSync } from '../replication/workload.js';

/**
 * Loading at startup as Redis does it: the server listens first, loads the dataset in time
 * slices, answers LOADING to commands without the `loading` flag meanwhile, and INFO shows the
 * progress (loading:1, loading_* fields). The dataset (1,000,000 keys) takes seconds to load.
 */

const fixture = new Fixture();
afterAll(() => fixture.cleanup());

const KEYS = 1_000_000;
const BATCH = 2000;
const LOADING = 'LOADING Redis is loading the dataset in memory';

/** Writes `count` keys "key:i" → "value:i" with pipelined MSETs. */
async function fill(redis: Redis, count: number): Promise<void> {
  for (let start = 0; start < count; start += BATCH * 25) {
    const pipeline = redis.pipeline();
    for (let batch = start; batch < Math.min(count, start + BATCH * 25); batch += BATCH) {
      const args: string[] = [];
      for (let i = batch; i < Math.min(count, batch + BATCH); i++) args.push(`key:${i}`, `value:${i}`);
      pipeline.mset(...args);
    }
    await pipeline.exec();
  }
}

/** What one poll saw: each command's reply or error text (INFO last: it dates the others). */
interface Poll {
  ping: string;
  get: string;
  /** CONFIG SET of a directive Redis refuses to change while loading (its default: a no-op otherwise). */
  configSet: string;
  info: Record<string, string>;
}

/** Sends PING, GET, CONFIG SET and INFO (without ioredis' ready check) until GET answers. */
function pollUntilLoaded(port: number): Promise<Poll[]> {
  return pollWhile(port, (poll) => poll.get !== 'value:1');
}

/** Polls (bounded) while `more` holds for the last poll; returns every poll. */
async function pollWhile(port: number, more: (poll: Poll) => boolean): Promise<Poll[]> {
  const client = new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  const polls: Poll[] = [];
  const text = (promise: Promise<unknown>) => promise.then(String, (error: Error) => error.message);
  try {
    for (let i = 0; i < 3000; i++) {
      const [ping, get, configSet, info] = await Promise.all([
        text(client.ping()),
        text(client.get('key:1')),
        text(client.config('SET', 'repl-diskless-load', 'disabled')),
        text(client.info('persistence')),
      ]);
      polls.push({
        ping,
        get,
        configSet,
        info: Object.fromEntries(info.split('\r\n').filter((line) => line.includes(':')).map((line) => line.split(':') as [string, string])),
      });
      if (!more(polls.at(-1)!)) return polls;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the polled condition did not change within the polling bound');
  } finally {
    client.disconnect();
  }
}

function loadingPolls(polls: Poll[]): Poll[] {
  return polls.filter((poll) => poll.info.loading === '1');
}

/**
 * A directory holding dump.rdb and appendonlydir/ (RDB base) with KEYS keys "key:i" → "value:i":
 * made by real Redis's DEBUG POPULATE when installed (fast, and Redis's own files), else by tsredis.
 */
async function makeDataset(): Promise<string> {
  const dir = fixture.directory();
  const node = hasRealRedis()
    ? await fixture.real(dir, ['--enable-debug-command', 'yes'])
    : await fixture.tsredis(dir);
  if (hasRealRedis()) await node.redis.call('DEBUG', 'POPULATE', String(KEYS), 'key');
  else await fill(node.redis, KEYS);
  expect(await node.redis.save()).toBe('OK');
  await node.redis.config('SET', 'appendonly', 'yes');
  await rewriteFinished(node.redis);
  await fixture.stop(node);
  return dir;
}

if (!hasRealRedis()) console.warn('redis-server not installed: the loading dataset is made by tsredis (slower)');

describe('loading the dataset at startup', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeDataset();
  }, 60_000);

  it('serves LOADING, PING and INFO progress while a large RDB loads, then the data', async () => {
    const rdbBytes = statSync(join(dir, 'dump.rdb')).size;
    const node = await fixture.tsredis(dir);
    const polls = await pollUntilLoaded(node.server.port);
    const during = loadingPolls(polls);
    // Clients were answered while loading went on: several polls saw it, with progress.
    expect(during.length).toBeGreaterThanOrEqual(2);
    for (const poll of during) {
      expect(poll.ping).toBe(LOADING);
      expect(poll.get).toBe(LOADING);
      expect(poll.configSet).toBe(LOADING);
      expect(poll.info.loading_total_bytes).toBe(String(rdbBytes));
      expect(Number(poll.info.loading_start_time)).toBeGreaterThan(0);
      expect(poll.info.loading_loaded_perc).toMatch(/^\d+\.\d\d$/);
      expect(poll.info.loading_eta_seconds).toMatch(/^\d+$/);
    }
    const progress = new Set(during.map((poll) => poll.info.loading_loaded_bytes));
    expect(progress.size).toBeGreaterThanOrEqual(2);
    const last = polls[polls.length - 1]!;
    expect(last.info.loading).toBe('0');
    expect(last.info.loading_total_bytes).toBeUndefined();
    expect(await node.redis.dbsize()).toBe(KEYS);
    expect(await node.redis.get(`key:${KEYS - 1}`)).toBe(`value:${KEYS - 1}`);
    const info = await persistenceInfo(node.redis);
    expect(info.rdb_last_load_keys_loaded).toBe(String(KEYS));
    await fixture.stop(node);
  }, 60_000);

  it('a shutdown during loading never saves the half-loaded dataset over the file', async () => {
    const rdb = join(dir, 'dump.rdb');
    const before = statSync(rdb);
    const node = await fixture.tsredis(dir, ['--save', '900 1']);
    const polls = await pollWhile(node.server.port, (poll) => poll.info.loading !== '1');
    expect(polls.at(-1)!.info.loading).toBe('1');
    const exited = new Promise<number | null>((resolve) => node.server.process.once('exit', (code) => resolve(code)));
    process.kill(node.server.pid, 'SIGTERM');
    expect(await exited).toBe(0);
    const after = statSync(rdb);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
  }, 60_000);

  it("a replica answers LOADING while it loads its master's RDB, then applies what was written meanwhile", async () => {
    const master = hasRealRedis() ? await fixture.real(dir) : await fixture.tsredis(dir);
    expect(await master.redis.dbsize()).toBe(KEYS);
    const replica = await fixture.tsredis(fixture.directory());
    await replica.redis.replicaof('127.0.0.1', String(master.server.port));
    const polls = await pollWhile(replica.server.port, (poll) => poll.info.loading !== '1');
    await master.redis.set('during', 'load');
    const rest = await pollUntilLoaded(replica.server.port);
    const during = loadingPolls([...polls, ...rest]);
    expect(during.length).toBeGreaterThanOrEqual(1);
    for (const poll of during) expect([poll.ping, poll.get]).toEqual([LOADING, LOADING]);
    await waitInSync(master.redis, replica.redis, 60_000);
    expect(await replica.redis.dbsize()).toBe(KEYS + 1);
    expect(await replica.redis.get('during')).toBe('load');
    await fixture.stop(replica);
    await fixture.stop(master);
  }, 90_000);

  it('answers LOADING while an AOF loads; writes made after loading are appended', async () => {
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    const polls = await pollUntilLoaded(node.server.port);
    expect(loadingPolls(polls).length).toBeGreaterThanOrEqual(1);
    expect(loadingPolls(polls)[0]!.get).toBe(LOADING);
    expect(await node.redis.dbsize()).toBe(KEYS);
    expect(await node.redis.set('after', 'load')).toBe('OK');
    await fixture.stop(node);
    // The AOF was opened once loading ended: the write went to its incr file.
    expect(incrText(dir).toLowerCase()).toContain('*3\r\n$3\r\nset\r\n$5\r\nafter\r\n$4\r\nload\r\n');
  }, 60_000);
});
