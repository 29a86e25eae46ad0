import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { freePort } from '../../../test/helpers/ports.js';
import { RawClient } from '../../../test/helpers/raw.js';
import { describeAgainstRealRedis } from '../../../test/helpers/compare.js';
import { describeWithTsredis } from '../../../test/helpers/ioredis.js';
import { startTsredis, type RunningServer } from '../../../test/helpers/servers.js';

/**
 * Observability (issue 6, done-when #3): the Prometheus endpoint on metrics-port, scraped before
 * and after load, and the redis-cli tools operators run: --stat, --latency and monitor.
 */

interface Scrape {
  /** `name{labels}` → value, labels as printed. */
  samples: Map<string, number>;
  /** metric family → its TYPE. */
  types: Map<string, string>;
}

async function scrape(port: number, path = '/metrics'): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/** Parses the text exposition format, checking every line is a comment or a sample. */
function parseExposition(body: string): Scrape {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of body.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (gauge|counter|summary)$/.exec(line);
    if (type !== null) {
      expect(types.has(type[1]!)).toBe(false); // one TYPE per family, families grouped
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (sample === null) throw new Error(`not an exposition line: ${line}`);
    samples.set(sample[1]!, Number(sample[2]));
  }
  return { samples, types };
}

function value(scrape: Scrape, key: string): number {
  const found = scrape.samples.get(key);
  if (found === undefined) throw new Error(`no sample ${key}`);
  return found;
}

function infoField(info: string, name: string): number {
  const match = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  if (match === null) throw new Error(`INFO has no ${name}`);
  return Number(match[1]);
}

