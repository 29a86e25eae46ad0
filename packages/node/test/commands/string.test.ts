import { expect, it } from 'vitest';
import { describeAgainstRealRedis, expectSameReplies, itMatchesRealRedis, keyspaceLines } from '../../../../test/helpers/compare.js';
import { describeWithTsredis } from '../../../../test/helpers/ioredis.js';
import { RawClient, replayScript } from '../../../../test/helpers/raw.js';
import { Rng } from '../../../../test/differential/generator.js';

/**
 * Scripts replayed on real Redis and on tsredis from FLUSHALL, compared reply by reply as raw
 * bytes in RESP2 and RESP3. TTLs are read in seconds only, so the clock's millisecond never shows.
 */
const SCRIPTS: Record<string, string[][]> = {
  'SET options, their conflicts and expire errors': [
    ['SET', 'k', 'v'], ['GET', 'k'], ['GET', 'nokey'], ['SET', 'k', 'v', 'NX'], ['SET', 'k', 'v', 'XX'],
    ['SET', 'k2', 'v', 'XX'], ['SET', 'k2', 'v', 'NX'], ['SET', 'k', 'v', 'NX', 'XX'],
    ['SET', 'k', 'v', 'XX', 'NX'], ['SET', 'k', 'v', 'nx', 'nx'], ['SET', 'k', 'v', 'EX', '10'], ['TTL', 'k'],
    ['SET', 'k', 'v', 'EX', '10', 'PX', '100'], ['SET', 'k', 'v', 'EX', '10', 'EX', '20'], ['TTL', 'k'],
    ['SET', 'k', 'v', 'PX', '100', 'PX', '200000'], ['TTL', 'k'], ['SET', 'k', 'v', 'EX'],
    ['SET', 'k', 'v', 'EX', '0'], ['SET', 'k', 'v', 'EX', '-1'], ['SET', 'k', 'v', 'EX', 'abc'],
    ['SET', 'k', 'v', 'EX', '1.5'], ['SET', 'k', 'v', 'PX', '0'], ['SET', 'k', 'v', 'EXAT', '0'],
    ['SET', 'k', 'v', 'PXAT', '-5'], ['SET', 'k', 'v', 'EX', '9223372036854775'],
    ['SET', 'k', 'v', 'EX', '9223372036854776'], ['SET', 'k', 'v', 'EX', '9223372036854775807'],
    ['SET', 'k', 'v', 'PX', '9223372036854775807'], ['SET', 'k', 'v', 'PX', '9223372036854770000'],
    ['SET', 'k', 'v', 'PXAT', '9223372036854775807'], ['SET', 'k', 'v', 'EXAT', '9223372036854775'],
    ['SET', 'k', 'v', 'EX', '99999999999999999999'], ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'],
    ['SET', 'k', 'v', 'EX', '10', 'KEEPTTL'], ['SET', 'k', 'v', 'EX', '100'], ['SET', 'k', 'v2', 'KEEPTTL'],
    ['TTL', 'k'], ['GET', 'k'], ['SET', 'k', 'v3'], ['TTL', 'k'], ['SET', 'k', 'v', 'GET'],
    ['SET', 'k', 'v4', 'GET', 'NX'], ['SET', 'k', 'v5', 'GET', 'XX'], ['SET', 'k7', 'v5', 'GET', 'XX'],
    ['GET', 'k7'], ['SET', 'k7', 'v5', 'GET', 'NX'], ['SET', 'k7', 'v6', 'GET', 'NX'],
    ['SET', 'k', 'v', 'GET', 'GET'], ['SET', 'k', 'v', 'EX', '0', 'GET'],
    ['SET', 'k', 'v', 'EX', 'abc', 'NX', 'XX'], ['SET', 'k', 'v', 'NX', 'XX', 'EX', 'abc'],
    ['SET', 'k', 'v', 'EX', 'abc', 'FOO'], ['SET', 'k', 'v', 'FOO', 'EX', 'abc'], ['SET', 'k', 'v', 'PERSIST'],
    ['SET', 'k', 'v', 'PXAT', '1'], ['GET', 'k'], ['EXISTS', 'k'], ['SET', 'k', 'v', 'EXAT', '4102444800'],
    ['EXPIRETIME', 'k'], ['SET', 'k'], ['SET'], ['SETNX', 'k', 'v'], ['SETNX', 'k', 'v'], ['SETNX', 'newk', 'v'],
    ['GET', 'newk'], ['SETEX', 'k', '10', 'v'], ['TTL', 'k'], ['SETEX', 'k', '0', 'v'],
    ['SETEX', 'k', '-1', 'v'], ['SETEX', 'k', 'abc', 'v'], ['SETEX', 'k', '9223372036854775807', 'v'],
    ['PSETEX', 'k', '100000', 'v'], ['TTL', 'k'], ['PSETEX', 'k', '0', 'v'], ['PSETEX', 'k', 'abc', 'v'],
    ['SET', 'k', 'v', 'ex', '10', 'px', '10'], ['SET', 'k', 'v', 'Ex', '10'],
    ['SET', 'k', 'v', 'pXaT', '4102444800000'], ['PEXPIRETIME', 'k'], ['SET', '', ''], ['GET', ''], ['STRLEN', ''],

  ],
  'MGET, MSET, MSETNX, GETSET, GETDEL, GETEX': [
    ['SET', 'a', 'hello'], ['MGET', 'a', 'b', 'a'], ['MGET', 'nokey'], ['MSET', 'a', '1', 'b', '2', 'c', '3'],
    ['MGET', 'a', 'b', 'c'], ['MSET', 'a', '1', 'b'], ['MSETNX', 'a', '1', 'x', '2'],
    ['MSETNX', 'x', '1', 'y', '2'], ['MGET', 'x', 'y'], ['MSETNX', 'x'], ['MSET'], ['GETSET', 'a', 'newval'],
    ['GETSET', 'nokey2', 'v'], ['GET', 'nokey2'], ['SET', 't', 'v', 'EX', '100'], ['GETSET', 't', 'v2'],
    ['TTL', 't'], ['GETDEL', 'a'], ['GETDEL', 'a'], ['EXISTS', 'a'], ['SET', 'g', 'v', 'EX', '100'],
    ['GETEX', 'g'], ['TTL', 'g'], ['GETEX', 'g', 'PERSIST'], ['TTL', 'g'], ['GETEX', 'g', 'EX', '50'],
    ['TTL', 'g'], ['GETEX', 'g', 'PX', '50000'], ['TTL', 'g'], ['GETEX', 'g', 'EXAT', '4102444800'],
    ['EXPIRETIME', 'g'], ['GETEX', 'g', 'PXAT', '4102444800000'], ['PEXPIRETIME', 'g'],
    ['GETEX', 'g', 'EX', '10', 'PX', '100'], ['GETEX', 'g', 'EX', '10', 'PERSIST'],
    ['GETEX', 'g', 'PERSIST', 'EX', '10'], ['GETEX', 'g', 'PERSIST', 'PERSIST'], ['GETEX', 'g', 'NX'],
    ['GETEX', 'g', 'KEEPTTL'], ['GETEX', 'g', 'GET'], ['GETEX', 'g', 'EX'], ['GETEX', 'g', 'EX', '0'],
    ['GETEX', 'g', 'EX', '-1'], ['GETEX', 'g', 'EX', 'abc'], ['GETEX', 'nokey', 'EX', 'abc'],
    ['GETEX', 'nokey', 'EX', '0'], ['GETEX', 'nokey', 'FOO'], ['GETEX', 'g', 'EXAT', '1'], ['EXISTS', 'g'],
    ['SET', 'g', 'v'], ['GETEX', 'g', 'PXAT', '1000'], ['EXISTS', 'g'],
    ['GETEX', 'g', 'EX', '9223372036854775807'],

  ],
  'INCR family at the int64 limits and INCRBYFLOAT': [
    ['GETEX'], ['GETEX', 'g', 'ex', '10', 'ex', '20'], ['TTL', 'g'], ['SET', 'n', '10'], ['INCR', 'n'],
    ['DECR', 'n'], ['INCRBY', 'n', '5'], ['DECRBY', 'n', '5'], ['INCRBY', 'n', '-100'],
    ['DECRBY', 'n', '-100'], ['INCRBY', 'n', 'abc'], ['INCRBY', 'n', '1.5'], ['INCRBY', 'n', ' 1'],
    ['INCRBY', 'n', '+1'], ['INCRBY', 'n', '01'], ['INCRBY', 'n', '-0'], ['SET', 'n', '9223372036854775806'],
    ['INCR', 'n'], ['INCR', 'n'], ['GET', 'n'], ['SET', 'n', '-9223372036854775807'], ['DECR', 'n'],
    ['DECR', 'n'], ['DECRBY', 'n', '-9223372036854775808'], ['SET', 'n', '5'],
    ['DECRBY', 'n', '-9223372036854775808'], ['DECRBY', 'n', '9223372036854775807'],
    ['DECRBY', 'n', '9223372036854775807'], ['INCRBY', 'n', '9223372036854775808'],
    ['INCRBY', 'n', '-9223372036854775808'], ['GET', 'n'], ['SET', 'n', ' 1'], ['INCR', 'n'],
    ['SET', 'n', '1 '], ['INCR', 'n'], ['SET', 'n', '01'], ['INCR', 'n'], ['SET', 'n', '+1'], ['INCR', 'n'],
    ['SET', 'n', '-0'], ['INCR', 'n'], ['SET', 'n', '0'], ['INCR', 'n'], ['SET', 'n', '1e3'], ['INCR', 'n'],
    ['SET', 'n', '00'], ['INCR', 'n'], ['SET', 'n', '12345678901234567'], ['INCRBY', 'n', '12345678901234567'],
    ['INCRBY', 'n', '9000000000000000000'], ['INCR', 'newcounter'], ['INCRBY', 'newcounter2', '-7'],
    ['DECR', 'newcounter3'], ['SET', 'n', '10.5'], ['INCRBYFLOAT', 'n', '0.1'], ['INCRBYFLOAT', 'n', '-5'],
    ['INCRBYFLOAT', 'n', 'abc'], ['INCRBYFLOAT', 'n', 'inf'], ['INCRBYFLOAT', 'n', '1e4000'], ['GET', 'n'],
    ['INCRBYFLOAT', 'newf', '3.0e3'], ['INCRBYFLOAT', 'newf2', '1.5'], ['SET', 'n', 'abc'],
    ['INCRBYFLOAT', 'n', '1'], ['SET', 'n', '5.0e3'], ['INCRBYFLOAT', 'n', '0'],
    ['SET', 'f', '1', 'EX', '100'], ['INCRBYFLOAT', 'f', '1'], ['TTL', 'f'], ['INCR', 'f'], ['TTL', 'f'],

  ],
  'APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE': [
    ['SET', 's', 'hello'], ['APPEND', 's', ' world'], ['GET', 's'], ['APPEND', 'news', 'abc'], ['GET', 'news'],
    ['APPEND', 's', ''], ['STRLEN', 's'], ['STRLEN', 'nokey'], ['SET', 's', 'Hello World'],
    ['GETRANGE', 's', '0', '4'], ['GETRANGE', 's', '-5', '-1'], ['GETRANGE', 's', '-1', '-5'],
    ['GETRANGE', 's', '5', '3'], ['GETRANGE', 's', '0', '-1'], ['GETRANGE', 's', '0', '100'],
    ['GETRANGE', 's', '-100', '-50'], ['GETRANGE', 's', '-100', '2'], ['GETRANGE', 's', '100', '200'],
    ['GETRANGE', 's', 'a', '1'], ['GETRANGE', 's', '1', 'a'], ['GETRANGE', 'nokey', '0', '1'],
    ['GETRANGE', 'nokey', 'a', '1'], ['GETRANGE', 's', '0', '9223372036854775807'],
    ['GETRANGE', 's', '-9223372036854775808', '9223372036854775807'], ['SUBSTR', 's', '0', '3'],
    ['SUBSTR', 's', '1'], ['SET', 'e', ''], ['GETRANGE', 'e', '0', '-1'], ['GETRANGE', 'e', '0', '0'],
    ['GETRANGE', 'e', '-1', '-1'], ['SETRANGE', 's', '6', 'Redis'], ['GET', 's'], ['SETRANGE', 's', '20', 'X'],
    ['GET', 's'], ['SETRANGE', 'sr', '5', 'abc'], ['GET', 'sr'], ['SETRANGE', 'sr2', '5', ''],
    ['EXISTS', 'sr2'], ['SETRANGE', 's', '0', ''], ['SETRANGE', 's', '-1', 'x'], ['SETRANGE', 's', 'abc', 'x'],
    ['SETRANGE', 's', '5368709', 'x'], ['SETRANGE', 's', '536870912', 'x'], ['SETRANGE', 's', '536870913', ''],
    ['SETRANGE', 'nokey3', '536870912', 'x'], ['SETRANGE', 'nokey3', '-1', 'x'],
    ['SETRANGE', 'nokey3', '0', ''], ['SET', 't', 'v', 'EX', '100'], ['SETRANGE', 't', '0', 'x'], ['TTL', 't'],
    ['APPEND', 't', 'y'], ['TTL', 't'], ['GET', 't'],

  ],
  'OBJECT ENCODING after each kind of write': [
    ['SET', 'a', '123'], ['OBJECT', 'ENCODING', 'a'], ['SET', 'a', '-9223372036854775808'],
    ['OBJECT', 'ENCODING', 'a'], ['SET', 'a', '9223372036854775808'], ['OBJECT', 'ENCODING', 'a'],
    ['SET', 'a', '0123'], ['OBJECT', 'ENCODING', 'a'], ['SET', 'a', 'hello world'],
    ['OBJECT', 'ENCODING', 'a'], ['SET', 'a', '12345678901234567890123456789012345678901234'],
    ['OBJECT', 'ENCODING', 'a'], ['SET', 'a', '123456789012345678901234567890123456789012345'],
    ['OBJECT', 'ENCODING', 'a'], ['APPEND', 'a', 'x'], ['OBJECT', 'ENCODING', 'a'], ['APPEND', 'new', '123'],
    ['OBJECT', 'ENCODING', 'new'], ['APPEND', 'new', '4'], ['OBJECT', 'ENCODING', 'new'], ['INCR', 'new'],
    ['OBJECT', 'ENCODING', 'new'], ['INCRBYFLOAT', 'new', '1'], ['OBJECT', 'ENCODING', 'new'], ['GET', 'new'],
    ['INCRBYFLOAT', 'f', '1.5'], ['OBJECT', 'ENCODING', 'f'], ['SET', 's', 'abc'], ['SETRANGE', 's', '0', ''],
    ['OBJECT', 'ENCODING', 's'], ['SETRANGE', 's', '0', 'x'], ['OBJECT', 'ENCODING', 's'], ['SET', 's', 'abc'],
    ['SETBIT', 's', '0', '0'], ['OBJECT', 'ENCODING', 's'], ['SETBIT', 'nb', '0', '1'],
    ['OBJECT', 'ENCODING', 'nb'], ['BITOP', 'NOT', 'd', 's'], ['OBJECT', 'ENCODING', 'd'], ['SET', 's', '10'],
    ['BITFIELD', 's', 'GET', 'u8', '0'], ['OBJECT', 'ENCODING', 's'],
    ['BITFIELD', 's', 'SET', 'u8', '0', '49'], ['OBJECT', 'ENCODING', 's'], ['GETSET', 's', '5'],
    ['OBJECT', 'ENCODING', 's'], ['MSET', 'm1', '1', 'm2', 'x'], ['OBJECT', 'ENCODING', 'm1'],
    ['OBJECT', 'ENCODING', 'm2'], ['SETNX', 'nx', '44'], ['OBJECT', 'ENCODING', 'nx'],
    ['SETEX', 'ex', '100', '55'], ['OBJECT', 'ENCODING', 'ex'], ['INCRBY', 'ex', '1'],
    ['OBJECT', 'ENCODING', 'ex'], ['SET', 'k', '1'], ['APPEND', 'k', ''], ['OBJECT', 'ENCODING', 'k'],
    ['GETRANGE', 'k', '0', '-1'], ['SET', 'b', '10'], ['SETRANGE', 'b', '50', 'x'],
    ['OBJECT', 'ENCODING', 'b'],

  ],
  'LCS with its options': [
    ['MSET', 'key1', 'ohmytext', 'key2', 'mynewtext'], ['LCS', 'key1', 'key2'], ['LCS', 'key1', 'key2', 'LEN'],
    ['LCS', 'key1', 'key2', 'IDX'], ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4'],
    ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
    ['LCS', 'key1', 'key2', 'IDX', 'WITHMATCHLEN'], ['LCS', 'key1', 'key2', 'LEN', 'IDX'],
    ['LCS', 'key1', 'key2', 'IDX', 'LEN'], ['LCS', 'key1', 'key2', 'MINMATCHLEN'],
    ['LCS', 'key1', 'key2', 'MINMATCHLEN', 'abc'], ['LCS', 'key1', 'key2', 'MINMATCHLEN', '-5', 'IDX'],
    ['LCS', 'key1', 'key2', 'FOO'], ['LCS', 'key1', 'nokey'], ['LCS', 'nokey', 'nokey2', 'IDX'],
    ['LCS', 'key1', 'key1', 'IDX', 'WITHMATCHLEN'], ['LCS', 'key1', 'key2', 'LEN', 'WITHMATCHLEN'],
    ['LCS', 'key1', 'key2', 'withmatchlen', 'minmatchlen', '2', 'idx'],
    ['MSET', 'a', 'rosettacode', 'b', 'raisethysword'], ['LCS', 'a', 'b'],
    ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'], ['LCS', 'b', 'a', 'IDX', 'WITHMATCHLEN'],
    ['MSET', 'a', 'abcabcabcabc', 'b', 'cbacbacbacba'], ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
    ['LCS', 'b', 'a', 'IDX'], ['MSET', 'a', '\x00\xff\x01', 'b', '\xff\x00\x01'], ['LCS', 'a', 'b'],
    ['LCS', 'a', 'b', 'IDX'],

  ],
};

