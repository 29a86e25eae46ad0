import { describe, it, expect } from 'vitest';
import { Config } from '../server/config.js';
import { DIRECTIVES } from '../server/directives.js';
import { AccessPolicy } from './access.js';
import { Clock } from './clock.js';
import { Database, type KeyspaceObserver } from './database.js';
import { EvictionPool, EvictResult, Evictor, evictionTimeLimitMs, POOL_SIZE, type EvictionHost } from './eviction.js';
import { ENTRY_OVERHEAD, STRING_OVERHEAD, ValueType } from './entry.js';

/** A server stand-in: databases whose memory it sums, stats, and the evictions it was told of. */
class FakeServer implements EvictionHost, KeyspaceObserver {
  readonly clock = new Clock();
  readonly access = new AccessPolicy();
  readonly databases: Database[];
  readonly stats = { evictedKeys: 0, evictionExceededSince: 0, evictionExceededUs: 0 };
  readonly evicted: string[] = [];
  readonly config = new Config(DIRECTIVES);
  readonly evictor: Evictor;
  usedMemory = 0;
  paused = false;

  constructor(databases = 2) {
    this.databases = Array.from({ length: databases }, (_, i) => new Database(i, this.clock, this, this.access));
    this.evictor = new Evictor(this, this.config);
  }

  configure(...pairs: [string, string][]): void {
    expect(this.config.setMany(pairs, true)).toBeNull();
  }

  evictionAllowed(): boolean {
    return !this.paused;
  }

  keyEvicted(db: Database, key: string): void {
    this.evicted.push(`${db.index}:${key}`);
  }

  keyExpired(): void {}
  keyModified(): void {}
  keysReplaced(): void {}
  memoryChanged(delta: number): void {
    this.usedMemory += delta;
  }
}

/** Bytes one key of `add` costs (value of 100 bytes). */
const KEY_BYTES = ENTRY_OVERHEAD + 'k00'.length + STRING_OVERHEAD + 100;

function add(server: FakeServer, key: string, db = 0): void {
  server.databases[db]!.set(key, ValueType.String, 'x'.repeat(100));
}

describe('EvictionPool', () => {
  it('keeps the best POOL_SIZE candidates in ascending order and hands out the best first', () => {
    const pool = new EvictionPool();
    const scores = Array.from({ length: 40 }, (_, i) => (i * 17) % 40);
    for (const score of scores) pool.offer(score, `k${score}`, score % 3);
    expect(pool.candidates().map((c) => c.score)).toEqual(Array.from({ length: POOL_SIZE }, (_, i) => 24 + i));
    expect(pool.take()).toBe(true);
    expect([pool.takenKey, pool.takenDb]).toEqual(['k39', 0]);
    expect(pool.take()).toBe(true);
    expect(pool.takenKey).toBe('k38');
  });

  it('drops a candidate worse than every one of a full pool, and fills empty slots in order', () => {
    const pool = new EvictionPool();
    for (let i = 0; i < POOL_SIZE; i++) pool.offer(10 + i, `k${i}`, 0);
    pool.offer(5, 'worse', 0);
    expect(pool.candidates().some((c) => c.key === 'worse')).toBe(false);
    pool.take();
    pool.offer(12.5, 'middle', 1);
    expect(pool.candidates().map((c) => c.key)).toEqual(['k0', 'k1', 'k2', 'middle', ...Array.from({ length: 12 }, (_, i) => `k${i + 3}`)]);
    while (pool.take());
    expect(pool.candidates()).toEqual([]);
  });
});

describe('evictionTimeLimitMs (maxmemory-eviction-tenacity)', () => {
  it('grows linearly to 0.5 ms at 10, then by 15% per step, without limit at 100', () => {
    expect(evictionTimeLimitMs(0)).toBe(0);
    expect(evictionTimeLimitMs(10)).toBe(0.5);
    expect(evictionTimeLimitMs(11)).toBeCloseTo(0.575);
    expect(evictionTimeLimitMs(99)).toBeGreaterThan(100_000);
    expect(evictionTimeLimitMs(100)).toBe(Infinity);
  });
});

