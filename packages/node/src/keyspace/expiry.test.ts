import { describe, it, expect } from 'vitest';
import { Clock } from './clock.js';
import { Database, type KeyspaceObserver } from './database.js';
import { ValueType } from './entry.js';
import { activeExpireCycle, expireTimeFromArgument } from './expiry.js';

describe('expireTimeFromArgument', () => {
  it('converts seconds and adds the base', () => {
    expect(expireTimeFromArgument(10, 1000, 5000)).toBe(15000);
    expect(expireTimeFromArgument(10, 1, 5000)).toBe(5010);
    expect(expireTimeFromArgument(-10, 1000, 0)).toBe(-10000);
  });

  it('rejects what overflows int64, as Redis does', () => {
    const now = 1_700_000_000_000;
    expect(expireTimeFromArgument(9223372036854776, 1000, now)).toBeNull(); // > LLONG_MAX / 1000
    expect(expireTimeFromArgument(-9223372036854776, 1000, now)).toBeNull(); // < LLONG_MIN / 1000
    expect(expireTimeFromArgument(9223370399119966, 1000, now)).toBeNull(); // fits, but not with now added
    expect(expireTimeFromArgument(9223372036854770000n, 1, now)).toBeNull();
    expect(expireTimeFromArgument(9223372036854770000n, 1, 0)).toBe(9223372036854770000);
    expect(expireTimeFromArgument(-9223372036854770000n, 1, 0)).toBe(-9223372036854770000);
  });
});

describe('activeExpireCycle', () => {
  function setup(): { db: Database; clock: Clock; expired: string[] } {
    const expired: string[] = [];
    const observer: KeyspaceObserver = {
      keyExpired: (_db, key) => expired.push(key),
      memoryChanged: () => {},
      keyModified: () => {},
      keysReplaced: () => {},
    };
    const clock = new Clock();
    const db = new Database(0, clock, observer);
    return { db, clock, expired };
  }

  it('reaps every expired key when most keys with a TTL have expired', () => {
    const { db, clock, expired } = setup();
    const now = clock.ms;
    for (let i = 0; i < 1000; i++) db.setExpiry(db.set(`gone:${i}`, ValueType.String, 'v'), now - 1);
    for (let i = 0; i < 10; i++) db.setExpiry(db.set(`live:${i}`, ValueType.String, 'v'), now + 60_000);
    db.set('persistent', ValueType.String, 'v');
    activeExpireCycle([db], now, 1000);
    expect(expired.length).toBeGreaterThan(900);
    // A few more cycles (the stale share dropped below 10%) finish the job round-robin.
    for (let i = 0; i < 100 && db.expiresCount > 10; i++) activeExpireCycle([db], now, 1000);
    expect(db.size).toBe(11);
    expect(db.expiresCount).toBe(10);
  });

  it('keeps a key alive through its expiry millisecond', () => {
    const { db, clock } = setup();
    const now = clock.ms;
    db.setExpiry(db.set('edge', ValueType.String, 'v'), now);
    activeExpireCycle([db], now, 10);
    expect(db.peek('edge')).toBeDefined();
    activeExpireCycle([db], now + 1, 10);
    expect(db.peek('edge')).toBeUndefined();
  });

  it('finds a single expired key among many live ones within one sweep of the cursor', () => {
    const { db, clock, expired } = setup();
    const now = clock.ms;
    for (let i = 0; i < 2000; i++) db.setExpiry(db.set(`live:${i}`, ValueType.String, 'v'), now + 60_000);
    db.setExpiry(db.set('needle', ValueType.String, 'v'), now - 1);
    for (let cycle = 0; cycle < 2001 / 20 + 1 && expired.length === 0; cycle++) activeExpireCycle([db], now, 10);
    expect(expired).toEqual(['needle']);
  });
});
