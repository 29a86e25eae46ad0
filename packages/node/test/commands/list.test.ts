import { expect, it } from 'vitest';
import { describeAgainstRealRedis, itMatchesRealRedis, statsTrail } from '../../../../test/helpers/compare.js';
import { describeWithTsredis } from '../../../../test/helpers/ioredis.js';
import { commandsOf } from './script-lines.js';

/**
 * Scripts replayed on real Redis and on tsredis from FLUSHALL, compared reply by reply as raw
 * bytes in RESP2 and RESP3: every list command, its argument errors in Redis's order, WRONGTYPE,
 * empty keys being deleted, and the blocking commands when they need not wait.
 */
const SCRIPTS: Record<string, string[][]> = {
  'pushes, reads, LSET, LINSERT, pops with COUNT, moves, LREM, LTRIM': commandsOf(`
LPUSH l a b c
RPUSH l d e f
LRANGE l 0 -1
LRANGE l -100 100
LRANGE l 2 1
LRANGE l 5 10
LRANGE l abc 1
LRANGE nokey abc 1
LRANGE nokey 0 1
LLEN l
LLEN nokey
LPUSHX nokey a
RPUSHX nokey a
LPUSHX l x y
RPUSHX l z
LINDEX l 0
LINDEX l -1
LINDEX l 100
LINDEX l -100
LINDEX l abc
LINDEX nokey abc
LSET l 0 new
LSET l 100 x
LSET l -100 x
LSET l abc x
LSET nokey 0 x
LSET nokey abc x
LINSERT l BEFORE new before
LINSERT l after new after
LINSERT l middle new x
LINSERT nokey middle new x
LINSERT nokey before new x
LINSERT l before nothere x
LRANGE l 0 -1
LPOP l
RPOP l
LPOP l 2
RPOP l 2
LPOP l 0
LPOP l -1
LPOP l abc
LPOP nokey 2
LPOP nokey
LPOP nokey 0
LPOP l 1 2
LPOP l 100
EXISTS l
SET s v
LPUSH s a
LPOP s
LPOP s 1
LRANGE s 0 1
LLEN s
LINDEX s 0
LSET s 0 x
LINSERT s before a b
LREM s 0 a
LTRIM s 0 1
LPOS s a
LMOVE s l left right
LMOVE nokey l left right
RPOPLPUSH nokey s
RPUSH src 1 2 3
LMOVE src s left left
LMOVE src dst LEFT RIGHT
LMOVE src dst RIGHT LEFT
LMOVE src dst up LEFT
LMOVE src dst left down
LMOVE src src left right
LRANGE src 0 -1
RPOPLPUSH src dst
LRANGE dst 0 -1
EXISTS src
RPOPLPUSH dst dst
LRANGE dst 0 -1
RPUSH r a b a c a d a
LREM r 2 a
LRANGE r 0 -1
LREM r -1 a
LRANGE r 0 -1
LREM r 0 a
LREM r abc a
LREM nokey 1 a
LREM r 0 b
LREM r 0 c
LREM r 0 d
EXISTS r
RPUSH t 1 2 3 4 5 6 7
LTRIM t 1 -2
LRANGE t 0 -1
LTRIM t -100 100
LTRIM t abc 1
LTRIM nokey 0 1
LTRIM t 5 1
EXISTS t
OBJECT ENCODING dst
TYPE dst
`),
  'LPOS options and errors, LMPOP': commandsOf(`
RPUSH l a b c 1 2 3 c c
LPOS l c
LPOS l c RANK 2
LPOS l c RANK -1
LPOS l c RANK -2
LPOS l c RANK 0
LPOS l c RANK abc
LPOS l c RANK -9223372036854775808
LPOS l c RANK -9223372036854775808 COUNT 2
LPOS l c RANK -9223372036854775807
LPOS l c RANK 9223372036854775807
LPOS l c COUNT 0
LPOS l c COUNT 2
LPOS l c COUNT -1
LPOS l c COUNT abc
LPOS l c COUNT 0 RANK -1
LPOS l c COUNT 0 RANK 2 MAXLEN 3
LPOS l c MAXLEN 3
LPOS l c MAXLEN -1
LPOS l c MAXLEN abc
LPOS l c MAXLEN 0
LPOS l c RANK
LPOS l c foo
LPOS l c COUNT 1 foo
LPOS l zz
LPOS l zz COUNT 1
LPOS nokey zz
LPOS nokey zz COUNT 1
LPOS nokey zz RANK 0
LPOS l 1 RANK 5 COUNT 3
LPOS l c RANK 4 COUNT 1
LPOS l c RANK -4 COUNT 0
LMPOP 1 l LEFT
LMPOP 1 l RIGHT COUNT 2
LMPOP 2 nokey l left count 100
LMPOP 2 nokey l left
LMPOP 0 l left
LMPOP -1 l left
LMPOP abc l left
LMPOP 3 l left
LMPOP 1 l middle
LMPOP 1 l left count 0
LMPOP 1 l left count -1
LMPOP 1 l left count abc
LMPOP 1 l left count 1 count 2
LMPOP 1 l left count
LMPOP 1 l left foo
SET s x
LMPOP 2 s l left
LMPOP 2 nokey s left
RPUSH l2 x
LMPOP 2 l2 s left
LMPOP 1 l2 left
`),
  'blocking commands with data or bad arguments reply at once': commandsOf(`
SET s x
BLPOP s 0
BLPOP nokey s 0
BLPOP l3 abc
BLPOP l3 -1
BLPOP l3 0x
BLPOP l3 inf
BLPOP l3 -inf
BLPOP l3 nan
BLPOP l3 1e400
BLPOP l3 9223372036854775807
BLPOP l3 ""
BLPOP l3 " 1"
RPUSH l3 a b
BLPOP l3 0
BRPOP l3 0
EXISTS l3
BRPOP s l3 0
RPUSH l4 a b c
BLMPOP 0 1 l4 right count 2
BLMPOP 0 1 l4 right count 2
BLMPOP abc 1 l4 right count 2
BLMPOP 0 0 l4 right
BLMPOP 0 1 l4 middle
BLMPOP -1 1 l4 left
BLMPOP 0 1 s left
BLMOVE s d left left 0
BLMOVE nokey d left left abc
BLMOVE nokey d left foo 0
BRPOPLPUSH nokey d abc
BRPOPLPUSH nokey d -1
RPUSH l5 a
BLMOVE l5 s left left 0
BLMOVE l5 d left left 0
BRPOPLPUSH d e 0
LRANGE e 0 -1
LPOP
LPOP a b c d
BLPOP a
LMPOP 1 a
`),
};

