import { afterAll, describe, expect, it } from 'vitest';
import { Fixture, type Node } from './aof-helpers.js';

/**
 * The durability drill of issue 5: a writer counts the writes the server acknowledged, the
 * server is killed with SIGKILL at a random moment, restarted on the same appendonlydir, and
 * every acknowledged write must be there — all of them with appendfsync always; with everysec
 * only writes acknowledged in the last second may be missing. Each round restarts on the AOF
 * the previous rounds left, so the files grow over the rounds.
 */

const ROUNDS = 20;
/** Writes per round: bounded, so a stuck server fails the test instead of hanging it. */
const MAX_WRITES = 400;

const fixture = new Fixture();
afterAll(() => fixture.cleanup());

interface Ack {
  key: string;
  at: number;
}

/** Writes unique keys one after another until the server is killed; returns what was acknowledged. */
async function writeUntilKilled(node: Node, round: number, killAfter: number): Promise<Ack[]> {
  const acked: Ack[] = [];
  let killing: Promise<void> | null = null;
  for (let i = 0; i < MAX_WRITES; i++) {
    const key = `r${round}:k${i}`;
    try {
      await node.redis.set(key, String(i));
    } catch {
      break;
    }
    acked.push({ key, at: Date.now() });
    // The kill lands while the next writes are in flight, not between two of them.
    if (i === killAfter) killing = fixture.kill(node);
  }
  await killing;
  return acked;
}

async function drill(policy: 'always' | 'everysec'): Promise<void> {
  const dir = fixture.directory();
  const args = ['--appendonly', 'yes', '--appendfsync', policy];
  let node = await fixture.tsredis(dir, args);
  const everyAck: Ack[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const killAfter = 20 + Math.floor(Math.random() * 150);
    const acked = await writeUntilKilled(node, round, killAfter);
    const killedAt = Date.now();
    expect(acked.length).toBeGreaterThan(killAfter);
    everyAck.push(acked);
    node = await fixture.tsredis(dir, args);
    const values = await node.redis.mget(...acked.map((ack) => ack.key));
    const missing = acked.filter((_, i) => values[i] === null);
    if (policy === 'always') {
      expect(missing, `round ${round}`).toEqual([]);
    } else {
      // Keys are written in order: whatever is missing is a suffix, acknowledged in the last ~1 s.
      expect(missing, `round ${round}`).toEqual(acked.slice(acked.length - missing.length));
      for (const ack of missing) expect(killedAt - ack.at, `round ${round}`).toBeLessThan(1500);
    }
  }
  // Earlier rounds survived every later restart too.
  for (const acked of policy === 'always' ? everyAck : []) {
    expect(await node.redis.exists(...acked.map((ack) => ack.key))).toBe(acked.length);
  }
  await fixture.stop(node);
}

describe('durability drill (SIGKILL, restart on the AOF)', () => {
  it(`appendfsync always keeps every acknowledged write (${ROUNDS} rounds)`, () => drill('always'), 60_000);
  it(`appendfsync everysec loses at most the last second (${ROUNDS} rounds)`, () => drill('everysec'), 60_000);
});
