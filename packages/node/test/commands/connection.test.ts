import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/server/server.js';
import { RawClient } from '../../../../test/helpers/raw.js';
import { describeAgainstRealRedis } from '../../../../test/helpers/compare.js';
import { redisCli, startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';

/** The fields of a CLIENT LIST line, in Redis 7.0's order. */
const CLIENT_FIELDS = [
  'id', 'addr', 'laddr', 'fd', 'name', 'age', 'idle', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'qbuf',
  'qbuf-free', 'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem', 'events', 'cmd', 'user',
  'redir', 'resp',
];

/** A CLIENT LIST / INFO line as field → value, keeping the order for comparison. */
function parseClientLine(line: string): Map<string, string> {
  return new Map(line.split(' ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** A bulk reply's payload (RESP2), for raw replies of CLIENT INFO / LIST. */
function bulkPayload(reply: string): string {
  return reply.slice(reply.indexOf('\r\n') + 2, -2);
}

/** Polls (bounded) until `check` holds; for state another connection changes asynchronously. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function connectIoredis(port: number, options: Record<string, unknown> = {}): Redis {
  return new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0, ...options });
}

/**
 * A tsredis (with `args`) started before the enclosing block's tests and stopped after them;
 * `raw()` opens a connection to it that is closed along with the server.
 */
function serverWithRawClients(args: string[] = []): { port: () => number; raw: () => Promise<RawClient> } {
  let server: RunningServer | undefined;
  const open: RawClient[] = [];

  beforeAll(async () => {
    server = await startTsredis(args);
  });

  afterAll(async () => {
    for (const client of open) client.destroy();
    await server?.stop();
  });

  const port = (): number => server!.port;
  return {
    port,
    async raw() {
      const client = await RawClient.connect(port());
      open.push(client);
      return client;
    },
  };
}

describe('connection commands', () => {
  const { port, raw } = serverWithRawClients();

  it('PING and ECHO', async () => {
    const c = await raw();
    expect(await c.call('PING')).toBe('+PONG\r\n');
    expect(await c.call('PING', 'hi')).toBe('$2\r\nhi\r\n');
    expect(await c.call('PING', 'a', 'b')).toBe("-ERR wrong number of arguments for 'ping' command\r\n");
    expect(await c.call('ECHO', 'a\r\nb')).toBe('$4\r\na\r\nb\r\n');
  });

  it('HELLO 3 switches to RESP3 and replies with the server map', async () => {
    const c = await raw();
    const id = (await c.call('CLIENT', 'ID')).slice(1, -2);
    const map =
      `%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n` +
      `$2\r\nid\r\n:${id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n`;
    expect(await c.call('HELLO', '3')).toBe(map);
    expect(await c.call('CLIENT', 'GETNAME')).toBe('_\r\n');
    // HELLO without a version reports the current protocol; HELLO 2 goes back to a flat array.
    expect(await c.call('HELLO')).toBe(map);
    expect((await c.call('HELLO', '2')).startsWith('*14\r\n$6\r\nserver\r\n')).toBe(true);
    expect(await c.call('CLIENT', 'GETNAME')).toBe('$-1\r\n');
  });

  it('HELLO rejects bad versions and options, applying the options before the error', async () => {
    const c = await raw();
    expect(await c.call('HELLO', '4')).toBe('-NOPROTO unsupported protocol version\r\n');
    expect(await c.call('HELLO', '1')).toBe('-NOPROTO unsupported protocol version\r\n');
    expect(await c.call('HELLO', 'x')).toBe('-ERR Protocol version is not an integer or out of range\r\n');
    expect(await c.call('HELLO', '3', 'foo')).toBe("-ERR Syntax error in HELLO option 'foo'\r\n");
    expect(await c.call('HELLO', '3', 'AUTH', 'a')).toBe("-ERR Syntax error in HELLO option 'AUTH'\r\n");
    expect(await c.call('HELLO', '2', 'SETNAME', 'a b')).toBe(
      '-ERR Client names cannot contain spaces, newlines or special characters.\r\n',
    );
    expect(await c.call('HELLO', '2', 'SETNAME', 'first', 'AUTH', 'bob', 'pw')).toBe(
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
    );
    expect(await c.call('CLIENT', 'GETNAME')).toBe('$5\r\nfirst\r\n');
  });

  it('ioredis sees HELLO 2 as a flat array', async () => {
    const redis = connectIoredis(port());
    try {
      const reply = (await redis.call('HELLO', '2')) as unknown[];
      expect(reply.slice(0, 6)).toEqual(['server', 'redis', 'version', '7.0.15', 'proto', 2]);
      expect(reply.slice(8)).toEqual(['mode', 'standalone', 'role', 'master', 'modules', []]);
    } finally {
      redis.disconnect();
    }
  });

  it('AUTH without a configured password', async () => {
    const c = await raw();
    expect(await c.call('AUTH', 'pw')).toBe(
      '-ERR AUTH <password> called without any password configured for the default user. ' +
        'Are you sure your configuration is correct?\r\n',
    );
    // The default user is nopass: any password is accepted for it, other users do not exist.
    expect(await c.call('AUTH', 'default', 'anything')).toBe('+OK\r\n');
    expect(await c.call('AUTH', 'bob', 'pw')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.call('AUTH', 'a', 'b', 'c')).toBe('-ERR syntax error\r\n');
  });

  it('QUIT replies +OK and closes, leaving later commands unanswered', async () => {
    const c = await raw();
    c.send('*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n');
    expect(await c.reply()).toBe('+OK\r\n');
    expect(await c.waitClosed()).toBe(true);
    expect(c.unread).toBe('');
  });

  it('RESET returns the connection to its initial state', async () => {
    const c = await raw();
    await c.call('HELLO', '3', 'SETNAME', 'busy');
    await c.call('CLIENT', 'NO-EVICT', 'ON');
    c.command('CLIENT', 'REPLY', 'OFF');
    expect(await c.call('RESET')).toBe('+RESET\r\n');
    expect(await c.call('CLIENT', 'GETNAME')).toBe('$-1\r\n');
    const info = parseClientLine(bulkPayload(await c.call('CLIENT', 'INFO')).trimEnd());
    expect(info.get('resp')).toBe('2');
    expect(info.get('db')).toBe('0');
    expect(info.get('name')).toBe('');
    // RESET keeps NO-EVICT, as Redis does.
    expect(info.get('flags')).toBe('e');
  });

  it('CLIENT ID, SETNAME and GETNAME', async () => {
    const redis = connectIoredis(port());
    try {
      const id = (await redis.call('CLIENT', 'ID')) as number;
      expect(id).toBeGreaterThan(0);
      expect(await redis.call('CLIENT', 'GETNAME')).toBeNull();
      expect(await redis.call('CLIENT', 'SETNAME', 'worker-1')).toBe('OK');
      expect(await redis.call('CLIENT', 'GETNAME')).toBe('worker-1');
      await expect(redis.call('CLIENT', 'SETNAME', 'has space')).rejects.toThrow(
        'ERR Client names cannot contain spaces, newlines or special characters.',
      );
      expect(await redis.call('CLIENT', 'SETNAME', '')).toBe('OK');
      expect(await redis.call('CLIENT', 'GETNAME')).toBeNull();
      expect(await redis.call('CLIENT', 'GETREDIR')).toBe(-1);
    } finally {
      redis.disconnect();
    }
  });

  it('CLIENT INFO and LIST print the 7.0 fields in order', async () => {
    const c = await raw();
    await c.call('CLIENT', 'SETNAME', 'lister');
    const id = (await c.call('CLIENT', 'ID')).slice(1, -2);
    const infoReply = await c.call('CLIENT', 'INFO');
    expect(infoReply.endsWith('\n\r\n')).toBe(true);
    const info = parseClientLine(bulkPayload(infoReply).trimEnd());
    expect([...info.keys()]).toEqual(CLIENT_FIELDS);
    expect(info.get('id')).toBe(id);
    expect(info.get('addr')).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info.get('laddr')).toBe(`127.0.0.1:${port()}`);
    expect(info.get('name')).toBe('lister');
    expect(info.get('flags')).toBe('N');
    expect(info.get('cmd')).toBe('client|info');
    expect(info.get('user')).toBe('default');
    expect(info.get('multi')).toBe('-1');
    expect(info.get('redir')).toBe('-1');
    // The running command still sits in the query buffer: `*2 $6 client $4 info` = 26 bytes.
    expect(info.get('qbuf')).toBe('26');
    expect(info.get('argv-mem')).toBe('10');

    const list = bulkPayload(await c.call('CLIENT', 'LIST')).split('\n');
    expect(list.at(-1)).toBe('');
    const ids = list.slice(0, -1).map((line) => parseClientLine(line).get('id'));
    expect(ids).toContain(id);
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));

    const byId = bulkPayload(await c.call('CLIENT', 'LIST', 'ID', id, '999999', id)).split('\n');
    expect(byId.filter((line) => line !== '').map((line) => parseClientLine(line).get('id'))).toEqual([id, id]);
    expect(await c.call('CLIENT', 'LIST', 'ID', 'x')).toBe('-ERR Invalid client ID\r\n');
    expect(await c.call('CLIENT', 'LIST', 'TYPE', 'master')).toBe('$0\r\n\r\n');
    expect(await c.call('CLIENT', 'LIST', 'TYPE', 'bogus')).toBe("-ERR Unknown client type 'bogus'\r\n");
    expect(await c.call('CLIENT', 'LIST', 'TYPE')).toBe('-ERR syntax error\r\n');
    const normal = bulkPayload(await c.call('CLIENT', 'LIST', 'TYPE', 'NORMAL'));
    expect(normal).toContain(`id=${id} `);
  });

  it('CLIENT KILL by address (old form), by filters, and of the caller itself', async () => {
    const killer = await raw();
    const victim = await raw();
    const victimInfo = parseClientLine(bulkPayload(await victim.call('CLIENT', 'INFO')).trimEnd());
    const addr = victimInfo.get('addr')!;
    expect(await killer.call('CLIENT', 'KILL', '1.2.3.4:5')).toBe('-ERR No such client\r\n');
    expect(await killer.call('CLIENT', 'KILL', addr)).toBe('+OK\r\n');
    expect(await victim.waitClosed()).toBe(true);

    const second = await raw();
    const secondId = (await second.call('CLIENT', 'ID')).slice(1, -2);
    expect(await killer.call('CLIENT', 'KILL', 'ID', secondId, 'TYPE', 'master')).toBe(':0\r\n');
    expect(await killer.call('CLIENT', 'KILL', 'ID', secondId, 'USER', 'default')).toBe(':1\r\n');
    expect(await second.waitClosed()).toBe(true);
    expect(await killer.call('CLIENT', 'LIST', 'ID', secondId)).toBe('$0\r\n\r\n');

    expect(await killer.call('CLIENT', 'KILL', 'ID', '0')).toBe('-ERR client-id should be greater than 0\r\n');
    expect(await killer.call('CLIENT', 'KILL', 'USER', 'bob')).toBe("-ERR No such user 'bob'\r\n");
    expect(await killer.call('CLIENT', 'KILL', 'TYPE', 'nope')).toBe("-ERR Unknown client type 'nope'\r\n");
    expect(await killer.call('CLIENT', 'KILL', 'SKIPME', 'maybe')).toBe('-ERR syntax error\r\n');
    expect(await killer.call('CLIENT', 'KILL', 'ID', '5', 'TYPE')).toBe('-ERR syntax error\r\n');
    // MAXAGE arrived in Redis 7.4; 7.0 does not know it.
    expect(await killer.call('CLIENT', 'KILL', 'MAXAGE', '1')).toBe('-ERR syntax error\r\n');

    const myId = (await killer.call('CLIENT', 'ID')).slice(1, -2);
    expect(await killer.call('CLIENT', 'KILL', 'ID', myId)).toBe(':0\r\n');
    expect(await killer.call('CLIENT', 'KILL', 'ID', myId, 'SKIPME', 'no')).toBe(':1\r\n');
    expect(await killer.waitClosed()).toBe(true);
  });

  it('CLIENT REPLY OFF, SKIP and ON', async () => {
    const c = await raw();
    c.command('CLIENT', 'REPLY', 'OFF');
    c.command('PING', 'silent');
    c.command('CLIENT', 'REPLY', 'SKIP');
    c.command('CLIENT', 'REPLY', 'ON');
    expect(await c.reply()).toBe('+OK\r\n');
    c.command('CLIENT', 'REPLY', 'SKIP');
    c.command('PING', 'skipped');
    c.command('PING', 'shown');
    expect(await c.reply()).toBe('$5\r\nshown\r\n');
    expect(await c.call('CLIENT', 'REPLY', 'maybe')).toBe('-ERR syntax error\r\n');
    expect(c.unread).toBe('');
  });

  it('CLIENT PAUSE WRITE holds a SET while a GET passes, then runs it', async () => {
    const admin = await raw();
    const writer = await raw();
    const reader = await raw();
    await writer.call('SET', 'paused-key', 'before');
    expect(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE')).toBe('+OK\r\n');
    try {
      writer.command('SET', 'paused-key', 'after');
      writer.command('PING', 'queued behind');
      await eventually(
        async () => bulkPayload(await admin.call('CLIENT', 'LIST', 'TYPE', 'normal')).includes('flags=b '),
        'the writer to be held',
      );
      expect(await reader.call('GET', 'paused-key')).toBe('$6\r\nbefore\r\n');
      expect(await reader.call('PING')).toBe('+PONG\r\n');
      expect(writer.unread).toBe('');
    } finally {
      expect(await admin.call('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    }
    expect(await writer.reply()).toBe('+OK\r\n');
    expect(await writer.reply()).toBe('$13\r\nqueued behind\r\n');
    expect(await reader.call('GET', 'paused-key')).toBe('$5\r\nafter\r\n');
  });

  it('CLIENT PAUSE ALL holds every command until the timeout, in arrival order', async () => {
    const admin = await raw();
    // A monitor is flagged as a replica, and replicas are never paused: it can watch the others.
    const watcher = await raw();
    expect(await watcher.call('MONITOR')).toBe('+OK\r\n');
    const heldCount = async () => (bulkPayload(await watcher.call('CLIENT', 'LIST')).match(/flags=b /g) ?? []).length;
    const a = await raw();
    const b = await raw();
    expect(await admin.call('CLIENT', 'PAUSE', '1000', 'ALL')).toBe('+OK\r\n');
    a.command('SET', 'order-key', 'a');
    await eventually(async () => (await heldCount()) === 1, 'a to be held');
    b.command('SET', 'order-key', 'b');
    b.command('GET', 'order-key');
    await eventually(async () => (await heldCount()) === 2, 'b to be held');
    expect(a.unread + b.unread).toBe('');
    // Both complete once the pause expires on its own, a first.
    expect(await a.reply()).toBe('+OK\r\n');
    expect(await b.reply()).toBe('+OK\r\n');
    expect(await b.reply()).toBe('$1\r\nb\r\n');
  });

  it('CLIENT PAUSE argument errors', async () => {
    const c = await raw();
    expect(await c.call('CLIENT', 'PAUSE', 'abc')).toBe('-ERR timeout is not an integer or out of range\r\n');
    expect(await c.call('CLIENT', 'PAUSE', '-1')).toBe('-ERR timeout is negative\r\n');
    expect(await c.call('CLIENT', 'PAUSE', '10', 'foo')).toBe('-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n');
    expect(await c.call('CLIENT', 'PAUSE', '10', 'write', 'x')).toBe(
      "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n",
    );
    // A zero timeout pauses nothing.
    expect(await c.call('CLIENT', 'PAUSE', '0')).toBe('+OK\r\n');
    expect(await c.call('SET', 'k0', 'v')).toBe('+OK\r\n');
  });

  it('CLIENT HELP lists the subcommands as status lines', async () => {
    const c = await raw();
    const reply = await c.call('CLIENT', 'HELP');
    const lines = reply.split('\r\n').slice(1, -1);
    expect(reply.startsWith(`*${lines.length}\r\n`)).toBe(true);
    expect(lines[0]).toBe('+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(lines.every((line) => line.startsWith('+'))).toBe(true);
    expect(lines.slice(-2)).toEqual(['+HELP', '+    Prints this help.']);
  });

  it('MONITOR streams executed commands with quoting, redaction and no admin commands', async () => {
    const monitor = await raw();
    const monitorId = (await monitor.call('CLIENT', 'ID')).slice(1, -2);
    const c = await raw();
    const addr = parseClientLine(bulkPayload(await c.call('CLIENT', 'INFO')).trimEnd()).get('addr')!;
    expect(await monitor.call('MONITOR')).toBe('+OK\r\n');
    await c.call('SET', 'k', 'v');
    await c.call('ECHO', 'q"\\\n\x01\xff');
    await c.call('AUTH', 'default', 'secret');
    await c.call('CLIENT', 'LIST');
    await c.call('GET');
    await c.call('HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME', 'x');
    const prefix = (line: string) => line.replace(/^\+\d+\.\d{6} /, '+T ');
    expect(prefix(await monitor.reply())).toBe(`+T [0 ${addr}] "SET" "k" "v"\r\n`);
    expect(prefix(await monitor.reply())).toBe(`+T [0 ${addr}] "ECHO" "q\\"\\\\\\n\\x01\\xff"\r\n`);
    expect(prefix(await monitor.reply())).toBe(`+T [0 ${addr}] "AUTH" "(redacted)" "(redacted)"\r\n`);
    expect(prefix(await monitor.reply())).toBe(
      `+T [0 ${addr}] "HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "x"\r\n`,
    );
    // A monitor is flagged O and may not touch the keyspace; RESET turns it back into a client.
    expect(await monitor.call('GET', 'k')).toBe("-ERR Replica can't interact with the keyspace\r\n");
    const line = parseClientLine(bulkPayload(await c.call('CLIENT', 'LIST', 'ID', monitorId)).trimEnd());
    expect(line.get('flags')).toBe('O');
    expect(await monitor.call('RESET')).toBe('+RESET\r\n');
    expect(await monitor.call('GET', 'k')).toBe('$1\r\nv\r\n');
    await c.call('PING');
    expect(await monitor.call('PING')).toBe('+PONG\r\n');
    expect(monitor.unread).toBe('');
  });

  it('redis-cli monitor prints the lines without the status marker', async () => {
    const child = spawn('redis-cli', ['-p', String(port()), 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
    try {
      await eventually(async () => output.startsWith('OK'), 'redis-cli to start monitoring');
      expect(redisCli(port(), ['set', 'cli key', 'v']).stdout).toBe('OK\n');
      await eventually(async () => output.includes('"set"'), 'the monitor line');
      expect(output).toMatch(/^OK\n\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "cli key" "v"\n$/);
    } finally {
      process.kill(child.pid!, 'SIGTERM');
    }
  });
});

describe('requirepass', () => {
  const { port, raw } = serverWithRawClients(['--requirepass', 's3cret']);

  it('refuses commands until AUTH succeeds', async () => {
    const c = await raw();
    expect(await c.call('GET', 'k')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.call('AUTH', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.call('AUTH', 'other', 's3cret')).toBe(
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
    );
    expect(await c.call('PING')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.call('AUTH', 's3cret')).toBe('+OK\r\n');
    expect(await c.call('PING')).toBe('+PONG\r\n');
    expect(await c.call('AUTH', 'default', 's3cret')).toBe('+OK\r\n');
  });

  it('HELLO needs authentication, or authenticates with its AUTH option', async () => {
    const c = await raw();
    expect(await c.call('HELLO', '3')).toBe(
      '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH ' +
        '<user> <pass> option can be used to authenticate the client and select the RESP protocol ' +
        'version at the same time\r\n',
    );
    expect(await c.call('HELLO', '3', 'AUTH', 'default', 'nope')).toBe(
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
    );
    expect((await c.call('HELLO', '3', 'AUTH', 'default', 's3cret')).startsWith('%7\r\n')).toBe(true);
    expect(await c.call('PING')).toBe('+PONG\r\n');
  });

  it('RESET logs the connection out again', async () => {
    const c = await raw();
    expect(await c.call('AUTH', 's3cret')).toBe('+OK\r\n');
    expect(await c.call('RESET')).toBe('+RESET\r\n');
    expect(await c.call('PING')).toBe('-NOAUTH Authentication required.\r\n');
  });

  it('closes an unauthenticated client that announces a large multibulk', async () => {
    const c = await raw();
    c.send('*11\r\n');
    expect(await c.reply()).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
    expect(await c.waitClosed()).toBe(true);
  });

  it('lifts the multibulk limit once authenticated', async () => {
    const c = await raw();
    expect(await c.call('AUTH', 's3cret')).toBe('+OK\r\n');
    const args = Array.from({ length: 20 }, (_, i) => `a${i}`);
    expect(await c.call('PING', ...args)).toBe("-ERR wrong number of arguments for 'ping' command\r\n");
  });

  it('ioredis connects with a password', async () => {
    const redis = connectIoredis(port(), { password: 's3cret' });
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});

describe('protected mode', () => {
  it('treats only loopback addresses as local', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.5.6.7')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback('::ffff:192.168.1.2')).toBe(false);
    expect(isLoopback('2001:db8::1')).toBe(false);
  });

  it('accepts 127.0.0.1 with protected mode on and no password', async () => {
    const server = await startTsredis(['--protected-mode', 'yes']);
    try {
      expect(redisCli(server.port, ['ping']).stdout).toBe('PONG\n');
    } finally {
      await server.stop();
    }
  });
});

describeAgainstRealRedis('connection.test.ts', 'connection replies match Redis 7.0 byte for byte', (servers) => {
  /** Runs the commands on a fresh connection to each server; ids and addresses are masked. */
  async function compare(commands: string[][]): Promise<void> {
    const { ours, real } = servers();
    const replies = async (port: number): Promise<string[]> => {
      const c = await RawClient.connect(port);
      try {
        const out: string[] = [];
        for (const command of commands) out.push(await c.call(...command));
        return out.map((reply) => reply.replace(/id\r\n:\d+/, 'id\r\n:ID'));
      } finally {
        c.destroy();
      }
    };
    const [a, b] = await Promise.all([replies(real.port), replies(ours.port)]);
    for (let i = 0; i < commands.length; i++) expect([commands[i], b[i]]).toEqual([commands[i], a[i]]);
  }

  const CASES: string[][] = [
    ['PING'], ['PING', 'x'], ['PING', 'a', 'b'], ['ECHO', ''], ['HELLO', '1'], ['HELLO', 'x'], ['HELLO', '-3'],
    ['HELLO', '3', 'SETNAME'], ['HELLO', '2', 'setname', 'ok', 'auth', 'bob', 'x'], ['CLIENT', 'GETNAME'],
    ['HELLO', '2', 'AUTH', 'default', 'any'], ['AUTH', 'x'], ['AUTH', 'default', 'x'], ['AUTH', 'u', 'p'],
    ['AUTH', 'a', 'b', 'c'], ['CLIENT', 'SETNAME', 'a\nb'], ['CLIENT', 'SETNAME', 'ok'], ['CLIENT', 'GETNAME'],
    ['CLIENT', 'REPLY', 'x'], ['CLIENT', 'NO-EVICT', 'x'], ['CLIENT', 'NO-EVICT', 'on'], ['CLIENT', 'GETREDIR'],
    ['CLIENT', 'PAUSE', 'x'], ['CLIENT', 'PAUSE', '-1'], ['CLIENT', 'PAUSE', '1', 'x'], ['CLIENT', 'PAUSE', '1', 'a', 'b'],
    ['CLIENT', 'UNPAUSE'], ['CLIENT', 'KILL'], ['CLIENT', 'KILL', '9.9.9.9:9'], ['CLIENT', 'KILL', 'a', 'b', 'c'],
    ['CLIENT', 'KILL', 'ID', 'x'], ['CLIENT', 'KILL', 'USER', 'u'], ['CLIENT', 'KILL', 'TYPE', 't'],
    ['CLIENT', 'KILL', 'SKIPME', 'x'], ['CLIENT', 'KILL', 'ID', '99999', 'TYPE', 'pubsub'],
    ['CLIENT', 'KILL', 'LADDR', '1.1.1.1:1', 'ADDR', '2.2.2.2:2'], ['CLIENT', 'LIST', 'ID', '1', 'x'],
    ['CLIENT', 'LIST', 'ID', '99999'], ['CLIENT', 'LIST', 'TYPE', 'x'], ['CLIENT', 'LIST', 'TYPE', 'replica'],
    ['CLIENT', 'LIST', 'a', 'b'], ['CLIENT', 'ID', 'x'], ['CLIENT', 'HELP', 'x'], ['CLIENT', 'SETNAME'],
    ['RESET', 'x'], ['RESET'], ['CLIENT', 'GETNAME'],
  ];

  it('in RESP2', async () => {
    await compare(CASES);
  });

  it('in RESP3', async () => {
    await compare([['HELLO', '3'], ...CASES.filter((command) => command[0] !== 'RESET')]);
  });
});
