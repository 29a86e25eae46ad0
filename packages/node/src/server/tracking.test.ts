import { describe, expect, it } from 'vitest';
import { prefixCollision } from './tracking.js';

describe('BCAST prefix collisions (CLIENT TRACKING ON … PREFIX)', () => {
  it('accepts prefixes that never match the same key', () => {
    expect(prefixCollision(['user:'], ['obj:', 'post:'])).toBeNull();
    expect(prefixCollision([], ['a', 'b'])).toBeNull();
  });

  it('refuses a prefix overlapping an existing one, naming both', () => {
    expect(prefixCollision(['user:'], ['us'])).toBe(
      "ERR Prefix 'us' overlaps with an existing prefix 'user:'. Prefixes for a single client must not overlap.",
    );
    expect(prefixCollision(['u'], ['user:'])).toContain("existing prefix 'u'");
  });

  it('refuses overlapping prefixes given together, and the empty prefix overlaps everything', () => {
    expect(prefixCollision([], ['x', 'xy'])).toBe(
      "ERR Prefix 'x' overlaps with another provided prefix 'xy'. Prefixes for a single client must not overlap.",
    );
    expect(prefixCollision([''], ['a'])).not.toBeNull();
  });
});
