import { expect, it } from 'vitest';
import { describeAgainstRealRedis, itMatchesRealRedisWith } from '../helpers/compare.js';
import { RawClient } from '../helpers/raw.js';
import { replayTracking, type Step } from './conversation.js';

/**
 * Client-side caching against a real redis-server: the replies of CLIENT TRACKING & co. and the
 * invalidation messages every connection receives (RESP3 pushes, RESP2 via a redirect client
 * subscribed to __redis__:invalidate), byte for byte, in RESP2 and RESP3.
 */

const SCENARIOS: Record<string, readonly Step[]> = {
  'default mode: reads are remembered, writes invalidate once': [
    [0, 'CLIENT', 'TRACKING', 'on'],
    [0, 'SET', 'a', '1'],
    [0, 'GET', 'a'],
    [1, 'SET', 'a', '2'],
    [1, 'SET', 'a', '3'],
    [0, 'MGET', 'a', 'b', 'c'],
    [0, 'SET', 'a', '4'],
    [0, 'HGETALL', 'h'],
    [1, 'HSET', 'h', 'f', 'v'],
    [0, 'STRLEN', 'b'],
    [1, 'DEL', 'b', 'c'],
    [0, 'CLIENT', 'TRACKINGINFO'],
    [0, 'CLIENT', 'GETREDIR'],
    [0, 'CLIENT', 'TRACKING', 'off'],
    [0, 'CLIENT', 'TRACKINGINFO'],
    [0, 'CLIENT', 'GETREDIR'],
  ],
  'redirect to a subscriber of __redis__:invalidate': [
    [1, 'SUBSCRIBE', '__redis__:invalidate'],
    [0, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '{id:1}'],
    [0, 'CLIENT', 'GETREDIR'],
    [0, 'CLIENT', 'TRACKINGINFO'],
    [0, 'MGET', 'a', 'b'],
    [2, 'MSET', 'a', '1', 'b', '2'],
    [0, 'GET', 'a'],
    [0, 'FLUSHALL'],
    [0, 'GET', 'a'],
    [2, 'FLUSHDB'],
    [2, 'SWAPDB', '0', '1'],
    [1, 'QUIT'],
    [0, 'GET', 'a'],
    [2, 'SET', 'a', 'x'],
    [0, 'CLIENT', 'TRACKINGINFO'],
  ],
  'broadcast mode with prefixes and NOLOOP': [
    [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'obj:'],
    [1, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP'],
    [2, 'SET', 'user:1', 'a'],
    [2, 'MSET', 'obj:2', 'b', 'user:3', 'c', 'other', '1', 'user:0', 'z'],
    [1, 'SET', 'mine', '1'],
    [1, 'MSET', 'mine', '2', 'user:9', '1'],
    [1, 'EVAL', "redis.call('set', KEYS[1], '1')", '1', 'scripted'],
    [1, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', '{id:1}'],
    [2, 'SET', 'self', '1'],
    [0, 'GET', 'user:1'],
    [0, 'CLIENT', 'TRACKINGINFO'],
    [1, 'CLIENT', 'TRACKINGINFO'],
    [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'us'],
    [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'xy'],
    [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'new:'],
    [0, 'CLIENT', 'TRACKINGINFO'],
    [0, 'CLIENT', 'TRACKING', 'on'],
    [2, 'FLUSHALL'],
    [0, 'CLIENT', 'TRACKING', 'off'],
    [0, 'CLIENT', 'TRACKING', 'on'],
    [0, 'CLIENT', 'TRACKINGINFO'],
  ],
  'NOLOOP, OPTIN and OPTOUT': [
    [0, 'CLIENT', 'TRACKING', 'on', 'NOLOOP'],
    [0, 'GET', 'k'],
    [0, 'SET', 'k', '1'],
    [0, 'GET', 'k'],
    [1, 'SET', 'k', '2'],
    [0, 'CLIENT', 'TRACKING', 'off'],
    [0, 'CLIENT', 'TRACKING', 'on', 'OPTIN'],
    [0, 'GET', 'a'],
    [1, 'SET', 'a', '1'],
    [0, 'CLIENT', 'CACHING', 'yes'],
    [0, 'CLIENT', 'TRACKINGINFO'],
    [0, 'GET', 'a'],
    [0, 'CLIENT', 'TRACKINGINFO'],
    [1, 'SET', 'a', '2'],
    [0, 'CLIENT', 'CACHING', 'yes'],
    [0, 'MULTI'],
    [0, 'GET', 'a'],
    [0, 'GET', 'b'],
    [0, 'EXEC'],
    [1, 'MSET', 'a', '3', 'b', '3'],
    [0, 'CLIENT', 'CACHING', 'no'],
    [0, 'CLIENT', 'TRACKING', 'on', 'OPTOUT'],
    [0, 'CLIENT', 'TRACKING', 'off'],
    [0, 'CLIENT', 'TRACKING', 'on', 'OPTOUT'],
    [0, 'CLIENT', 'CACHING', 'no'],
    [0, 'GET', 'a'],
    [0, 'GET', 'b'],
    [1, 'MSET', 'a', '4', 'b', '4'],
    [0, 'CLIENT', 'TRACKINGINFO'],
  ],
  'own writes inside MULTI and scripts are invalidated after the reply': [
    [0, 'CLIENT', 'TRACKING', 'on'],
    [0, 'GET', 'a'],
    [0, 'MULTI'],
    [0, 'SET', 'a', '1'],
    [0, 'GET', 'a'],
    [0, 'SET', 'a', '2'],
    [0, 'EXEC'],
    [0, 'EVAL', "return redis.call('get', KEYS[1])", '1', 'a'],
    [1, 'SET', 'a', '3'],
    [0, 'EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'b'],
    [0, 'EVAL', "redis.call('set', KEYS[1], 'x') return redis.call('get', KEYS[1])", '1', 'b'],
    [0, 'EVAL', 'return 1', '1', 'c'],
    [1, 'SET', 'c', '1'],
    [0, 'MULTI'],
    [0, 'EVAL', "return redis.call('get', KEYS[1])", '1', 'e'],
    [0, 'FCALL_RO', 'nosuchfunction', '1', 'e'],
    [0, 'EXEC'],
    [1, 'SET', 'e', '1'],
    [0, 'GET', 'd'],
    [0, 'FLUSHALL'],
    [0, 'GET', 'd'],
    [0, 'MULTI'],
    [0, 'FLUSHDB'],
    [0, 'FLUSHALL'],
    [0, 'EXEC'],
  ],
  // TTLs leave room for a loaded machine: a key must still live when it is read just after SET.
  'expired keys (lazily, active expiry off) and evicted keys invalidate': [
    [0, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    [0, 'CLIENT', 'TRACKING', 'on'],
    [1, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP'],
    [0, 'SET', 'a', '1', 'PX', '150'],
    [0, 'GET', 'a'],
    [1, 'SET', 'b', '1', 'PX', '150'],
    [0, 'SLEEP', '300'],
    [0, 'GET', 'a'],
    [1, 'GET', 'b'],
    [0, 'GET', 'c'],
    [2, 'SET', 'c', 'x', 'PX', '150'],
    [0, 'SLEEP', '300'],
    [2, 'EXISTS', 'c'],
    [0, 'DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    [0, 'SET', 'big', 'x'],
    [0, 'GET', 'big'],
    [2, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'],
    [2, 'CONFIG', 'SET', 'maxmemory', '1'],
    [2, 'GET', 'nothing'],
    [2, 'CONFIG', 'SET', 'maxmemory', '0'],
  ],
  'errors of CLIENT TRACKING and CLIENT CACHING': [
    [0, 'CLIENT', 'CACHING', 'yes'],
    [0, 'CLIENT', 'TRACKING', 'maybe'],
    [0, 'CLIENT', 'TRACKING', 'on', 'PREFIX', 'x'],
    [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'],
    [0, 'CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
    [0, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999'],
    [0, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x'],
    [0, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '{id:1}', 'REDIRECT', '{id:1}'],
    [0, 'CLIENT', 'TRACKING', 'on', 'REDIRECT'],
    [0, 'CLIENT', 'TRACKING', 'on', 'bogus'],
    [0, 'CLIENT', 'TRACKING', 'off', 'PREFIX', 'x'],
    [0, 'CLIENT', 'TRACKING', 'off', 'bogus'],
    [0, 'CLIENT', 'TRACKING'],
    [0, 'CLIENT', 'TRACKING', 'on', 'OPTIN'],
    [0, 'CLIENT', 'CACHING', 'no'],
    [0, 'CLIENT', 'CACHING', 'maybe'],
    [0, 'CLIENT', 'CACHING'],
    [0, 'CLIENT', 'TRACKING', 'on', 'OPTOUT'],
    [0, 'CLIENT', 'TRACKING', 'on', 'BCAST'],
    [0, 'CLIENT', 'TRACKINGINFO', 'x'],
    [0, 'CLIENT', 'GETREDIR', 'x'],
    [0, 'RESET'],
    [0, 'CLIENT', 'TRACKINGINFO'],
  ],
};

/** Some scenarios switch the active expire cycle off with DEBUG SET-ACTIVE-EXPIRE. */
const DEBUG = ['--enable-debug-command', 'yes'];

describeAgainstRealRedis('test/tracking/tracking.test.ts', 'client-side caching matches Redis 7.0', (servers) => {
  itMatchesRealRedisWith(servers, SCENARIOS, replayTracking);

  // Redis sheds a random key: which one of the two is masked.
  it('tracking-table-max-keys sheds keys as if they changed', async () => {
    const { ours, real } = servers();
    const steps: Step[] = [
      [0, 'CLIENT', 'TRACKING', 'on'],
      [0, 'MSET', 'k1', '1', 'k2', '2'],
      [0, 'GET', 'k1'],
      [1, 'CONFIG', 'SET', 'tracking-table-max-keys', '1'],
      [0, 'GET', 'k2'],
      [1, 'PING'],
      [1, 'CONFIG', 'SET', 'tracking-table-max-keys', '1000000'],
    ];
    const masked = async (port: number) => (await replayTracking(port, 3, steps)).map((line) => line.replace(/\$2\r\nk[12]\r\n/, 'k?'));
    const expected = await masked(real.port);
    expect(expected.filter((line) => line.includes('invalidate'))).toHaveLength(1);
    expect(await masked(ours.port)).toEqual(expected);
  });

  // Redis's tracking.tcl: a key evicted before a command runs is invalidated before its reply.
  it('keys evicted before a command are invalidated before its reply', async () => {
    const { ours, real } = servers();
    const evictionOrder = async (port: number): Promise<string> => {
      const client = await RawClient.connect(port);
      try {
        await client.call('HELLO', '3');
        await client.call('FLUSHALL');
        await client.call('CLIENT', 'TRACKING', 'on');
        await client.call('SET', 'key1', 'bar');
        const used = Number(/used_memory:(\d+)/.exec(await client.call('INFO', 'memory'))![1]);
        await client.call('CONFIG', 'SET', 'maxmemory', String(used + 100 * 1024));
        await client.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-random');
        await client.call('SETEX', 'volatile-key', '10000', 'x');
        await client.call('GET', 'volatile-key');
        await client.call('SETBIT', 'big-key', '1600000', '0');
        const replies = [await client.call('GETBIT', 'big-key', '0'), await client.reply()];
        await client.call('CONFIG', 'SET', 'maxmemory', '0');
        await client.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
        return replies.join('');
      } finally {
        client.destroy();
      }
    };
    const expected = await evictionOrder(real.port);
    expect(expected).toBe('>2\r\n$10\r\ninvalidate\r\n*1\r\n$12\r\nvolatile-key\r\n:0\r\n');
    expect(await evictionOrder(ours.port)).toEqual(expected);
  });

  it('CLIENT LIST shows the t, B and R flags and redir=', async () => {
    const { ours, real } = servers();
    const flagsOf = async (port: number): Promise<string[]> => {
      const [a, b, c] = await Promise.all([RawClient.connect(port), RawClient.connect(port), RawClient.connect(port)]);
      try {
        const idOf = async (client: RawClient) => /^:(\d+)/.exec(await client.call('CLIENT', 'ID'))![1]!;
        const redirectId = await idOf(b);
        await a.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', redirectId);
        await c.call('CLIENT', 'TRACKING', 'on', 'BCAST');
        const fields = (info: string) => / flags=(\S+) .* redir=(-?\d+) /.exec(info)!.slice(1).join(' ').replace(redirectId, 'ID');
        const seen = [fields(await a.call('CLIENT', 'INFO')), fields(await c.call('CLIENT', 'INFO'))];
        b.destroy();
        await b.waitClosed();
        await a.call('GET', 'k');
        await c.call('SET', 'k', '1');
        await a.call('PING');
        seen.push(fields(await a.call('CLIENT', 'INFO')));
        return seen;
      } finally {
        for (const client of [a, b, c]) client.destroy();
      }
    };
    const expected = await flagsOf(real.port);
    expect(expected).toEqual(['t ID', 'tB 0', 'tR ID']);
    expect(await flagsOf(ours.port)).toEqual(expected);
  });

  it('INFO counts tracking clients, keys, items and prefixes', async () => {
    const { ours, real } = servers();
    const counters = async (port: number): Promise<string> => {
      const [a, b] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
      try {
        await a.call('FLUSHALL');
        await a.call('CLIENT', 'TRACKING', 'on');
        await b.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p', 'PREFIX', 'q');
        await a.call('MGET', 'k1', 'k2', 'k3');
        const info = await a.call('INFO');
        return info.split('\r\n').filter((line) => line.startsWith('tracking_')).join(' ');
      } finally {
        a.destroy();
        b.destroy();
      }
    };
    const expected = await counters(real.port);
    expect(expected).toContain('tracking_total_keys:3');
    expect(await counters(ours.port)).toEqual(expected);
  });
}, DEBUG);
