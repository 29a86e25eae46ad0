import type { Config } from '../server/config.js';
import type { AccessPolicy } from './access.js';
import type { Clock } from './clock.js';
import type { Database } from './database.js';
import type { Entry } from './entry.js';

/**
 * maxmemory eviction as Redis 7.0's evict.c does it: when used_memory is above maxmemory, keys
 * are deleted until it is not, picked by maxmemory-policy. LRU, LFU and volatile-ttl keep a pool
 * of the best candidates seen so far, refilled by sampling maxmemory-samples keys of every
 * database (Redis's approximated LRU); the random policies pick a random key, one database
 * after the other. maxmemory-eviction-tenacity bounds the time one call may spend: past it the
 * rest is left to a background task that runs between client events.
 */

/** What performEvictions tells its caller (Redis's EVICT_OK / EVICT_RUNNING / EVICT_FAIL). */
export const enum EvictResult {
  /** Under the limit (or eviction does not apply now). */
  Ok,
  /** Still over the limit, but the background task keeps evicting. */
  Running,
  /** Over the limit with nothing that may be evicted: denyoom commands are refused. */
  Fail,
}

/** How a policy ranks the keys it may evict; a higher score is evicted first. */
const enum Rank {
  NoEviction,
  /** Seconds since the last access. */
  Idle,
  /** 255 minus the decayed LFU counter. */
  Rare,
  /** The sooner the key expires, the higher. */
  Expiring,
  Random,
}

interface Policy {
  readonly rank: Rank;
  /** Every key may go (allkeys-*), or only keys with a TTL (volatile-*). */
  readonly allKeys: boolean;
}

const POLICIES: Readonly<Record<string, Policy>> = {
  noeviction: { rank: Rank.NoEviction, allKeys: false },
  'allkeys-lru': { rank: Rank.Idle, allKeys: true },
  'volatile-lru': { rank: Rank.Idle, allKeys: false },
  'allkeys-lfu': { rank: Rank.Rare, allKeys: true },
  'volatile-lfu': { rank: Rank.Rare, allKeys: false },
  'allkeys-random': { rank: Rank.Random, allKeys: true },
  'volatile-random': { rank: Rank.Random, allKeys: false },
  'volatile-ttl': { rank: Rank.Expiring, allKeys: false },
};

/** Highest LFU counter: the rarer a key, the higher 255 - counter (LFU has no idle time). */
const LFU_COUNTER_MAX = 255;
/** Keys evicted between two looks at the clock (Redis checks every 16). */
const CHECK_EVERY = 16;

/** Candidates kept between calls (Redis's EVPOOL_SIZE). */
export const POOL_SIZE = 16;

/**
 * Redis's eviction pool: up to POOL_SIZE candidates sorted by ascending score, the best on the
 * right. Only names are kept: a candidate deleted or changed meanwhile is found out when taken.
 */
export class EvictionPool {
  private readonly scores = new Float64Array(POOL_SIZE);
  private readonly keys: (string | null)[] = new Array<string | null>(POOL_SIZE).fill(null);
  private readonly dbs = new Int32Array(POOL_SIZE);
  /** The candidate the last successful take() removed. */
  takenKey = '';
  takenDb = 0;

  /**
   * evictionPoolPopulate's insertion: a candidate worse than every one of a full pool is
   * dropped; otherwise it goes in order, pushing out the worst when the pool is full.
   */
  offer(score: number, key: string, db: number): void {
    const keys = this.keys;
    const last = POOL_SIZE - 1;
    let k = 0;
    while (k < POOL_SIZE && keys[k] !== null && this.scores[k]! < score) k++;
    if (k === 0 && keys[last] !== null) return;
    if (k < POOL_SIZE && keys[k] === null) {
      // An empty slot right where it belongs.
    } else if (keys[last] === null) {
      this.shift(k, k + 1, last - k);
    } else {
      k--;
      this.shift(1, 0, k);
    }
    this.scores[k] = score;
    keys[k] = key;
    this.dbs[k] = db;
  }

  /**
   * Removes the best candidate, leaving it in `takenKey` / `takenDb`. Returns false when the
   * pool is empty. The caller checks the candidate is still there (it may be a ghost).
   */
  take(): boolean {
    for (let k = POOL_SIZE - 1; k >= 0; k--) {
      const key = this.keys[k]!;
      if (key === null) continue;
      this.keys[k] = null;
      this.scores[k] = 0;
      this.takenKey = key;
      this.takenDb = this.dbs[k]!;
      return true;
    }
    return false;
  }