describeAgainstRealRedis('list.test.ts', 'list commands match real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, SCRIPTS);

  it('counts keyspace hits, misses and changes where Redis does', async () => {
    const script = Object.values(SCRIPTS).flat();
    const { ours, real } = servers();
    const expected = await statsTrail(real.port, script);
    expect(await statsTrail(ours.port, script)).toEqual(expected);
  });
});

describeWithTsredis('list commands', ({ redis }) => {
  it('works as a queue at both ends and deletes the key when emptied', async () => {
    await redis().flushall();
    expect(await redis().rpush('q', 'a', 'b', 'c')).toBe(3);
    expect(await redis().lpush('q', 'z')).toBe(4);
    expect(await redis().lrange('q', 0, -1)).toEqual(['z', 'a', 'b', 'c']);
    expect(await redis().lpop('q', 2)).toEqual(['z', 'a']);
    expect(await redis().rpop('q', 5)).toEqual(['c', 'b']);
    expect(await redis().exists('q')).toBe(0);
  });

  it('keeps binary elements byte for byte', async () => {
    const value = Buffer.from([0, 255, 13, 10, 128]);
    await redis().rpush('bin', value);
    expect(await redis().lindexBuffer('bin', 0)).toEqual(value);
  });

  it('reports the quicklist encoding and memory that follows the contents', async () => {
    await redis().flushall();
    const before = Number(/used_memory:(\d+)/.exec(await redis().info('memory'))![1]);
    await redis().rpush('big', ...Array.from({ length: 1000 }, (_, i) => `element-${i}`));
    expect(await redis().object('ENCODING', 'big')).toBe('quicklist');
    const grown = Number(/used_memory:(\d+)/.exec(await redis().info('memory'))![1]);
    expect(grown - before).toBeGreaterThan(10_000);
    await redis().ltrim('big', 0, 9);
    const trimmed = Number(/used_memory:(\d+)/.exec(await redis().info('memory'))![1]);
    expect(trimmed).toBeLessThan(grown);
    await redis().del('big');
    expect(Number(/used_memory:(\d+)/.exec(await redis().info('memory'))![1])).toBe(before);
  });

  it('COPY duplicates a list independently', async () => {
    await redis().flushall();
    await redis().rpush('src', 'a', 'b');
    await redis().copy('src', 'dst');
    await redis().rpush('dst', 'c');
    expect(await redis().lrange('src', 0, -1)).toEqual(['a', 'b']);
    expect(await redis().lrange('dst', 0, -1)).toEqual(['a', 'b', 'c']);
  });
}, { flushBeforeEach: false });