/** Needs a non-string key: runs only once a list command exists in tsredis. */
const WRONGTYPE_SCRIPT: string[][] = [
    ['LPUSH', 'l', 'a'], ['GET', 'l'], ['SET', 'l', 'v', 'GET'], ['SET', 'l', 'v', 'NX', 'GET'],
    ['SET', 'l', 'v', 'EX', '0', 'GET'], ['GETEX', 'l'], ['GETEX', 'l', 'EX', '0'], ['GETEX', 'l', 'FOO'],
    ['GETDEL', 'l'], ['GETSET', 'l', 'v'], ['MGET', 'l', 'x'], ['INCR', 'l'], ['INCRBY', 'l', 'abc'],
    ['DECRBY', 'l', '-9223372036854775808'], ['INCRBYFLOAT', 'l', '1'], ['INCRBYFLOAT', 'l', 'abc'],
    ['APPEND', 'l', 'x'], ['STRLEN', 'l'], ['GETRANGE', 'l', '0', '1'], ['GETRANGE', 'l', 'a', '1'],
    ['SETRANGE', 'l', '0', 'x'], ['SETRANGE', 'l', '0', ''], ['SETRANGE', 'l', '-1', 'x'], ['LCS', 'l', 'x'],
    ['LCS', 'x', 'l', 'FOO'],

];