describe('Evictor.perform', () => {
  /** Twenty keys in db 0, maxmemory set `over` keys below the use; every key is sampled. */
  function overBy(over: number, policy: string): FakeServer {
    const server = new FakeServer();
    for (let i = 0; i < 20; i++) add(server, `k${String(i).padStart(2, '0')}`);
    server.configure(['maxmemory-policy', policy], ['maxmemory-samples', '64'], ['maxmemory', String(server.usedMemory - over * KEY_BYTES)]);
    return server;
  }

  it('is a no-op under the limit or without one', () => {
    const server = overBy(0, 'allkeys-lru');
    expect(server.evictor.perform()).toBe(EvictResult.Ok);
    server.configure(['maxmemory', '0']);
    expect(server.evictor.perform()).toBe(EvictResult.Ok);
    expect(server.evicted).toEqual([]);
  });

  it('noeviction fails over the limit and evicts nothing', () => {
    const server = overBy(3, 'noeviction');
    expect(server.evictor.perform()).toBe(EvictResult.Fail);
    expect(server.databases[0]!.size).toBe(20);
  });

  it('evicts nothing while clients are paused', () => {
    const server = overBy(3, 'allkeys-lru');
    server.paused = true;
    expect(server.evictor.perform()).toBe(EvictResult.Ok);
    expect(server.evicted).toEqual([]);
  });

  it('allkeys-lru evicts the keys idle longest', () => {
    const server = overBy(3, 'allkeys-lru');
    const now = server.clock.seconds;
    for (const entry of server.databases[0]!.entries()) entry.accessedAt = now - Number(entry.key.slice(1));
    // Running, not Ok: setting maxmemory started the background task, as in Redis.
    expect(server.evictor.perform()).toBe(EvictResult.Running);
    expect(server.evicted).toEqual(['0:k19', '0:k18', '0:k17']);
    expect(server.stats.evictedKeys).toBe(3);
    expect(server.usedMemory).toBeLessThanOrEqual(server.evictor.maxmemory);
  });

  it('allkeys-lfu evicts the keys with the lowest decayed counter', () => {
    const server = overBy(2, 'allkeys-lfu');
    for (const entry of server.databases[0]!.entries()) entry.frequency = 100 - Number(entry.key.slice(1));
    server.evictor.perform();
    expect(server.evicted).toEqual(['0:k19', '0:k18']);
  });

  it('volatile-ttl evicts the keys expiring soonest, and only keys with a TTL', () => {
    const server = overBy(3, 'volatile-ttl');
    const db = server.databases[0]!;
    for (const key of ['k05', 'k02', 'k09', 'k07']) db.setExpiry(db.stored(key)!, server.clock.ms + 1000 * Number(key.slice(1)));
    // Just over by three keys without a TTL (they cost a little more with one).
    server.configure(['maxmemory', String(server.usedMemory - 3 * KEY_BYTES)]);
    expect(server.evictor.perform()).not.toBe(EvictResult.Fail);
    expect(server.evicted).toEqual(['0:k02', '0:k05', '0:k07']);
    // One key with a TTL is left; asking for more than it frees fails.
    server.configure(['maxmemory', String(server.usedMemory - 2 * KEY_BYTES)]);
    expect(server.evictor.perform()).toBe(EvictResult.Fail);
    expect(server.evicted.at(-1)).toBe('0:k09');
    expect(db.size).toBe(16);
  });

  it('volatile-random and volatile-lru pick among keys with a TTL only', () => {
    for (const policy of ['volatile-random', 'volatile-lru', 'volatile-lfu']) {
      const server = overBy(2, policy);
      const db = server.databases[0]!;
      for (const key of ['k01', 'k11', 'k13']) db.setExpiry(db.stored(key)!, server.clock.ms + 60_000);
      server.configure(['maxmemory', String(server.usedMemory - 2 * KEY_BYTES)]);
      expect(server.evictor.perform()).not.toBe(EvictResult.Fail);
      expect(server.evicted).toHaveLength(2);
      for (const name of server.evicted) expect(['0:k01', '0:k11', '0:k13']).toContain(name);
    }
  });

  it('allkeys-random takes keys from every database in turn', () => {
    const server = new FakeServer(3);
    for (let db = 0; db < 3; db++) for (let i = 0; i < 10; i++) add(server, `k${i}${db}`, db);
    server.configure(['maxmemory-policy', 'allkeys-random'], ['maxmemory', String(server.usedMemory - 6 * KEY_BYTES)]);
    server.evictor.perform();
    expect(server.evicted.map((name) => name[0]).sort()).toEqual(['0', '0', '1', '1', '2', '2']);
  });

  it('samples every database into one pool (the best candidate may be in any)', () => {
    const server = new FakeServer(2);
    add(server, 'a00', 0);
    add(server, 'b00', 1);
    server.databases[1]!.stored('b00')!.accessedAt -= 100;
    server.configure(['maxmemory-policy', 'allkeys-lru'], ['maxmemory', String(server.usedMemory - 1)]);
    server.evictor.perform();
    expect(server.evicted).toEqual(['1:b00']);
  });

  it('skips pool candidates that were deleted meanwhile (ghosts)', () => {
    const server = overBy(1, 'allkeys-lru');
    const db = server.databases[0]!;
    for (const entry of db.entries()) entry.accessedAt -= Number(entry.key.slice(1));
    server.evictor.perform();
    expect(server.evicted).toEqual(['0:k19']);
    // k18 is now the pool's best; once deleted, the next eviction passes over it.
    db.delete('k18');
    server.configure(['maxmemory', String(server.usedMemory - 1)]);
    server.evictor.perform();
    expect(server.evicted).toEqual(['0:k19', '0:k17']);
  });

  it('stops after the tenacity time limit and reports Running, then finishes in the background', async () => {
    const server = new FakeServer(1);
    for (let i = 0; i < 2000; i++) add(server, `k${String(i).padStart(4, '0')}`);
    server.configure(['maxmemory-policy', 'allkeys-random'], ['maxmemory-eviction-tenacity', '0']);
    server.configure(['maxmemory', String(server.usedMemory - 1000 * KEY_BYTES)]);
    // Setting maxmemory started the background task already; a call now does one slice of 16.
    expect(server.evictor.perform()).toBe(EvictResult.Running);
    expect(server.evicted.length).toBeLessThan(1000);
    expect(server.stats.evictionExceededSince).toBeGreaterThan(0);
    for (let i = 0; i < 1000 && server.usedMemory > server.evictor.maxmemory; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(server.usedMemory).toBeLessThanOrEqual(server.evictor.maxmemory);
    expect(server.evictor.perform()).toBe(EvictResult.Ok);
    expect(server.stats.evictionExceededSince).toBe(0);
  });
});
