import { it } from 'vitest';
import { describeAgainstRealRedis, expectSameReplies, itMatchesRealRedis } from '../../../../test/helpers/compare.js';
import { commandsOf } from './script-lines.js';

/**
 * SORT and SORT_RO on lists, sets and sorted sets — numeric and ALPHA order, BY patterns (keys,
 * hash fields, nosort), LIMIT clamping, GET patterns, STORE (TTL cleared, empty result deletes)
 * and every error — replayed on real Redis and tsredis and compared byte for byte.
 */
const SCRIPT = commandsOf(`
RPUSH l 3 1 2 10 -5 2.5 1e2 0x10
SORT l
SORT l DESC
SORT l ALPHA
SORT l ALPHA DESC
SORT l LIMIT 0 3
SORT l LIMIT 2 3
SORT l LIMIT -5 3
SORT l LIMIT 5 100
SORT l LIMIT 100 5
SORT l LIMIT 2 -1
SORT l LIMIT 2 0
SORT l LIMIT a b
SORT l LIMIT 1
SORT l DESC LIMIT 1 2
MSET w_3 30 w_1 10 w_2 20 w_10 5 w_-5 100
SORT l BY w_*
SORT l BY w_* DESC
SORT l BY w_* ALPHA
SORT l BY w_* GET # GET w_*
SORT l BY nosort
SORT l BY nosort DESC
SORT l BY nosort LIMIT 2 3
SORT l BY nosort DESC LIMIT 2 3
SORT l BY nosort LIMIT 20 3
SORT l GET #
SORT l GET nostar
SORT l GET w_*
SORT l GET w_* GET #
HSET h_3 f a
HSET h_1 f b
HSET h_2 g c
SORT l BY h_*->f ALPHA GET h_*->f GET #
SORT l BY h_*->f GET h_*->
SORT l GET h_*->f
SORT l STORE dst
LRANGE dst 0 -1
TYPE dst
SORT l GET w_* STORE dst2
LRANGE dst2 0 -1
SORT l LIMIT 0 0 STORE dst2
EXISTS dst2
SORT nokey
SORT nokey STORE dst
EXISTS dst
SORT_RO l STORE x
SORT_RO l
SORT_RO l BY nosort GET w_*
SET s str
SORT s
SORT s foo
SORT l foo
RPUSH bad a b 1
SORT bad
SORT bad ALPHA
SORT bad BY nosort
SORT bad LIMIT 0 1
RPUSH ws 1 2 3
SET x_1 abc
SORT ws BY x_*
SORT ws BY x_* ALPHA
RPUSH e "" " 1" "1 " 
SORT e
RPUSH e2 "" " 1" "2"
SORT e2
SORT e2 DESC
SADD st 5 3 9 1
SORT st
SORT st DESC LIMIT 1 2
SORT st BY nosort STORE sd
LRANGE sd 0 -1
SORT st ALPHA
SADD st2 b a c
SORT st2 ALPHA
SORT st2
ZADD z 3 c 1 a 2 b
OBJECT ENCODING z
SORT z ALPHA
OBJECT ENCODING z
SORT z BY nosort
SORT z BY nosort DESC
SORT z BY nosort LIMIT 1 1
SORT z BY nosort DESC LIMIT 1 5
SET s_a 3
SET s_b 1
SORT z BY s_*
SORT z BY s_* GET #  GET s_*
SET t 1
EXPIRE dst 100
SORT l STORE dst
TTL dst
SORT l STORE s
TYPE s
`);

describeAgainstRealRedis('sort.test.ts', 'SORT matches real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, { 'lists, sets, sorted sets with every option': SCRIPT });

  it('sorts 500 random numbers and words the same way', async () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const numbers = Array.from({ length: 500 }, () => String(Math.round((next() - 0.5) * 1e6) / 100));
    const words = Array.from({ length: 500 }, () => Math.floor(next() * 1e9).toString(36));
    const script = [
      ['RPUSH', 'n', ...numbers], ['RPUSH', 'w', ...words], ['SORT', 'n'], ['SORT', 'n', 'DESC', 'LIMIT', '10', '50'],
      ['SORT', 'w', 'ALPHA'], ['SORT', 'w', 'ALPHA', 'DESC', 'STORE', 'ws'], ['LRANGE', 'ws', '0', '-1'],
    ];
    await expectSameReplies(servers, script);
  });
});
