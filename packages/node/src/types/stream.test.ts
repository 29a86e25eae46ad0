import { describe, expect, it } from 'vitest';
import { idFromNumbers } from './stream-id.js';
import { raxNodeCount, Stream, TrimStrategy } from './stream.js';

const LIMITS = { maxBytes: 4096, maxEntries: 100 };

function filled(count: number): Stream {
  const stream = new Stream();
  for (let i = 1; i <= count; i++) stream.append(idFromNumbers(i, 0), ['f', 'v'], LIMITS);
  return stream;
}

describe('Stream', () => {
  it('opens a new node every stream-node-max-entries entries', () => {
    expect(filled(100).nodeCount).toBe(1);
    expect(filled(101).nodeCount).toBe(2);
  });

  it('opens a new node when the listpack would reach stream-node-max-bytes', () => {
    const stream = new Stream();
    for (let i = 1; i <= 5; i++) stream.append(idFromNumbers(i, 0), ['f', 'x'.repeat(1500)], LIMITS);
    expect(stream.nodeCount).toBe(3);
  });

  it('trims whole nodes only when approximate', () => {
    const stream = filled(150);
    expect(stream.trim({ strategy: TrimStrategy.MaxLen, maxLength: 120, minId: '', approximate: true, limit: 10000 })).toBe(0);
    expect(stream.trim({ strategy: TrimStrategy.MaxLen, maxLength: 40, minId: '', approximate: true, limit: 10000 })).toBe(100);
    expect(stream.trim({ strategy: TrimStrategy.MaxLen, maxLength: 40, minId: '', approximate: false, limit: 0 })).toBe(10);
    expect(stream.length).toBe(40);
    expect(stream.range(idFromNumbers(0, 0), idFromNumbers(200, 0), false, 1)[0]!.id).toBe(idFromNumbers(111, 0));
  });

  it('keeps tombstones until a node has no live entry, and tracks the first entry', () => {
    const stream = filled(3);
    expect(stream.delete([idFromNumbers(1, 0), idFromNumbers(9, 0)])).toBe(1);
    expect(stream.firstId).toBe(idFromNumbers(2, 0));
    expect(stream.maxDeletedId).toBe(idFromNumbers(1, 0));
    expect(stream.nodeCount).toBe(1);
    stream.delete([idFromNumbers(2, 0), idFromNumbers(3, 0)]);
    expect(stream.nodeCount).toBe(0);
    expect(stream.length).toBe(0);
  });

  it('reads ranges in both directions, skipping tombstones', () => {
    const stream = filled(250);
    stream.delete([idFromNumbers(101, 0)]);
    const ids = (reverse: boolean) =>
      stream.range(idFromNumbers(99, 0), idFromNumbers(103, 0), reverse, 0).map((entry) => entry.id);
    expect(ids(false)).toEqual([99, 100, 102, 103].map((ms) => idFromNumbers(ms, 0)));
    expect(ids(true)).toEqual([103, 102, 100, 99].map((ms) => idFromNumbers(ms, 0)));
  });

  it('counts radix tree nodes as Redis rax compresses them', () => {
    expect(raxNodeCount([])).toBe(1);
    expect(raxNodeCount(['aaaa'])).toBe(2);
    expect(raxNodeCount(['aaab', 'aaac'])).toBe(4);
    expect(raxNodeCount(['abcd', 'bbcd'])).toBe(5);
  });
});
