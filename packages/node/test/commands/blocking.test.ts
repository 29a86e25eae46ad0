import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand, RawClient } from '../../../../test/helpers/raw.js';
import { describeAgainstRealRedis } from '../../../../test/helpers/compare.js';
import { startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';

/**
 * Blocking list commands driven from several connections, on real Redis 7.0 and on tsredis, with
 * every reply compared byte for byte: FIFO service across clients and keys, BLMOVE chains and a
 * destination of the wrong type, BLMPOP counts, timeouts, CLIENT UNBLOCK, disconnection, input
 * pipelined behind a blocked command, keys overwritten while clients wait, and the stats Redis
 * keeps for blocked calls.
 *
 * Steps: `block` sends a command that must block (and waits until the server counts one more
 * blocked client); `send` sends without reading; `call` sends and reads; `read` reads one reply
 * of an earlier command; `pipeline` writes several commands ("RPUSH k v") in one packet;
 * `idle` checks that no reply arrived; `close` disconnects. `@name` in an
 * argument is replaced by that connection's client id.
 */
type Step =
  | ['block' | 'send' | 'call' | 'pipeline', string, ...string[]]
  | ['read' | 'idle' | 'close', string];

const SCENARIOS: Record<string, Step[]> = {
  'clients blocked on one key are served oldest first': [
    ['block', 'a', 'BLPOP', 'k', '0'], ['block', 'b', 'BLPOP', 'k', '0'], ['call', 'x', 'RPUSH', 'k', '1', '2', '3'],
    ['read', 'a'], ['read', 'b'], ['call', 'x', 'LRANGE', 'k', '0', '-1'],
  ],
  'a client waiting on several keys is served from the key that got data': [
    ['block', 'a', 'BLPOP', 'k1', 'k2', '0'], ['block', 'b', 'BRPOP', 'k2', 'k1', '0'],
    ['call', 'x', 'RPUSH', 'k2', 'x', 'y'], ['read', 'a'], ['read', 'b'], ['call', 'x', 'EXISTS', 'k2'],
  ],
  'one element serves one client; the next waits for the next push': [
    ['block', 'a', 'BLPOP', 'k', '0'], ['block', 'b', 'BLPOP', 'k', '0'], ['call', 'x', 'RPUSH', 'k', 'x'],
    ['read', 'a'], ['idle', 'b'], ['call', 'x', 'LPUSH', 'k', 'y'], ['read', 'b'],
  ],
  'BLMOVE into a key of another type replies WRONGTYPE and leaves the source': [
    ['block', 'a', 'BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0'], ['call', 'x', 'SET', 'dst', 'v'],
    ['call', 'x', 'RPUSH', 'src', 'a'], ['read', 'a'], ['call', 'x', 'LRANGE', 'src', '0', '-1'],
  ],
  'a moved element wakes the clients waiting on its destination': [
    ['block', 'a', 'BLMOVE', 's1', 's2', 'RIGHT', 'LEFT', '0'], ['block', 'b', 'BRPOPLPUSH', 's2', 's3', '0'],
    ['block', 'c', 'BLPOP', 's3', '0'], ['call', 'x', 'RPUSH', 's1', 'v'], ['read', 'a'], ['read', 'b'], ['read', 'c'],
    ['call', 'x', 'DBSIZE'],
  ],
  'BLMPOP takes up to COUNT elements from the ready key': [
    ['block', 'a', 'BLMPOP', '0', '2', 'm1', 'm2', 'RIGHT', 'COUNT', '2'], ['call', 'x', 'RPUSH', 'm2', 'a', 'b', 'c'],
    ['read', 'a'], ['call', 'x', 'LRANGE', 'm2', '0', '-1'], ['block', 'a', 'BLMPOP', '0', '1', 'm3', 'LEFT'],
    ['call', 'x', 'RPUSH', 'm3', 'z'], ['read', 'a'],
  ],
  'timeouts reply a null array, BLMOVE included': [
    ['call', 'a', 'BLPOP', 'k', '0.1'], ['call', 'a', 'BRPOPLPUSH', 'k', 'd', '0.05'],
    ['call', 'a', 'BLMOVE', 'k', 'd', 'left', 'left', '0.05'], ['call', 'a', 'BLMPOP', '0.05', '1', 'k', 'left'],
    ['call', 'a', 'BRPOP', 'k', '0.001'],
  ],
  'CLIENT UNBLOCK as a timeout or an error, and its argument errors': [
    ['block', 'a', 'BLPOP', 'k', '0'], ['call', 'x', 'CLIENT', 'UNBLOCK', '@a'], ['read', 'a'],
    ['block', 'a', 'BLMOVE', 'k', 'd', 'left', 'left', '0'], ['call', 'x', 'CLIENT', 'UNBLOCK', '@a', 'ERROR'], ['read', 'a'],
    ['call', 'x', 'CLIENT', 'UNBLOCK', '@a'], ['call', 'x', 'CLIENT', 'UNBLOCK', '@a', 'TIMEOUT'],
    ['call', 'x', 'CLIENT', 'UNBLOCK', '@a', 'foo'], ['call', 'x', 'CLIENT', 'UNBLOCK', 'abc'],
    ['call', 'x', 'CLIENT', 'UNBLOCK', 'abc', 'foo'], ['call', 'x', 'CLIENT', 'UNBLOCK', '1', '2', '3'],
    ['call', 'x', 'CLIENT', 'UNBLOCK', '999999'], ['call', 'x', 'CLIENT', 'UNBLOCK'],
  ],
  'a client that disconnects while blocked is not served': [
    ['block', 'a', 'BLPOP', 'k', '0'], ['close', 'a'], ['call', 'x', 'RPUSH', 'k', 'v'], ['call', 'x', 'LLEN', 'k'],
  ],
  'commands pipelined behind a blocked one run after it is served': [
    ['block', 'a', 'BLPOP', 'k', '0'], ['send', 'a', 'PING'], ['send', 'a', 'LLEN', 'k'], ['idle', 'a'],
    ['call', 'x', 'RPUSH', 'k', 'v', 'w'], ['read', 'a'], ['read', 'a'], ['read', 'a'],
  ],
  'a served client runs its queued input only after the pass that served it': [
    ['block', 'a', 'BLPOP', 'k', '0'], ['send', 'a', 'RPUSH', 'k', 'z'], ['pipeline', 'x', 'RPUSH k v', 'LLEN k'],
    ['read', 'x'], ['read', 'x'], ['read', 'a'], ['read', 'a'], ['call', 'x', 'LLEN', 'k'],
  ],
  'pushes inside MULTI serve waiters after EXEC, keys in the order they got data': [
    ['block', 'a', 'BLPOP', 'k1', 'k2', '0'], ['block', 'b', 'BLPOP', 'k1', '0'], ['call', 'x', 'MULTI'],
    ['call', 'x', 'RPUSH', 'k2', 'x'], ['call', 'x', 'RPUSH', 'k1', 'y'], ['call', 'x', 'LPOP', 'k2'],
    ['call', 'x', 'RPUSH', 'k2', 'z'], ['call', 'x', 'EXEC'], ['read', 'a'], ['read', 'b'], ['call', 'x', 'DBSIZE'],
  ],
  'a key filled and emptied inside MULTI wakes nobody': [
    ['block', 'a', 'BLPOP', 'k', '0'], ['call', 'x', 'MULTI'], ['call', 'x', 'RPUSH', 'k', 'x'], ['call', 'x', 'DEL', 'k'],
    ['call', 'x', 'EXEC'], ['idle', 'a'], ['call', 'x', 'RPUSH', 'k', 'v'], ['read', 'a'],
  ],
  'a waited key overwritten with a string does not wake the client': [
    ['block', 'a', 'BLPOP', 'k', '0'], ['call', 'x', 'SET', 'k', 'str'], ['idle', 'a'], ['call', 'x', 'DEL', 'k'],
    ['call', 'x', 'RPUSH', 'k', 'v'], ['read', 'a'],
  ],
  'XREADGROUP waits end with an error when the stream is deleted, overwritten or flushed; XREAD waits on': [
    ['call', 'x', 'XGROUP', 'CREATE', 'st', 'g', '$', 'MKSTREAM'], ['block', 'a', 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'st', '>'],
    ['block', 'b', 'XREAD', 'BLOCK', '0', 'STREAMS', 'st', '$'], ['call', 'x', 'DEL', 'st'], ['read', 'a'], ['idle', 'b'],
    ['call', 'x', 'XADD', 'st', '1-1', 'f', 'v'], ['read', 'b'], ['call', 'x', 'XGROUP', 'CREATE', 'st', 'g', '$'],
    ['block', 'a', 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'st', '>'], ['call', 'x', 'SET', 'st', 'v'], ['read', 'a'],
    ['call', 'x', 'DEL', 'st'], ['call', 'x', 'XGROUP', 'CREATE', 'st', 'g', '$', 'MKSTREAM'],
    ['block', 'a', 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'st', '>'], ['call', 'x', 'FLUSHALL'], ['read', 'a'],
  ],
  'SWAPDB serves the clients waiting on keys the other database has': [
    ['block', 'a', 'BLPOP', 'sw', '0'], ['call', 'x', 'SELECT', '1'], ['call', 'x', 'RPUSH', 'sw', 'v1', 'v2'],
    ['call', 'x', 'SWAPDB', '0', '1'], ['read', 'a'], ['call', 'x', 'LRANGE', 'sw', '0', '-1'], ['call', 'x', 'SWAPDB', '0', '1'],
  ],
  'INFO counts blocked clients and one call per blocked command': [
    ['call', 'x', 'CONFIG', 'RESETSTAT'], ['block', 'a', 'BLPOP', 'k', '0'], ['block', 'b', 'BRPOP', 'k2', '0'],
    ['call', 'x', 'INFO', 'clients'], ['call', 'x', 'RPUSH', 'k', 'v'], ['read', 'a'], ['call', 'x', 'CLIENT', 'UNBLOCK', '@b'],
    ['read', 'b'], ['block', 'a', 'BLMOVE', 'k', 'd', 'left', 'left', '0'], ['call', 'x', 'SET', 'd', 'x'],
    ['call', 'x', 'RPUSH', 'k', 'v'], ['read', 'a'], ['call', 'x', 'INFO', 'clients'], ['call', 'x', 'INFO', 'commandstats'],
  ],
};

/** INFO replies keep only what the scenarios are about, without the timings. */
function normalize(reply: string): string {
  if (!reply.includes('# Clients') && !reply.includes('# Commandstats')) return reply;
  return reply
    .split('\r\n')
    .filter((line) => /^(blocked_clients|cmdstat_(bl|br|rpush))/.test(line))
    .map((line) => line.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
    .sort()
    .join('|');
}

async function blockedClients(control: RawClient): Promise<number> {
  return Number(/blocked_clients:(\d+)/.exec(await control.call('INFO', 'clients'))![1]);
}

/** Runs a scenario on a fresh set of connections; returns "conn command → reply" lines. */
async function runScenario(port: number, steps: readonly Step[]): Promise<string[]> {
  const connections = new Map<string, RawClient>();
  const ids = new Map<string, string>();
  const control = await RawClient.connect(port);
  const connection = async (name: string): Promise<RawClient> => {
    let client = connections.get(name);
    if (client === undefined) {
      client = await RawClient.connect(port);
      connections.set(name, client);
      ids.set(name, (await client.call('CLIENT', 'ID')).slice(1, -2));
    }
    return client;
  };
  const trail: string[] = [];
  try {
    await control.call('FLUSHALL');
    for (const [kind, name, ...words] of steps) {
      const client = await connection(name);
      const args = words.map((word) => (word.startsWith('@') ? ids.get(word.slice(1))! : word));
      if (kind === 'block') {
        const before = await blockedClients(control);
        client.command(...args);
        for (let i = 0; i < 200 && (await blockedClients(control)) === before; i++) await sleep(5);
      } else if (kind === 'send') client.command(...args);
      else if (kind === 'pipeline') client.send(args.map((line) => encodeCommand(line.split(' '))).join(''));
      else if (kind === 'call') trail.push(`${name} ${words.join(' ')} → ${normalize(await client.call(...args))}`);
      else if (kind === 'read') trail.push(`${name} → ${await client.reply(3000)}`);
      else if (kind === 'idle') {
        await control.call('PING'); // let the server process anything in flight
        await sleep(50);
        trail.push(`${name} idle → ${JSON.stringify(client.unread)}`);
      } else {
        client.destroy();
        connections.delete(name);
        for (let i = 0; i < 200 && (await control.call('CLIENT', 'LIST')).includes(`id=${ids.get(name)} `); i++) await sleep(5);
      }
    }
    return trail;
  } finally {
    control.destroy();
    for (const client of connections.values()) client.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describeAgainstRealRedis('blocking.test.ts', 'blocking list commands behave as in real Redis 7.0', (servers) => {
  for (const [name, steps] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const { ours, real } = servers();
      const expected = await runScenario(real.port, steps);
      expect(await runScenario(ours.port, steps)).toEqual(expected);
    });
  }
});

describe('blocking list commands', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTsredis();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('serve the oldest waiter and count blocked clients in INFO', async () => {
    const trail = await runScenario(server.port, [
      ['block', 'a', 'BLPOP', 'q', '0'], ['block', 'b', 'BLPOP', 'q', '0'], ['call', 'x', 'INFO', 'clients'],
      ['call', 'x', 'RPUSH', 'q', 'first', 'second'], ['read', 'a'], ['read', 'b'], ['call', 'x', 'INFO', 'clients'],
    ]);
    expect(trail).toEqual([
      'x INFO clients → blocked_clients:2',
      'x RPUSH q first second → :2\r\n',
      'a → *2\r\n$1\r\nq\r\n$5\r\nfirst\r\n',
      'b → *2\r\n$1\r\nq\r\n$6\r\nsecond\r\n',
      'x INFO clients → blocked_clients:0',
    ]);
  });

  it('a fractional timeout ends the wait with a null array', async () => {
    const trail = await runScenario(server.port, [['call', 'a', 'BRPOP', 'q', '0.05']]);
    expect(trail).toEqual(['a BRPOP q 0.05 → *-1\r\n']);
  });
});
