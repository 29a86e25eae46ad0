import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { RawClient } from '../../../../test/helpers/raw.js';
import { hasRealRedis, startRealRedis, startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';

/** A command, or a pause (ms) that lets a TTL pass. */
type Step = string[] | number;

/**
 * Scenarios run with notify-keyspace-events set to `flags`; every published event is captured
 * by a second connection subscribed to `__key*__:*` and compared with real Redis.
 */
const SCENARIOS: Record<string, { flags: string; steps: Step[] }> = {
  'strings': {
    flags: 'KEA',
    steps: [
      ['SET', 's', 'v'], ['SET', 's', 'w', 'EX', '100'], ['SET', 's', 'x', 'NX'], ['SET', 's', 'y', 'XX', 'KEEPTTL'],
      ['SET', 's', 'z', 'GET'], ['SETNX', 's', 'x'], ['SETNX', 's2', 'x'], ['SETEX', 's3', '100', 'v'],
      ['PSETEX', 's4', '100000', 'v'], ['GETSET', 's', 'g'], ['GETDEL', 's2'], ['GETDEL', 's2'],
      ['GETEX', 's3', 'EX', '50'], ['GETEX', 's3', 'PERSIST'], ['GETEX', 's3', 'PERSIST'], ['GETEX', 's4', 'PXAT', '1'],
      ['MSET', 'a', '1', 'b', '2'], ['MSETNX', 'a', '1', 'c', '3'], ['MSETNX', 'c', '3', 'd', '4'],
      ['INCR', 'n'], ['DECR', 'n'], ['INCRBY', 'n', '5'], ['DECRBY', 'n', '2'], ['INCR', 's'],
      ['INCRBYFLOAT', 'f', '1.5'], ['APPEND', 's', 'x'], ['APPEND', 'new', 'x'], ['SETRANGE', 's', '2', 'zz'],
      ['SETRANGE', 's', '1', ''], ['SETRANGE', 'fresh', '3', 'x'], ['GET', 's'], ['STRLEN', 's'],
    ],
  },
  'bitmaps and HyperLogLog': {
    flags: 'KEA',
    steps: [
      ['SETBIT', 'b', '7', '1'], ['SETBIT', 'b', '7', '1'], ['SETBIT', 'b', '100', '0'], ['SETBIT', 'b', '7', '0'],
      ['BITOP', 'OR', 'dest', 'b'], ['BITOP', 'AND', 'dest', 'missing'], ['BITOP', 'AND', 'dest', 'missing'],
      ['BITFIELD', 'bf', 'SET', 'u8', '0', '255'], ['BITFIELD', 'bf', 'GET', 'u8', '0'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '10'], ['BITFIELD', 'bf', 'INCRBY', 'u8', '0', '1'],
      ['PFADD', 'h', 'a', 'b'], ['PFADD', 'h', 'a'], ['PFADD', 'h2'], ['PFADD', 'h2'], ['PFMERGE', 'h3', 'h', 'h2'],
      ['PFCOUNT', 'h'],
    ],
  },
  'keys and TTLs': {
    flags: 'KEA',
    steps: [
      ['SET', 'k', 'v'], ['SET', 'k2', 'v'], ['DEL', 'k', 'missing', 'k2'], ['SET', 'k', 'v'], ['UNLINK', 'k'],
      ['SET', 'k', 'v'], ['EXPIRE', 'k', '100'], ['PEXPIRE', 'k', '100000', 'NX'], ['EXPIREAT', 'k', '4000000000'],
      ['PERSIST', 'k'], ['PERSIST', 'k'], ['PEXPIREAT', 'k', '1'], ['SET', 'k', 'v'], ['EXPIRE', 'k', '-1'],
      ['SET', 'a', '1'], ['SET', 'b', '2'], ['RENAME', 'a', 'b'], ['RENAME', 'b', 'b'], ['RENAMENX', 'b', 'c'],
      ['SET', 'b', '1'], ['RENAMENX', 'b', 'c'], ['MOVE', 'c', '1'], ['MOVE', 'b', '1'], ['COPY', 'b', 'b2'],
      ['COPY', 'b', 'b2'], ['COPY', 'b', 'b2', 'REPLACE'], ['COPY', 'b', 'b3', 'DB', '2'], ['SELECT', '1'],
      ['SET', 'inone', 'x'], ['DEL', 'inone', 'c'], ['SELECT', '0'], ['FLUSHDB'], ['SWAPDB', '0', '1'],
    ],
  },
  'hashes and sets': {
    flags: 'KEA',
    steps: [
      ['HSET', 'h', 'f', '1', 'g', '2'], ['HSET', 'h', 'f', '1'], ['HMSET', 'h', 'f', '3'], ['HSETNX', 'h', 'f', '1'],
      ['HSETNX', 'h', 'z', '1'], ['HINCRBY', 'h', 'f', '2'], ['HINCRBYFLOAT', 'h', 'f', '0.5'], ['HDEL', 'h', 'nope'],
      ['HDEL', 'h', 'f', 'g'], ['HDEL', 'h', 'z'], ['HINCRBY', 'h2', 'x', '1'],
      ['SADD', 's', 'a', 'b', 'c'], ['SADD', 's', 'a'], ['SREM', 's', 'x'], ['SREM', 's', 'a'], ['SMOVE', 's', 't', 'b'],
      ['SMOVE', 's', 't', 'b'], ['SMOVE', 's', 't', 'c'], ['SADD', 'u', '1', '2', '3', '4'], ['SPOP', 'u'],
      ['SPOP', 'u', '0'], ['SPOP', 'u', '1'], ['SPOP', 'u', '5'], ['SADD', 'p', 'x'], ['SPOP', 'p'],
      ['SADD', 'x', '1', '2'], ['SADD', 'y', '2', '3'], ['SINTERSTORE', 'd', 'x', 'y'], ['SUNIONSTORE', 'd', 'x', 'y'],
      ['SDIFFSTORE', 'd', 'x', 'x'], ['SDIFFSTORE', 'd', 'x', 'x'], ['SINTERSTORE', 'd', 'x', 'missing'],
      ['SINTERSTORE', 'x', 'x', 'missing'], ['SMEMBERS', 'y'],
    ],
  },
  'streams': {
    flags: 'KEA',
    steps: [
      ['XADD', 'st', '1-1', 'f', 'v'], ['XADD', 'st', '2-1', 'f', 'v'], ['XADD', 'st', 'MAXLEN', '1', '3-1', 'f', 'v'],
      ['XADD', 'nostream', 'NOMKSTREAM', '*', 'f', 'v'], ['XDEL', 'st', '9-9'], ['XDEL', 'st', '3-1'],
      ['XADD', 'st', '4-1', 'f', 'v'], ['XTRIM', 'st', 'MAXLEN', '5'], ['XTRIM', 'st', 'MAXLEN', '0'],
      ['XSETID', 'st', '10-1'], ['XGROUP', 'CREATE', 'st', 'g', '$'], ['XGROUP', 'CREATE', 'st', 'g', '$'],
      ['XGROUP', 'CREATE', 'st2', 'g', '$', 'MKSTREAM'], ['XGROUP', 'SETID', 'st', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 'st', 'g', 'c1'], ['XGROUP', 'CREATECONSUMER', 'st', 'g', 'c1'],
      ['XADD', 'st', '11-1', 'f', 'v'], ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 'st', '>'],
      ['XCLAIM', 'st', 'g', 'c3', '0', '11-1'], ['XAUTOCLAIM', 'st', 'g', 'c4', '0', '0'],
      ['XGROUP', 'DELCONSUMER', 'st', 'g', 'c1'], ['XGROUP', 'DELCONSUMER', 'st', 'g', 'nobody'],
      ['XGROUP', 'DESTROY', 'st', 'g'], ['XGROUP', 'DESTROY', 'st', 'g'],
    ],
  },
  'new keys and misses (n and m)': {
    flags: 'KEAnm',
    steps: [
      ['SET', 'a', '1'], ['SET', 'a', '2'], ['GET', 'missing'], ['MGET', 'a', 'm1', 'm2'], ['EXISTS', 'nokey'],
      ['TYPE', 'nokey'], ['TTL', 'nokey'], ['OBJECT', 'ENCODING', 'nokey'], ['HGET', 'noh', 'f'],
      ['SMEMBERS', 'nos'], ['XRANGE', 'nox', '-', '+'], ['PFCOUNT', 'nohll'], ['GETBIT', 'nob', '1'],
      ['SADD', 's', 'x'], ['HSET', 'h', 'f', 'v'], ['XADD', 'x', '1-1', 'f', 'v'], ['PFADD', 'hll', 'a'],
      ['RENAME', 'a', 'b'], ['COPY', 'b', 'c'], ['INCR', 'n'],
    ],
  },
  'only some classes: generic and expired, keyevent only': {
    flags: 'Egx',
    steps: [['SET', 'k', 'v'], ['DEL', 'k'], ['SADD', 's', 'a'], ['EXPIRE', 's', '100'], ['SET', 't', 'v', 'PX', '1'], 20, ['GET', 't']],
  },
  'expired keys': {
    flags: 'KEA',
    // One key expires per pause: lazy and active expiry would otherwise race over their order.
    steps: [['SET', 'k', 'v', 'PX', '1'], 20, ['GET', 'k'], ['HSET', 'h', 'f', 'v'], ['PEXPIRE', 'h', '1'], 20, ['HGET', 'h', 'f'], ['EXISTS', 'k']],
  },
};

