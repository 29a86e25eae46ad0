import { INT64_MAX, INT64_MIN, type Int64 } from '../types/int64.js';
import type { Database } from './database.js';

/** Keys with a TTL examined per round at effort 1 (Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP). */
const KEYS_PER_ROUND = 20;
/** Percentage of expired samples above which a database gets another round at effort 1. */
const ACCEPTABLE_STALE = 10;

/**
 * The absolute expiry (ms since the epoch) meant by an EXPIRE-family argument: `amount` in
 * seconds or milliseconds, relative to `base` (now, or 0 for the *AT forms). Returns null where
 * Redis replies "invalid expire time": when the unit conversion or the addition leaves int64.
 * Negative results are valid (they delete the key). Times beyond 2^53 ms are rounded to a double.
 */
export function expireTimeFromArgument(amount: Int64, unitMs: 1 | 1000, base: number): number | null {
  let when = BigInt(amount);
  if (unitMs === 1000) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) return null;
    when *= 1000n;
  }
  const baseTime = BigInt(base);
  if (when > INT64_MAX - baseTime) return null;
  return Number(when + baseTime);
}

/** Where each set of databases resumes when the previous cycle ran out of time. */
const nextDatabase = new WeakMap<readonly Database[], number>();

/**
 * Reaps keys whose TTL has passed without waiting for a client to touch them, like Redis's
 * activeExpireCycle: each database's keys with a TTL are walked round-robin by a cursor in
 * rounds of a few keys, and a database gets another round while a large share of a round had
 * expired; the cycle stops when `budgetMs` is used up and the next one starts where it stopped.
 * `effort` is active-expire-effort (1–10): more keys per round, a lower stale threshold.
 */
export function activeExpireCycle(databases: readonly Database[], now: number, budgetMs: number, effort = 1): void {
  const deadline = performance.now() + budgetMs;
  const keysPerRound = KEYS_PER_ROUND + (KEYS_PER_ROUND / 4) * (effort - 1);
  const acceptableStale = ACCEPTABLE_STALE - (effort - 1);
  const count = databases.length;
  const first = nextDatabase.get(databases) ?? 0;
  for (let i = 0; i < count; i++) {
    const index = (first + i) % count;
    if (!expireDatabase(databases[index]!, now, deadline, keysPerRound, acceptableStale)) {
      nextDatabase.set(databases, (index + 1) % count);
      return;
    }
  }
  nextDatabase.set(databases, first);
}

/** Rounds over one database. Returns false when the time budget ran out. */
function expireDatabase(db: Database, now: number, deadline: number, keysPerRound: number, acceptableStale: number): boolean {
  for (;;) {
    const total = db.expiresCount;
    if (total === 0) return true;
    const samples = Math.min(keysPerRound, total);
    let cursor = db.expiryCursor;
    let expired = 0;
    for (let sampled = 0; sampled < samples && db.expiresCount > 0; sampled++) {
      if (cursor >= db.expiresCount) cursor = 0;
      const entry = db.expiringAt(cursor)!;
      if (now > entry.expireAt) {
        // Swap-remove moves the last key with a TTL into this slot: look at it next.
        db.expire(entry);
        expired++;
      } else {
        cursor++;
      }
    }
    db.expiryCursor = cursor;
    if (expired * 100 <= samples * acceptableStale) return true;
    if (performance.now() > deadline) return false;
  }
}
