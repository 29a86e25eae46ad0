import { expect, it } from 'vitest';
import { describeAgainstRealRedis, itMatchesRealRedis } from '../../../../test/helpers/compare.js';
import { connectIoredis, describeWithTsredis } from '../../../../test/helpers/ioredis.js';

/** Polls (bounded) until `check` holds: for work the server does on its own timer. */
async function eventually(check: () => Promise<boolean>, what: string, attempts = 100): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Scripts replayed on real Redis and on tsredis, compared reply by reply as raw bytes. Each
 * starts from FLUSHALL on db 0. No reply may depend on hash order or on the clock's
 * millisecond (TTL in seconds is fine: both round the same way).
 */
const SCRIPTS: Record<string, string[][]> = {
  'DEL, UNLINK, EXISTS with repeated and missing keys': [
    ['SET', 'a', '1'], ['SET', 'b', '2'],
    ['EXISTS', 'a', 'a', 'a', 'b', 'c'], ['EXISTS', 'nokey'],
    ['DEL', 'a', 'a', 'b', 'c'], ['DEL', 'a'], ['SET', 'u', 'x'], ['UNLINK', 'u', 'u'], ['EXISTS', 'u'],
    ['DEL'], ['EXISTS'],
  ],
  'TYPE and TOUCH': [
    ['SET', 's', 'v'], ['TYPE', 's'], ['TYPE', 'nokey'], ['TOUCH', 's', 's', 'nokey'], ['TOUCH', 'nokey'],
  ],
  'RENAME and RENAMENX': [
    ['RENAME', 'nokey', 'x'], ['RENAMENX', 'nokey', 'x'],
    ['SET', 's', 'hello'], ['RENAME', 's', 's'], ['RENAMENX', 's', 's'],
    ['SET', 't', 'other'], ['RENAMENX', 's', 't'], ['EXPIRE', 's', '100'], ['RENAME', 's', 't'],
    ['GET', 't'], ['GET', 's'], ['TTL', 't'], ['RENAMENX', 't', 'u'], ['TTL', 'u'], ['EXISTS', 't'],
  ],
  'SELECT, MOVE, SWAPDB, DBSIZE': [
    ['SELECT', '99999999999'], ['SELECT', 'abc'], ['SELECT', '16'], ['SELECT', '-1'], ['SELECT', '01'],
    ['SET', 'k', 'v0'], ['MOVE', 'k', '0'], ['MOVE', 'k', '99999999999'], ['MOVE', 'k', 'abc'], ['MOVE', 'k', '16'],
    ['EXPIRE', 'k', '500'], ['MOVE', 'k', '1'], ['MOVE', 'k', '1'], ['MOVE', 'nokey', '1'], ['EXISTS', 'k'],
    ['SELECT', '1'], ['GET', 'k'], ['TTL', 'k'], ['SET', 'k2', 'v1'], ['DBSIZE'],
    ['SELECT', '0'], ['SET', 'k2', 'v0'], ['MOVE', 'k2', '1'], ['DBSIZE'],
    ['SWAPDB', 'a', 'b'], ['SWAPDB', '0', 'b'], ['SWAPDB', '0', '99'], ['SWAPDB', '99999999999', '0'],
    ['SWAPDB', '0', '1'], ['GET', 'k'], ['DBSIZE'], ['SWAPDB', '3', '3'], ['SWAPDB', '1', '0'], ['GET', 'k'],
    ['SELECT', '1'], ['FLUSHDB'], ['SELECT', '0'],
  ],
  'COPY with DB and REPLACE': [
    ['COPY', 'a', 'b', 'DB'], ['COPY', 'a', 'a'], ['COPY', 'a', 'b', 'db', '99'], ['COPY', 'a', 'b', 'db', 'abc'],
    ['COPY', 'a', 'b', 'foo'], ['COPY', 'a', 'a', 'db', '0'], ['COPY', 'nokey', 'x'],
    ['SET', 'a', 'hello'], ['EXPIRE', 'a', '300'], ['COPY', 'a', 'b'], ['GET', 'b'], ['TTL', 'b'],
    ['SET', 'c', 'old'], ['COPY', 'a', 'c'], ['GET', 'c'], ['COPY', 'a', 'c', 'REPLACE'], ['GET', 'c'],
    ['COPY', 'a', 'a', 'db', '2'], ['COPY', 'a', 'a', 'db', '2'], ['COPY', 'a', 'a', 'replace', 'db', '2'],
    ['SELECT', '2'], ['GET', 'a'], ['TTL', 'a'], ['FLUSHDB'], ['SELECT', '0'],
  ],
  'EXPIRE family options and errors': [
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', '10', 'nx', 'xx'], ['EXPIRE', 'k', '10', 'gt', 'lt'], ['EXPIRE', 'k', '10', 'NX', 'GT'],
    ['EXPIRE', 'k', '10', 'lt', 'nx'], ['EXPIRE', 'k', '10', 'xx', 'gt', 'lt'], ['EXPIRE', 'k', '10', 'foo'],
    ['EXPIRE', 'k', 'abc', 'foo'], ['EXPIRE', 'k', 'abc', 'nx'], ['EXPIRE', 'k', '1.5'], ['EXPIRE', 'nokey', '10'],
    ['EXPIRE', 'nokey', 'abc'], ['EXPIRE', 'nokey', '9223372036854776'],
    ['TTL', 'k'], ['PERSIST', 'k'],
    ['EXPIRE', 'k', '100', 'XX'], ['EXPIRE', 'k', '100', 'GT'], ['EXPIRE', 'k', '100', 'LT'], ['TTL', 'k'],
    ['EXPIRE', 'k', '100', 'NX'], ['TTL', 'k'], ['EXPIRE', 'k', '50', 'NX'], ['EXPIRE', 'k', '200', 'XX', 'GT'],
    ['TTL', 'k'], ['EXPIRE', 'k', '150', 'GT'], ['EXPIRE', 'k', '150', 'LT'], ['TTL', 'k'],
    ['EXPIREAT', 'k', '99999999999'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '99999999999123'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'],
    ['PERSIST', 'k'], ['PERSIST', 'k'], ['PERSIST', 'nokey'], ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'],
    ['TTL', 'nokey'], ['PTTL', 'nokey'], ['EXPIRETIME', 'nokey'], ['PEXPIRETIME', 'nokey'],
  ],
  'EXPIRE overflow and deleting with a past time': [
    ['SET', 'u', 'v'],
    ['EXPIRE', 'u', '9223370399119966'], ['EXPIRE', 'u', '9223372036854776'], ['EXPIRE', 'u', '10000000000000000'],
    ['EXPIRE', 'u', '18446744073709561'], ['EXPIRE', 'u', '-9223372036854776'], ['EXPIRE', 'u', '-9999999999999999'],
    ['PEXPIRE', 'u', '9223372036854770000'], ['EXPIREAT', 'u', '9223372036854775807'], ['TTL', 'u'],
    ['PEXPIREAT', 'u', '9223372036854770000'], ['PEXPIRETIME', 'u'],
    ['PEXPIREAT', 'u', '-9223372036854770000'], ['TTL', 'u'], ['EXISTS', 'u'],
    ['SET', 'e', 'v'], ['EXPIRE', 'e', '0'], ['EXISTS', 'e'],
    ['SET', 'e', 'v'], ['PEXPIRE', 'e', '-1'], ['EXISTS', 'e'],
    ['SET', 'e', 'v'], ['EXPIREAT', 'e', '1'], ['EXISTS', 'e'],
    ['SET', 'e', 'v'], ['EXPIRE', 'e', '-5', 'XX'], ['EXPIRE', 'e', '-5', 'GT'], ['EXISTS', 'e'],
    ['EXPIRE', 'e', '-5', 'LT'], ['EXPIRE', 'e', '-5', 'NX'], ['EXISTS', 'e'],
  ],
  'FLUSHDB and FLUSHALL options': [
    ['SET', 'a', '1'], ['FLUSHDB', 'foo'], ['FLUSHDB', 'sync', 'async'], ['FLUSHALL', 'bar'], ['DBSIZE'],
    ['FLUSHDB', 'ASYNC'], ['DBSIZE'], ['SET', 'a', '1'], ['SELECT', '5'], ['SET', 'b', '2'], ['FLUSHALL', 'sync'],
    ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'], ['FLUSHALL'], ['FLUSHDB'],
  ],
  'KEYS, RANDOMKEY and single-page SCAN': [
    ['KEYS', '*'], ['RANDOMKEY'], ['SCAN', '0'],
    ['SET', 'foo', 'bar'], ['KEYS', '*'], ['KEYS', 'f?o'], ['KEYS', '[a-f]*'], ['KEYS', 'x*'], ['RANDOMKEY'],
    ['SCAN', '0'], ['SCAN', '0', 'MATCH', 'f*'], ['SCAN', '0', 'MATCH', 'x*'], ['SCAN', '0', 'TYPE', 'string'],
    ['SCAN', '0', 'TYPE', 'STRING'], ['SCAN', '0', 'TYPE', 'list'], ['SCAN', '0', 'match', '*', 'COUNT', '5', 'type', 'string'],
    ['DEL', 'foo'], ['SET', '', 'empty'], ['KEYS', '*'], ['KEYS', '**'], ['KEYS', '?'], ['SCAN', '0', 'MATCH', '*'],
    ['SCAN', '0', 'MATCH', '**'], ['SCAN', '0', 'MATCH', ''],
  ],
  'SCAN argument errors': [
    ['SCAN', 'abc'], ['SCAN', ' 5'], ['SCAN', '5 '], ['SCAN', '18446744073709551616'], ['SCAN', '-'],
    ['SCAN', '0', 'COUNT', '0'], ['SCAN', '0', 'COUNT', '-1'], ['SCAN', '0', 'COUNT', 'abc'],
    ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'TYPE'], ['SCAN', '0', 'FOO', 'bar'], ['SCAN', '0', 'COUNT', '10', 'MATCH'],
    ['SCAN', '-1'], ['SCAN', ''], ['SCAN', '+0'], ['SCAN', '18446744073709551615'],
  ],
  'OBJECT': [
    ['OBJECT', 'HELP'], ['OBJECT', 'help', 'x'], ['OBJECT'], ['OBJECT', 'foo', 'bar'], ['OBJECT', 'ENCODING'],
    ['OBJECT', 'ENCODING', 'nokey'], ['OBJECT', 'FREQ', 'nokey'], ['OBJECT', 'REFCOUNT', 'nokey'],
    ['OBJECT', 'IDLETIME', 'nokey'],
    ['SET', 'n', '123'], ['OBJECT', 'ENCODING', 'n'], ['OBJECT', 'REFCOUNT', 'n'], ['OBJECT', 'FREQ', 'n'],
    ['SET', 'n', '99999'], ['OBJECT', 'ENCODING', 'n'], ['OBJECT', 'REFCOUNT', 'n'],
    ['SET', 'n', '-0'], ['OBJECT', 'ENCODING', 'n'],
    ['SET', 'n', '-9223372036854775808'], ['OBJECT', 'ENCODING', 'n'],
    ['SET', 'n', 'a'.repeat(44)], ['OBJECT', 'ENCODING', 'n'], ['OBJECT', 'REFCOUNT', 'n'],
    ['SET', 'n', 'a'.repeat(45)], ['OBJECT', 'ENCODING', 'n'], ['OBJECT', 'IDLETIME', 'n'],
  ],
};

