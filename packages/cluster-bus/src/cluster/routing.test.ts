import { describe, it, expect } from 'vitest';
import { keySlot } from '../slots.js';
import { newRoutingDecision, newRoutingRequest, redirectError, route, Route, type RoutingRequest } from './routing.js';
import type { ClusterView, SlotNode } from './view.js';

function node(id: string, endpoint: string, master: SlotNode | null = null, isMyself = false): SlotNode {
  return { id, isMyself, master, redirectEndpoint: (tls) => (tls ? endpoint.replace(/:(\d+)$/, ':1$1') : endpoint) };
}

/** A 3-master view from `me`'s side: A owns 0-5460, B 5461-10922, C 10923-16383, B' replicates B. */
function fixture(me: 'A' | 'B' | "B'") {
  const a = node('a'.repeat(40), '127.0.0.1:7000', null, me === 'A');
  const b = node('b'.repeat(40), '127.0.0.1:7001', null, me === 'B');
  const c = node('c'.repeat(40), '127.0.0.1:7002');
  const replica = node('d'.repeat(40), '127.0.0.1:7003', b, me === "B'");
  const myself = me === 'A' ? a : me === 'B' ? b : replica;
  const migrating = new Map<number, SlotNode>();
  const importing = new Map<number, SlotNode>();
  const unassigned = new Set<number>();
  const view = {
    stateOk: true,
    myself,
    ownerOf: (slot: number) => (unassigned.has(slot) ? null : slot <= 5460 ? a : slot <= 10922 ? b : c),
    migratingTo: (slot: number) => migrating.get(slot) ?? null,
    importingFrom: (slot: number) => importing.get(slot) ?? null,
  } satisfies ClusterView;
  return { view, a, b, c, migrating, importing, unassigned };
}

function request(keys: string[], local: string[] = [], options: Partial<RoutingRequest> = {}): RoutingRequest {
  return { ...newRoutingRequest(keys, (key) => local.includes(key)), ...options };
}