/** Commands whose lookups count keyspace hits and misses in Redis (and some that must not). */
const KEYSPACE_SCRIPT: string[][] = [
  ['SET', 'a', '1'], ['GET', 'a'], ['GET', 'nokey'], ['MGET', 'a', 'nokey', 'a'], ['SET', 'a', '2', 'GET'],
  ['SET', 'nk', '2', 'GET'], ['GETEX', 'a'], ['GETEX', 'nokey'], ['GETDEL', 'nokey'], ['GETSET', 'a', '3'],
  ['STRLEN', 'a'], ['STRLEN', 'nokey'], ['GETRANGE', 'a', '0', '1'], ['GETRANGE', 'nokey', '0', '1'],
  ['LCS', 'a', 'nokey'], ['INCR', 'a'], ['APPEND', 'a', 'x'], ['SETRANGE', 'a', '0', 'x'], ['INCRBYFLOAT', 'n', '1'],
  ['SETNX', 'a', '1'], ['MSETNX', 'a', '1'], ['DECR', 'nokey2'],
];

/** Float texts of the shapes users send: short decimals, long fractions, exponents, hex floats. */
function floatText(next: () => number): string {
  const int = (n: number) => Math.floor(next() * n);
  const digits = (n: number) => Array.from({ length: n }, () => int(10)).join('');
  const sign = int(3) === 0 ? '-' : '';
  switch (int(6)) {
    case 0: return `${sign}${digits(1 + int(4))}.${digits(1 + int(3))}`;
    case 1: return `${sign}${int(1000)}.${digits(1 + int(20))}`;
    case 2: return `${sign}${digits(1 + int(25))}`;
    case 3: return `${sign}0.${digits(1 + int(30))}`;
    case 4: return `${sign}${digits(1 + int(3))}e${int(2) === 0 ? '-' : ''}${int(40)}`;
    default: return `${sign}0x${int(100000).toString(16)}.${int(4096).toString(16)}p${int(80) - 40}`;
  }
}

