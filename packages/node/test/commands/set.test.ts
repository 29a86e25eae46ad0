import { expect, it } from 'vitest';
import { describeAgainstRealRedis, itListsTheSameCategory, itMatchesRealRedis, keyspaceStatsAfter } from '../../../../test/helpers/compare.js';
import { describeWithTsredis } from '../../../../test/helpers/ioredis.js';
import { replayScript } from '../../../../test/helpers/raw.js';

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/**
 * Scripts replayed on real Redis and on tsredis from FLUSHALL and compared reply by reply as raw
 * bytes, in RESP2 and RESP3. Only replies whose order Redis fixes appear: intsets walk in
 * ascending order, hashtable-encoded sets are only counted or tested for membership.
 */
const SCRIPTS: Record<string, string[][]> = {
  'SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS of intsets': [
    ['SADD', 's', '3', '1', '2', '-5', '100', '9223372036854775807', '-9223372036854775808'], ['SMEMBERS', 's'],
    ['OBJECT', 'ENCODING', 's'], ['SADD', 's', '1', '1'], ['SCARD', 's'], ['SISMEMBER', 's', '01'],
    ['SISMEMBER', 's', '1'], ['SISMEMBER', 'nokey', '1'], ['SMISMEMBER', 's', '1', '2', 'nope', '01'],
    ['SMISMEMBER', 'nokey', 'a', 'b'], ['SREM', 's', '01', '1', 'nope'], ['SREM', 'nokey', 'a'], ['SMEMBERS', 's'],
    ['SMEMBERS', 'nokey'], ['SADD', 's', '01'], ['OBJECT', 'ENCODING', 's'], ['SCARD', 's'], ['SISMEMBER', 's', '01'],
    ['SREM', 's', ...range(-10, 200), '01', '9223372036854775807', '-9223372036854775808'], ['EXISTS', 's'],
    ['SADD', 'e', ''], ['SCARD', 'e'], ['SISMEMBER', 'e', ''], ['SADD'], ['SADD', 's'], ['SREM', 's'],
    ['SMISMEMBER', 's'], ['SCARD'],
  ],
  'encodings follow set-max-intset-entries, one way': [
    ['CONFIG', 'SET', 'set-max-intset-entries', '4'], ['SADD', 's', '1', '2', '3', '4'], ['OBJECT', 'ENCODING', 's'],
    ['SADD', 's', '5'], ['OBJECT', 'ENCODING', 's'], ['SREM', 's', '5', '4'], ['OBJECT', 'ENCODING', 's'],
    ['SADD', 'a', '1', '2', '3', 'x'], ['SREM', 'a', 'x'], ['OBJECT', 'ENCODING', 'a'],
    ['SINTERSTORE', 'c', 'a', 'a'], ['OBJECT', 'ENCODING', 'c'],
    ['SMEMBERS', 'c'], ['SUNIONSTORE', 'd', 'a'], ['OBJECT', 'ENCODING', 'd'], ['COPY', 's', 's2'],
    ['OBJECT', 'ENCODING', 's2'], ['SADD', 'z', '0'], ['COPY', 'z', 'z2'], ['OBJECT', 'ENCODING', 'z2'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '0'], ['SADD', 'zero', '1'], ['OBJECT', 'ENCODING', 'zero'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '512'], ['SADD', 'big', ...range(1, 512)],
    ['OBJECT', 'ENCODING', 'big'], ['SADD', 'big', '513'], ['OBJECT', 'ENCODING', 'big'],
    ['SMOVE', 'nokey', 'dst', '1'], ['SADD', 'src', 'x'], ['SMOVE', 'src', 'dst', 'x'], ['OBJECT', 'ENCODING', 'dst'],
    ['SADD', 'src', '7'], ['SMOVE', 'src', 'dst2', '7'], ['OBJECT', 'ENCODING', 'dst2'], ['EXISTS', 'src'],
  ],
  'SINTER, SINTERCARD, SINTERSTORE and their errors': [
    ['SADD', 'i', '5', '4', '3', '2', '1'], ['SADD', 't', '3', '4', '5', '6'], ['SADD', 'w', 'a', '3', '4'],
    ['SINTER', 'i', 't'], ['SINTER', 't', 'i'], ['SINTER', 'i'], ['SINTER', 'i', 'nokey'], ['SINTER', 'nokey', 'i'],
    ['SINTER', 'i', 'i'], ['SINTERCARD', '2', 'i', 't'], ['SINTERCARD', '3', 'i', 't', 'w'],
    ['SINTERCARD', '2', 'i', 't', 'LIMIT', '1'], ['SINTERCARD', '2', 'i', 't', 'limit', '0'],
    ['SINTERCARD', '2', 'i', 't', 'LIMIT', '-1'], ['SINTERCARD', '2', 'i', 't', 'LIMIT', 'x'],
    ['SINTERCARD', '2', 'i', 't', 'LIMIT'], ['SINTERCARD', '2', 'i', 't', 'FOO', '1'],
    ['SINTERCARD', '0', 'i'], ['SINTERCARD', '-1', 'i'], ['SINTERCARD', 'x', 'i'], ['SINTERCARD', '3', 'i', 't'],
    ['SINTERCARD', '1', 'nokey'], ['SINTERCARD', '1', 'i', 'LIMIT', '2', 'LIMIT', '9'],
    ['SINTERCARD', '9223372036854775808', 'i'], ['SINTERSTORE', 'd', 'i', 't'], ['SMEMBERS', 'd'],
    ['OBJECT', 'ENCODING', 'd'], ['SINTERSTORE', 'd', 'i', 'w'], ['SMEMBERS', 'd'], ['SET', 'd2', 'x', 'EX', '100'],
    ['SINTERSTORE', 'd2', 'i', 't'], ['TTL', 'd2'], ['TYPE', 'd2'], ['SINTERSTORE', 'd', 'i', 'nokey'],
    ['EXISTS', 'd'], ['SINTERSTORE', 'd', 'i', 'nokey'], ['SET', 'str', 'v'], ['SINTER', 'i', 'str'],
    ['SINTER', 'nokey', 'str'], ['SINTERCARD', '2', 'nokey', 'str'], ['SINTERSTORE', 'str', 'i', 't'],
    ['TYPE', 'str'], ['SINTER'], ['SINTERCARD', '1'],
  ],
  'SUNION, SDIFF and their STORE forms': [
    ['SADD', 'i', '5', '4', '3', '2', '1'], ['SADD', 't', '3', '4', '5', '6', '-1'], ['SUNION', 'i', 't'],
    ['SUNION', 'i', 'nokey', 't'], ['SUNION', 'nokey'], ['SDIFF', 'i', 't'], ['SDIFF', 't', 'i'], ['SDIFF', 'i', 'i'],
    ['SDIFF', 'i', 't', 'i'], ['SDIFF', 'nokey', 'i'], ['SDIFF', 'i', 'nokey'], ['SUNIONSTORE', 'u', 'i', 't'],
    ['SMEMBERS', 'u'], ['SDIFFSTORE', 'df', 'i', 't'], ['SMEMBERS', 'df'], ['SDIFFSTORE', 'df', 't', 't'],
    ['EXISTS', 'df'], ['SUNIONSTORE', 'u', 'nokey'], ['EXISTS', 'u'], ['SADD', 'big', '1', '2', '3', 'x'],
    ['SADD', 'o1', 'x'], ['SADD', 'o2', 'y'], ['SADD', 'o3', 'z'], ['SDIFFSTORE', 'r', 'big', 'o1', 'o2', 'o3'],
    ['OBJECT', 'ENCODING', 'r'], ['SDIFFSTORE', 'r2', 'big', 'o1'], ['OBJECT', 'ENCODING', 'r2'], ['SMEMBERS', 'r2'],
    ['SET', 'str', 'v'], ['SUNION', 'str', 'i'], ['SUNION', 'i', 'str'], ['SDIFF', 'nokey', 'str'],
    ['SDIFFSTORE', 'x', 'str', 'i'], ['SUNIONSTORE', 'str', 'i'], ['TYPE', 'str'], ['SMEMBERS', 'str'],
  ],
  'SMOVE cases': [
    ['SADD', 'a', '1', '2'], ['SADD', 'b', '3'], ['SET', 'str', 'v'], ['SMOVE', 'a', 'b', '1'], ['SMOVE', 'a', 'b', '1'],
    ['SMEMBERS', 'b'], ['SMOVE', 'a', 'a', '2'], ['SMOVE', 'a', 'a', '9'], ['SMOVE', 'nokey', 'str', '1'],
    ['SMOVE', 'str', 'a', '1'], ['SMOVE', 'a', 'str', '2'], ['SMOVE', 'a', 'b', '2'], ['EXISTS', 'a'],
    ['SMEMBERS', 'b'], ['SADD', 'c', '3'], ['SMOVE', 'c', 'b', '3'], ['EXISTS', 'c'], ['SMEMBERS', 'b'],
  ],
  'SPOP and SRANDMEMBER: arguments, empty and whole-set replies': [
    ['SPOP', 'nokey'], ['SPOP', 'nokey', '3'], ['SPOP', 'nokey', '0'], ['SPOP', 'nokey', '-1'], ['SPOP', 'nokey', 'x'],
    ['SPOP', 'nokey', '1', '2'], ['SET', 'str', 'v'], ['SPOP', 'str'], ['SPOP', 'str', '1'], ['SPOP', 'str', '-1'],
    ['SRANDMEMBER', 'nokey'], ['SRANDMEMBER', 'nokey', '5'], ['SRANDMEMBER', 'nokey', '-5'],
    ['SRANDMEMBER', 'nokey', 'x'], ['SRANDMEMBER', 'nokey', '-9223372036854775808'], ['SRANDMEMBER', 'nokey', '1', '2'],
    ['SRANDMEMBER', 'str', '1'], ['SRANDMEMBER', 'str', 'x'], ['SADD', 'p', '3', '1', '2'], ['SRANDMEMBER', 'p', '3'],
    ['SRANDMEMBER', 'p', '10'], ['SRANDMEMBER', 'p', '0'], ['SPOP', 'p', '0'], ['SPOP', 'p', '3'], ['EXISTS', 'p'],
    ['SADD', 'p', '3', '1', '2'], ['SPOP', 'p', '9223372036854775807'], ['SADD', 'p', '1', '2', '3', 'a'],
    ['SREM', 'p', 'a'], ['SPOP', 'p', '10'], ['SADD', 'one', '7'], ['SPOP', 'one'], ['EXISTS', 'one'],
    ['SADD', 'one', '7'], ['SRANDMEMBER', 'one'], ['SRANDMEMBER', 'one', '-3'], ['SRANDMEMBER', 'one', '1'],
  ],
  'SSCAN of intsets and its argument errors': [
    ['SADD', 'i', '5', '40', '3', '-2', '1'], ['SSCAN', 'i', '0'], ['SSCAN', 'i', '0', 'MATCH', '*'],
    ['SSCAN', 'i', '0', 'MATCH', '-*'], ['SSCAN', 'i', '7', 'COUNT', '1'], ['SSCAN', 'i', '0', 'count', '0'],
    ['SSCAN', 'i', '0', 'COUNT', 'x'], ['SSCAN', 'i', '0', 'TYPE', 'set'], ['SSCAN', 'i', '0', 'MATCH'],
    ['SSCAN', 'i', 'x'], ['SSCAN', 'i', '-1'], ['SSCAN', 'i', '18446744073709551616'], ['SSCAN', 'nokey', '0', 'BOGUS'],
    ['SSCAN', 'nokey', 'x'], ['SET', 'str', 'v'], ['SSCAN', 'str', '0', 'BOGUS'], ['SSCAN', 'str', 'x'],
  ],
};

