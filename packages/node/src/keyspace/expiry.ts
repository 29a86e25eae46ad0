import type { Database } from './database.js';

/** Keys with a TTL sampled per round (Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP). */
const SAMPLE_SIZE = 20;
/** Keep sampling a database while more than this share of samples had expired. */
const ACCEPTABLE_STALE = 0.1;

/**
 * Reaps keys whose TTL has passed without waiting for a client to touch them: sample keys
 * that carry a TTL, delete the expired ones, and repeat while many samples were expired and
 * the time budget lasts, like Redis's activeExpireCycle.
 */
export function activeExpireCycle(databases: readonly Database[], now: number, budgetMs: number): void {
  const deadline = performance.now() + budgetMs;
  for (const db of databases) {
    for (;;) {
      const count = db.expiresCount;
      if (count === 0) break;
      const samples = Math.min(SAMPLE_SIZE, count);
      let expired = 0;
      for (let i = 0; i < samples; i++) {
        const entry = db.randomExpiring();
        if (entry !== undefined && entry.expireAt <= now) {
          db.expire(entry);
          expired++;
        }
      }
      if (expired <= samples * ACCEPTABLE_STALE || performance.now() > deadline) break;
    }
    if (performance.now() > deadline) return;
  }
}