  /** The candidates from worst to best (for tests and debugging). */
  candidates(): { key: string; db: number; score: number }[] {
    const out: { key: string; db: number; score: number }[] = [];
    for (let k = 0; k < POOL_SIZE; k++) {
      const key = this.keys[k]!;
      if (key !== null) out.push({ key, db: this.dbs[k]!, score: this.scores[k]! });
    }
    return out;
  }

  /** memmove of `count` slots from `from` to `to`. */
  private shift(from: number, to: number, count: number): void {
    if (count <= 0) return;
    this.scores.copyWithin(to, from, from + count);
    this.dbs.copyWithin(to, from, from + count);
    this.keys.copyWithin(to, from, from + count);
  }
}

/** What eviction reads from the server and reports back to it. */
export interface EvictionHost {
  readonly databases: readonly Database[];
  readonly clock: Clock;
  readonly access: AccessPolicy;
  /** used_memory as maxmemory counts it. */
  readonly usedMemory: number;
  readonly stats: {
    evictedKeys: number;
    /** performance.now() when memory went over the limit for good; 0 while under it. */
    evictionExceededSince: number;
    /** Microseconds spent over the limit in earlier episodes. */
    evictionExceededUs: number;
  };
  /** Whether the dataset may change now (Redis's isSafeToPerformEvictions: no pause, no load). */
  evictionAllowed(): boolean;
  /** A key was just evicted (already removed): notifications, propagation. */
  keyEvicted(db: Database, key: string): void;
}

/** maxmemory-eviction-tenacity (0–100) as a time limit in ms for one call (evictionTimeLimitUs). */
export function evictionTimeLimitMs(tenacity: number): number {
  if (tenacity <= 10) return (50 * tenacity) / 1000;
  if (tenacity < 100) return (500 * Math.pow(1.15, tenacity - 10)) / 1000;
  return Infinity;
}

/** The eviction state of one server: settings, the candidate pool, the background task. */
export class Evictor {
  /** maxmemory in bytes; 0 turns eviction (and the OOM check) off. */
  maxmemory = 0;
  private policy: Policy = POLICIES.noeviction!;
  private samples = 5;
  private timeLimitMs = evictionTimeLimitMs(10);
  readonly pool = new EvictionPool();
  /** The database the random policies try next (Redis's static next_db). */
  private nextDb = 0;
  private backgroundRunning = false;

  constructor(
    private readonly host: EvictionHost,
    config: Config,
  ) {
    config.watch('maxmemory-policy', (value) => (this.policy = POLICIES[String(value)] ?? POLICIES.noeviction!));
    config.watch('maxmemory-samples', (value) => (this.samples = Number(value)));
    config.watch('maxmemory-eviction-tenacity', (value) => (this.timeLimitMs = evictionTimeLimitMs(Number(value))));
    config.watch('maxmemory', (value) => {
      this.maxmemory = Number(value);
      // Redis's updateMaxmemory: a lowered limit is enforced right away, not at the next command.
      if (this.maxmemory !== 0) this.startBackground();
    });
  }

  /** Bytes above maxmemory, or 0 when under it or without a limit (getMaxmemoryState). */
  get excessBytes(): number {
    if (this.maxmemory === 0) return 0;
    return Math.max(this.host.usedMemory - this.maxmemory, 0);
  }

  /** Milliseconds spent over the limit in total and in the current episode (INFO stats). */
  exceededTimes(now = performance.now()): { totalMs: number; currentMs: number } {
    const stats = this.host.stats;
    const currentUs = stats.evictionExceededSince === 0 ? 0 : Math.floor((now - stats.evictionExceededSince) * 1000);
    return { totalMs: Math.floor((stats.evictionExceededUs + currentUs) / 1000), currentMs: Math.floor(currentUs / 1000) };
  }