// Slots: foo 12182 (C), bar 5061 (A), hello 866 (A), {user1000} 3443 (A), somekey 11058 (C).
describe('route', () => {
  it('serves commands without keys anywhere', () => {
    const { view } = fixture('A');
    const decision = route(view, request([]), newRoutingDecision());
    expect(decision.route).toBe(Route.Serve);
  });

  it('serves keys of its own slots and redirects the others with MOVED', () => {
    const { view } = fixture('A');
    expect(route(view, request(['bar']), newRoutingDecision()).route).toBe(Route.Serve);
    const moved = route(view, request(['foo']), newRoutingDecision());
    expect(moved.route).toBe(Route.Moved);
    expect(redirectError(moved, false)).toBe('MOVED 12182 127.0.0.1:7002');
    expect(redirectError(moved, true)).toBe('MOVED 12182 127.0.0.1:17002');
  });

  it('refuses keys of different slots with CROSSSLOT, and accepts a repeated key or a shared tag', () => {
    const { view } = fixture('A');
    const cross = route(view, request(['bar', 'hello']), newRoutingDecision());
    expect(redirectError(cross, false)).toBe("CROSSSLOT Keys in request don't hash to the same slot");
    expect(route(view, request(['bar', 'bar']), newRoutingDecision()).route).toBe(Route.Serve);
    expect(route(view, request(['{user1000}a', '{user1000}b']), newRoutingDecision()).route).toBe(Route.Serve);
    // Two keys of another node's slot: CROSSSLOT still wins over MOVED only when slots differ.
    expect(route(view, request(['foo', 'foo']), newRoutingDecision()).route).toBe(Route.Moved);
  });

  it('answers CLUSTERDOWN Hash slot not served for an unassigned slot, before CROSSSLOT', () => {
    const { view, unassigned } = fixture('A');
    unassigned.add(keySlot('bar'));
    const decision = route(view, request(['bar', 'foo']), newRoutingDecision());
    expect(redirectError(decision, false)).toBe('CLUSTERDOWN Hash slot not served');
  });

  it('follows the cluster-down rules', () => {
    const { view } = fixture('A');
    const down = { ...view, stateOk: false };
    expect(redirectError(route(down, request(['bar']), newRoutingDecision()), false)).toBe('CLUSTERDOWN The cluster is down');
    // CROSSSLOT is found before the state is looked at.
    expect(route(down, request(['bar', 'foo']), newRoutingDecision()).route).toBe(Route.CrossSlot);
    const reads = { allowReadsWhenDown: true };
    expect(route(down, request(['bar'], [], reads), newRoutingDecision()).route).toBe(Route.Serve);
    expect(route(down, request(['foo'], [], reads), newRoutingDecision()).route).toBe(Route.Moved);
    const write = route(down, request(['bar'], [], { ...reads, writeCommand: true, writes: true }), newRoutingDecision());
    expect(redirectError(write, false)).toBe('CLUSTERDOWN The cluster is down and only accepts read commands');
    // EXEC is not a write command itself: only its own flags count here, as in Redis.
    expect(route(down, request(['bar'], [], { ...reads, writes: true }), newRoutingDecision()).route).toBe(Route.Serve);
    const shard = { pubsubShard: true, writeCommand: true };
    expect(route(down, request(['bar'], [], shard), newRoutingDecision()).route).toBe(Route.Serve);
    expect(route(down, request(['bar'], [], { ...shard, allowPubsubShardWhenDown: false }), newRoutingDecision()).route).toBe(
      Route.DownState,
    );
  });

  describe('while A migrates the slot of {user1000} to B', () => {
    const slot = keySlot('{user1000}');
    const keys = ['{user1000}x', '{user1000}y'];

    it('serves keys it still has, ASKs for missing ones, TRYAGAIN when some are missing', () => {
      const { view, b, migrating } = fixture('A');
      migrating.set(slot, b);
      expect(route(view, request(keys, keys), newRoutingDecision()).route).toBe(Route.Serve);
      const ask = route(view, request(keys, []), newRoutingDecision());
      expect(redirectError(ask, false)).toBe(`ASK ${slot} 127.0.0.1:7001`);
      const partial = route(view, request(keys, [keys[0]!]), newRoutingDecision());
      expect(redirectError(partial, false)).toBe('TRYAGAIN Multiple keys request during rehashing of slot');
      expect(route(view, request(keys, [], { migrate: true }), newRoutingDecision()).route).toBe(Route.Serve);
      // Shard channels are not keys: they are served by the source until the slot moves.
      expect(route(view, request(keys, [], { pubsubShard: true }), newRoutingDecision()).route).toBe(Route.Serve);
    });

    it('the importing side serves only ASKING clients, and multi-key requests only when all keys arrived', () => {
      const { view, a, importing } = fixture('B');
      importing.set(slot, a);
      const moved = route(view, request(keys, keys), newRoutingDecision());
      expect(redirectError(moved, false)).toBe(`MOVED ${slot} 127.0.0.1:7000`);
      expect(route(view, request([keys[0]!], [], { asking: true }), newRoutingDecision()).route).toBe(Route.Serve);
      expect(route(view, request(keys, keys, { asking: true }), newRoutingDecision()).route).toBe(Route.Serve);
      expect(route(view, request(keys, [keys[1]!], { asking: true }), newRoutingDecision()).route).toBe(Route.TryAgain);
      expect(route(view, request([keys[0]!, keys[0]!], [], { asking: true }), newRoutingDecision()).route).toBe(Route.Serve);
      expect(route(view, request(keys, [], { migrate: true }), newRoutingDecision()).route).toBe(Route.Serve);
    });
  });

  it('a replica serves READONLY reads (and shard channels) of its master, redirects the rest', () => {
    const { view } = fixture("B'");
    const key = ['somekey']; // 11058: C's, not our master's
    const ourKey = ['{z}bar']; // slot 8157, B's
    expect(keySlot(ourKey[0]!)).toBeGreaterThanOrEqual(5461);
    expect(keySlot(ourKey[0]!)).toBeLessThanOrEqual(10922);
    expect(route(view, request(ourKey), newRoutingDecision()).route).toBe(Route.Moved);
    expect(route(view, request(ourKey, [], { readonlyClient: true }), newRoutingDecision()).route).toBe(Route.Serve);
    const write = route(view, request(ourKey, [], { readonlyClient: true, writes: true, writeCommand: true }), newRoutingDecision());
    expect(write.route).toBe(Route.Moved);
    expect(route(view, request(ourKey, [], { readonlyClient: true, writes: true }), newRoutingDecision()).route).toBe(Route.Moved);
    expect(route(view, request(ourKey, [], { pubsubShard: true }), newRoutingDecision()).route).toBe(Route.Serve);
    expect(route(view, request(key, [], { readonlyClient: true }), newRoutingDecision()).route).toBe(Route.Moved);
  });
});
