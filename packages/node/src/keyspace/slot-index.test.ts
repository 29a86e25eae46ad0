import { describe, it, expect } from 'vitest';
import { keySlot } from '@tsredis/cluster-bus';
import { Clock } from './clock.js';
import { Database, type KeyspaceObserver } from './database.js';
import { ValueType } from './entry.js';

function database(): { db: Database; memory: () => number } {
  let bytes = 0;
  const observer: KeyspaceObserver = {
    keyExpired: () => {},
    memoryChanged: (delta) => (bytes += delta),
    keyModified: () => {},
    keysReplaced: () => {},
  };
  const db = new Database(0, new Clock(), observer);
  return { db, memory: () => bytes };
}

/** What the index says about every slot the keys may be in, against a recount of the dict. */
function expectConsistent(db: Database): void {
  const expected = new Map<number, string[]>();
  for (const entry of db.entries()) {
    const slot = keySlot(entry.key);
    expected.set(slot, [...(expected.get(slot) ?? []), entry.key]);
  }
  for (const [slot, keys] of expected) {
    expect(db.countKeysInSlot(slot)).toBe(keys.length);
    expect(db.keysInSlot(slot, 1_000_000).sort()).toEqual([...keys].sort());
  }
  let total = 0;
  for (let slot = 0; slot < 16384; slot++) total += db.countKeysInSlot(slot);
  expect(total).toBe(db.size);
}

describe('slot index', () => {
  it('is off (and answers nothing) until indexSlots', () => {
    const { db } = database();
    db.set('foo', ValueType.String, 'x');
    expect(db.countKeysInSlot(keySlot('foo'))).toBe(0);
    db.indexSlots();
    expect(db.countKeysInSlot(keySlot('foo'))).toBe(1);
    expect(db.keysInSlot(keySlot('foo'), 10)).toEqual(['foo']);
  });

  it('follows sets, overwrites and deletes', () => {
    const { db } = database();
    db.indexSlots();
    for (let i = 0; i < 500; i++) db.set(`k${i}`, ValueType.String, 'v');
    for (let i = 0; i < 500; i += 3) db.set(`k${i}`, ValueType.String, 'overwritten');
    for (let i = 0; i < 500; i += 7) db.delete(`k${i}`);
    expectConsistent(db);
  });

  it('groups keys with the same hash tag in one slot, lists them newest first, limited by count', () => {
    const { db } = database();
    db.indexSlots();
    for (let i = 0; i < 10; i++) db.set(`{user}:${i}`, ValueType.String, 'v');
    const slot = keySlot('user');
    expect(db.countKeysInSlot(slot)).toBe(10);
    expect(db.keysInSlot(slot, 3)).toEqual(['{user}:9', '{user}:8', '{user}:7']);
    expect(db.keysInSlot(slot, 0)).toEqual([]);
  });

  it('drops expired keys when they are reaped', () => {
    const { db } = database();
    db.indexSlots();
    const entry = db.set('ttl', ValueType.String, 'v');
    db.setExpiry(entry, 1);
    expect(db.countKeysInSlot(keySlot('ttl'))).toBe(1);
    expect(db.lookup('ttl')).toBeUndefined();
    expect(db.countKeysInSlot(keySlot('ttl'))).toBe(0);
  });

  it('deletes a whole slot, memory included, and leaves the other slots alone', () => {
    const { db, memory } = database();
    db.indexSlots();
    db.set('other', ValueType.String, 'value');
    const otherBytes = memory();
    for (let i = 0; i < 50; i++) db.set(`{a}${i}`, ValueType.String, 'value');
    expect(db.deleteKeysInSlot(keySlot('a'))).toBe(50);
    expect(db.countKeysInSlot(keySlot('a'))).toBe(0);
    expect(db.size).toBe(1);
    expect(memory()).toBe(otherBytes);
    expect(db.deleteKeysInSlot(keySlot('a'))).toBe(0);
    expectConsistent(db);
  });

  it('is emptied by flush and travels with SWAPDB', () => {
    const one = database().db;
    const two = database().db;
    one.indexSlots();
    two.indexSlots();
    one.set('x', ValueType.String, '1');
    one.swapWith(two);
    expect(one.countKeysInSlot(keySlot('x'))).toBe(0);
    expect(two.countKeysInSlot(keySlot('x'))).toBe(1);
    two.flush();
    expect(two.countKeysInSlot(keySlot('x'))).toBe(0);
    two.set('x', ValueType.String, '1');
    expectConsistent(two);
  });
});
