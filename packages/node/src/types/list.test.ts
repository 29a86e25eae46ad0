import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../test/differential/generator.js';
import { List } from './list.js';

/** memoryBytes of an empty list plus what each element adds, measured through the public API. */
function expectedBytes(values: readonly string[]): number {
  const empty = new List().memoryBytes;
  const one = List.of(['']).memoryBytes - empty;
  return empty + values.reduce((sum, v) => sum + one + v.length, 0);
}

describe('List (ring-buffer deque)', () => {
  it('pushes and pops at both ends across growth and wrap-around', () => {
    const list = new List();
    for (let i = 0; i < 20; i++) list.pushTail(`t${i}`);
    for (let i = 0; i < 20; i++) list.pushHead(`h${i}`);
    expect(list.length).toBe(40);
    expect(list.at(0)).toBe('h19');
    expect(list.at(39)).toBe('t19');
    expect(list.popHead()).toBe('h19');
    expect(list.popTail()).toBe('t19');
    expect(list.toArray().slice(17, 21)).toEqual(['h1', 'h0', 't0', 't1']);
    expect(new List().popHead()).toBeUndefined();
    expect(new List().popTail()).toBeUndefined();
  });

  it('matches an array model under 5000 random operations, memoryBytes included', () => {
    const rng = new Rng(7);
    const list = new List();
    const model: string[] = [];
    const pick = (n: number) => Math.floor(rng.next() * n);
    for (let step = 0; step < 5000; step++) {
      const value = 'v'.repeat(pick(4)) + String(pick(5));
      switch (pick(9)) {
        case 0: list.pushHead(value); model.unshift(value); break;
        case 1: list.pushTail(value); model.push(value); break;
        case 2: expect(list.popHead()).toBe(model.shift()); break;
        case 3: expect(list.popTail()).toBe(model.pop()); break;
        case 4: {
          const at = pick(model.length + 1);
          list.insert(at, value);
          model.splice(at, 0, value);
          break;
        }
        case 5: if (model.length > 0) { const at = pick(model.length); list.set(at, value); model[at] = value; } break;
        case 6: {
          const limit = pick(3);
          const fromTail = rng.next() < 0.5;
          let removed = 0;
          const order = fromTail ? [...model.keys()].reverse() : [...model.keys()];
          const drop = new Set<number>();
          for (const i of order) if (model[i] === value && (limit === 0 || removed < limit)) { drop.add(i); removed++; }
          expect(list.removeMatching(value, limit, fromTail)).toBe(removed);
          model.splice(0, model.length, ...model.filter((_, i) => !drop.has(i)));
          break;
        }
        case 7: {
          const head = pick(Math.min(3, model.length) + 1);
          const tail = pick(Math.min(3, model.length - head) + 1);
          list.trim(head, tail);
          model.splice(0, head);
          model.splice(model.length - tail, tail);
          break;
        }
        default: expect(list.indexOf(value)).toBe(model.indexOf(value));
      }
      expect(list.length).toBe(model.length);
    }
    expect(list.toArray()).toEqual(model);
    expect(list.memoryBytes).toBe(expectedBytes(model));
  });

  it('clones into an independent list with the same contents and size', () => {
    const list = List.of(['a', 'bb', 'ccc']);
    const copy = list.clone();
    copy.pushTail('d');
    copy.set(0, 'zz');
    expect(list.toArray()).toEqual(['a', 'bb', 'ccc']);
    expect(copy.toArray()).toEqual(['zz', 'bb', 'ccc', 'd']);
    expect(list.clone().memoryBytes).toBe(list.memoryBytes);
  });
});