describe('metrics-port (Prometheus endpoint)', () => {
  let server: RunningServer;
  let metricsPort: number;
  let client: Redis;

  beforeAll(async () => {
    metricsPort = await freePort();
    server = await startTsredis(['--metrics-port', String(metricsPort), '--maxmemory', '100mb']);
    client = new Redis({ port: server.port, maxRetriesPerRequest: 0 });
    // The HTTP listener binds right after the Redis port: wait (bounded) until it answers.
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        await scrape(metricsPort);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });

  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it("exposes redis_exporter's metric names with their types, in the text format", async () => {
    const { status, type, body } = await scrape(metricsPort);
    expect(status).toBe(200);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    await client.set('seed', '1');
    const parsed = parseExposition((await scrape(metricsPort)).body);
    const expected: Record<string, string> = {
      redis_up: 'gauge',
      redis_connected_clients: 'gauge',
      redis_blocked_clients: 'gauge',
      redis_max_clients: 'gauge',
      redis_memory_used_bytes: 'gauge',
      redis_memory_max_bytes: 'gauge',
      redis_commands_processed_total: 'counter',
      redis_commands_total: 'counter',
      redis_commands_duration_seconds_total: 'counter',
      redis_keyspace_hits_total: 'counter',
      redis_keyspace_misses_total: 'counter',
      redis_expired_keys_total: 'counter',
      redis_evicted_keys_total: 'counter',
      redis_db_keys: 'gauge',
      redis_db_keys_expiring: 'gauge',
      redis_net_input_bytes_total: 'counter',
      redis_net_output_bytes_total: 'counter',
      redis_connections_received_total: 'counter',
      redis_rejected_connections_total: 'counter',
      redis_uptime_in_seconds: 'gauge',
      redis_start_time_seconds: 'gauge',
      redis_instance_info: 'gauge',
      redis_connected_slaves: 'gauge',
      redis_rdb_last_bgsave_status: 'gauge',
      redis_cpu_user_seconds_total: 'counter',
      redis_config_maxmemory: 'gauge',
      redis_config_maxclients: 'gauge',
      redis_slowlog_length: 'gauge',
    };
    for (const [name, metricType] of Object.entries(expected)) expect([name, parsed.types.get(name)]).toEqual([name, metricType]);
    expect(value(parsed, 'redis_up')).toBe(1);
    expect(value(parsed, 'redis_memory_max_bytes')).toBe(100 * 1024 * 1024);
    expect(value(parsed, 'redis_rdb_last_bgsave_status')).toBe(1); // "ok"
    const info = [...parsed.samples.keys()].find((key) => key.startsWith('redis_instance_info{'));
    expect(info).toMatch(
      new RegExp(`^redis_instance_info\\{role="master",redis_version="7.0.15",redis_build_id="0",redis_mode="standalone",os="[^"]+",maxmemory_policy="noeviction",tcp_port="${server.port}",run_id="[0-9a-f]{40}",process_id="${server.pid}",master_replid="[0-9a-f]{40}"\\}$`),
    );
    expect(body.split('\n').every((line) => line === '' || !line.startsWith(' '))).toBe(true);
  });

  it('reports the figures INFO reports, and they move with load', async () => {
    // Connected first: ioredis's handshake (CLIENT SETINFO, unknown to Redis 7.0) counts errors too.
    const blocked = new Redis({ port: server.port, maxRetriesPerRequest: 0 });
    await blocked.ping();
    await client.flushall();
    await client.config('RESETSTAT');
    const before = parseExposition((await scrape(metricsPort)).body);

    const pipeline = client.pipeline();
    for (let i = 0; i < 100; i++) {
      if (i < 10) pipeline.set(`key:${i}`, 'value', 'EX', 1000);
      else pipeline.set(`key:${i}`, 'value');
    }
    for (let i = 0; i < 50; i++) pipeline.get(`key:${i}`);
    for (let i = 0; i < 30; i++) pipeline.get(`missing:${i}`);
    for (let i = 0; i < 5; i++) pipeline.incr('key:50'); // ERR value is not an integer
    pipeline.lpush('key:51', 'x'); // WRONGTYPE
    await pipeline.exec();
    await client.set('short-lived', 'x', 'PX', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await client.get('short-lived')).toBeNull(); // expired on access
    const waiting = blocked.blpop('queue', 0);
    waiting.catch(() => {}); // settled below; a failed assertion must not leave it unhandled
    try {
      // Bounded: until the server sees the blocked client.
      for (let i = 0; i < 100 && infoField((await client.info('clients')) as string, 'blocked_clients') === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      const after = parseExposition((await scrape(metricsPort)).body);
      const delta = (key: string) => value(after, key) - (before.samples.get(key) ?? 0);
      expect(delta('redis_commands_total{cmd="set"}')).toBe(101);
      expect(delta('redis_commands_total{cmd="get"}')).toBe(81);
      expect(delta('redis_keyspace_hits_total')).toBe(50);
      expect(delta('redis_keyspace_misses_total')).toBe(31);
      expect(delta('redis_expired_keys_total')).toBe(1);
      expect(delta('redis_errors_total{err="ERR"}')).toBe(5);
      expect(delta('redis_errors_total{err="WRONGTYPE"}')).toBe(1);
      expect(delta('redis_commands_failed_calls_total{cmd="incr"}')).toBe(5);
      expect(delta('redis_commands_processed_total')).toBeGreaterThanOrEqual(188);
      expect(delta('redis_net_input_bytes_total')).toBeGreaterThan(3000);
      expect(delta('redis_net_output_bytes_total')).toBeGreaterThan(1000);
      expect(delta('redis_memory_used_bytes')).toBeGreaterThan(0);
      expect(delta('redis_commands_duration_seconds_total{cmd="set"}')).toBeGreaterThan(0);
      expect(value(after, 'redis_db_keys{db="db0"}')).toBe(100);
      expect(value(after, 'redis_db_keys_expiring{db="db0"}')).toBe(10);
      expect(value(after, 'redis_connected_clients')).toBe(2);
      expect(value(after, 'redis_blocked_clients')).toBe(1);
      expect(value(after, 'redis_latency_percentiles_usec_count{cmd="get"}')).toBe(81);
      expect(after.samples.has('redis_latency_percentiles_usec{cmd="get",quantile="99.9"}')).toBe(true);

      // The same figures as INFO (the counters did not move in between: nothing else runs).
      const scraped = parseExposition((await scrape(metricsPort)).body);
      const info = (await client.info('all')) as string;
      expect(value(scraped, 'redis_keyspace_hits_total')).toBe(infoField(info, 'keyspace_hits'));
      expect(value(scraped, 'redis_keyspace_misses_total')).toBe(infoField(info, 'keyspace_misses'));
      expect(value(scraped, 'redis_expired_keys_total')).toBe(infoField(info, 'expired_keys'));
      expect(value(scraped, 'redis_connections_received_total')).toBe(infoField(info, 'total_connections_received'));

      await client.lpush('queue', 'job');
      expect(await waiting).toEqual(['queue', 'job']);
    } finally {
      blocked.disconnect();
    }
  });

  it('answers 404 off /metrics; metrics-port is hidden from CONFIG GET * and movable with CONFIG SET', async () => {
    expect((await scrape(metricsPort, '/')).status).toBe(404);
    expect((await scrape(metricsPort, '/metrics?x=1')).status).toBe(200);
    const all = (await client.config('GET', '*')) as string[];
    expect(all).not.toContain('metrics-port');
    expect(await client.config('GET', 'metrics-port')).toEqual(['metrics-port', String(metricsPort)]);
    const moved = await freePort();
    await client.config('SET', 'metrics-port', String(moved));
    let answered = false;
    for (let attempt = 0; attempt < 100 && !answered; attempt++) {
      answered = await scrape(moved).then(
        (result) => result.status === 200,
        () => false,
      );
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answered).toBe(true);
    await expect(scrape(metricsPort)).rejects.toThrow();
    await client.config('SET', 'metrics-port', '0');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(scrape(moved)).rejects.toThrow();
    await client.config('SET', 'metrics-port', String(metricsPort));
  });
});

describeWithTsredis('redis-cli monitoring tools against tsredis', ({ redis, server }) => {
  it('redis-cli --stat prints its rolling table with our keys, memory and clients', async () => {
    await redis().flushall();
    await redis().mset('a', '1', 'b', '2', 'c', '3');
    // Bounded by `timeout`; stdbuf keeps the piped output unbuffered so nothing is lost when it stops it.
    const result = spawnSync('timeout', ['1.5', 'stdbuf', '-o0', 'redis-cli', '-p', String(server().port), '--stat', '-i', '0.3'], {
      encoding: 'latin1',
      timeout: 10_000,
    });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^------- data ------ -+ load -+ - child -$/);
    expect(lines[1]).toMatch(/^keys\s+mem\s+clients\s+blocked\s+requests\s+connections\s*$/);
    const rows = lines.slice(2).filter((line) => /^\d/.test(line));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    // keys, mem, clients (ours and redis-cli's), blocked, requests (+delta), connections
    expect(rows[0]).toMatch(/^3\s+\d+(\.\d+)?[KMG]?\s+2\s+0\s+\d+ \(\+\d+\)\s+\d+\s*$/);
  });

  it('redis-cli --latency samples PING (one summary line when not on a terminal)', () => {
    const result = spawnSync('redis-cli', ['-p', String(server().port), '--latency'], { encoding: 'latin1', timeout: 15_000 });
    const match = /^(\d+) (\d+) ([\d.]+) (\d+)$/.exec(result.stdout.trim());
    expect(match).not.toBeNull();
    expect(Number(match![4])).toBeGreaterThan(10); // samples taken in its one second
  });
}, { flushBeforeEach: false });

