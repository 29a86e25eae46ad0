import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { CLOSED, RawClient } from '../../../test/helpers/raw.js';
import { hasRealRedis, startRealRedis, startTsredis, type RunningServer } from '../../../test/helpers/servers.js';

/**
 * Client limits (issue 6, done-when #4): maxclients under a flood of connections, the idle
 * `timeout`, and the maxmemory-warning-percent log warning. The flood and the idle timeout run
 * against real Redis too, which must behave the same.
 */

const MAX_CLIENTS = 50;
const EXTRA = 100;
const MAX_CLIENTS_ERROR = '-ERR max number of clients reached\r\n';

const servers: { name: string; start: (args: string[]) => Promise<RunningServer> }[] = [{ name: 'tsredis', start: startTsredis }];
if (hasRealRedis()) servers.push({ name: 'real redis', start: startRealRedis });
else console.warn('limits.test.ts: redis-server is not installed — SKIPPING the same scenarios against real Redis');

function infoField(info: string, name: string): number {
  const match = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  if (match === null) throw new Error(`INFO has no ${name}`);
  return Number(match[1]);
}

describe.each(servers)('maxclients and timeout on $name', ({ start }) => {
  describe('maxclients', () => {
    let server: RunningServer;

    beforeAll(async () => {
      server = await start(['--maxclients', String(MAX_CLIENTS)]);
    });

    afterAll(async () => {
      await server?.stop();
    });

    it(`serves exactly maxclients of maxclients+${EXTRA} connections, refuses the rest, stays responsive`, async () => {
      const flood = await Promise.all(Array.from({ length: MAX_CLIENTS + EXTRA }, () => RawClient.connect(server.port)));
      try {
        const replies = await Promise.all(flood.map((client) => client.call('PING')));
        const served = flood.filter((_, i) => replies[i] === '+PONG\r\n');
        const refused = replies.filter((reply) => reply === MAX_CLIENTS_ERROR);
        expect(served).toHaveLength(MAX_CLIENTS);
        expect(refused).toHaveLength(EXTRA);
        // Refused connections are closed by the server.
        for (let i = 0; i < flood.length; i++) {
          if (replies[i] === MAX_CLIENTS_ERROR) expect(await flood[i]!.waitClosed()).toBe(true);
        }
        // The served clients keep working while the server is full.
        await Promise.all(served.map((client, i) => client.call('SET', `k${i}`, String(i))));
        expect(await served[7]!.call('GET', 'k7')).toBe('$1\r\n7\r\n');
        expect(await served[0]!.call('DBSIZE')).toBe(`:${MAX_CLIENTS}\r\n`);
        const info = await served[0]!.call('INFO', 'stats');
        expect(infoField(info, 'rejected_connections')).toBe(EXTRA);
        // One more while full is refused too; after one leaves, a newcomer is served.
        const late = await RawClient.connect(server.port);
        expect(await late.call('PING')).toBe(MAX_CLIENTS_ERROR);
        late.destroy();
        served[1]!.destroy();
        let newcomer: RawClient | null = null;
        for (let attempt = 0; attempt < 50 && newcomer === null; attempt++) {
          const candidate = await RawClient.connect(server.port);
          if ((await candidate.call('PING')) === '+PONG\r\n') newcomer = candidate;
          else await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(newcomer).not.toBeNull();
        newcomer?.destroy();
      } finally {
        for (const client of flood) client.destroy();
      }
    });
  });

  describe('timeout', () => {
    let server: RunningServer;

    beforeAll(async () => {
      server = await start(['--timeout', '1']);
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('drops an idle client after `timeout` seconds, but not active, blocked or subscribed ones', async () => {
      const idle = await RawClient.connect(server.port);
      const active = await RawClient.connect(server.port);
      const blocked = await RawClient.connect(server.port);
      const subscriber = await RawClient.connect(server.port);
      try {
        expect(await idle.call('PING')).toBe('+PONG\r\n');
        const idleSince = Date.now();
        blocked.command('BLPOP', 'never-pushed', '0');
        expect(await subscriber.call('SUBSCRIBE', 'news')).toContain('news');
        // Bounded: the active client talks every 200 ms until the idle one is gone (≤ 5 s).
        let closed = false;
        for (let i = 0; i < 25 && !closed; i++) {
          expect(await active.call('PING')).toBe('+PONG\r\n');
          closed = await idle.waitClosed(200);
        }
        expect(closed).toBe(true);
        // Never before the timeout (Redis compares whole seconds, so it may take up to 2 s there).
        expect(Date.now() - idleSince).toBeGreaterThanOrEqual(900);
        expect(active.isClosed).toBe(false);
        expect(blocked.isClosed).toBe(false);
        expect(subscriber.isClosed).toBe(false);
        expect(await active.call('LPUSH', 'never-pushed', 'x')).toBe(':1\r\n');
        expect(await blocked.reply()).toBe('*2\r\n$12\r\nnever-pushed\r\n$1\r\nx\r\n');
        expect(await idle.reply()).toBe(CLOSED);
      } finally {
        for (const client of [idle, active, blocked, subscriber]) client.destroy();
      }
    });
  });
});

describe('maxmemory-warning-percent', () => {
  let server: RunningServer;
  let client: Redis;
  const MAXMEMORY = 8 * 1024 * 1024;

  beforeAll(async () => {
    server = await startTsredis(['--maxmemory', String(MAXMEMORY), '--maxmemory-warning-percent', '75', '--hz', '50']);
    client = new Redis({ port: server.port, maxRetriesPerRequest: 0 });
  });

  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  const crossings = () => server.output().split('\n').filter((line) => line.includes('crossed 75% of maxmemory'));
  const recoveries = () => server.output().split('\n').filter((line) => line.includes('back below 75% of maxmemory'));

  /** Waits (bounded, 5 s) until `condition` holds on the server's log. */
  async function waitForLog(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  async function fill(prefix: string, count: number): Promise<void> {
    const value = 'v'.repeat(1024);
    for (let start = 0; start < count; start += 500) {
      const pipeline = client.pipeline();
      for (let i = start; i < Math.min(count, start + 500); i++) pipeline.set(`${prefix}:${i}`, value);
      await pipeline.exec();
    }
  }

  async function usedMemory(): Promise<number> {
    return infoField((await client.info('memory')) as string, 'used_memory');
  }

  it('warns once when used memory crosses the share of maxmemory, and again only after falling below', async () => {
    await fill('low', 2000);
    expect(await usedMemory()).toBeLessThan(MAXMEMORY * 0.75);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(crossings()).toHaveLength(0);

    await fill('high', 3500);
    expect(await usedMemory()).toBeGreaterThanOrEqual(MAXMEMORY * 0.75);
    await waitForLog(() => crossings().length > 0);
    expect(crossings()).toHaveLength(1);
    expect(JSON.parse(crossings()[0]!)).toMatchObject({ level: 40, maxmemory: MAXMEMORY, percent: 75 });
    // Staying above does not repeat the warning.
    await fill('more', 200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(crossings()).toHaveLength(1);

    await client.flushall();
    await waitForLog(() => recoveries().length > 0);
    expect(recoveries()).toHaveLength(1);
    await fill('again', 5500);
    await waitForLog(() => crossings().length > 1);
    expect(crossings()).toHaveLength(2);
  });

  it('is hidden from CONFIG GET * (Redis has no such directive) but readable and settable by name', async () => {
    const all = (await client.config('GET', '*')) as string[];
    expect(all).not.toContain('maxmemory-warning-percent');
    expect(await client.config('GET', 'maxmemory-warning-percent')).toEqual(['maxmemory-warning-percent', '75']);
    expect(await client.config('SET', 'maxmemory-warning-percent', '90')).toBe('OK');
    await expect(client.config('SET', 'maxmemory-warning-percent', '101')).rejects.toThrow(/must be between 0 and 100/);
  });
});