describeAgainstRealRedis('set.test.ts', 'set commands match real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, SCRIPTS);

  it('SPOP leaves the encoding Redis leaves (popping most rebuilds the set, maybe as an intset)', async () => {
    const script = [
      ['CONFIG', 'SET', 'set-max-intset-entries', '4'], ['SADD', 'a', '1', '2', '3', 'x'], ['SREM', 'a', 'x'],
      ['SPOP', 'a', '1'], ['OBJECT', 'ENCODING', 'a'], ['SADD', 'b', ...range(1, 12), 'x'], ['SREM', 'b', 'x'],
      ['SPOP', 'b', '10'], ['OBJECT', 'ENCODING', 'b'], ['SCARD', 'b'], ['SADD', 'c', ...range(1, 12), 'x'],
      ['SPOP', 'c', '10'], ['SCARD', 'c'], ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
    ];
    // The popped members are random: only the encodings and sizes are compared.
    const settled = (replies: string[]) => replies.filter((line) => /^(OBJECT|SCARD)/.test(line));
    const { ours, real } = servers();
    const expected = settled(await replayScript(real.port, 2, script));
    expect(expected.slice(0, 2)).toEqual(['OBJECT ENCODING a → $9\r\nhashtable\r\n', 'OBJECT ENCODING b → $6\r\nintset\r\n']);
    expect(settled(await replayScript(ours.port, 2, script))).toEqual(expected);
  });

  itListsTheSameCategory(servers, 'set');

  it('counts keyspace hits and misses where Redis does', async () => {
    const script = [
      ['CONFIG', 'RESETSTAT'], ['SADD', 'a', '1'], ['SCARD', 'a'], ['SCARD', 'no'], ['SINTER', 'a', 'no', 'a'],
      ['SUNIONSTORE', 'd', 'a', 'no'], ['SMOVE', 'a', 'b', '1'], ['SPOP', 'b'], ['SRANDMEMBER', 'no'],
      ['SMISMEMBER', 'no', 'x'], ['SSCAN', 'no', '0'], ['SREM', 'no', 'x'], ['INFO', 'stats'],
    ];
    const stats = await keyspaceStatsAfter(servers, script);
    expect(stats.real).toEqual(['keyspace_hits:4', 'keyspace_misses:6']);
    expect(stats.ours).toEqual(stats.real);
  });
});

