import { expect, it } from 'vitest';
import { describeAgainstRealRedis, itListsTheSameCategory, itMatchesRealRedis, keyspaceStatsAfter } from '../../../../test/helpers/compare.js';
import { describeWithTsredis } from '../../../../test/helpers/ioredis.js';
import { RawClient } from '../../../../test/helpers/raw.js';

const LONG = 'v'.repeat(65);

/**
 * Scripts replayed on real Redis and on tsredis from FLUSHALL and compared reply by reply as raw
 * bytes, in RESP2 and RESP3. Small hashes are listpacks, whose walks Redis answers in insertion
 * order, so HGETALL/HKEYS/HVALS/HSCAN of them must match exactly; hashtable-encoded hashes
 * only appear in order-free replies.
 */
const SCRIPTS: Record<string, string[][]> = {
  'HSET, HMSET, HSETNX, HGET, HMGET, HDEL and the walks of a listpack': [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'], ['HSET', 'h', 'a', '10', 'd', '4'], ['HSET', 'h'], ['HSET', 'h', 'a'],
    ['HSET', 'h', 'a', '1', 'b'], ['HMSET', 'h', 'a', '1', 'b'], ['HMSET', 'h', 'x', '1'], ['HGETALL', 'h'],
    ['HKEYS', 'h'], ['HVALS', 'h'], ['HLEN', 'h'], ['HGET', 'h', 'a'], ['HGET', 'h', 'nope'], ['HGET', 'nokey', 'a'],
    ['HMGET', 'h', 'a', 'nope', 'b'], ['HMGET', 'nokey', 'a', 'b'], ['HSETNX', 'h', 'a', '5'], ['HSETNX', 'h', 'z', '5'],
    ['HSETNX', 'new', 'f', 'v'], ['HDEL', 'h', 'a', 'nope', 'a'], ['HGETALL', 'h'], ['HSET', 'h', 'a', 'again'],
    ['HGETALL', 'h'], ['HSTRLEN', 'h', 'b'], ['HSTRLEN', 'h', 'nope'], ['HSTRLEN', 'nokey', 'b'],
    ['HEXISTS', 'h', 'b'], ['HEXISTS', 'h', 'nope'], ['HEXISTS', 'nokey', 'b'], ['HSET', 'h', '', ''],
    ['HGET', 'h', ''], ['HSET', 'h', 'int', '-00012'], ['HSET', 'h', 'n', '9223372036854775807'], ['HGETALL', 'h'],
    ['HDEL', 'h', 'b', 'c', 'd', 'x', 'z', 'a', '', 'int', 'n'], ['EXISTS', 'h'], ['HDEL', 'h', 'a'],
    ['HGETALL', 'nokey'], ['HKEYS', 'nokey'], ['HVALS', 'nokey'], ['HLEN', 'nokey'], ['SET', 'str', 'v'],
    ['HGET', 'str', 'a'], ['HSET', 'str', 'a', 'b'], ['HMGET', 'str', 'a'], ['HGETALL', 'str'], ['HDEL', 'str', 'a'],
    ['HSETNX', 'str', 'a', 'b'], ['HLEN', 'str'], ['HDEL', 'h'], ['HGET', 'h'],
  ],
  'HINCRBY and HINCRBYFLOAT': [
    ['HSET', 'h', 'b', '2', 's', 'hello', 'sp', ' 1', 'inf', 'inf'], ['HINCRBY', 'h', 'b', '5'],
    ['HINCRBY', 'h', 'b', 'abc'], ['HINCRBY', 'h', 'b', '1.5'], ['HINCRBY', 'h', 'new', '9223372036854775807'],
    ['HINCRBY', 'h', 'new', '1'], ['HINCRBY', 'h', 'new', '-9223372036854775808'], ['HINCRBY', 'h', 'new', '-1'],
    ['HINCRBY', 'h', 's', '1'], ['HINCRBY', 'h', 'sp', '1'], ['HINCRBY', 'nokey', 'f', '-7'], ['HGETALL', 'nokey'],
    ['HINCRBYFLOAT', 'h', 's', '1'], ['HINCRBYFLOAT', 'h', 'f', '10.5'], ['HINCRBYFLOAT', 'h', 'f', '0.1'],
    ['HINCRBYFLOAT', 'h', 'f', '-10.6'], ['HINCRBYFLOAT', 'h', 'f', 'inf'], ['HINCRBYFLOAT', 'h', 'f', '-inf'],
    ['HINCRBYFLOAT', 'h', 'f', 'nan'], ['HINCRBYFLOAT', 'h', 'f', 'abc'], ['HINCRBYFLOAT', 'h', 'f', ''],
    ['HINCRBYFLOAT', 'big', 'f', '1e4931'], ['HINCRBYFLOAT', 'big', 'f', '1e4931'], ['HINCRBYFLOAT', 'h', 'inf', '1'],
    ['HINCRBYFLOAT', 'h', 'b', '0x10'], ['HINCRBYFLOAT', 'h', 'b', '3.0e3'], ['HINCRBYFLOAT', 'h', 'g', '5.0e3'],
    ['HINCRBYFLOAT', 'h', 'g', '-5000'], ['HINCRBY', 'h', 'g', '1'], ['HGETALL', 'h'], ['SET', 'str', 'v'],
    ['HINCRBY', 'str', 'f', '1'], ['HINCRBY', 'str', 'f', 'x'], ['HINCRBYFLOAT', 'str', 'f', '1'],
    ['HINCRBYFLOAT', 'str', 'f', 'x'], ['HINCRBYFLOAT', 'str', 'f', 'inf'],
  ],
  'encodings follow hash-max-listpack-entries/-value, one way': [
    ['HSET', 'h', 'a', '1'], ['OBJECT', 'ENCODING', 'h'], ['HSET', 'v', 'a', LONG], ['OBJECT', 'ENCODING', 'v'],
    ['HSET', 'f', LONG, '1'], ['OBJECT', 'ENCODING', 'f'], ['HSET', 'e', 'a', 'v'.repeat(64)],
    ['OBJECT', 'ENCODING', 'e'], ['HINCRBYFLOAT', 'e', LONG, '1'], ['OBJECT', 'ENCODING', 'e'],
    ['HSETNX', 'n', 'a', LONG], ['OBJECT', 'ENCODING', 'n'], ['HSET', 'm', 'a', '1'], ['HSETNX', 'm', 'a', LONG],
    ['OBJECT', 'ENCODING', 'm'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '3'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '5'], ['HSET', 'x', 'a', '1', 'b', '2', 'c', '3'],
    ['OBJECT', 'ENCODING', 'x'], ['HSET', 'x', 'd', '4'], ['OBJECT', 'ENCODING', 'x'], ['HDEL', 'x', 'd', 'c'],
    ['OBJECT', 'ENCODING', 'x'], ['HSET', 'y', 'a', '12345'], ['HINCRBY', 'y', 'a', '100000'],
    ['OBJECT', 'ENCODING', 'y'], ['HSET', 'z', 'a', '1'], ['HINCRBYFLOAT', 'z', 'a', '0.12345'],
    ['OBJECT', 'ENCODING', 'z'], ['HSET', 'w', 'a', '1', 'b', '2'], ['COPY', 'w', 'w2'], ['OBJECT', 'ENCODING', 'w2'],
    ['HGETALL', 'w2'], ['COPY', 'x', 'x2'], ['OBJECT', 'ENCODING', 'x2'], ['RENAME', 'w', 'w3'],
    ['OBJECT', 'ENCODING', 'w3'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'], ['HSET', 'zero', 'a', '1'],
    ['OBJECT', 'ENCODING', 'zero'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
  ],
  'HRANDFIELD: arguments, empty and whole-hash replies': [
    ['HRANDFIELD', 'nokey'], ['HRANDFIELD', 'nokey', '5'], ['HRANDFIELD', 'nokey', '-5'],
    ['HRANDFIELD', 'nokey', '0', 'WITHVALUES'], ['HRANDFIELD', 'nokey', '5', 'WITHVALUE'],
    ['HRANDFIELD', 'nokey', '5', 'WITHVALUES', 'x'], ['HRANDFIELD', 'nokey', 'x', 'WITHVALUE'],
    ['HRANDFIELD', 'nokey', '4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'nokey', '-4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'nokey', '4611686018427387903', 'WITHVALUES'], ['HRANDFIELD', 'nokey', '-9223372036854775808'],
    ['HRANDFIELD', 'nokey', 'abc'], ['SET', 'str', 'v'], ['HRANDFIELD', 'str'], ['HRANDFIELD', 'str', '1'],
    ['HRANDFIELD', 'str', 'x'], ['HSET', 'r', 'c', '3', 'a', '1', 'b', '2'], ['HRANDFIELD', 'r', '3'],
    ['HRANDFIELD', 'r', '10'], ['HRANDFIELD', 'r', '10', 'WITHVALUES'], ['HRANDFIELD', 'r', '3', 'withvalues'],
    ['HRANDFIELD', 'r', '0'], ['HRANDFIELD', 'r', '0', 'WITHVALUES'], ['HSET', 'one', 'f', 'v'],
    ['HRANDFIELD', 'one'], ['HRANDFIELD', 'one', '-3', 'WITHVALUES'], ['HRANDFIELD', 'one', '1', 'WITHVALUES'],
  ],
  'HSCAN of listpacks and its argument errors': [
    ['HSET', 'r', 'c', '3', 'a', '1', 'b', '2', 'aa', '4'], ['HSCAN', 'r', '0'], ['HSCAN', 'r', '0', 'MATCH', 'a*'],
    ['HSCAN', 'r', '5', 'COUNT', '1'], ['HSCAN', 'r', '0', 'COUNT', '0'], ['HSCAN', 'r', '0', 'COUNT', 'abc'],
    ['HSCAN', 'r', '0', 'TYPE', 'string'], ['HSCAN', 'r', '0', 'MATCH'], ['HSCAN', 'r', 'abc'],
    ['HSCAN', 'r', '0', 'match', '*', 'count', '100'], ['HSCAN', 'nokey', '0', 'BOGUS'], ['HSCAN', 'nokey', 'abc'],
    ['SET', 'str', 'v'], ['HSCAN', 'str', '0', 'BOGUS'], ['HSCAN', 'str', 'x'],
  ],
};

describeAgainstRealRedis('hash.test.ts', 'hash commands match real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, SCRIPTS);

  itListsTheSameCategory(servers, 'hash');

  it('counts keyspace hits and misses where Redis does', async () => {
    const script = [
      ['CONFIG', 'RESETSTAT'], ['HSET', 'h', 'a', '1'], ['HGET', 'h', 'a'], ['HGET', 'no', 'a'], ['HMGET', 'no', 'a'],
      ['HGETALL', 'h'], ['HINCRBY', 'h', 'a', '1'], ['HDEL', 'no', 'a'], ['HRANDFIELD', 'no', '2'],
      ['HSCAN', 'h', '0'], ['HSTRLEN', 'no', 'a'], ['INFO', 'stats'],
    ];
    const stats = await keyspaceStatsAfter(servers, script);
    expect(stats.real).toEqual(['keyspace_hits:3', 'keyspace_misses:4']);
    expect(stats.ours).toEqual(stats.real);
  });
});

describeWithTsredis('hash commands', ({ redis, server }) => {
  it('stores binary fields and values byte for byte', async () => {
    const field = Buffer.from([0, 0xfe, 0xff, 13, 10]);
    const value = Buffer.from([0xff, 0, 1]);
    expect(await redis().hset('h', field, value)).toBe(1);
    expect(await redis().hgetBuffer('h', field)).toEqual(value);
    expect(await redis().hstrlen('h', field)).toBe(3);
  });

  it('a large hashtable hash answers HGETALL with every pair (sorted comparison)', async () => {
    const pairs: Record<string, string> = {};
    for (let i = 0; i < 700; i++) pairs[`field:${i}`] = `value:${i}`;
    await redis().hset('h', pairs);
    expect(await redis().object('ENCODING', 'h')).toBe('hashtable');
    expect(await redis().hgetall('h')).toEqual(pairs);
    expect((await redis().hkeys('h')).sort()).toEqual(Object.keys(pairs).sort());
    await redis().hdel('h', ...Object.keys(pairs).slice(0, 650));
    expect(await redis().hlen('h')).toBe(50);
    expect(await redis().object('ENCODING', 'h')).toBe('hashtable');
  });

  it('HRANDFIELD: positive counts are distinct, negative ones may repeat; RESP3 nests pairs', async () => {
    await redis().hset('h', { a: '1', b: '2', c: '3', d: '4', e: '5' });
    for (const count of [1, 2, 4]) {
      const sample = (await redis().hrandfield('h', count)) as string[];
      expect(sample).toHaveLength(count);
      expect(new Set(sample).size).toBe(count);
    }
    const repeated = (await redis().hrandfield('h', -40, 'WITHVALUES')) as string[];
    expect(repeated).toHaveLength(80);
    for (let i = 0; i < 80; i += 2) expect(repeated[i + 1]).toBe(String('abcde'.indexOf(repeated[i]!) + 1));

    const raw = await RawClient.connect(server().port);
    try {
      await raw.call('HELLO', '3');
      const reply = await raw.call('HRANDFIELD', 'h', '-2', 'WITHVALUES');
      expect(reply).toMatch(/^\*2\r\n\*2\r\n\$1\r\n[a-e]\r\n\$1\r\n[1-5]\r\n\*2\r\n/);
      expect(await raw.call('HGETALL', 'nokey')).toBe('%0\r\n');
    } finally {
      raw.destroy();
    }
  });

  it('HSCAN walks a hashtable hash with a cursor and returns every pair', async () => {
    const pairs: Record<string, string> = {};
    for (let i = 0; i < 600; i++) pairs[`f${i}`] = `v${i}`;
    await redis().hset('h', pairs);
    const seen: Record<string, string> = {};
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, page] = await redis().hscan('h', cursor, 'COUNT', 50);
      for (let i = 0; i < page.length; i += 2) seen[page[i]!] = page[i + 1]!;
      cursor = next;
      rounds++;
    } while (cursor !== '0' && rounds < 100);
    expect(rounds).toBeGreaterThan(1);
    expect(seen).toEqual(pairs);
  });

  it('memory accounting follows writes, overwrites and deletes', async () => {
    const used = async () => Number(/used_memory:(\d+)/.exec(await redis().info('memory'))![1]);
    const before = await used();
    await redis().hset('h', Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, 'x'.repeat(20)])));
    const grown = await used();
    expect(grown - before).toBeGreaterThan(1000 * 20);
    await redis().hset('h', 'f0', 'y'.repeat(5000));
    expect(await used()).toBeGreaterThan(grown + 4900);
    await redis().del('h');
    expect(await used()).toBeLessThan(grown - 1000 * 20);
  });
});
