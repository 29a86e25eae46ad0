import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { RawClient } from '../../../../test/helpers/raw.js';
import { describeAgainstRealRedis } from '../../../../test/helpers/compare.js';
import { startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';

/**
 * A command, a pause (ms) that lets a TTL pass, or a command sent on blocking connection
 * `blocker` (0, 1, …) that must block there; its reply is read at the end of the scenario.
 */
type Step = string[] | number | { blocker: number; command: string[] };

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
  'lists': {
    flags: 'KEA',
    steps: [
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'], ['LPUSH', 'l', 'z'], ['LPUSHX', 'nol', 'x'], ['RPUSHX', 'nol', 'x'],
      ['LPUSHX', 'l', 'y'], ['RPUSHX', 'l', 'w'], ['LINSERT', 'l', 'BEFORE', 'a', 'q'], ['LINSERT', 'l', 'AFTER', 'nope', 'q'],
      ['LINSERT', 'nol', 'BEFORE', 'a', 'q'], ['LSET', 'l', '0', 'first'], ['LSET', 'l', '99', 'x'], ['LSET', 'nol', '0', 'x'],
      ['LTRIM', 'l', '0', '-1'], ['LTRIM', 'l', '1', '-2'], ['LTRIM', 'nol', '0', '1'], ['LREM', 'l', '0', 'nope'],
      ['LREM', 'l', '1', 'a'], ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '0'], ['LPOP', 'l', '2'], ['RPOP', 'l', '1'],
      ['LPOP', 'nol'], ['RPOP', 'nol', '2'], ['LMPOP', '2', 'nol', 'l', 'LEFT', 'COUNT', '1'], ['LMPOP', '1', 'nol', 'RIGHT'],
      ['RPUSH', 'm', '1', '2'], ['LMOVE', 'm', 'd', 'LEFT', 'RIGHT'], ['RPOPLPUSH', 'm', 'd'], ['RPOPLPUSH', 'm', 'd'],
      ['LMOVE', 'd', 'd', 'LEFT', 'LEFT'], ['RPUSH', 'one', 'x'], ['LMOVE', 'one', 'one', 'RIGHT', 'LEFT'],
      ['SET', 'str', 'v'], ['LMOVE', 'one', 'str', 'LEFT', 'LEFT'], ['LTRIM', 'd', '5', '10'], ['RPUSH', 'r', 'x', 'y', 'x'],
      ['LREM', 'r', '0', 'x'], ['LREM', 'r', '-1', 'y'], ['RPUSH', 't', 'a'], ['LPOP', 't', '5'], ['RPUSH', 'u', 'a', 'b'],
      ['LMPOP', '1', 'u', 'RIGHT', 'COUNT', '9'], ['LRANGE', 'l', '0', '-1'], ['LLEN', 'nol'], ['LINDEX', 'one', '0'],
    ],
  },
  'blocking list commands that find data': {
    flags: 'KEA',
    steps: [
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'], ['BLPOP', 'nol', 'l', '0'], ['BRPOP', 'l', '0'],
      ['BLMPOP', '0', '2', 'nol', 'l', 'LEFT', 'COUNT', '2'], ['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT', '0'],
      ['BRPOPLPUSH', 'l', 'd', '0'], ['BRPOPLPUSH', 'd', 'd', '0'], ['BLMPOP', '0', '1', 'd', 'RIGHT', 'COUNT', '5'],
    ],
  },
  'blocked list clients served by writes': {
    flags: 'KEA',
    steps: [
      { blocker: 0, command: ['BLPOP', 'q1', '0'] }, { blocker: 1, command: ['BRPOP', 'q1', '0'] },
      ['RPUSH', 'q1', 'a', 'b', 'c'],
      { blocker: 2, command: ['BLMPOP', '0', '1', 'q2', 'RIGHT', 'COUNT', '5'] }, ['RPUSH', 'q2', 'a', 'b'],
      { blocker: 3, command: ['BLMOVE', 'q3', 'dst', 'RIGHT', 'LEFT', '0'] }, ['LPUSH', 'q3', 'x'],
      { blocker: 4, command: ['BRPOPLPUSH', 'q4', 'q4', '0'] }, ['RPUSH', 'q4', 'x', 'y'],
      // A served move pushes into a key another client waits on.
      { blocker: 5, command: ['BLMOVE', 'c1', 'c2', 'LEFT', 'RIGHT', '0'] }, { blocker: 6, command: ['BLPOP', 'c2', '0'] },
      ['RPUSH', 'c1', 'v'],
      // The destination turned into a string: the waiter gets WRONGTYPE, the source stays.
      { blocker: 7, command: ['BLMOVE', 'w', 'wd', 'LEFT', 'LEFT', '0'] }, ['SET', 'wd', 's'], ['RPUSH', 'w', 'x'],
      { blocker: 8, command: ['BLPOP', 'mq', '0'] }, ['MULTI'], ['RPUSH', 'mq', 'a'], ['RPUSH', 'mq', 'b'], ['EXEC'],
      { blocker: 9, command: ['BLPOP', 'sq', '0'] }, ['RPUSH', 'src', '2', '1'], ['SORT', 'src', 'STORE', 'sq'],
    ],
  },
  'sorted sets': {
    flags: 'KEA',
    steps: [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZADD', 'z', '1', 'a'], ['ZADD', 'z', 'NX', '5', 'a'],
      ['ZADD', 'z', 'XX', '5', 'nope'], ['ZADD', 'noz', 'XX', '1', 'a'], ['ZADD', 'z', 'CH', '9', 'a'], ['ZADD', 'z', 'GT', '1', 'a'],
      ['ZADD', 'z', 'INCR', '1', 'a'], ['ZADD', 'z', 'INCR', '0', 'a'], ['ZINCRBY', 'z', '0', 'a'], ['ZINCRBY', 'z', '1', 'newm'],
      ['ZADD', 'z', 'NX', 'INCR', '1', 'a'], ['ZADD', 'z', 'inf', 'x'], ['ZINCRBY', 'z', '-inf', 'x'], ['ZREM', 'z', 'nope'],
      ['ZREM', 'z', 'a', 'b'], ['ZREM', 'noz', 'a'], ['ZADD', 'r', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f', '7', 'g'],
      ['ZREMRANGEBYRANK', 'r', '10', '20'], ['ZREMRANGEBYRANK', 'r', '0', '0'], ['ZREMRANGEBYSCORE', 'r', '2', '3'],
      ['ZREMRANGEBYSCORE', 'r', '100', '200'], ['ZREMRANGEBYRANK', 'nor', '0', '1'], ['ZADD', 'lx', '0', 'a', '0', 'b', '0', 'c'],
      ['ZREMRANGEBYLEX', 'lx', '[a', '[b'], ['ZREMRANGEBYLEX', 'lx', '(x', '+'], ['ZREMRANGEBYLEX', 'lx', '-', '+'],
      ['ZPOPMIN', 'r'], ['ZPOPMAX', 'r', '2'], ['ZPOPMIN', 'r', '0'], ['ZPOPMIN', 'noz'], ['ZPOPMAX', 'noz', '3'],
      ['ZMPOP', '2', 'noz', 'r', 'MIN', 'COUNT', '10'], ['ZMPOP', '1', 'noz', 'MAX'],
      ['ZADD', 's1', '1', 'a', '2', 'b'], ['ZADD', 's2', '2', 'b', '3', 'c'], ['ZUNIONSTORE', 'u', '2', 's1', 's2'],
      ['ZINTERSTORE', 'i', '2', 's1', 's2'], ['ZDIFFSTORE', 'd', '2', 's1', 's2'], ['ZDIFFSTORE', 'd', '2', 's1', 's1'],
      ['ZDIFFSTORE', 'd', '2', 's1', 's1'], ['ZUNIONSTORE', 'u', '1', 'nokey'], ['ZINTERSTORE', 's1', '2', 's1', 'nokey'],
      ['ZRANGESTORE', 'rs', 's2', '0', '-1'], ['ZRANGESTORE', 'rs', 's2', '5', '10'], ['ZRANGESTORE', 'rs', 'nokey', '0', '-1'],
      ['ZRANGESTORE', 'rs2', 's2', '(2', '+inf', 'BYSCORE'], ['ZCARD', 'noz'], ['ZRANGE', 'z', '0', '-1'], ['ZREM', 'z', 'c', 'newm', 'x'],
    ],
  },
  'blocking sorted set pops': {
    flags: 'KEA',
    steps: [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['BZPOPMIN', 'noz', 'z', '0'], ['BZPOPMAX', 'z', '0'],
      ['BZMPOP', '0', '2', 'noz', 'z', 'MIN', 'COUNT', '5'],
      { blocker: 0, command: ['BZPOPMIN', 'bz', '0'] }, { blocker: 1, command: ['BZPOPMAX', 'bz', '0'] },
      ['ZADD', 'bz', '1', 'a', '2', 'b', '3', 'c'],
      { blocker: 2, command: ['BZMPOP', '0', '1', 'bz2', 'MAX', 'COUNT', '5'] }, ['ZADD', 'bz2', '1', 'a'],
      { blocker: 3, command: ['BZPOPMIN', 'bz3', '0'] }, ['ZUNIONSTORE', 'bz3', '1', 'bz'],
      { blocker: 4, command: ['BZPOPMAX', 'bz4', '0'] }, ['ZRANGESTORE', 'bz4', 'bz', '0', '-1'],
    ],
  },
  'SORT STORE': {
    flags: 'KEA',
    steps: [
      ['RPUSH', 'l', '3', '1', '2'], ['SORT', 'l', 'STORE', 'out'], ['SORT', 'l', 'DESC', 'STORE', 'out'],
      ['SORT', 'nol', 'STORE', 'out'], ['SORT', 'nol', 'STORE', 'out'], ['SORT', 'l', 'LIMIT', '5', '5', 'STORE', 'out2'],
      ['SORT', 'l', 'STORE', 'l'], ['SADD', 's', 'b', 'a'], ['SORT', 's', 'ALPHA', 'STORE', 'fromset'],
      ['ZADD', 'z', '2', 'x', '1', 'y'], ['SORT', 'z', 'BY', 'nosort', 'STORE', 'fromz'], ['SET', 'w_1', '9'],
      ['SORT', 'l', 'BY', 'w_*', 'GET', '#', 'GET', 'h_*', 'STORE', 'out'], ['SORT', 'l'], ['SORT_RO', 'l'],
    ],
  },
  'lists, sorted sets and SORT: new keys and misses (n and m)': {
    flags: 'KEAnm',
    steps: [
      ['LRANGE', 'nol', '0', '-1'], ['LINDEX', 'nol', '0'], ['LLEN', 'nol'], ['LPOS', 'nol', 'a'], ['LPOP', 'nol'],
      ['LPUSH', 'l', 'b', 'a'], ['RPUSH', 'l', 'c'], ['LMOVE', 'l', 'l2', 'LEFT', 'LEFT'], ['RPOPLPUSH', 'nol', 'x'],
      ['ZSCORE', 'noz', 'a'], ['ZRANGE', 'noz', '0', '-1'], ['ZCARD', 'noz'], ['ZRANK', 'noz', 'a'], ['ZRANDMEMBER', 'noz'],
      ['ZADD', 'z', '1', 'a'], ['ZINCRBY', 'z2', '1', 'a'], ['ZRANGESTORE', 'd', 'noz', '0', '-1'],
      ['ZRANGESTORE', 'd', 'z', '0', '-1'], ['ZUNIONSTORE', 'd2', '2', 'noz', 'z'], ['ZINTER', '2', 'noz', 'z'],
      ['ZPOPMIN', 'noz'], ['ZMPOP', '1', 'noz', 'MIN'], ['SORT', 'nol'], ['SORT', 'l', 'BY', 'w_*', 'GET', 'h_*'],
      ['SORT', 'l', 'ALPHA', 'STORE', 'sorted'], ['BLPOP', 'l', '0'], ['BZPOPMIN', 'z', '0'],
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
  const blockers = new Map<number, RawClient>();
  try {
    await actor.call('FLUSHALL');
    await actor.call('CONFIG', 'SET', 'notify-keyspace-events', flags);
    await listener.call('PSUBSCRIBE', '__key*__:*');
    await listener.call('SUBSCRIBE', 'end-of-scenario');
    for (const step of steps) {
      if (typeof step === 'number') await sleep(step);
      else if (Array.isArray(step)) await actor.call(...step);
      else await block(actor, blockers, port, step.blocker, step.command);
    }
    await actor.call('PUBLISH', 'end-of-scenario', 'done');
    const events: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const message = await listener.reply();
      if (message.includes('end-of-scenario')) break;
      events.push(message.replace(/\r\n/g, ' '));
    }
    // Every blocked command must have been served: its reply is part of the comparison.
    for (const [index, blocker] of blockers) events.push(`blocker ${index} → ${(await blocker.reply(3000)).replace(/\r\n/g, ' ')}`);
    return events;
  } finally {
    await actor.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    actor.destroy();
    listener.destroy();
    for (const blocker of blockers.values()) blocker.destroy();
  }
}

/** Sends `command` on blocking connection `index` and waits (bounded) until the server counts it blocked. */
async function block(actor: RawClient, blockers: Map<number, RawClient>, port: number, index: number, command: string[]): Promise<void> {
  let blocker = blockers.get(index);
  if (blocker === undefined) blockers.set(index, (blocker = await RawClient.connect(port)));
  const before = await blockedClients(actor);
  blocker.command(...command);
  for (let i = 0; i < 400 && (await blockedClients(actor)) === before; i++) await sleep(5);
}

async function blockedClients(client: RawClient): Promise<number> {
  return Number(/blocked_clients:(\d+)/.exec(await client.call('INFO', 'clients'))![1]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describeAgainstRealRedis('notify.test.ts', 'keyspace notifications match real Redis', (servers) => {
  for (const [name, { flags, steps }] of Object.entries(SCENARIOS)) {
    it(`${name} (${flags})`, async () => {
      const { ours, real } = servers();
      const expected = await capture(real.port, flags, steps);
      expect(expected.length).toBeGreaterThan(0);
      expect(await capture(ours.port, flags, steps)).toEqual(expected);
    });
  }

  it('CONFIG GET shows the normalised classes', async () => {
    const { ours, real } = servers();
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
