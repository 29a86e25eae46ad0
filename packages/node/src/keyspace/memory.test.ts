import { describe, it, expect } from 'vitest';
import { RedisHash } from '../types/hash.js';
import { List } from '../types/list.js';
import { RedisSet, setOf } from '../types/set.js';
import { Stream, TrimStrategy, type ConsumerGroup } from '../types/stream.js';
import { idFromNumbers } from '../types/stream-id.js';
import { SortedSet } from '../types/zset.js';
import { AccessPolicy } from './access.js';
import { Clock } from './clock.js';
import { Database, type KeyspaceObserver } from './database.js';
import { ENTRY_OVERHEAD, EXPIRE_OVERHEAD, STRING_OVERHEAD, ValueType } from './entry.js';
import { BASE_MEMORY, memoryOverhead } from './memory.js';

/**
 * Every value type keeps its memory figure incrementally; after random operations it must equal
 * a recount from the content (here: the same content rebuilt from scratch, or the stream's
 * own walk), otherwise used_memory drifts and eviction acts on a wrong number.
 */

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    // The low bits of an LCG repeat quickly: draw from the high ones.
    return (state >>> 8) % n;
  };
}

const ROUNDS = 3000;
const word = (next: (n: number) => number) => (next(3) === 0 ? String(next(400)) : `m${next(300)}${'x'.repeat(next(80))}`);

describe('incremental memory figures equal a recount after random operations', () => {
  it('list', () => {
    const next = random(1);
    const list = new List();
    for (let round = 0; round < ROUNDS; round++) {
      const length = list.length;
      switch (next(7)) {
        case 0: list.pushHead(word(next)); break;
        case 1: list.pushTail(word(next)); break;
        case 2: list.popHead(); break;
        case 3: list.popTail(); break;
        case 4: if (length > 0) list.set(next(length), word(next)); break;
        case 5: list.insert(next(length + 1), word(next)); break;
        default: {
          const head = next(Math.min(length, 3) + 1);
          list.trim(head, next(Math.min(length - head, 3) + 1));
          if (list.length > 0) list.removeMatching(list.at(0), next(3), next(2) === 0);
        }
      }
      expect(list.memoryBytes).toBe(List.of(list.toArray()).memoryBytes);
    }
  });

  it('hash (both encodings, and the conversion)', () => {
    const next = random(2);
    const hash = new RedisHash();
    const limits = { maxEntries: 64, maxValue: 60 };
    for (let round = 0; round < ROUNDS; round++) {
      if (next(3) === 0) hash.delete(`f${next(100)}`);
      else hash.set(`f${next(100)}`, word(next), limits);
      // An empty hash is deleted, never kept: only non-empty ones are compared.
      if (hash.size > 0) expect(hash.memoryBytes).toBe(rebuiltHash(hash).memoryBytes);
    }
    expect(hash.encoding).toBe('hashtable');
  });

  it('set (intset, hashtable, the conversion, random pops)', () => {
    const next = random(3);
    let set = new RedisSet();
    for (let round = 0; round < ROUNDS; round++) {
      if (round === ROUNDS / 2) set = new RedisSet();
      // Integers only in the first half: the set stays an intset there for a while.
      const member = round < ROUNDS / 2 && next(50) !== 0 ? String(next(500)) : word(next);
      const op = next(4);
      if (op === 0) set.remove(member);
      else if (op === 1 && set.size > 0) set.popRandom();
      else set.add(member, 128);
      // Built with no room for an intset, a set starts as a hashtable; empty sets are deleted.
      const rebuilt = setOf(set.toArray(), set.encoding === 'intset' ? 1 << 30 : 0);
      if (set.size > 0) expect(set.memoryBytes).toBe(rebuilt.memoryBytes);
    }
  });

  it('zset (listpack and skiplist)', () => {
    const next = random(4);
    for (const encoding of ['listpack', 'skiplist'] as const) {
      const zset = new SortedSet(encoding);
      for (let round = 0; round < ROUNDS / 2; round++) {
        if (next(3) === 0) zset.delete(word(next));
        else zset.set(word(next), next(1000) / 7);
        expect(zset.memoryBytes).toBe(zset.clone().memoryBytes);
      }
    }
  });

  it('stream (appends across nodes, deletions, trims, groups, consumers, NACKs)', () => {
    const next = random(5);
    const stream = new Stream();
    const limits = { maxBytes: 300, maxEntries: 7 };
    let ms = 1;
    const groups: ConsumerGroup[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const op = next(10);
      if (op < 5) {
        const fields = next(2) === 0 ? ['a', word(next)] : ['a', word(next), `b${next(3)}`, word(next)];
        stream.append(idFromNumbers(ms++, next(3)), fields, limits);
      } else if (op === 5) {
        stream.delete([idFromNumbers(1 + next(ms), next(3))]);
      } else if (op === 6) {
        stream.trim({ strategy: TrimStrategy.MaxLen, maxLength: next(40), minId: idFromNumbers(0, 0), approximate: next(2) === 0, limit: 0 });
      } else if (op === 7) {
        const group = stream.createGroup(`g${next(4)}`, idFromNumbers(0, 0), 0n);
        if (group !== null) groups.push(group);
      } else if (groups.length > 0) {
        const group = groups[next(groups.length)]!;
        const consumer = group.consumer(`c${next(3)}`) ?? group.createConsumer(`c${next(3)}`, 0);
        const entry = stream.range(idFromNumbers(0, 0), idFromNumbers(ms, 9), false, 1)[0];
        if (op === 8 && consumer !== null && entry !== undefined) group.deliver(entry.id, consumer, round);
        else if (group.pel.size > 0 && next(2) === 0) group.removeNack(group.pel.at(0)!);
        else if (consumer !== null && next(5) === 0) group.deleteConsumer(consumer);
        else if (next(20) === 0) {
          stream.destroyGroup(group);
          groups.splice(groups.indexOf(group), 1);
        }
      }
      expect(stream.memoryBytes).toBe(stream.measureMemory());
    }
    expect(stream.nodeCount).toBeGreaterThan(1);
  });

  it('keys: strings and TTLs charged through the database', () => {
    const next = random(6);
    let charged = 0;
    const observer: KeyspaceObserver = {
      keyExpired() {},
      keyModified() {},
      keysReplaced() {},
      memoryChanged: (delta) => (charged += delta),
    };
    const clock = new Clock();
    const db = new Database(0, clock, observer, new AccessPolicy());
    for (let round = 0; round < ROUNDS; round++) {
      const key = `key:${next(200)}`;
      const entry = db.stored(key);
      switch (next(5)) {
        case 0: db.set(key, ValueType.String, word(next), next(2) === 0); break;
        case 1: if (entry !== undefined) db.setExpiry(entry, clock.ms + 100_000 + next(1000)); break;
        case 2: if (entry !== undefined) db.clearExpiry(entry); break;
        case 3: db.delete(key); break;
        default: db.set(key, ValueType.List, List.of([word(next)]));
      }
      let recount = 0;
      for (const each of db.entries()) {
        const value = each.type === ValueType.String ? STRING_OVERHEAD + (each.value as string).length : (each.value as List).memoryBytes;
        recount += ENTRY_OVERHEAD + each.key.length + value + (each.expireAt === 0 ? 0 : EXPIRE_OVERHEAD);
      }
      expect(charged).toBe(recount);
    }
    db.flush();
    expect(charged).toBe(0);
  });
});

