import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, replayConversation, replayScript } from './raw.js';
import { hasRealRedis, type RunningServer, startPair } from './servers.js';

/** tsredis and the real redis-server, side by side for byte comparisons. */
export interface ServerPair {
  ours: RunningServer;
  real: RunningServer;
}

/** The pair of a comparison block; only valid inside its tests (after beforeAll). */
export type Servers = () => ServerPair;

/** Named scripts: each is replayed on both servers from FLUSHALL. */
export type Scripts = Readonly<Record<string, readonly string[][]>>;

/** Named multi-connection scripts for replayConversation. */
export type Conversations = Readonly<Record<string, readonly (readonly [number, ...string[]])[]>>;

/**
 * A describe block comparing tsredis with a real redis-server: starts both (each with `args`)
 * before its tests and stops them after. Without redis-server installed the block is skipped,
 * and says so loudly (`file` names the test file in that warning).
 */
export function describeAgainstRealRedis(file: string, title: string, body: (servers: Servers) => void, args: readonly string[] = []): void {
  const available = hasRealRedis();
  if (!available) console.warn(`${file}: redis-server is not installed — SKIPPING the byte comparisons with real Redis`);
  describe.skipIf(!available)(title, () => {
    let pair: ServerPair | undefined;

    beforeAll(async () => {
      const [ours, real] = await startPair([...args], [...args]);
      pair = { ours, real };
    });

    afterAll(async () => {
      await Promise.all([pair?.ours.stop(), pair?.real.stop()]);
    });

    body(() => {
      if (pair === undefined) throw new Error('the servers are not started yet (use them inside a test)');
      return pair;
    });
  });
}

/** One test per script and RESP version ("name (RESP2)", "name (RESP3)"): the raw replies must match. */
export function itMatchesRealRedis(servers: Servers, scripts: Scripts): void {
  itMatchesRealRedisWith(servers, scripts, replayScript);
}

/** Like itMatchesRealRedis, for scripts interleaving several connections (replayConversation). */
export function itMatchesRealRedisConversations(servers: Servers, conversations: Conversations): void {
  itMatchesRealRedisWith(servers, conversations, replayConversation);
}

/** Like itMatchesRealRedis, with a test file's own way of replaying a script (its transcript must match). */
export function itMatchesRealRedisWith<Script>(
  servers: Servers,
  scripts: Readonly<Record<string, Script>>,
  replay: (port: number, resp: 2 | 3, script: Script) => Promise<string[]>,
): void {
  for (const [name, script] of Object.entries(scripts)) {
    for (const resp of [2, 3] as const) {
      it(`${name} (RESP${resp})`, async () => {
        const { ours, real } = servers();
        const expected = await replay(real.port, resp, script);
        expect(await replay(ours.port, resp, script)).toEqual(expected);
      });
    }
  }
}

/** Replays one script on both servers (RESP2 unless told) and expects the same raw replies. */
export async function expectSameReplies(servers: Servers, script: readonly string[][], resp: 2 | 3 = 2): Promise<void> {
  const { ours, real } = servers();
  const expected = await replayScript(real.port, resp, script);
  expect(await replayScript(ours.port, resp, script)).toEqual(expected);
}

/**
 * A test that COMMAND LIST FILTERBY ACLCAT `category` names the same commands on both servers
 * (and more than ten, so an empty category cannot pass).
 */
export function itListsTheSameCategory(servers: Servers, category: string): void {
  it(`lists the same @${category} commands as Redis`, async () => {
    const { ours, real } = servers();
    const script = [['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', category]];
    const names = async (port: number) =>
      (await replayScript(port, 2, script))[0]!.split('\r\n').filter((line) => /^[a-z_]+$/.test(line)).sort();
    const expected = await names(real.port);
    expect(expected.length).toBeGreaterThan(10);
    expect(await names(ours.port)).toEqual(expected);
  });
}

/** The keyspace_hits / keyspace_misses lines of an INFO reply. */
export function keyspaceLines(info: string): string[] {
  return info.split('\r\n').filter((line) => line.startsWith('keyspace_'));
}

/** Replays a script ending in INFO stats on both servers: the keyspace_* lines each printed. */
export async function keyspaceStatsAfter(servers: Servers, script: readonly string[][]): Promise<{ real: string[]; ours: string[] }> {
  const { ours, real } = servers();
  const lastInfo = async (port: number) => keyspaceLines((await replayScript(port, 2, script)).at(-1)!);
  return { real: await lastInfo(real.port), ours: await lastInfo(ours.port) };
}

/** keyspace hits/misses and the change counter after each command, as INFO shows them. */
export async function statsTrail(port: number, script: readonly string[][]): Promise<string[]> {
  const client = await RawClient.connect(port);
  try {
    await client.call('FLUSHALL');
    await client.call('CONFIG', 'RESETSTAT');
    const dirty = async () => Number(/rdb_changes_since_last_save:(\d+)/.exec(await client.call('INFO', 'persistence'))![1]);
    const trail: string[] = [];
    let last = await dirty();
    for (const command of script) {
      await client.call(...command);
      const stats = await client.call('INFO', 'stats');
      const now = await dirty();
      trail.push(`${command.join(' ')} → ${keyspaceLines(stats).join(' ')} dirty+${now - last}`);
      last = now;
    }
    return trail;
  } finally {
    client.destroy();
  }
}
