import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw.js';
import { hasRealRedis, startRealRedis, startTsredis, type RunningServer } from '../helpers/servers.js';

/**
 * MIGRATE outside cluster mode, byte for byte: the same conversation runs real→real,
 * tsredis→tsredis, tsredis→real and real→tsredis, and every reply (from the source and from the
 * target reading what arrived) must be the real pair's. Covers every data type, TTLs, COPY,
 * REPLACE, KEYS, +NOKEY, BUSYKEY and AUTH errors relayed from the target, another database,
 * argument errors, IOERR for a closed port, the cached connection count and the keyspace stats.
 */

const real = hasRealRedis();
if (!real) console.warn('redis-server is not installed: the MIGRATE comparisons are SKIPPED');

/** Steps: 's' runs on the source, 'd' on the target; DST and CLOSED are replaced by ports. */
type Step = readonly ['s' | 'd', ...string[]];

const CONVERSATION: readonly Step[] = [
  ['s', 'FLUSHALL'],
  ['d', 'FLUSHALL'],
  ['s', 'CONFIG', 'RESETSTAT'],
  ['s', 'SET', 'k', 'v'],
  ['s', 'SET', 'n', '12345'],
  ['s', 'RPUSH', 'l', 'a', 'b', 'c'],
  ['s', 'HSET', 'h', 'f', 'v', 'g', 'w'],
  ['s', 'ZADD', 'z', '1', 'a', '2.5', 'b'],
  ['s', 'SADD', 's', 'x', 'y', '1'],
  ['s', 'XADD', 'st', '1-1', 'f', 'v'],
  ['s', 'SET', 't', 'v', 'PX', '100000'],
  ['s', 'SET', 'busy', 'mine'],
  ['d', 'SET', 'busy', 'theirs'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0', '1000'],
  ['s', 'EXISTS', 'k'],
  ['d', 'GET', 'k'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'busy', '0', '1000'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'busy', '0', '1000', 'COPY'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'busy', '0', '1000', 'COPY', 'REPLACE'],
  ['s', 'GET', 'busy'],
  ['d', 'GET', 'busy'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', '', '0', '1000', 'KEYS', 'n', 'l', 'h', 'z', 's', 'st', 'missing'],
  ['s', 'DBSIZE'],
  ['d', 'GET', 'n'],
  ['d', 'OBJECT', 'ENCODING', 'n'],
  ['d', 'LRANGE', 'l', '0', '-1'],
  ['d', 'HGETALL', 'h'],
  ['d', 'ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
  ['d', 'SORT', 's', 'ALPHA'],
  ['d', 'XRANGE', 'st', '-', '+'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 't', '3', '1000'],
  ['d', 'SELECT', '3'],
  ['d', 'EXISTS', 't'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'missing', '0', '1000'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', '', '0', '1000', 'KEYS', 'missing', 'gone'],
  ['s', 'SET', 'k', 'again'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0', '1000', 'AUTH', 'secret'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0', '1000', 'AUTH2', 'user', 'secret'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '99', '1000'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0', '1000', 'AUTH'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0', '1000', 'AUTH2', 'user'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0', '1000', 'BOGUS'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0', '1000', 'KEYS', 'k'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', 'x', '1000'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0', 'x'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0'],
  ['s', 'MIGRATE', '127.0.0.1', 'CLOSED', 'k', '0', '200'],
  ['s', 'MIGRATE', 'no-such-host.invalid', '1', 'k', '0', '200'],
  ['s', 'MIGRATE', '127.0.0.1', 'DST', 'k', '0', '0', 'REPLACE'],
  ['d', 'SELECT', '0'],
  ['d', 'GET', 'k'],
  ['s', 'INFO', 'stats'],
];

/** The INFO stats lines MIGRATE changes (the cached connections depend on a source's history: see below). */
function statsLines(reply: string): string {
  return reply
    .split('\r\n')
    .filter((line) => /^(keyspace_hits|keyspace_misses):/.test(line))
    .join(',');
}

async function cachedSockets(server: RunningServer): Promise<string> {
  const client = await RawClient.connect(server.port);
  try {
    return /migrate_cached_sockets:\d+/.exec(await client.call('INFO', 'stats'))![0];
  } finally {
    client.destroy();
  }
}

async function converse(source: RunningServer, target: RunningServer, closedPort: number): Promise<string[]> {
  const [s, d] = await Promise.all([RawClient.connect(source.port), RawClient.connect(target.port)]);
  try {
    const lines: string[] = [];
    for (const [side, ...argv] of CONVERSATION) {
      const words = argv.map((word) => (word === 'DST' ? String(target.port) : word === 'CLOSED' ? String(closedPort) : word));
      const reply = await (side === 's' ? s : d).call(...words);
      lines.push(`${side}: ${argv.join(' ')} → ${argv[0] === 'INFO' ? statsLines(reply) : reply}`);
    }
    return lines;
  } finally {
    s.destroy();
    d.destroy();
  }
}

describe.skipIf(!real)('MIGRATE between standalone servers, against redis-server', () => {
  let realA: RunningServer;
  let realB: RunningServer;
  let oursA: RunningServer;
  let oursB: RunningServer;
  let closedPort: number;
  let expected: string[];

  beforeAll(async () => {
    [realA, realB, oursA, oursB] = await Promise.all([startRealRedis(), startRealRedis(), startTsredis(), startTsredis()]);
    closedPort = await freePort();
    expected = await converse(realA, realB, closedPort);
    // One connection to the target stays cached; the failed ones are not kept.
    expect(await cachedSockets(realA)).toBe('migrate_cached_sockets:1');
  }, 30_000);

  afterAll(async () => {
    await Promise.all([realA, realB, oursA, oursB].map((server) => server?.stop()));
  });

  it('real → real moves everything it should (sanity of the script)', () => {
    expect(expected).toContain('s: MIGRATE 127.0.0.1 DST k 0 1000 → +OK\r\n');
    expect(expected).toContain('s: MIGRATE 127.0.0.1 DST missing 0 1000 → +NOKEY\r\n');
  });

  it('tsredis → tsredis replies like real → real', async () => {
    expect(await converse(oursA, oursB, closedPort)).toEqual(expected);
    expect(await cachedSockets(oursA)).toBe('migrate_cached_sockets:1');
  });

  it('tsredis → real redis replies like real → real', async () => {
    expect(await converse(oursA, realB, closedPort)).toEqual(expected);
  });

  it('real redis → tsredis replies like real → real', async () => {
    expect(await converse(realA, oursB, closedPort)).toEqual(expected);
  });
});
