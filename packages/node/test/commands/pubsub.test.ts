import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import Redis from 'ioredis';
import { RawClient } from '../../../../test/helpers/raw.js';
import { describeAgainstRealRedis, itMatchesRealRedisWith } from '../../../../test/helpers/compare.js';
import { startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';

const LIMIT_LOG_LINE = /Client id=\d+ addr=\S+ .*flags=P .*scheduled to be closed ASAP for overcoming of output buffer limits\./;

type Step = readonly [number, ...string[]];

const SYNC = '__sync__';

/**
 * Replays steps over several connections. Pub/Sub commands answer with any number of replies
 * and messages land on other connections, so after each step every connection sends a PING
 * marker and everything received before its answer is recorded ("conn: bytes"). A connection
 * that sent MULTI is not synced until EXEC, DISCARD or RESET (its PING would be queued).
 */
async function converse(port: number, resp: 2 | 3, steps: readonly Step[]): Promise<string[]> {
  const count = Math.max(...steps.map(([connection]) => connection)) + 1;
  const clients = await Promise.all(Array.from({ length: count }, () => RawClient.connect(port)));
  try {
    if (resp === 3) for (const client of clients) await client.call('HELLO', '3');
    await clients[0]!.call('FLUSHALL');
    const transcript: string[] = [];
    const inMulti = new Set<number>();
    for (const [connection, ...command] of steps) {
      clients[connection]!.command(...command);
      transcript.push(`${connection}> ${command.join(' ')}`);
      const name = command[0]!.toLowerCase();
      if (name === 'multi') inMulti.add(connection);
      else if (name === 'exec' || name === 'discard' || name === 'reset') inMulti.delete(connection);
      for (let c = 0; c < count; c++) {
        const client = clients[c]!;
        if (client.isClosed || inMulti.has(c)) continue;
        client.command('PING', SYNC);
        let received = '';
        for (let i = 0; i < 1000; i++) {
          const reply = await client.reply();
          if (reply.includes(SYNC) || reply === '<closed>') break;
          received += reply;
        }
        if (received !== '') transcript.push(`${c}: ${received.replace(/\r\n/g, ' ')}`);
      }
    }
    return transcript;
  } finally {
    for (const client of clients) client.destroy();
  }
}

/** Conversations compared byte for byte with real Redis in RESP2 and RESP3. */
const CONVERSATIONS: Record<string, Step[]> = {
  'subscribe, publish, counts and unsubscribe': [
    [0, 'SUBSCRIBE', 'a', 'b', 'a'], [1, 'PUBLISH', 'a', 'hello'], [1, 'PUBLISH', 'c', 'nobody'],
    [1, 'PUBSUB', 'NUMSUB', 'a', 'b', 'c'], [1, 'PUBSUB', 'NUMSUB'], [1, 'PUBSUB', 'CHANNELS', 'b*'],
    [0, 'UNSUBSCRIBE', 'b', 'zzz'], [1, 'PUBLISH', 'b', 'gone'], [0, 'UNSUBSCRIBE'], [0, 'UNSUBSCRIBE'],
    [1, 'PUBSUB', 'CHANNELS'], [0, 'GET', 'x'],
  ],
  'patterns: pmessage, double delivery and NUMPAT': [
    // One matching pattern per connection: Redis walks its patterns in hash order.
    [0, 'PSUBSCRIBE', 'news.*', 'sport.*'], [0, 'SUBSCRIBE', 'news.art'], [1, 'PUBLISH', 'news.art', 'x'],
    [1, 'PUBLISH', 'news.zoo', 'y'], [1, 'PUBSUB', 'NUMPAT'], [2, 'PSUBSCRIBE', 'n?ws.[a-c]*', 'news.*'],
    [1, 'PUBSUB', 'NUMPAT'], [1, 'PUBLISH', 'news.zoo', 'z'], [1, 'PUBLISH', 'news\\.x', 'escaped'],
    [0, 'PUNSUBSCRIBE', 'news.*', 'nope'], [0, 'PUNSUBSCRIBE'], [0, 'PUNSUBSCRIBE'],
    [0, 'UNSUBSCRIBE'], [2, 'RESET'], [1, 'PUBSUB', 'NUMPAT'], [1, 'PUBLISH', 'news.art', 'none'],
  ],
  'shard channels are separate from channels and patterns': [
    [0, 'SSUBSCRIBE', 's1', 's2'], [0, 'PSUBSCRIBE', 's*'], [1, 'SPUBLISH', 's1', 'm'], [1, 'PUBLISH', 's1', 'n'],
    // Listings and unsubscribe-all follow Redis's hash order: keep them to one channel.
    [1, 'PUBSUB', 'SHARDCHANNELS', '*1'], [1, 'PUBSUB', 'SHARDNUMSUB', 's1', 'x'], [1, 'PUBSUB', 'CHANNELS'],
    [0, 'SUNSUBSCRIBE', 's1'], [1, 'PUBSUB', 'SHARDCHANNELS'], [0, 'SUNSUBSCRIBE'], [0, 'SUNSUBSCRIBE'],
    [0, 'PUNSUBSCRIBE'], [0, 'SET', 'k', 'v'],
  ],
  'the subscribed context: allowed commands, PING, RESET': [
    [0, 'SUBSCRIBE', 'c'], [0, 'SET', 'k', 'v'], [0, 'PING'], [0, 'PING', 'hi'], [0, 'DBSIZE'],
    [0, 'PUBLISH', 'c', 'self'], [0, 'PSUBSCRIBE', 'x'], [0, 'UNSUBSCRIBE'],
    [0, 'GET', 'k'], [0, 'PUNSUBSCRIBE'], [0, 'GET', 'k'], [0, 'SUBSCRIBE', 'c'], [0, 'RESET'], [0, 'GET', 'k'],
    [1, 'PUBLISH', 'c', 'after-reset'],
  ],
  'errors and PUBSUB HELP': [
    [0, 'PUBSUB'], [0, 'PUBSUB', 'NOPE'], [0, 'PUBSUB', 'NUMPAT', 'x'], [0, 'PUBSUB', 'CHANNELS', 'a', 'b'],
    [0, 'PUBSUB', 'HELP'], [0, 'PUBLISH', 'a'], [0, 'SUBSCRIBE'], [0, 'PSUBSCRIBE'], [0, 'SSUBSCRIBE'],
    [0, 'SPUBLISH', 'a'],
  ],
  'subscriptions inside MULTI': [
    [0, 'MULTI'], [0, 'SUBSCRIBE', 'a'], [0, 'PUBLISH', 'a', 'm'], [0, 'EXEC'], [1, 'PUBLISH', 'a', 'n'],
    [0, 'UNSUBSCRIBE'],
  ],
};

describeAgainstRealRedis('pubsub.test.ts', 'Pub/Sub matches real Redis byte for byte', (servers) => {
  itMatchesRealRedisWith(servers, CONVERSATIONS, converse);

  it('CLIENT LIST and INFO count subscriptions', async () => {
    const { ours, real } = servers();
    const outputs: string[][] = [];
    for (const port of [real.port, ours.port]) {
      const subscriber = await RawClient.connect(port);
      const observer = await RawClient.connect(port);
      await subscriber.call('SUBSCRIBE', 'a', 'b');
      await subscriber.reply();
      await subscriber.call('PSUBSCRIBE', 'p*');
      await subscriber.call('SSUBSCRIBE', 's');
      const list = await observer.call('CLIENT', 'LIST', 'TYPE', 'pubsub');
      const info = await observer.call('INFO', 'stats');
      outputs.push([
        list.match(/flags=\S+ db=\d+ sub=\d+ psub=\d+ ssub=\d+/)![0],
        info.match(/pubsub_channels:\d+\r\npubsub_patterns:\d+\r\npubsubshard_channels:\d+/)![0],
      ]);
      subscriber.destroy();
      observer.destroy();
    }
    expect(outputs[1]).toEqual(outputs[0]);
  });
});

describe('Pub/Sub through ioredis', () => {
  let server: RunningServer;

  beforeAll(async () => {
    // A small pubsub limit keeps the slow-subscriber test short; the soft limit has a 1 s grace.
    server = await startTsredis(['--client-output-buffer-limit', 'pubsub 2mb 1mb 1']);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('100 subscribers over channels and patterns receive all of 100,000 messages, in order', async () => {
    const CHANNELS = 10;
    const MESSAGES = 100_000;
    const subscribers: Redis[] = [];
    /** For each subscriber: how many messages it must get and what it got so far. */
    const expected: number[] = [];
    const received: number[] = [];
    const outOfOrder: string[] = [];
    const lastSeen: Map<string, number>[] = [];
    let done: () => void = () => {};
    const allDone = new Promise<void>((resolve) => (done = resolve));
    let finished = 0;
    const onMessage = (index: number, channel: string, message: string): void => {
      const sequence = Number(message);
      // Per channel, sequence numbers must only grow.
      const previous = lastSeen[index]!.get(channel) ?? -1;
      if (sequence <= previous) outOfOrder.push(`${index} ${channel} ${previous} → ${sequence}`);
      lastSeen[index]!.set(channel, sequence);
      if (++received[index]! === expected[index]) if (++finished === subscribers.length) done();
    };
    try {
      for (let i = 0; i < 100; i++) {
        const subscriber = new Redis(server.port, { enableOfflineQueue: true });
        const digit = i % CHANNELS;
        lastSeen.push(new Map());
        received.push(0);
        if (i < 50) {
          await subscriber.subscribe(`ch:${digit}`);
          expected.push(MESSAGES / CHANNELS);
        } else if (i < 95) {
          await subscriber.psubscribe(`ch:[${digit}]`);
          expected.push(MESSAGES / CHANNELS);
        } else {
          // Firehose subscribers see every message of every channel.
          await subscriber.psubscribe('ch:*');
          expected.push(MESSAGES);
        }
        subscriber.on('message', (channel: string, message: string) => onMessage(i, channel, message));
        subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => onMessage(i, channel, message));
        subscribers.push(subscriber);
      }
      const publisher = new Redis(server.port);
      let deliveries = 0;
      try {
        for (let sent = 0; sent < MESSAGES; ) {
          const batch = publisher.pipeline();
          for (let j = 0; j < 1000; j++, sent++) batch.publish(`ch:${sent % CHANNELS}`, String(sent));
          for (const [error, count] of (await batch.exec())!) {
            expect(error).toBeNull();
            deliveries += count as number;
          }
        }
      } finally {
        publisher.disconnect();
      }
      expect(deliveries).toBe(expected.reduce((a, b) => a + b, 0));
      await Promise.race([allDone, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      expect(outOfOrder.slice(0, 5)).toEqual([]);
      expect(received).toEqual(expected);
    } finally {
      for (const subscriber of subscribers) subscriber.disconnect();
    }
  }, 60_000);

  it('disconnects a subscriber that stops reading at the hard limit; the server stays responsive', async () => {
    const slow = await RawClient.connect(server.port);
    const client = new Redis(server.port);
    try {
      await slow.call('SUBSCRIBE', 'firehose');
      slow.pause();
      const payload = 'x'.repeat(64 * 1024);
      // Kernel socket buffers absorb a few MB before the server holds anything: bounded at 64 MB.
      let subscribers = 1;
      for (let i = 0; i < 1024 && subscribers > 0; i++) {
        subscribers = (await client.publish('firehose', payload)) as number;
        expect(await client.ping()).toBe('PONG');
      }
      expect(subscribers).toBe(0);
      expect(await client.pubsub('NUMSUB', 'firehose')).toEqual(['firehose', 0]);
      expect(await client.set('still', 'responsive')).toBe('OK');
      // pino writes the log line asynchronously: wait for it (bounded) rather than race it.
      await vi.waitFor(() => expect(server.output()).toMatch(LIMIT_LOG_LINE), { timeout: 5000, interval: 50 });
      slow.resume();
      expect(await slow.waitClosed()).toBe(true);
    } finally {
      slow.destroy();
      client.disconnect();
    }
  });

  it('disconnects a subscriber that stays above the soft limit longer than its grace period', async () => {
    const slow = await RawClient.connect(server.port);
    const client = new Redis(server.port);
    try {
      await slow.call('SUBSCRIBE', 'trickle');
      slow.pause();
      const payload = 'y'.repeat(16 * 1024);
      // Fill until the server holds more than the 1 MB soft limit (but below the 2 MB hard one).
      for (let i = 0; i < 4096; i++) {
        await client.publish('trickle', payload);
        const list = (await client.client('LIST', 'TYPE', 'pubsub')) as string;
        const omem = Number(/omem=(\d+)/.exec(list)?.[1] ?? 0);
        if (omem > 1024 * 1024) break;
      }
      // Small messages keep the output above the soft limit until the grace period is over.
      let subscribers = 1;
      const deadline = Date.now() + 5000;
      while (subscribers > 0 && Date.now() < deadline) {
        subscribers = (await client.publish('trickle', 'small')) as number;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(subscribers).toBe(0);
      expect(await client.ping()).toBe('PONG');
    } finally {
      slow.destroy();
      client.disconnect();
    }
  });

  it('delivers to RESP3 clients as push frames between their own replies', async () => {
    const client = await RawClient.connect(server.port);
    try {
      await client.call('HELLO', '3');
      expect(await client.call('SUBSCRIBE', 'self')).toBe('>3\r\n$9\r\nsubscribe\r\n$4\r\nself\r\n:1\r\n');
      expect(await client.call('SET', 'k', 'v')).toBe('+OK\r\n');
      expect(await client.call('PUBLISH', 'self', 'hi')).toBe('>3\r\n$7\r\nmessage\r\n$4\r\nself\r\n$2\r\nhi\r\n');
      expect(await client.reply()).toBe(':1\r\n');
    } finally {
      client.destroy();
    }
  });
});
