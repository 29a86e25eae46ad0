import { expect, it } from 'vitest';
import { RawClient } from '../../../../test/helpers/raw.js';
import { describeAgainstRealRedis, itMatchesRealRedis } from '../../../../test/helpers/compare.js';
import { connectIoredis, describeWithTsredis } from '../../../../test/helpers/ioredis.js';
import { commandsOf } from './script-lines.js';

const members = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => [String(from + i), `m${from + i}`]).flat();

/**
 * Scripts replayed on real Redis and on tsredis from FLUSHALL, compared reply by reply as raw
 * bytes in RESP2 and RESP3. Only replies whose order Redis fixes appear: random picks are made
 * from keys with one member or with a count covering the whole set, and ZSCAN reads listpacks.
 */
const SCRIPTS: Record<string, string[][]> = {
  'ZADD options and their conflicts, scores as strtod reads them, ZINCRBY, reads and pops': commandsOf(`
ZADD z 1 a 2 b 3 c
ZADD z NX XX 1 a
ZADD z GT LT 1 a
ZADD z GT NX 1 a
ZADD z INCR 1 a 2 b
ZADD z 1
ZADD z
ZADD z abc a
ZADD z nan a
ZADD z inf a
ZADD z INCR -inf a
ZADD z INCR inf a
ZSCORE z a
ZADD z CH 5 a 6 d
ZADD z XX CH 7 a 8 e
ZADD z GT CH 1 a 9 b
ZADD z LT CH 100 c 0 d
ZADD z XX INCR 1 nosuch
ZADD z NX INCR 1 a
ZADD z INCR 1.5 a
ZINCRBY z 2.5 b
ZINCRBY z nx b
ZINCRBY z abc b
ZINCRBY newz 1 m
ZADD z 1e400 x
ZADD z 1e-400 x
ZADD z 5e-324 x
ZADD z " 1" x
ZADD z 0x10 x
ZADD z -0 y
ZSCORE z y
ZSCORE z x
ZRANGE z 0 -1 WITHSCORES
ZADD z 0.1 p 1e17 q 1.5e300 r -3.25 s 123456789.123456789 t
ZRANGE z 0 -1 WITHSCORES
ZSCAN z 0
OBJECT ENCODING z
ZCARD z
ZCARD nokey
ZRANK z a
ZREVRANK z a
ZRANK z nosuch
ZRANK nokey a
ZMSCORE z a nosuch b
ZMSCORE nokey a
ZSCORE nokey a
ZREM z a nosuch
ZREM nokey a
SET str v
ZADD str 1 a
ZADD str XX 1 a
ZADD str abc a
ZSCORE str a
ZMSCORE str a
ZRANGE str 0 -1
ZRANGE nokey 0 -1
ZCOUNT z -inf +inf
ZCOUNT z (1 3
ZCOUNT z 1 (3
ZCOUNT z abc 3
ZCOUNT z "" ""
ZCOUNT z ( (
ZCOUNT z " 1" 3
ZCOUNT z nan 3
ZCOUNT z 1e400 -1e400
ZCOUNT z -1e400 1e400
ZRANGEBYSCORE z -inf +inf WITHSCORES
ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 1 2
ZRANGEBYSCORE z -inf +inf LIMIT -1 2
ZRANGEBYSCORE z -inf +inf LIMIT 1 -1
ZRANGEBYSCORE z -inf +inf LIMIT 1 0
ZRANGEBYSCORE z -inf +inf LIMIT 100 1
ZRANGEBYSCORE z -inf +inf LIMIT 1
ZRANGEBYSCORE z -inf +inf LIMIT a 1
ZREVRANGEBYSCORE z +inf -inf WITHSCORES
ZREVRANGEBYSCORE z 3 1
ZREVRANGEBYSCORE z (3 (1 LIMIT 0 1
ZRANGE z 0 -1 REV
ZRANGE z 0 -1 REV REV
ZRANGE z 1 3 BYSCORE
ZRANGE z 3 1 BYSCORE REV WITHSCORES
ZRANGE z (1 +inf BYSCORE LIMIT 1 1
ZRANGE z 0 -1 LIMIT 0 1
ZRANGE z - + BYLEX
ZRANGE z - + BYLEX WITHSCORES
ZRANGE z - + BYSCORE BYLEX
ZRANGE z a b c
ZRANGE z 0 -1 WITHSCORES WITHSCORES
ZRANGE z 0 x
ZRANGE z -100 100
ZRANGE z 5 1
ZRANGE z -1 -1
ZREVRANGE z 0 1 WITHSCORES
ZREVRANGE z 0 1 LIMIT 0 1
ZRANGE z 0 -1 WITHSCORES
ZRANGE z 0 -1
ZREVRANGE z 0 1 WITHSCORES
ZRANGEBYSCORE z -inf +inf WITHSCORES
ZSCORE z a
ZSCORE z nosuch
ZMSCORE z b nosuch
ZRANK z nosuch
ZINCRBY z 1 b
ZADD z XX INCR 1 nosuch
ZSCAN z 0
ZRANGE nokey 0 -1
ZPOPMIN z
ZPOPMIN z 2
ZPOPMAX z 0
ZPOPMAX nokey 2
ZPOPMAX z -1
ZPOPMAX z abc
ZPOPMAX z 1 2
ZPOPMIN z
ZPOPMIN z 2
ZPOPMAX z 100
EXISTS z
`),
  '-0 scores: a listpack stores them as 0, a skiplist keeps them': commandsOf(`
ZADD z -0 y
ZINCRBY z -0 y
ZADD z INCR -0 y
ZADD z2 -0 y
ZINCRBY z2 -0 y
ZSCORE z2 y
ZADD z -0 newm
ZSCORE z newm
CONFIG SET zset-max-listpack-entries 0
ZADD s -0 y
ZSCORE s y
ZINCRBY s -0 y
ZADD s 0 y
ZSCORE s y
ZADD s -0 y
ZSCORE s y
ZSCAN s 0
ZUNIONSTORE u 1 s WEIGHTS -1
ZSCORE u y
CONFIG SET zset-max-listpack-entries 128
ZUNIONSTORE u 1 s WEIGHTS 1
ZSCORE u y
OBJECT ENCODING u
`),
  'lex ranges, range removal, set operations with sets as inputs, stores, ZMPOP, ZRANDMEMBER, ZSCAN': commandsOf(`
ZADD l 0 a 0 b 0 c 0 d 0 e 0 f 0 g
ZRANGEBYLEX l - +
ZRANGEBYLEX l [b (e
ZRANGEBYLEX l (b [e LIMIT 1 2
ZREVRANGEBYLEX l + -
ZREVRANGEBYLEX l [e (b
ZREVRANGEBYLEX l (e [b LIMIT 0 1
ZRANGEBYLEX l + -
ZRANGEBYLEX l - -
ZRANGEBYLEX l a c
ZRANGEBYLEX l [a c
ZRANGEBYLEX l "" +
ZRANGEBYLEX l -x +
ZRANGEBYLEX l [ +
ZRANGEBYLEX l ( +
ZRANGEBYLEX l - + LIMIT -1 1
ZRANGEBYLEX l - + LIMIT 2 -1
ZRANGEBYLEX l - + WITHSCORES
ZLEXCOUNT l - +
ZLEXCOUNT l [b [d
ZLEXCOUNT l (b (d
ZLEXCOUNT l x y
ZLEXCOUNT nokey - +
ZRANGE l [c + BYLEX REV
ZRANGE l + [c BYLEX REV LIMIT 1 2
ZADD mixed 1 z 2 a 3 m 0 q
ZRANGEBYLEX mixed - +
ZRANGEBYLEX mixed [b +
ZRANGEBYLEX mixed - [n
ZREVRANGEBYLEX mixed [n -
ZLEXCOUNT mixed [b [z
ZREMRANGEBYLEX l [b (d
ZRANGE l 0 -1
ZREMRANGEBYLEX l x y
ZREMRANGEBYLEX nokey - +
ZREMRANGEBYSCORE l 0 0
EXISTS l
ZADD r 1 a 2 b 3 c 4 d 5 e
ZREMRANGEBYSCORE r (1 3
ZREMRANGEBYSCORE r x 3
ZREMRANGEBYRANK r 0 0
ZREMRANGEBYRANK r 5 10
ZREMRANGEBYRANK r -1 -1
ZREMRANGEBYRANK r a 1
ZRANGE r 0 -1 WITHSCORES
ZREMRANGEBYRANK r 0 -1
EXISTS r
ZADD a 1 x 2 y 3 z
ZADD b 10 y 20 z 30 w
SADD s y w q
ZUNION 2 a b
ZUNION 2 a b WITHSCORES
ZUNION 2 a b WEIGHTS 2 3 WITHSCORES
ZUNION 2 a b AGGREGATE MIN WITHSCORES
ZUNION 2 a b AGGREGATE MAX WITHSCORES
ZUNION 2 a b AGGREGATE FOO
ZUNION 2 a b WEIGHTS 1
ZUNION 2 a b WEIGHTS 1 x
ZUNION 3 a b s WITHSCORES
ZINTER 3 a b s WITHSCORES
ZINTER 2 a b WITHSCORES
ZINTER 2 a a WITHSCORES
ZDIFF 2 a b WITHSCORES
ZDIFF 2 a a
ZDIFF 3 b a s WITHSCORES
ZDIFF 2 a b WEIGHTS 1 1
ZDIFF 1 nokey
ZINTERCARD 2 a b
ZINTERCARD 2 a b LIMIT 1
ZINTERCARD 2 a b LIMIT -1
ZINTERCARD 2 a b LIMIT x
ZINTERCARD 2 a b WITHSCORES
ZINTERCARD 0 a
ZINTERCARD 3 a b
ZINTERCARD x a
ZUNION 0 a
ZUNIONSTORE d 0 a
ZUNIONSTORE d 2 a b
ZRANGE d 0 -1 WITHSCORES
OBJECT ENCODING d
ZUNIONSTORE d 2 a b WITHSCORES
ZINTERSTORE d 2 a nokey
EXISTS d
ZINTERSTORE d 2 a b AGGREGATE max
ZDIFFSTORE d 2 b a
ZRANGE d 0 -1 WITHSCORES
SET str x
ZUNION 2 a str
ZUNIONSTORE str 1 a
TYPE str
ZADD inf1 inf x
ZADD inf2 -inf x
ZUNION 2 inf1 inf2 WITHSCORES
ZINTER 2 inf1 inf2 WITHSCORES
ZUNION 2 inf1 inf2 WEIGHTS 0 1 WITHSCORES
ZRANGESTORE dst a 0 -1
ZRANGE dst 0 -1 WITHSCORES
ZRANGESTORE dst a 0 -1 WITHSCORES
ZRANGESTORE dst a (1 +inf BYSCORE LIMIT 0 1
ZRANGE dst 0 -1 WITHSCORES
ZRANGESTORE dst nokey 0 -1
EXISTS dst
ZRANGESTORE dst a - + BYLEX
ZRANGESTORE dst str 0 -1
ZMPOP 1 a MIN
ZMPOP 2 nokey a MAX COUNT 10
ZMPOP 2 nokey a MAX COUNT 10
ZMPOP 0 a MIN
ZMPOP 1 a
ZMPOP 1 a MID
ZMPOP 1 a MIN COUNT 0
ZMPOP 1 a MIN COUNT 1 COUNT 1
ZMPOP 1 b MIN COUNT
ZMPOP 1 str MIN
ZMPOP x a MIN
ZRANDMEMBER nokey
ZRANDMEMBER nokey 5
ZRANDMEMBER b 0
ZRANDMEMBER b 10
ZRANDMEMBER b 10 WITHSCORES
ZRANDMEMBER b 10 WITHSCORES x
ZRANDMEMBER b 10 foo
ZRANDMEMBER b x
ZRANDMEMBER b -9223372036854775808
ZRANDMEMBER b 9223372036854775807 WITHSCORES
ZADD one 5 only
ZRANDMEMBER one
ZRANDMEMBER one -3 WITHSCORES
ZRANDMEMBER one 1 WITHSCORES
ZRANDMEMBER one -2 WITHSCORES
ZRANDMEMBER b 10 WITHSCORES
ZUNION 2 a b WITHSCORES
ZMPOP 1 b MIN
ZPOPMIN one
ZPOPMIN nokey
ZADD b 1 x
ZPOPMIN b 1
ZSCAN nokey 0
ZSCAN b x
ZSCAN nokey 0 BOGUS
ZSCAN b 0 BOGUS
ZSCAN b 0 COUNT 0
ZSCAN b 0 MATCH *x*
ZSCAN b 0 COUNT
ZSCAN str 0
`),
  'encodings follow zset-max-listpack-entries/-value; stored results are rebuilt as Redis does': [
    ['ZADD', 'big', ...members(0, 127)], ['OBJECT', 'ENCODING', 'big'], ['ZADD', 'big', '1', 'm1'],
    ['OBJECT', 'ENCODING', 'big'], ['ZADD', 'big', '200', 'm200'], ['OBJECT', 'ENCODING', 'big'],
    ['ZREM', 'big', 'm200', 'm1', 'm2'], ['OBJECT', 'ENCODING', 'big'], ['ZADD', 'long', '1', 'x'.repeat(64)],
    ['OBJECT', 'ENCODING', 'long'], ['ZADD', 'long', '1', 'x'.repeat(65)], ['OBJECT', 'ENCODING', 'long'],
    ['ZADD', 'long2', '1', 'x'.repeat(65)], ['OBJECT', 'ENCODING', 'long2'], ['ZUNIONSTORE', 'u', '1', 'long2'],
    ['OBJECT', 'ENCODING', 'u'], ['ZREM', 'long', 'x'.repeat(65)], ['ZUNIONSTORE', 'u', '1', 'long'],
    ['OBJECT', 'ENCODING', 'u'], ['ZUNIONSTORE', 'u', '1', 'big'], ['OBJECT', 'ENCODING', 'u'],
    ['ZRANGESTORE', 'r', 'big', '0', '127'], ['OBJECT', 'ENCODING', 'r'], ['ZRANGESTORE', 'r', 'big', '0', '128'],
    ['OBJECT', 'ENCODING', 'r'], ['ZRANGESTORE', 'r', 'big', '-inf', '+inf', 'BYSCORE'], ['OBJECT', 'ENCODING', 'r'],
    ['ZRANGESTORE', 'r', 'big', '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '5'], ['OBJECT', 'ENCODING', 'r'],
    ['ZRANDMEMBER', 'big', '1000', 'WITHSCORES'], ['ZSCAN', 'r', '0'],
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'], ['ZADD', 'z0', '1', 'a'], ['OBJECT', 'ENCODING', 'z0'],
    ['ZUNIONSTORE', 'u', '1', 'z0'], ['OBJECT', 'ENCODING', 'u'], ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
    ['CONFIG', 'SET', 'zset-max-listpack-value', '0'], ['ZADD', 'z1', '1', 'a'], ['OBJECT', 'ENCODING', 'z1'],
    ['ZADD', 'z2', '1', ''], ['OBJECT', 'ENCODING', 'z2'], ['ZADD', 'z2', '1', 'b'], ['OBJECT', 'ENCODING', 'z2'],
    ['CONFIG', 'SET', 'zset-max-listpack-value', '64'], ['COPY', 'big', 'bigcopy'], ['OBJECT', 'ENCODING', 'bigcopy'],
    ['ZRANGE', 'bigcopy', '0', '3', 'WITHSCORES'], ['COPY', 'long', 'lcopy'], ['OBJECT', 'ENCODING', 'lcopy'],
  ],
};

/** Runs `blocked` on its own connections, then `writes` on another, and collects every reply. */
async function blockingRun(port: number, blocked: string[][], writes: string[][]): Promise<string[]> {
  const waiters = await Promise.all(blocked.map(() => RawClient.connect(port)));
  const writer = await RawClient.connect(port);
  try {
    await writer.call('FLUSHALL');
    for (let i = 0; i < blocked.length; i++) {
      waiters[i]!.command(...blocked[i]!);
      await writer.call('PING'); // the blocked command has been read before the next one
    }
    const replies: string[] = [];
    for (const command of writes) replies.push(await writer.call(...command));
    for (const waiter of waiters) replies.push(await waiter.reply());
    replies.push(await writer.call('ZRANGE', 'k1', '0', '-1', 'WITHSCORES'), await writer.call('ZRANGE', 'k2', '0', '-1'));
    return replies;
  } finally {
    for (const client of [...waiters, writer]) client.destroy();
  }
}

describeAgainstRealRedis('zset.test.ts', 'sorted set commands match real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, SCRIPTS);

  it('BZPOPMIN/BZPOPMAX/BZMPOP serve waiters oldest first, from the key that got data', async () => {
    const blocked = [
      ['BZPOPMIN', 'k1', 'k2', '5'],
      ['BZMPOP', '5', '2', 'k2', 'k1', 'MAX', 'COUNT', '2'],
      ['BZPOPMAX', 'k2', '0.3'],
      ['BZMPOP', '0.05', '1', 'k3', 'MIN'],
    ];
    const writes = [['ZADD', 'k2', '1', 'a', '2', 'b', '3', 'c'], ['ZADD', 'k1', '1', 'x', '2', 'y']];
    const { ours, real } = servers();
    const expected = await blockingRun(real.port, blocked, writes);
    expect(await blockingRun(ours.port, blocked, writes)).toEqual(expected);
  });
});

