import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { describeAgainstRealRedis } from '../../../../test/helpers/compare.js';
import { redisCli, startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';

describe('server commands', () => {
  let server: RunningServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startTsredis(['--enable-debug-command', 'yes']);
    client = new Redis({ port: server.port, lazyConnect: true });
    await client.connect();
  });

  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('INFO selects sections, case-insensitively, and keeps Redis field names', async () => {
    const text = (await client.info('SERVER', 'keyspace')) as string;
    expect(text.startsWith('# Server\r\nredis_version:7.0.15\r\n')).toBe(true);
    expect(text).toContain(`tcp_port:${server.port}\r\n`);
    expect(text).toContain('\r\n\r\n# Keyspace\r\n');
    expect(await client.info('nosuch')).toBe('');
  });

  it('INFO reports keyspace, hits and misses, commandstats and errorstats', async () => {
    await client.set('k', 'v');
    await client.get('k');
    await client.get('missing');
    await expect(client.call('config', 'set', 'hz', 'abc')).rejects.toThrow();
    const text = (await client.info('everything')) as string;
    expect(text).toMatch(/\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n/);
    expect(text).toMatch(/\r\nkeyspace_hits:1\r\nkeyspace_misses:1\r\n/);
    expect(text).toMatch(/\r\ncmdstat_get:calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0\r\n/);
    expect(text).toMatch(/\r\nerrorstat_ERR:count=\d+\r\n/);
    expect(text).toMatch(/\r\nlatency_percentiles_usec_get:p50=[\d.]+,p99=[\d.]+,p99\.9=[\d.]+\r\n/);
  });

  it('CONFIG RESETSTAT clears command and error statistics', async () => {
    expect(await client.call('config', 'resetstat')).toBe('OK');
    const text = (await client.info('commandstats', 'errorstats')) as string;
    expect(text).not.toContain('cmdstat_get');
    expect(text).not.toContain('errorstat_');
  });

  it('SLOWLOG records slow commands with trimmed arguments and redacted secrets', async () => {
    await client.call('config', 'set', 'slowlog-log-slower-than', '0');
    await client.call('set', 'big', 'x'.repeat(200));
    await client.call('config', 'set', 'masterauth', 'secret');
    const entries = (await client.call('slowlog', 'get', '2')) as unknown[][];
    await client.call('config', 'set', 'slowlog-log-slower-than', '10000');
    expect(entries[0]![3]).toEqual(['config', 'set', 'masterauth', '(redacted)']);
    expect(entries[1]![3]).toEqual(['set', 'big', `${'x'.repeat(128)}... (72 more bytes)`]);
    expect(await client.call('slowlog', 'reset')).toBe('OK');
    // The threshold is back to 10 ms, so the RESET itself is not logged.
    expect(await client.call('slowlog', 'len')).toBe(0);
  });

  it('LATENCY records command spikes above the threshold (DEBUG SLEEP)', async () => {
    await client.call('config', 'set', 'latency-monitor-threshold', '1');
    await client.call('debug', 'sleep', '0.02');
    const latest = (await client.call('latency', 'latest')) as unknown[][];
    expect(latest[0]![0]).toBe('command');
    expect(latest[0]![2]).toBeGreaterThanOrEqual(20);
    expect(((await client.call('latency', 'history', 'command')) as unknown[]).length).toBe(1);
    expect(await client.call('latency', 'reset')).toBe(1);
    await client.call('config', 'set', 'latency-monitor-threshold', '0');
  });

  it('DEBUG OBJECT and unknown DEBUG subcommands', async () => {
    await client.set('n', '12345');
    expect(await client.call('debug', 'object', 'n')).toMatch(/^Value at:0x[0-9a-f]+ refcount:1 encoding:int serializedlength:3 lru:\d+ lru_seconds_idle:\d+$/);
    await expect(client.call('debug', 'object', 'nokey')).rejects.toThrow('ERR no such key');
    await expect(client.call('debug', 'nosuch')).rejects.toThrow(
      "ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP.",
    );
  });

  it('TIME, LASTSAVE, ROLE, MEMORY USAGE', async () => {
    const [seconds, micros] = (await client.call('time')) as string[];
    expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(micros)).toBeLessThan(1_000_000);
    expect(typeof (await client.call('lastsave'))).toBe('number');
    expect(await client.call('role')).toEqual(['master', 0, []]);
    expect(await client.call('memory', 'usage', 'n')).toBeGreaterThan(0);
    expect(await client.call('memory', 'usage', 'nokey')).toBeNull();
  });

  it('INFO is a verbatim string in RESP3', async () => {
    const raw = redisCli(server.port, ['-3', 'info', 'cluster']);
    expect(raw.stdout).toContain('cluster_enabled:0');
  });

  it('redis-cli --stat runs against it', () => {
    const result = spawnSync('timeout', ['2', 'stdbuf', '-o0', 'redis-cli', '-p', String(server.port), '--stat', '-i', '0.2'], {
      encoding: 'latin1',
    });
    expect(result.stdout).toMatch(/keys +mem +clients/);
    expect(result.stdout).not.toContain('ERR');
  });
});

describe('DEBUG is protected by default', () => {
  it('refuses DEBUG after the arity check, with Redis wording', async () => {
    const server = await startTsredis();
    const client = new Redis({ port: server.port, lazyConnect: true });
    try {
      await client.connect();
      await expect(client.call('debug')).rejects.toThrow("ERR wrong number of arguments for 'debug' command");
      await expect(client.call('debug', 'sleep', '0')).rejects.toThrow(
        'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection',
      );
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});

describeAgainstRealRedis('server.test.ts', 'server commands compared with real Redis', (servers) => {
  it('lists the same INFO everything fields in the same order (values aside)', () => {
    const { ours, real } = servers();
    const fields = (port: number) =>
      redisCli(port, ['info', 'everything'])
        .stdout.split('\r\n')
        .filter((line) => line !== '' && !/^(cmdstat_|latency_percentiles_usec_|errorstat_|db\d+:)/.test(line))
        .map((line) => line.split(':')[0]);
    expect(fields(ours.port)).toEqual(fields(real.port));
  });

  it('replies identically to a set of error and edge cases', () => {
    const { ours, real } = servers();
    const script = [
      'slowlog get x', 'slowlog get -2', 'latency graph command', 'latency history nosuch', 'memory usage k samples -1',
      'memory usage k foo', 'shutdown foo', 'shutdown abort', 'shutdown save nosave', 'config set hz', 'lolwut',
      'info foo', 'role', 'debug sleep 0',
    ].join('\n');
    expect(redisCli(ours.port, [], script).stdout).toBe(redisCli(real.port, [], script).stdout);
  });
});