/** SET + INCRBYFLOAT for each pair, returning the INCRBYFLOAT replies. */
async function incrbyfloatReplies(port: number, pairs: readonly [string, string][]): Promise<string[]> {
  const client = await RawClient.connect(port);
  try {
    const replies: string[] = [];
    for (const [value, increment] of pairs) {
      await client.call('SET', 'f', value);
      replies.push(`${value} + ${increment} → ${await client.call('INCRBYFLOAT', 'f', increment)}`);
    }
    return replies;
  } finally {
    client.destroy();
  }
}

/** keyspace_hits and keyspace_misses from INFO stats. */
async function keyspaceStats(port: number): Promise<string[]> {
  const client = await RawClient.connect(port);
  try {
    const info = await client.call('INFO', 'stats');
    return keyspaceLines(info);
  } finally {
    client.destroy();
  }
}

describeAgainstRealRedis('string.test.ts', 'string commands match real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, SCRIPTS);

  it('WRONGTYPE and argument errors on a non-string key, in Redis\'s order', async (context) => {
    const probe = await replayScript(servers().ours.port, 2, [['LPUSH', 'probe', 'x']]);
    if (probe[0]!.includes('unknown command')) {
      console.warn('string.test.ts: tsredis has no LPUSH yet — SKIPPING the WRONGTYPE comparison');
      context.skip();
    }
    await expectSameReplies(servers, WRONGTYPE_SCRIPT);
  });

  it('INCRBYFLOAT prints the same digits as the long double of Redis for 1000 random pairs', async () => {
    const rng = new Rng(20240607);
    const next = () => rng.next();
    const pairs = Array.from({ length: 1000 }, () => [floatText(next), floatText(next)] as [string, string]);
    const { ours, real } = servers();
    const expected = await incrbyfloatReplies(real.port, pairs);
    expect(await incrbyfloatReplies(ours.port, pairs)).toEqual(expected);
  });

  it('counts keyspace hits and misses where Redis does', async () => {
    const { ours, real } = servers();
    for (const server of [real, ours]) {
      await replayScript(server.port, 2, [['CONFIG', 'RESETSTAT']]);
      await replayScript(server.port, 2, KEYSPACE_SCRIPT);
    }
    const expected = await keyspaceStats(real.port);
    expect(expected).toEqual(['keyspace_hits:9', 'keyspace_misses:8']);
    expect(await keyspaceStats(ours.port)).toEqual(expected);
  });
});

