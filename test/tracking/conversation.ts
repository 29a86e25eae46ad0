import { RawClient } from '../helpers/raw.js';

/**
 * Replays client-side caching scenarios over several connections and records, after every
 * step, the reply and the invalidation messages each connection received. Client ids differ
 * between servers, so `{id:N}` in a command stands for connection N's id and ids in replies are
 * written back as `{id:N}`. A step `[n, 'SLEEP', ms]` waits (for keys to expire) instead.
 */
export type Step = readonly [number, ...string[]];

/** Markers sent with PING after each step: a push that arrived before it shows up first. */
const SYNC = 'sync-point';

export async function replayTracking(port: number, resp: 2 | 3, steps: readonly Step[]): Promise<string[]> {
  const count = Math.max(...steps.map(([connection]) => connection)) + 1;
  const clients = await Promise.all(Array.from({ length: count }, () => RawClient.connect(port)));
  /** Connections not drained: closed, or inside MULTI (a PING would be queued). */
  const closed = new Set<number>();
  const inMulti = new Set<number>();
  try {
    const ids: string[] = [];
    for (const client of clients) {
      if (resp === 3) await client.call('HELLO', '3');
      ids.push(/^:(\d+)/.exec(await client.call('CLIENT', 'ID'))![1]!);
    }
    const anonymize = (text: string): string => {
      let out = text;
      ids.forEach((id, n) => (out = out.replaceAll(`:${id}\r\n`, `:{id:${n}}\r\n`)));
      return out;
    };
    await clients[0]!.call('FLUSHALL');
    const lines: string[] = [];
    for (const [connection, ...command] of steps) {
      if (command[0] === 'SLEEP') {
        await new Promise((resolve) => setTimeout(resolve, Number(command[1])));
        continue;
      }
      const args = command.map((arg) => arg.replace(/\{id:(\d+)\}/g, (_, n: string) => ids[Number(n)]!));
      lines.push(`${connection}: ${command.join(' ')} → ${anonymize(await clients[connection]!.call(...args))}`);
      const name = command[0]!.toLowerCase();
      if (name === 'quit') {
        closed.add(connection);
        await clients[connection]!.waitClosed();
      } else if (name === 'multi') inMulti.add(connection);
      else if (name === 'exec' || name === 'discard') inMulti.delete(connection);
      for (let n = 0; n < count; n++) {
        if (closed.has(n) || inMulti.has(n)) continue;
        for (const push of await drain(clients[n]!)) lines.push(`  ${n} got ${anonymize(push)}`);
      }
    }
    return lines;
  } finally {
    for (const client of clients) client.destroy();
  }
}

/** Everything a connection received before the answer to a PING sent now. */
async function drain(client: RawClient): Promise<string[]> {
  client.command('PING', SYNC);
  const received: string[] = [];
  for (let i = 0; i < 100; i++) {
    const reply = await client.reply(5_000);
    if (reply.includes(SYNC)) return received;
    received.push(reply);
  }
  throw new Error('no answer to the sync PING');
}
