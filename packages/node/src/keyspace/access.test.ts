import { describe, it, expect } from 'vitest';
import { AccessPolicy } from './access.js';
import { Entry, ValueType } from './entry.js';

describe('AccessPolicy', () => {
  it('records the last access second for LRU', () => {
    const policy = new AccessPolicy();
    const entry = new Entry('k', ValueType.String, 'v', 100);
    policy.touch(entry, 160);
    expect(entry.accessedAt).toBe(160);
    expect(policy.idleSeconds(entry, 175)).toBe(15);
    expect(entry.frequency).toBe(5);
  });

  it('with LFU, the first access above the initial value always counts, later ones rarely', () => {
    const policy = new AccessPolicy();
    policy.lfu = true;
    const entry = new Entry('k', ValueType.String, 'v', 0);
    policy.touch(entry, 0);
    expect(entry.frequency).toBe(6);
    for (let i = 0; i < 300; i++) policy.touch(entry, 0);
    // p = 1 / ((counter - 5) * 10 + 1): 300 accesses raise it by a handful (missing all: ~1e-12).
    expect(entry.frequency).toBeGreaterThan(6);
    expect(entry.frequency).toBeLessThan(40);
  });

  it('decays the LFU counter by one per lfu-decay-time minutes', () => {
    const policy = new AccessPolicy();
    policy.lfu = true;
    const entry = new Entry('k', ValueType.String, 'v', 0);
    entry.frequency = 10;
    expect(policy.frequency(entry, 59)).toBe(10);
    expect(policy.frequency(entry, 3 * 60)).toBe(7);
    policy.decayMinutes = 2;
    expect(policy.frequency(entry, 3 * 60)).toBe(9);
    policy.decayMinutes = 0;
    expect(policy.frequency(entry, 1000 * 60)).toBe(10);
    expect(new AccessPolicy().frequency(entry, 100 * 60)).toBe(0);
  });
});