describeWithTsredis('set commands', ({ redis }) => {
  it('hashtable sets hold binary members and answer set algebra (sorted comparison)', async () => {
    const odd = Buffer.from([0, 0xff, 13, 10]);
    await redis().sadd('a', 'x', 'y', 'z', odd);
    await redis().sadd('b', 'y', odd, 'w');
    expect(await redis().smismemberBuffer('a', odd)).toEqual([1]);
    const common = (await redis().sinterBuffer('a', 'b')).map((m) => m.toString('latin1')).sort();
    expect(common).toEqual([odd.toString('latin1'), 'y'].sort());
    expect((await redis().sunion('a', 'b')).length).toBe(5);
    expect((await redis().sdiff('a', 'b')).sort()).toEqual(['x', 'z']);
    expect(await redis().object('ENCODING', 'a')).toBe('hashtable');
  });

  it('SPOP with a count pops distinct members and deletes the emptied key', async () => {
    const members = range(1, 100).map((n) => `m${n}`);
    await redis().sadd('s', ...members);
    for (const count of [1, 7, 60]) {
      const before = await redis().scard('s');
      const popped = (await redis().spop('s', count)) as string[];
      expect(popped).toHaveLength(count);
      expect(new Set(popped).size).toBe(count);
      expect(await redis().scard('s')).toBe(before - count);
      expect(await redis().smismember('s', ...popped)).toEqual(popped.map(() => 0));
    }
    const rest = (await redis().spop('s', 1000)) as string[];
    expect(rest).toHaveLength(32);
    expect(await redis().exists('s')).toBe(0);
  });

  it('SRANDMEMBER: positive counts are distinct, negative ones may repeat, nothing is removed', async () => {
    await redis().sadd('s', 'a', 'b', 'c', 'd', 'e');
    for (const count of [1, 2, 4]) {
      const sample = await redis().srandmember('s', count);
      expect(sample).toHaveLength(count);
      expect(new Set(sample).size).toBe(count);
    }
    const repeated = await redis().srandmember('s', -50);
    expect(repeated).toHaveLength(50);
    expect(new Set(repeated).size).toBeLessThan(50);
    expect(repeated.every((m) => 'abcde'.includes(m))).toBe(true);
    expect(await redis().scard('s')).toBe(5);
  });

  it('SSCAN walks a hashtable set with a cursor and returns every member', async () => {
    const members = range(1, 300).map((n) => `m${n}`);
    await redis().sadd('s', ...members);
    const seen = new Set<string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, page] = await redis().sscan('s', cursor, 'COUNT', 25);
      page.forEach((m) => seen.add(m));
      cursor = next;
      rounds++;
    } while (cursor !== '0' && rounds < 100);
    expect(rounds).toBeGreaterThan(1);
    expect(seen).toEqual(new Set(members));
  });

  it('memory accounting follows adds and removes', async () => {
    const used = async () => Number(/used_memory:(\d+)/.exec(await redis().info('memory'))![1]);
    const before = await used();
    await redis().sadd('s', ...range(1, 2000).map((n) => `member-${n}`));
    const grown = await used();
    expect(grown - before).toBeGreaterThan(2000 * 8);
    await redis().spop('s', 1999);
    expect(await used()).toBeLessThan(grown - 1999 * 8);
  });
});