/** Lines `redis-cli monitor` prints while `commands` run, timestamps and client ports masked. */
async function monitorLines(port: number, commands: string[][]): Promise<string[]> {
  const monitor = spawn('stdbuf', ['-o0', 'redis-cli', '-p', String(port), 'monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  monitor.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
  const exited = new Promise<void>((resolve) => monitor.once('exit', () => resolve()));
  try {
    for (let i = 0; i < 100 && !output.includes('OK'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const client = await RawClient.connect(port);
    for (const command of commands) await client.call(...command);
    await client.call('ECHO', 'done');
    for (let i = 0; i < 100 && !output.includes('"done"'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    client.destroy();
  } finally {
    process.kill(monitor.pid!, 'SIGTERM');
    await exited;
  }
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\d+\.\d{6} /, 'TIME ').replace(/127\.0\.0\.1:\d+/, 'ADDR'));
}

const MONITOR_SCRIPT = [
  ['SET', 'key', 'with space'],
  ['SET', 'bin', 'quote"and\\back\x01\n'],
  ['SELECT', '3'],
  ['GET', 'key'],
  ['AUTH', 'secret'],
  ['CONFIG', 'GET', 'hz'],
];

describeAgainstRealRedis('metrics.test.ts', 'redis-cli monitor: the same lines as real Redis', (servers) => {
  it('prints every command with its db, address and escaped arguments', async () => {
    const { ours, real } = servers();
    const [a, b] = await Promise.all([monitorLines(ours.port, MONITOR_SCRIPT), monitorLines(real.port, MONITOR_SCRIPT)]);
    expect(a[0]).toBe('OK');
    expect(a.length).toBeGreaterThan(MONITOR_SCRIPT.length);
    expect(a).toEqual(b);
  });

  it('prints scripts before the commands they run, which show the "lua" source', async () => {
    const { ours, real } = servers();
    const [a, b] = await Promise.all([monitorLines(ours.port, SCRIPTS), monitorLines(real.port, SCRIPTS)]);
    expect(a.some((line) => line.includes(' lua] "set" "k" "v"'))).toBe(true);
    expect(a).toEqual(b);
  });
});

const SCRIPTS = [
  ['EVAL', "redis.call('set', KEYS[1], 'v'); return redis.pcall('get', KEYS[1])", '1', 'k'],
  ['SELECT', '2'],
  ['EVAL_RO', "return redis.call('get', 'k')", '0'],
  ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
  ['EVALSHA', 'short', '0'],
  ['FUNCTION', 'LOAD', "#!lua name=monlib\nredis.register_function('monfn', function(keys) return redis.call('incr', keys[1]) end)"],
  ['FCALL', 'monfn', '1', 'counter'],
  ['FCALL', 'missing', '0'],
  ['MULTI'],
  ['SET', 'm', '1'],
  ['EXEC'],
  ['MULTI'],
  ['NOSUCHCOMMAND'],
  ['EXEC'],
  ['MULTI'],
  ['EVAL', "return redis.call('incr', 'm')", '0'],
  ['EXEC'],
  ['FUNCTION', 'DELETE', 'monlib'],
];