describeWithTsredis('sorted set commands', ({ redis, server }) => {
  it('orders by score, then by member bytes, and ranks both ways', async () => {
    await redis().zadd('z', 2, 'b', 1, 'c', 2, 'a', '-inf', 'low');
    expect(await redis().zrange('z', 0, -1)).toEqual(['low', 'c', 'a', 'b']);
    expect(await redis().zrank('z', 'a')).toBe(2);
    expect(await redis().zrevrank('z', 'a')).toBe(1);
    expect(await redis().zscore('z', 'low')).toBe('-inf');
    expect(await redis().zrangebyscore('z', '(1', '+inf', 'WITHSCORES')).toEqual(['a', '2', 'b', '2']);
  });

  it('ZADD GT/LT/XX/NX/CH/INCR decide per member what changes', async () => {
    expect(await redis().zadd('z', 5, 'a')).toBe(1);
    expect(await redis().zadd('z', 'GT', 'CH', 3, 'a', 1, 'b')).toBe(1);
    expect(await redis().zscore('z', 'a')).toBe('5');
    expect(await redis().zadd('z', 'LT', 'CH', 3, 'a')).toBe(1);
    expect(await redis().zadd('z', 'XX', 9, 'nope')).toBe(0);
    expect(await redis().zadd('z', 'INCR', 1.5, 'a')).toBe('4.5');
    await expect(redis().zadd('z', 'NX', 'XX', 1, 'a')).rejects.toThrow('XX and NX options at the same time are not compatible');
    await expect(redis().zadd('z', 'INCR', '-inf', 'x', 'inf', 'x')).rejects.toThrow('INCR option supports a single increment-element pair');
    await redis().zadd('z', 'inf', 'x');
    await expect(redis().zincrby('z', '-inf', 'x')).rejects.toThrow('resulting score is not a number (NaN)');
  });

  it('removes the key with its last member and answers WRONGTYPE on other types', async () => {
    await redis().zadd('z', 1, 'a', 2, 'b');
    expect(await redis().zpopmin('z')).toEqual(['a', '1']);
    expect(await redis().zrem('z', 'b', 'c')).toBe(1);
    expect(await redis().exists('z')).toBe(0);
    await redis().set('s', 'v');
    await expect(redis().zadd('s', 1, 'a')).rejects.toThrow('WRONGTYPE');
  });

  it('unions and intersects with weights and aggregates, sets scoring 1', async () => {
    await redis().zadd('a', 1, 'x', 2, 'y');
    await redis().zadd('b', 10, 'y', 20, 'z');
    await redis().sadd('s', 'y', 'z');
    expect(await redis().zunion(3, 'a', 'b', 's', 'WEIGHTS', 1, 2, 3, 'WITHSCORES')).toEqual(['x', '1', 'y', '25', 'z', '43']);
    expect(await redis().zinterstore('d', 2, 'a', 'b', 'AGGREGATE', 'MAX')).toBe(1);
    expect(await redis().zrange('d', 0, -1, 'WITHSCORES')).toEqual(['y', '10']);
    expect(await redis().zintercard(2, 'b', 's')).toBe(2);
    expect(await redis().zdiff(2, 'b', 'a')).toEqual(['z']);
  });

  it('BZPOPMIN waits for a ZADD and times out with a null reply', async () => {
    const waiter = connectIoredis(server().port);
    try {
      const popped = waiter.bzpopmin('q', 5);
      await redis().zadd('q', 7, 'm');
      expect(await popped).toEqual(['q', 'm', '7']);
      expect(await waiter.bzpopmin('q', 0.05)).toBeNull();
    } finally {
      waiter.disconnect();
    }
  });

  it('ZSCAN pages through a skiplist-encoded set returning every member once', async () => {
    const args = members(1, 300);
    await redis().zadd('big', ...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    let pages = 0;
    do {
      const [next, items] = await redis().zscan('big', cursor, 'COUNT', 50);
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      cursor = next;
      pages++;
    } while (cursor !== '0' && pages < 100);
    expect(seen.size).toBe(300);
    expect(seen.get('m42')).toBe('42');
  });
});
