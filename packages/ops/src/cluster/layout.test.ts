import { describe, expect, it } from 'vitest';
import { planLayout } from './layout.js';

const at = (host: string, port: number) => ({ host, port });

describe('planLayout', () => {
  it('splits the 16384 slots over the masters as redis-cli does and gives each a replica', () => {
    const layout = planLayout([7000, 7001, 7002, 7003, 7004, 7005].map((port) => at('127.0.0.1', port)), 1);
    expect(layout.masters.map((master) => master.slots)).toEqual([[0, 5460], [5461, 10922], [10923, 16383]]);
    expect(layout.replicas.map((replica) => [replica.endpoint.port, replica.master])).toEqual([[7003, 0], [7004, 1], [7005, 2]]);
  });

  it('keeps a replica off its master’s host when another master allows it', () => {
    const layout = planLayout([at('a', 1), at('b', 1), at('c', 1), at('a', 2), at('b', 2), at('c', 2)], 1);
    for (const replica of layout.replicas) expect(layout.masters[replica.master]!.endpoint.host).not.toBe(replica.endpoint.host);
  });

  it('refuses fewer than three masters and duplicated nodes', () => {
    expect(() => planLayout([at('h', 1), at('h', 2), at('h', 3), at('h', 4)], 1)).toThrow(/at least 3/);
    expect(() => planLayout([at('h', 1), at('h', 1), at('h', 3)], 0)).toThrow(/listed twice/);
  });
});
