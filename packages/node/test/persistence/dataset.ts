import type Redis from 'ioredis';

/**
 * A dataset with every type in its small and large encodings, TTLs and binary data, written with
 * commands (so the same script builds it on real Redis and on tsredis), and a canonical dump of
 * a server's keys read back with commands, for key-by-key comparison across servers.
 */

/** Far-future absolute expiry times, so PEXPIRETIME compares exactly between servers. */
const EXPIRE_AT = 4102444800000; // 2100-01-01

const BINARY = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 31 + 7) & 255)).toString('latin1');

export async function populate(redis: Redis): Promise<void> {
  const p = redis.pipeline();
  // Strings: int-encoded (8/16/32 bit and larger), embstr, raw, compressible, binary, empty.
  p.set('str:int8', '-12').set('str:int16', '3000').set('str:int32', '-2000000000').set('str:int64', '9223372036854775807');
  p.set('str:small', 'hello').set('str:long', 'x'.repeat(5000)).set('str:text', 'the quick brown fox '.repeat(30));
  p.set('str:binary', Buffer.from(BINARY, 'latin1')).set('str:empty', '').set('str:lead0', '007').set('str:float', '3.14');
  p.set('str:ttl', 'expires').pexpireat('str:ttl', EXPIRE_AT);
  // Lists: one small node, several nodes, big elements, integers of every listpack width.
  p.rpush('list:small', 'a', 'b', 'c', '1', '-1', '200', '-5000', '70000', '-9000000', '3000000000', '-9223372036854775808');
  for (let i = 0; i < 20; i++) p.rpush('list:big', ...Array.from({ length: 100 }, (_, j) => `element-${i}-${j}`));
  p.rpush('list:huge-elements', 'y'.repeat(10000), 'z'.repeat(70000), 'small');
  p.rpush('list:ttl', 'v').pexpireat('list:ttl', EXPIRE_AT + 1);
  // Sets: intset (16/32/64-bit), hashtable by size and by non-integer members.
  p.sadd('set:intset16', '1', '2', '3', '-100');
  p.sadd('set:intset64', '1', '5000000000', '-9223372036854775808');
  p.sadd('set:words', 'apple', 'banana', 'cherry');
  p.sadd('set:many-ints', ...Array.from({ length: 600 }, (_, i) => String(i * 3)));
  // Sorted sets: listpack (integer, fractional, infinite scores) and skiplist (by size, by length).
  p.zadd('zset:small', '1', 'one', '2.5', 'two-and-half', '-3', 'minus', 'inf', 'top', '-inf', 'bottom', '1e300', 'huge');
  p.zadd('zset:big', ...Array.from({ length: 300 }, (_, i) => [String(i / 7), `member-${i}`]).flat());
  p.zadd('zset:long-member', '1', 'm'.repeat(100), '2', 'short');
  // Hashes: listpack, hashtable by size and by value length.
  p.hset('hash:small', 'f1', 'v1', 'f2', '2', 'f3', '-300000', 'empty', '');
  p.hset('hash:big', ...Array.from({ length: 600 }, (_, i) => [`field-${i}`, `value-${i}`]).flat());
  p.hset('hash:long-value', 'f', 'v'.repeat(100), 'g', 'short');
  p.hset('hash:ttl', 'f', 'v').pexpireat('hash:ttl', EXPIRE_AT + 2);
  // Streams: several nodes, different field sets, deletions, groups, consumers and pending entries.
  for (let i = 1; i <= 250; i++) {
    if (i % 50 === 0) p.xadd('stream:big', `${i}-0`, 'other', String(i), 'extra', 'field');
    else p.xadd('stream:big', `${i}-${i % 3}`, 'name', `entry-${i}`, 'n', String(i));
  }
  p.xdel('stream:big', '10-1', '20-2', '100-1');
  p.xgroup('CREATE', 'stream:big', 'g1', '0');
  p.xgroup('CREATE', 'stream:big', 'g2', '$');
  p.xreadgroup('GROUP', 'g1', 'alice', 'COUNT', '5', 'STREAMS', 'stream:big', '>');
  p.xreadgroup('GROUP', 'g1', 'bob', 'COUNT', '3', 'STREAMS', 'stream:big', '>');
  p.xack('stream:big', 'g1', '1-1');
  p.xgroup('CREATECONSUMER', 'stream:big', 'g2', 'carol');
  p.xadd('stream:small', '5-5', 'k', 'v');
  p.xadd('stream:empty', 'MAXLEN', '0', '7-7', 'k', 'v');
  p.xadd('stream:huge-id', '18446744073709551614-18446744073709551615', 'k', 'v');
  // Other databases.
  p.select(3).set('db3:key', 'in db 3').rpush('db3:list', 'x').select(0);
  await p.exec();
}

/** Everything observable about one key, as text lines. */
async function describeKey(redis: Redis, key: string): Promise<string[]> {
  const type = await redis.type(key);
  const lines = [`type ${type}`, `pexpiretime ${await redis.call('PEXPIRETIME', key)}`];
  lines.push(`encoding ${await redis.object('ENCODING', key)}`);
  switch (type) {
    case 'string':
      lines.push(`value ${JSON.stringify((await redis.getBuffer(key))!.toString('latin1'))}`);
      break;
    case 'list':
      lines.push(`values ${JSON.stringify(await redis.lrange(key, 0, -1))}`);
      break;
    case 'set':
      lines.push(`members ${JSON.stringify((await redis.smembers(key)).sort())}`);
      break;
    case 'zset':
      lines.push(`members ${JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'))}`);
      break;
    case 'hash': {
      const all = await redis.hgetall(key);
      lines.push(`pairs ${JSON.stringify(Object.entries(all).sort())}`);
      break;
    }
    case 'stream': {
      lines.push(`entries ${JSON.stringify(await redis.xrange(key, '-', '+'))}`);
      const info = (await redis.call('XINFO', 'STREAM', key)) as unknown[];
      const wanted = ['length', 'last-generated-id', 'max-deleted-entry-id', 'entries-added', 'recorded-first-entry-id', 'groups'];
      for (let i = 0; i < info.length; i += 2) {
        if (wanted.includes(String(info[i]))) lines.push(`${String(info[i])} ${JSON.stringify(info[i + 1])}`);
      }
      const groups = (await redis.call('XINFO', 'GROUPS', key)) as unknown[][];
      for (const group of groups) {
        lines.push(`group ${JSON.stringify(group)}`);
        const name = String(group[1]);
        const pending = (await redis.call('XPENDING', key, name, '-', '+', '1000')) as unknown[][];
        lines.push(`pending ${JSON.stringify(pending.map(([id, consumer, , count]) => [id, consumer, count]))}`);
        const consumers = (await redis.call('XINFO', 'CONSUMERS', key, name)) as unknown[][];
        lines.push(`consumers ${JSON.stringify(consumers.map((c) => [c[1], c[3]]))}`);
      }
      break;
    }
  }
  return lines;
}

/** db → key → description, for every non-empty database. */
export async function canonicalDump(redis: Redis, databases = 16): Promise<Record<string, Record<string, string[]>>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (let db = 0; db < databases; db++) {
    await redis.select(db);
    const keys = (await redis.keys('*')).sort();
    if (keys.length === 0) continue;
    const described: Record<string, string[]> = {};
    for (const key of keys) described[key] = await describeKey(redis, key);
    out[`db${db}`] = described;
  }
  await redis.select(0);
  return out;
}