  /**
   * Redis's performEvictions: frees memory until used_memory is back under maxmemory, the
   * policy finds nothing more to evict (Fail) or the tenacity time limit is reached (Running,
   * the background task carries on).
   */
  perform(): EvictResult {
    if (!this.host.evictionAllowed()) return EvictResult.Ok;
    const toFree = this.excessBytes;
    if (toFree === 0) return this.settle(EvictResult.Ok);
    if (this.policy.rank === Rank.NoEviction) return this.settle(EvictResult.Fail);
    const started = performance.now();
    let freed = 0;
    let evicted = 0;
    while (freed < toFree) {
      const before = this.host.usedMemory;
      if (!this.evictOne()) return this.settle(EvictResult.Fail);
      freed += before - this.host.usedMemory;
      evicted++;
      if (evicted % CHECK_EVERY === 0 && performance.now() - started > this.timeLimitMs) {
        this.startBackground();
        break;
      }
    }
    return this.settle(this.backgroundRunning ? EvictResult.Running : EvictResult.Ok);
  }

  /** Picks a key by the policy and deletes it. Returns false when no key may be evicted. */
  private evictOne(): boolean {
    const found = this.policy.rank === Rank.Random ? this.pickRandom() : this.pickFromPool();
    if (found === null) return false;
    const [db, entry] = found;
    db.remove(entry);
    this.host.stats.evictedKeys++;
    this.host.keyEvicted(db, entry.key);
    return true;
  }

  /**
   * Fills the pool with samples of every database, then takes the best candidate that still
   * exists (and still has a TTL for volatile policies), sampling again when only ghosts were left.
   */
  private pickFromPool(): [Database, Entry] | null {
    const databases = this.host.databases;
    const pool = this.pool;
    for (;;) {
      let total = 0;
      for (const db of databases) total += this.populate(db);
      if (total === 0) return null;
      while (pool.take()) {
        const db = databases[pool.takenDb]!;
        const entry = db.stored(pool.takenKey);
        if (entry !== undefined && (this.policy.allKeys || entry.expireAt !== 0)) return [db, entry];
      }
    }
  }

  /** evictionPoolPopulate: offers maxmemory-samples keys of one database. Returns its key count. */
  private populate(db: Database): number {
    const allKeys = this.policy.allKeys;
    const count = allKeys ? db.size : db.expiresCount;
    if (count === 0) return 0;
    const nowSeconds = this.host.clock.seconds;
    const samples = Math.min(this.samples, count);
    for (let i = 0; i < samples; i++) {
      // A small database is sampled whole; a large one at random (duplicates are harmless).
      const position = samples === count ? i : (Math.random() * count) | 0;
      const entry = allKeys ? db.entryAt(position)! : db.expiringAt(position)!;
      this.pool.offer(this.score(entry, nowSeconds), entry.key, db.index);
    }
    return count;
  }

  private score(entry: Entry, nowSeconds: number): number {
    switch (this.policy.rank) {
      case Rank.Idle:
        return this.host.access.idleSeconds(entry, nowSeconds);
      case Rank.Rare:
        return LFU_COUNTER_MAX - this.host.access.frequency(entry, nowSeconds);
      default:
        return -entry.expireAt;
    }
  }

  /** allkeys-random / volatile-random: a random key of the next database that has one. */
  private pickRandom(): [Database, Entry] | null {
    const databases = this.host.databases;
    for (let i = 0; i < databases.length; i++) {
      this.nextDb = (this.nextDb + 1) % databases.length;
      const db = databases[this.nextDb]!;
      const entry = this.policy.allKeys
        ? db.size === 0
          ? undefined
          : db.entryAt((Math.random() * db.size) | 0)
        : db.randomExpiring();
      if (entry !== undefined) return [db, entry];
    }
    return null;
  }

  /** Keeps the over-the-limit time metrics (total/current_eviction_exceeded_time). */
  private settle(result: EvictResult): EvictResult {
    const stats = this.host.stats;
    if (result !== EvictResult.Ok) {
      if (stats.evictionExceededSince === 0) stats.evictionExceededSince = performance.now();
    } else if (stats.evictionExceededSince !== 0) {
      stats.evictionExceededUs += Math.floor((performance.now() - stats.evictionExceededSince) * 1000);
      stats.evictionExceededSince = 0;
    }
    return result;
  }

  /** startEvictionTimeProc: keep evicting between client events until the limit holds. */
  private startBackground(): void {
    if (this.backgroundRunning) return;
    this.backgroundRunning = true;
    setImmediate(runInBackground, this);
  }

  /** One background round; the next is scheduled while the result is still Running. */
  backgroundRound(): void {
    this.host.clock.refresh();
    if (this.perform() === EvictResult.Running) {
      setImmediate(runInBackground, this);
      return;
    }
    this.backgroundRunning = false;
  }
}

function runInBackground(evictor: Evictor): void {
  evictor.backgroundRound();
}