describeWithTsredis('string commands', ({ redis }) => {
  it('SET and GET binary values byte for byte', async () => {
    const value = Buffer.from([0, 1, 2, 0xfe, 0xff, 13, 10]);
    expect(await redis().set('k', value)).toBe('OK');
    expect(await redis().getBuffer('k')).toEqual(value);
    expect(await redis().strlen('k')).toBe(7);
    expect(await redis().get('nokey')).toBeNull();
  });

  it('SET NX/XX/GET decide on the key\'s existence and reply the old value', async () => {
    expect(await redis().set('k', 'v1', 'XX')).toBeNull();
    expect(await redis().set('k', 'v1', 'NX')).toBe('OK');
    expect(await redis().set('k', 'v2', 'NX')).toBeNull();
    expect(await redis().set('k', 'v3', 'GET')).toBe('v1');
    expect(await redis().call('SET', 'k', 'v4', 'NX', 'XX').catch((e: Error) => e.message)).toBe('ERR syntax error');
    expect(await redis().get('k')).toBe('v3');
  });

  it('SET with an expiry sets a TTL, KEEPTTL keeps it and a plain SET clears it', async () => {
    await redis().set('k', 'v', 'EX', 100);
    expect(await redis().ttl('k')).toBe(100);
    await redis().set('k', 'v2', 'KEEPTTL');
    expect(await redis().ttl('k')).toBe(100);
    await redis().set('k', 'v3');
    expect(await redis().ttl('k')).toBe(-1);
    await redis().set('k', 'v', 'PXAT', 1);
    expect(await redis().get('k')).toBeNull();
    expect(await redis().call('SET', 'k', 'v', 'EX', '0').catch((e: Error) => e.message)).toBe(
      "ERR invalid expire time in 'set' command",
    );
  });

  it('GETEX changes or removes the TTL and GETDEL removes the key', async () => {
    await redis().set('k', 'v');
    expect(await redis().getex('k', 'EX', 50)).toBe('v');
    expect(await redis().ttl('k')).toBe(50);
    expect(await redis().getex('k', 'PERSIST')).toBe('v');
    expect(await redis().ttl('k')).toBe(-1);
    expect(await redis().getdel('k')).toBe('v');
    expect(await redis().exists('k')).toBe(0);
  });

  it('INCR family stays exact beyond 2^53 and refuses to overflow int64', async () => {
    await redis().set('n', '9007199254740991');
    expect(await redis().call('INCRBY', 'n', '2')).toBe(9007199254740993);
    expect(await redis().get('n')).toBe('9007199254740993');
    await redis().set('n', '9223372036854775806');
    expect(await redis().get('n')).toBe('9223372036854775806');
    expect(await redis().incr('n').then(() => redis().get('n'))).toBe('9223372036854775807');
    expect(await redis().incr('n').catch((e: Error) => e.message)).toBe('ERR increment or decrement would overflow');
    expect(await redis().decrby('x', '-9223372036854775808').catch((e: Error) => e.message)).toBe(
      'ERR decrement would overflow',
    );
    await redis().set('n', '01');
    expect(await redis().incr('n').catch((e: Error) => e.message)).toBe('ERR value is not an integer or out of range');
  });

  it('INCRBYFLOAT adds in long double precision and keeps the TTL', async () => {
    await redis().set('f', '10.5', 'EX', 100);
    expect(await redis().incrbyfloat('f', '0.1')).toBe('10.6');
    expect(await redis().ttl('f')).toBe(100);
    // Rounding error of the 64-bit mantissa shows in the 17 printed decimals, as in Redis.
    expect(await redis().incrbyfloat('f', '5.0e3')).toBe('5010.60000000000000009');
    expect(await redis().incrbyfloat('f', 'inf').catch((e: Error) => e.message)).toBe(
      'ERR increment would produce NaN or Infinity',
    );
    expect(await redis().incrbyfloat('f', 'abc').catch((e: Error) => e.message)).toBe('ERR value is not a valid float');
  });

  it('MSET, MGET and MSETNX', async () => {
    expect(await redis().mset('a', '1', 'b', '2')).toBe('OK');
    expect(await redis().mget('a', 'nokey', 'b')).toEqual(['1', null, '2']);
    expect(await redis().msetnx('b', 'x', 'c', 'y')).toBe(0);
    expect(await redis().msetnx('c', 'x', 'd', 'y')).toBe(1);
    expect(await redis().call('MSET', 'a', '1', 'b').catch((e: Error) => e.message)).toBe(
      "ERR wrong number of arguments for 'mset' command",
    );
  });

  it('APPEND, SETRANGE and GETRANGE edit and read byte ranges', async () => {
    expect(await redis().append('s', 'Hello')).toBe(5);
    expect(await redis().append('s', ' World')).toBe(11);
    expect(await redis().setrange('s', 6, 'Redis')).toBe(11);
    expect(await redis().getrange('s', 0, -1)).toBe('Hello Redis');
    expect(await redis().getrange('s', -5, -1)).toBe('Redis');
    expect(await redis().setrange('z', 3, 'x')).toBe(4);
    expect(await redis().getBuffer('z')).toEqual(Buffer.from([0, 0, 0, 0x78]));
    expect(await redis().setrange('s', -1, 'x').catch((e: Error) => e.message)).toBe('ERR offset is out of range');
    expect(await redis().setrange('s', 536870912, 'x').catch((e: Error) => e.message)).toBe(
      'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
    );
  });

  it('LCS returns the subsequence, its length or the matching ranges', async () => {
    await redis().mset('key1', 'ohmytext', 'key2', 'mynewtext');
    expect(await redis().call('LCS', 'key1', 'key2')).toBe('mytext');
    expect(await redis().call('LCS', 'key1', 'key2', 'LEN')).toBe(6);
    expect(await redis().call('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN')).toEqual([
      'matches', [[[4, 7], [5, 8], 4]], 'len', 6,
    ]);
  });

  it('OBJECT ENCODING tells int, embstr and raw apart as Redis does', async () => {
    const encoding = (key: string) => redis().object('ENCODING', key);
    await redis().set('k', '12345');
    expect(await encoding('k')).toBe('int');
    await redis().append('k', '6');
    expect(await encoding('k')).toBe('raw');
    await redis().incr('k');
    expect(await encoding('k')).toBe('int');
    await redis().incrbyfloat('k', '1');
    expect(await encoding('k')).toBe('embstr');
    await redis().set('k', 'x'.repeat(45));
    expect(await encoding('k')).toBe('raw');
  });
});