/** Runs the steps on a fresh server state and returns every notification as "channel → payload". */
async function capture(port: number, flags: string, steps: readonly Step[]): Promise<string[]> {
  const actor = await RawClient.connect(port);
  const listener = await RawClient.connect(port);
  try {
    await actor.call('FLUSHALL');
    await actor.call('CONFIG', 'SET', 'notify-keyspace-events', flags);
    await listener.call('PSUBSCRIBE', '__key*__:*');
    await listener.call('SUBSCRIBE', 'end-of-scenario');
    const replies: string[] = [];
    for (const step of steps) {
      if (typeof step === 'number') await new Promise((resolve) => setTimeout(resolve, step));
      else replies.push(await actor.call(...step));
    }
    await actor.call('PUBLISH', 'end-of-scenario', 'done');
    const events: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const message = await listener.reply();
      if (message.includes('end-of-scenario')) break;
      events.push(message.replace(/\r\n/g, ' '));
    }
    return events;
  } finally {
    await actor.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    actor.destroy();
    listener.destroy();
  }
}

if (!hasRealRedis()) console.warn('notify.test.ts: redis-server is not installed — SKIPPING the comparisons with real Redis');

describe.skipIf(!hasRealRedis())('keyspace notifications match real Redis', () => {
  let ours: RunningServer;
  let real: RunningServer;

  beforeAll(async () => {
    [ours, real] = await Promise.all([startTsredis(), startRealRedis()]);
  });

  afterAll(async () => {
    await Promise.all([ours?.stop(), real?.stop()]);
  });

  for (const [name, { flags, steps }] of Object.entries(SCENARIOS)) {
    it(`${name} (${flags})`, async () => {
      const expected = await capture(real.port, flags, steps);
      expect(expected.length).toBeGreaterThan(0);
      expect(await capture(ours.port, flags, steps)).toEqual(expected);
    });
  }

  it('CONFIG GET shows the normalised classes', async () => {
    for (const flags of ['KEA', 'KEAn', 'gn$K', 'Exm', '']) {
      const replies: string[] = [];
      for (const port of [real.port, ours.port]) {
        const client = await RawClient.connect(port);
        await client.call('CONFIG', 'SET', 'notify-keyspace-events', flags);
        replies.push(await client.call('CONFIG', 'GET', 'notify-keyspace-events'));
        await client.call('CONFIG', 'SET', 'notify-keyspace-events', '');
        client.destroy();
      }
      expect(replies[1]).toBe(replies[0]);
    }
  });
});

describe('keyspace notifications through ioredis', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTsredis(['--notify-keyspace-events', 'Ex']);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('publishes "expired" when the active cycle removes a key nobody touches', async () => {
    const subscriber = new Redis(server.port);
    const client = new Redis(server.port);
    try {
      const expired = new Promise<[string, string]>((resolve) => subscriber.on('message', (channel, key) => resolve([channel, key])));
      await subscriber.subscribe('__keyevent@0__:expired');
      await client.set('short-lived', 'v', 'PX', 30);
      expect(await expired).toEqual(['__keyevent@0__:expired', 'short-lived']);
    } finally {
      subscriber.disconnect();
      client.disconnect();
    }
  });
});
