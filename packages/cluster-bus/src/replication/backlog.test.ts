import { describe, expect, it } from 'vitest';
import { ReplicationBacklog } from './backlog.js';
import { ReplicationHistory } from './history.js';

/** The stream as one string, to check the backlog against: byte N is at index N - 1. */
function streamOf(parts: readonly string[]): string {
  return parts.join('');
}

describe('ReplicationBacklog', () => {
  it('keeps everything while it fits, from the offset it was created at', () => {
    const backlog = new ReplicationBacklog(16, 1);
    backlog.append('hello');
    backlog.append(' world');
    expect(backlog.firstOffset).toBe(1);
    expect(backlog.histlen).toBe(11);
    expect(backlog.from(1).toString('latin1')).toBe('hello world');
    expect(backlog.from(7).toString('latin1')).toBe('world');
    expect(backlog.from(12).length).toBe(0);
  });

  it('drops the oldest bytes when it wraps, and says which offsets it still covers', () => {
    const backlog = new ReplicationBacklog(8, 101);
    const parts = ['abc', 'defgh', 'ij', 'klmno', 'p'];
    for (const part of parts) backlog.append(part);
    const stream = streamOf(parts);
    expect(backlog.histlen).toBe(8);
    expect(backlog.firstOffset).toBe(101 + stream.length - 8);
    expect(backlog.from(backlog.firstOffset).toString('latin1')).toBe(stream.slice(-8));
    expect(backlog.covers(backlog.firstOffset - 1)).toBe(false);
    expect(backlog.covers(backlog.firstOffset)).toBe(true);
    expect(backlog.covers(101 + stream.length)).toBe(true); // nothing missing: an empty continuation
    expect(backlog.covers(101 + stream.length + 1)).toBe(false);
  });

  it('keeps only the tail of a write larger than itself', () => {
    const backlog = new ReplicationBacklog(4, 1);
    backlog.append('ab');
    backlog.append('0123456789');
    expect(backlog.firstOffset).toBe(9);
    expect(backlog.histlen).toBe(4);
    expect(backlog.from(9).toString('latin1')).toBe('6789');
  });

  it('matches a reference model over random appends of binary data', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const size = 37;
    const backlog = new ReplicationBacklog(size, 1);
    let stream = '';
    for (let i = 0; i < 500; i++) {
      const part = Array.from({ length: random(60) }, () => String.fromCharCode(random(256))).join('');
      backlog.append(part);
      stream += part;
      const held = stream.slice(-size);
      expect(backlog.histlen).toBe(held.length);
      expect(backlog.firstOffset).toBe(stream.length - held.length + 1);
      const from = backlog.firstOffset + random(held.length + 1);
      expect(backlog.from(from).toString('latin1')).toBe(stream.slice(from - 1));
    }
  });

  it('resizing keeps the newest bytes', () => {
    const backlog = new ReplicationBacklog(10, 1);
    backlog.append('0123456789abc');
    backlog.resize(4);
    expect(backlog.from(backlog.firstOffset).toString('latin1')).toBe('9abc');
    expect(backlog.firstOffset).toBe(10);
    backlog.resize(8);
    backlog.append('def');
    expect(backlog.from(10).toString('latin1')).toBe('9abcdef');
  });
});

describe('ReplicationHistory', () => {
  it('a promoted node keeps its old id valid up to the promotion offset (PSYNC2)', () => {
    const history = new ReplicationHistory();
    history.createBacklog(100);
    history.append('*1\r\n$4\r\nPING\r\n');
    const old = history.replid;
    history.shift();
    expect(history.replid).not.toBe(old);
    expect(history.replid2).toBe(old);
    expect(history.secondOffset).toBe(history.offset + 1);
    expect(history.sameHistory(old, history.offset + 1)).toBe(true);
    expect(history.sameHistory(old, history.offset + 2)).toBe(false);
    expect(history.sameHistory(history.replid, 1)).toBe(true);
    expect(history.sameHistory('?', -1)).toBe(false);
  });
});
