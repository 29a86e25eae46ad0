import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { describeAgainstRealRedis, itMatchesRealRedisConversations } from '../../../../test/helpers/compare.js';
import { startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';

type Step = readonly [number, ...string[]];

/** Conversations between connections 0 and 1, replayed on both servers and compared byte for byte. */
const CONVERSATIONS: Record<string, Step[]> = {
  'MULTI, EXEC, DISCARD and their misuse': [
    [0, 'EXEC'], [0, 'DISCARD'], [0, 'MULTI'], [0, 'MULTI'], [0, 'SET', 'a', '1'], [0, 'INCR', 'a'],
    [0, 'GET', 'a'], [0, 'EXEC'], [0, 'MULTI'], [0, 'SET', 'a', '2'], [0, 'DISCARD'], [0, 'GET', 'a'],
    [0, 'MULTI'], [0, 'EXEC'], [0, 'MULTI'], [0, 'PING'], [0, 'ECHO', 'hi'], [0, 'EXEC'],
  ],
  'a command refused while queueing aborts EXEC': [
    [0, 'MULTI'], [0, 'SET', 'a', '1'], [0, 'NOSUCHCOMMAND', 'x'], [0, 'GET'], [0, 'EXEC'], [0, 'GET', 'a'],
    [0, 'MULTI'], [0, 'SET', 'a', '1'], [0, 'EXEC', 'extra'], [0, 'GET', 'a'], [0, 'EXEC'],
    [0, 'MULTI'], [0, 'WATCH', 'a'], [0, 'SET', 'a', '3'], [0, 'EXEC'], [0, 'GET', 'a'],
  ],
  'runtime errors inside EXEC do not stop the other commands': [
    [0, 'SET', 'b', 'text'], [0, 'MULTI'], [0, 'INCR', 'b'], [0, 'SET', 'c', '1'], [0, 'LPUSH', 'b', 'x'],
    [0, 'INCR', 'c'], [0, 'EXEC'], [0, 'MGET', 'b', 'c'],
  ],
  'WATCH: a write by another client makes EXEC reply a null array': [
    [0, 'SET', 'k', '1'], [0, 'WATCH', 'k'], [1, 'SET', 'k', '2'], [0, 'MULTI'], [0, 'SET', 'k', '3'],
    [0, 'EXEC'], [0, 'GET', 'k'], [0, 'WATCH', 'k'], [0, 'MULTI'], [0, 'SET', 'k', '4'], [0, 'EXEC'],
    [0, 'GET', 'k'],
  ],
  'WATCH: writes that change nothing do not count, and UNWATCH forgets': [
    [0, 'WATCH', 'missing', 'k'], [1, 'DEL', 'missing'], [1, 'SETNX', 'k2', 'x'], [1, 'GET', 'k'],
    [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'], [0, 'SET', 'k', 'v'], [0, 'WATCH', 'k'], [0, 'UNWATCH'],
    [1, 'SET', 'k', 'other'], [0, 'MULTI'], [0, 'GET', 'k'], [0, 'EXEC'],
  ],
  'WATCH: TTL changes, deletion, rename and in-place edits count': [
    [0, 'SET', 'k', 'v'], [0, 'WATCH', 'k'], [1, 'EXPIRE', 'k', '100'], [0, 'MULTI'], [0, 'EXEC'],
    [0, 'WATCH', 'k'], [1, 'PERSIST', 'k'], [0, 'MULTI'], [0, 'EXEC'], [0, 'WATCH', 'k'], [1, 'APPEND', 'k', 'x'],
    [0, 'MULTI'], [0, 'EXEC'], [0, 'WATCH', 'k'], [1, 'RENAME', 'k', 'k2'], [0, 'MULTI'], [0, 'EXEC'],
    [0, 'WATCH', 'k2'], [1, 'DEL', 'k2'], [0, 'MULTI'], [0, 'EXEC'], [1, 'RPUSH', 'l', 'a'], [0, 'WATCH', 'l'],
    [1, 'LPUSH', 'l', 'b'], [0, 'MULTI'], [0, 'EXEC'], [1, 'HSET', 'h', 'f', '1'], [0, 'WATCH', 'h'],
    [1, 'HINCRBY', 'h', 'f', '1'], [0, 'MULTI'], [0, 'EXEC'],
  ],
  'WATCH: FLUSHDB, FLUSHALL and SWAPDB touch watched keys that existed': [
    [0, 'SET', 'k', 'v'], [0, 'WATCH', 'k'], [1, 'FLUSHDB'], [0, 'MULTI'], [0, 'EXEC'],
    [0, 'WATCH', 'gone'], [1, 'FLUSHALL'], [0, 'MULTI'], [0, 'EXEC'], [1, 'SELECT', '1'], [1, 'SET', 'k', 'x'],
    [0, 'WATCH', 'k'], [1, 'SWAPDB', '0', '1'], [0, 'MULTI'], [0, 'EXEC'], [0, 'GET', 'k'],
  ],
  'WATCH inside MULTI, nested MULTI and a dirty client': [
    [0, 'MULTI'], [0, 'WATCH', 'k'], [0, 'MULTI'], [0, 'EXEC'], [0, 'WATCH', 'k'], [1, 'SET', 'k', '1'],
    [0, 'WATCH', 'other'], [0, 'MULTI'], [0, 'EXEC'], [0, 'WATCH'],
  ],
  'blocking commands inside MULTI answer at once': [
    [0, 'MULTI'], [0, 'BLPOP', 'nolist', '0'], [0, 'BRPOPLPUSH', 'nolist', 'dst', '0'], [0, 'EXEC'],
    [0, 'RPUSH', 'l', 'a'], [0, 'MULTI'], [0, 'BLPOP', 'l', '0'], [0, 'EXEC'],
  ],
  'MULTI state does not leak through RESET': [
    [0, 'SET', 'k', '1'], [0, 'WATCH', 'k'], [0, 'MULTI'], [0, 'SET', 'k', '2'], [0, 'RESET'], [0, 'EXEC'],
    [1, 'SET', 'k', '3'], [0, 'MULTI'], [0, 'GET', 'k'], [0, 'EXEC'],
  ],
};

describeAgainstRealRedis('transaction.test.ts', 'transactions match real Redis byte for byte', (servers) => {
  itMatchesRealRedisConversations(servers, CONVERSATIONS);
});

describe('transactions through ioredis', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTsredis();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('optimistic locking retries until no other client interferes', async () => {
    const writer = new Redis(server.port, '127.0.0.1');
    const rival = new Redis(server.port, '127.0.0.1');
    try {
      await writer.set('counter', '0');
      let attempts = 0;
      for (let done = false; !done && attempts < 10; attempts++) {
        await writer.watch('counter');
        const value = Number(await writer.get('counter'));
        // The rival interferes on the first attempt only.
        if (attempts === 0) await rival.incr('counter');
        const result = await writer.multi().set('counter', String(value + 10)).exec();
        done = result !== null;
      }
      expect(attempts).toBe(2);
      expect(await writer.get('counter')).toBe('11');
    } finally {
      writer.disconnect();
      rival.disconnect();
    }
  });

  it('a key expiring between WATCH and EXEC aborts the transaction', async () => {
    const client = new Redis(server.port, '127.0.0.1');
    try {
      await client.set('short', 'v', 'PX', 50);
      await client.watch('short');
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await client.multi().set('other', '1').exec()).toBeNull();
      expect(await client.exists('other')).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});
