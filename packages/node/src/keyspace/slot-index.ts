import { keySlot, SLOT_COUNT } from '@tsredis/cluster-bus';
import type { Entry } from './entry.js';

/**
 * The keys of a database grouped by cluster hash slot (Redis's slots_to_keys), kept only when
 * cluster-enabled: COUNTKEYSINSLOT is O(1), GETKEYSINSLOT O(count), and a lost slot's keys can
 * be deleted without scanning the keyspace. A Set per slot keeps insertion order and removes in
 * O(1); slots without keys hold nothing.
 */
export class SlotIndex {
  private readonly bySlot: (Set<Entry> | undefined)[] = new Array<Set<Entry> | undefined>(SLOT_COUNT);

  add(entry: Entry): void {
    const slot = keySlot(entry.key);
    let keys = this.bySlot[slot];
    if (keys === undefined) this.bySlot[slot] = keys = new Set();
    keys.add(entry);
  }

  remove(entry: Entry): void {
    const slot = keySlot(entry.key);
    const keys = this.bySlot[slot];
    if (keys === undefined) return;
    keys.delete(entry);
    if (keys.size === 0) this.bySlot[slot] = undefined;
  }

  count(slot: number): number {
    return this.bySlot[slot]?.size ?? 0;
  }

  /**
   * Up to `count` keys of the slot, newest first as Redis lists them (it links each new key at the
   * head of its slot). A Set only walks oldest first, so this copies the slot: slots hold few keys.
   */
  keys(slot: number, count: number): string[] {
    const result: string[] = [];
    const keys = this.bySlot[slot];
    if (keys === undefined || count <= 0) return result;
    const entries = [...keys];
    for (let i = entries.length - 1; i >= 0 && result.length < count; i--) result.push(entries[i]!.key);
    return result;
  }

  /** The entries of a slot as they are now (a copy: the caller may delete them while walking it). */
  entries(slot: number): Entry[] {
    const keys = this.bySlot[slot];
    return keys === undefined ? [] : [...keys];
  }

  clear(): void {
    this.bySlot.fill(undefined);
  }
}