describe('memoryOverhead', () => {
  it('splits used memory into startup, clients, dict structures and the dataset', () => {
    const db = new Database(3, new Clock(), { keyExpired() {}, keyModified() {}, keysReplaced() {}, memoryChanged() {} });
    for (let i = 0; i < 5; i++) db.set(`k${i}`, ValueType.String, 'v');
    db.setExpiry(db.stored('k0')!, Date.now() + 10_000);
    const empty = new Database(0, new Clock(), { keyExpired() {}, keyModified() {}, keysReplaced() {}, memoryChanged() {} });
    const overhead = memoryOverhead(BASE_MEMORY + 5000, 1000, [empty, db]);
    // 5 keys: 5 entries and objects, 8 buckets; 1 TTL: one entry, 4 buckets (Redis's dictSlots).
    expect(overhead.databases).toEqual([{ index: 3, main: 5 * 40 + 8 * 8, expires: 24 + 4 * 8 }]);
    expect(overhead.total).toBe(BASE_MEMORY + 1000 + 264 + 56);
    expect(overhead.dataset).toBe(5000 - 1000 - 264 - 56);
    expect(overhead.keys).toBe(5);
  });
});

/** The same fields and values set into a new hash, in the same encoding. */
function rebuiltHash(hash: RedisHash): RedisHash {
  const copy = new RedisHash();
  const limits = hash.encoding === 'listpack' ? { maxEntries: Infinity, maxValue: Infinity } : { maxEntries: 0, maxValue: 0 };
  for (let i = 0; i < hash.size; i++) copy.set(hash.fieldAt(i), hash.valueAt(i), limits);
  return copy;
}