describeAgainstRealRedis('generic.test.ts', 'generic commands match real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, SCRIPTS);
});

describeWithTsredis('generic commands', ({ redis, server }) => {
  it('counts repeated keys in EXISTS but deletes each key once', async () => {
    await redis().mset('a', '1', 'b', '2');
    expect(await redis().exists('a', 'a', 'b', 'missing')).toBe(3);
    expect(await redis().del('a', 'a', 'b', 'missing')).toBe(2);
    expect(await redis().dbsize()).toBe(0);
  });

  it('expires keys lazily: a key read after its TTL is gone', async () => {
    await redis().set('k', 'v', 'PX', 30);
    expect(await redis().pttl('k')).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await redis().get('k')).toBeNull();
    expect(await redis().ttl('k')).toBe(-2);
    expect(await redis().exists('k')).toBe(0);
  });

  it('deletes the key when EXPIRE is given a time in the past, and PERSIST keeps it', async () => {
    await redis().set('gone', 'v');
    expect(await redis().expire('gone', -1)).toBe(1);
    expect(await redis().exists('gone')).toBe(0);
    await redis().set('kept', 'v');
    expect(await redis().expire('kept', 100)).toBe(1);
    expect(await redis().persist('kept')).toBe(1);
    expect(await redis().ttl('kept')).toBe(-1);
  });

  it('treats a missing TTL as infinite for GT and LT', async () => {
    await redis().set('k', 'v');
    expect(await redis().call('EXPIRE', 'k', '100', 'GT')).toBe(0);
    expect(await redis().call('EXPIRE', 'k', '100', 'LT')).toBe(1);
    expect(await redis().call('EXPIRE', 'k', '50', 'GT')).toBe(0);
    expect(await redis().call('EXPIRE', 'k', '500', 'GT')).toBe(1);
    expect(await redis().ttl('k')).toBe(500);
  });

  it('keeps the TTL across RENAME and MOVE, and COPY copies it', async () => {
    await redis().set('a', 'v', 'EX', 1000);
    await redis().rename('a', 'b');
    expect(await redis().ttl('b')).toBe(1000);
    expect(await redis().copy('b', 'c')).toBe(1);
    expect(await redis().ttl('c')).toBe(1000);
    expect(await redis().move('c', '3')).toBe(1);
    const other = connectIoredis(server().port);
    try {
      await other.select(3);
      expect(await other.get('c')).toBe('v');
      expect(await other.ttl('c')).toBe(1000);
      await other.flushdb();
    } finally {
      other.disconnect();
    }
  });

  it('SWAPDB exchanges the contents of two databases for every client', async () => {
    await redis().set('in0', 'zero');
    const other = connectIoredis(server().port);
    try {
      await other.select(1);
      await other.set('in1', 'one');
      await redis().swapdb(0, 1);
      expect(await redis().get('in1')).toBe('one');
      expect(await other.get('in0')).toBe('zero');
      await other.flushdb();
    } finally {
      other.disconnect();
    }
  });

  it('RANDOMKEY returns null once every key has expired', async () => {
    for (let i = 0; i < 50; i++) await redis().set(`t:${i}`, 'v', 'PX', 20);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await redis().randomkey()).toBeNull();
    expect(await redis().dbsize()).toBe(0);
  });

  it('KEYS matches glob patterns and skips expired keys', async () => {
    await redis().mset('hello', '1', 'hallo', '2', 'hxllo', '3', 'h[llo', '4');
    await redis().set('hillo', '5', 'PX', 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await redis().keys('h[ae]llo')).sort()).toEqual(['hallo', 'hello']);
    expect((await redis().keys('h[^ae]llo')).sort()).toEqual(['h[llo', 'hxllo']);
    expect(await redis().keys('h\\[llo')).toEqual(['h[llo']);
    expect((await redis().keys('h?llo')).sort()).toEqual(['h[llo', 'hallo', 'hello', 'hxllo']);
  });

  it('SCAN returns every key present for the whole scan while others come and go', async () => {
    const stable: string[] = [];
    const pipeline = redis().pipeline();
    for (let i = 0; i < 1000; i++) {
      pipeline.set(`stable:${i}`, 'v');
      stable.push(`stable:${i}`);
      pipeline.set(`churn:${i}`, 'v');
    }
    await pipeline.exec();
    const writer = connectIoredis(server().port);
    const seen = new Set<string>();
    try {
      let cursor = '0';
      let pages = 0;
      do {
        const [next, keys] = await redis().scan(cursor, 'COUNT', 25);
        for (const key of keys) seen.add(key);
        cursor = next;
        // Between pages another client deletes old keys and adds new ones.
        await writer.del(`churn:${pages * 3}`, `churn:${pages * 3 + 1}`, `churn:${pages * 3 + 2}`);
        await writer.set(`added:${pages}`, 'v');
        pages++;
      } while (cursor !== '0' && pages < 1000);
      expect(cursor).toBe('0');
    } finally {
      writer.disconnect();
    }
    expect(stable.filter((key) => !seen.has(key))).toEqual([]);
  });

  it('SCAN filters after sampling: a page may be empty while the cursor goes on', async () => {
    const pipeline = redis().pipeline();
    for (let i = 0; i < 100; i++) pipeline.set(`other:${i}`, 'v');
    pipeline.set('needle', 'v');
    await pipeline.exec();
    let cursor = '0';
    let emptyPages = 0;
    const found: string[] = [];
    let pages = 0;
    do {
      const [next, keys] = await redis().scan(cursor, 'MATCH', 'needle', 'COUNT', 10);
      if (keys.length === 0 && next !== '0') emptyPages++;
      found.push(...keys);
      cursor = next;
      pages++;
    } while (cursor !== '0' && pages < 100);
    expect(found).toEqual(['needle']);
    expect(emptyPages).toBeGreaterThan(0);
  });

  it('expires keys actively, without access, within a bounded wait', async () => {
    const pipeline = redis().pipeline();
    for (let i = 0; i < 500; i++) pipeline.set(`volatile:${i}`, 'v', 'PX', 50);
    pipeline.set('persistent', 'v');
    await pipeline.exec();
    // DBSIZE counts keys without expiring any, so only the server's cycle can bring it down.
    await eventually(async () => (await redis().dbsize()) === 1, 'active expiry to reap 500 keys', 100);
    expect(await redis().keys('*')).toEqual(['persistent']);
  });

  it('reports string encodings and refuses OBJECT FREQ without an LFU policy', async () => {
    await redis().set('int', '12345');
    await redis().set('short', 'hello');
    await redis().set('long', 'x'.repeat(100));
    expect(await redis().object('ENCODING', 'int')).toBe('int');
    expect(await redis().object('ENCODING', 'short')).toBe('embstr');
    expect(await redis().object('ENCODING', 'long')).toBe('raw');
    expect(await redis().object('IDLETIME', 'short')).toBe(0);
    await expect(redis().object('FREQ', 'short')).rejects.toThrow(/An LFU maxmemory policy is not selected/);
  });
});

describeWithTsredis('OBJECT with an LFU maxmemory policy', ({ redis }) => {
  it('counts accesses logarithmically, not on NOTOUCH lookups, and refuses IDLETIME', async () => {
    await redis().set('k', 'hello');
    expect(await redis().object('FREQ', 'k')).toBe(5);
    await redis().type('k');
    await redis().exists('k');
    expect(await redis().object('FREQ', 'k')).toBe(5);
    await redis().get('k');
    expect(await redis().object('FREQ', 'k')).toBe(6);
    // At counter 6 an access counts with p = 1/11: 200 accesses all missing is ~1e-8 unlikely.
    const pipeline = redis().pipeline();
    for (let i = 0; i < 200; i++) pipeline.get('k');
    await pipeline.exec();
    const frequency = Number(await redis().object('FREQ', 'k'));
    expect(frequency).toBeGreaterThan(6);
    expect(frequency).toBeLessThan(30);
    await expect(redis().object('IDLETIME', 'k')).rejects.toThrow(/An LFU maxmemory policy is selected/);
  });
}, { args: ['--maxmemory-policy', 'allkeys-lfu'], flushBeforeEach: false });
