import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasRealRedis } from '../../../../test/helpers/servers.js';
import { canonicalDump, populate } from './dataset.js';
import { aofDir, aofFiles, Fixture, incrText, manifest, persistenceInfo, rewriteFinished } from './aof-helpers.js';

/**
 * The Redis 7 multi-part AOF: what gets appended (the propagated form of each write), the
 * manifest and base files, BGREWRITEAOF, loading at startup with a truncated tail, CONFIG SET
 * appendonly — and interoperability with real Redis 7.0 and redis-check-aof both ways.
 */

const fixture = new Fixture();
afterAll(() => fixture.cleanup());

const REAL = hasRealRedis();
const CHECK_AOF = spawnSync('redis-check-aof', ['--help']).error === undefined;
if (!REAL) console.warn('redis-server not installed: AOF comparisons with real Redis 7.0 are SKIPPED');
if (!CHECK_AOF) console.warn('redis-check-aof not installed: AOF validation by redis-check-aof is SKIPPED');

/** Deterministic writes whose propagated form Redis 7.0 rewrites (and some it keeps). */
const SCRIPT: string[][] = [
  ['SET', 'a', '1'],
  ['SET', 'b', '2', 'EX', '100'],
  ['SET', 'b2', '2', 'PX', '100000', 'NX'],
  ['SET', 'b3', '2', 'EXAT', '99999999999'],
  ['SET', 'b4', 'v', 'KEEPTTL', 'GET'],
  ['SETEX', 'c', '100', 'v'],
  ['PSETEX', 'c2', '100000', 'v'],
  ['GETSET', 'c3', 'new'],
  ['EXPIRE', 'a', '100'],
  ['EXPIREAT', 'a', '99999999999'],
  ['EXPIRE', 'a', '-1'],
  ['GETEX', 'b', 'EX', '200'],
  ['GETEX', 'b', 'PERSIST'],
  ['GETEX', 'b'],
  ['GETDEL', 'b'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['HINCRBYFLOAT', 'h', 'x', '2.5'],
  ['SADD', 's', 'only'],
  ['SPOP', 's'],
  ['SADD', 's2', 'a', 'b', 'c'],
  ['SPOP', 's2', '10'],
  ['RPUSH', 'l', '1', '2', '3'],
  ['BLPOP', 'nokey', 'l', '0'],
  ['BRPOP', 'l', '0'],
  ['BLMOVE', 'l', 'l2', 'left', 'right', '0'],
  ['BRPOPLPUSH', 'l2', 'l', '0'],
  ['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '5'],
  ['RPUSH', 'l', 'x', 'y'],
  ['LMPOP', '1', 'l', 'RIGHT', 'COUNT', '1'],
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
  ['BZPOPMIN', 'z', '0'],
  ['BZPOPMAX', 'z', '0'],
  ['BZMPOP', '0', '1', 'z', 'MIN'],
  ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '3'],
  ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo'],
  ['SELECT', '3'],
  ['SET', 'x', 'y'],
  ['SELECT', '0'],
  ['SET', 'x', 'y'],
  ['MULTI'],
  ['SET', 't1', '1'],
  ['INCR', 't2'],
  ['EXEC'],
  ['MULTI'],
  ['SET', 't3', '1'],
  ['GET', 't3'],
  ['EXEC'],
  ['EVAL', "redis.call('set','e1','1'); redis.call('set','e2','2')", '0'],
  ['EVAL', "redis.call('set','e3','1')", '0'],
  ['DEL', 'nosuchkey'],
  ['EXPIRE', 'nokey', '10'],
  ['PUBLISH', 'ch', 'x'],
  ['XADD', 'st', '1-1', 'a', '1'],
  ['XADD', 'st', 'MAXLEN', '~', '10', '2-1', 'a', '2'],
  ['FLUSHDB'],
  ['SET', 'last', 'v', 'PX', '1'],
];

/** One connection, commands in order, replies ignored (MULTI state is per connection). */
async function run(redis: import('ioredis').default, script: string[][]): Promise<void> {
  for (const [name, ...args] of script) await redis.call(name!, ...args).catch(() => undefined);
}

/** Absolute times differ between runs: mask the 13/14-digit ms timestamps. */
function maskTimes(text: string): string {
  return text.replace(/\$1[34]\r\n\d{13,14}\r\n/g, '$T\r\nTIME\r\n');
}

function checkAof(path: string): { ok: boolean; output: string } {
  const result = spawnSync('redis-check-aof', [path], { encoding: 'latin1', timeout: 20_000 });
  return { ok: result.status === 0, output: result.stdout + result.stderr };
}

describe('AOF contents', () => {
  it.skipIf(!REAL)('appends what real Redis 7.0 appends for the same writes', async () => {
    const ourDir = fixture.directory();
    const realDir = fixture.directory();
    const ours = await fixture.tsredis(ourDir, ['--appendonly', 'yes', '--appendfsync', 'always']);
    const real = await fixture.real(realDir, ['--appendonly', 'yes', '--appendfsync', 'always']);
    await run(ours.redis, SCRIPT);
    await run(real.redis, SCRIPT);
    // The 1 ms key expires; reading it propagates its deletion.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ours.redis.get('last');
    await real.redis.get('last');
    await fixture.stop(ours);
    await fixture.stop(real);
    const appended = incrText(ourDir);
    expect(appended).toContain('$4\r\nPXAT\r\n');
    expect(maskTimes(appended)).toBe(maskTimes(incrText(realDir)));
    expect(manifest(ourDir)).toBe(manifest(realDir));
  });

  it('wraps a transaction in MULTI/EXEC only when it propagates several writes', async () => {
    const dir = fixture.directory();
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    await node.redis.multi().set('k1', '1').get('k1').exec();
    await node.redis.multi().set('k2', '1').set('k3', '1').exec();
    await node.redis.eval("redis.call('select', 2); redis.call('set', 'k4', 'v')", 0);
    await fixture.stop(node);
    const text = incrText(dir);
    expect(text).toBe(
      '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$2\r\nk1\r\n$1\r\n1\r\n' +
        '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$2\r\nk2\r\n$1\r\n1\r\n*3\r\n$3\r\nset\r\n$2\r\nk3\r\n$1\r\n1\r\n*1\r\n$4\r\nEXEC\r\n' +
        '*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nset\r\n$2\r\nk4\r\n$1\r\nv\r\n',
    );
  });

  it('records keys removed by active expiry as DEL, or UNLINK with lazyfree-lazy-expire', async () => {
    const dir = fixture.directory();
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes', '--lazyfree-lazy-expire', 'yes', '--hz', '100']);
    await node.redis.set('gone', 'v', 'PX', 5);
    for (let i = 0; i < 100 && (await node.redis.dbsize()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await fixture.stop(node);
    expect(incrText(dir)).toContain('*2\r\n$6\r\nUNLINK\r\n$4\r\ngone\r\n');
  });
});

describe('AOF files', () => {
  it('starts a directory with a base, an incr file and the manifest Redis writes', async () => {
    const dir = fixture.directory();
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    // As in Redis, the port opens before the dataset is loaded and the AOF opened: wait for both.
    expect(await node.redis.ping()).toBe('PONG');
    await fixture.stop(node);
    expect(aofFiles(dir)).toEqual(['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
    expect(manifest(dir)).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  });

  it('BGREWRITEAOF makes a new base and incr file, swaps the manifest and deletes the old files', async () => {
    const dir = fixture.directory();
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    await populate(node.redis);
    expect(await node.redis.bgrewriteaof()).toBe('Background append only file rewriting started');
    await node.redis.set('during', 'rewrite');
    const info = await rewriteFinished(node.redis);
    expect(info.aof_rewrites).toBe('1');
    expect(info.aof_last_bgrewrite_status).toBe('ok');
    expect(aofFiles(dir)).toEqual(['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    expect(manifest(dir)).toBe('file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    const before = await canonicalDump(node.redis);
    await fixture.kill(node);
    const again = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    expect(await canonicalDump(again.redis)).toEqual(before);
  });

  it('with aof-use-rdb-preamble no the base is commands, loadable after a restart', async () => {
    const dir = fixture.directory();
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
    await populate(node.redis);
    await node.redis.bgrewriteaof();
    await rewriteFinished(node.redis);
    expect(aofFiles(dir)).toContain('appendonly.aof.2.base.aof');
    const before = await canonicalDump(node.redis);
    await fixture.kill(node);
    const again = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    expect(await canonicalDump(again.redis)).toEqual(before);
  });

  it('CONFIG SET appendonly yes writes the dataset as a base, then appends', async () => {
    const dir = fixture.directory();
    const node = await fixture.tsredis(dir);
    await node.redis.set('before', '1');
    expect(existsSync(aofDir(dir))).toBe(false);
    await node.redis.config('SET', 'appendonly', 'yes');
    await rewriteFinished(node.redis);
    await node.redis.set('after', '2');
    expect((await persistenceInfo(node.redis)).aof_enabled).toBe('1');
    await fixture.kill(node);
    const again = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    expect(await again.redis.mget('before', 'after')).toEqual(['1', '2']);
  });

  it('loads a truncated tail up to the last complete command when aof-load-truncated is yes', async () => {
    const dir = fixture.directory();
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    await node.redis.set('kept', '1');
    await fixture.kill(node);
    const incr = join(aofDir(dir), 'appendonly.aof.1.incr.aof');
    const complete = readFileSync(incr).length;
    appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$1\r\n');
    const refused = await fixture.refusal(dir, ['--appendonly', 'yes', '--aof-load-truncated', 'no']);
    expect(refused).toMatch(/exit(ed with| status) 1/);
    expect(refused).toContain('Unexpected end of file reading the append only file appendonly.aof.1.incr.aof');
    const again = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    expect(await again.redis.get('kept')).toBe('1');
    expect(await again.redis.exists('lost')).toBe(0);
    const warning = '!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!';
    // The log is written asynchronously: give it a bounded moment to reach the output.
    for (let i = 0; i < 40 && !again.server.output().includes(warning); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(again.server.output()).toContain(warning);
    expect(readFileSync(incr).length).toBe(complete);
  });
});

describe('AOF interoperability with Redis 7.0', () => {
  it.skipIf(!CHECK_AOF)('redis-check-aof accepts the manifest directory and a single incr file', async () => {
    const dir = fixture.directory();
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    await populate(node.redis);
    await node.redis.bgrewriteaof();
    await rewriteFinished(node.redis);
    await run(node.redis, SCRIPT);
    await fixture.stop(node);
    const whole = checkAof(join(aofDir(dir), 'appendonly.aof.manifest'));
    expect(whole.output).toContain('All AOF files and manifest are valid');
    expect(whole.ok).toBe(true);
    const single = checkAof(join(aofDir(dir), 'appendonly.aof.2.incr.aof'));
    expect(single.output).toContain('is valid');
    expect(single.ok).toBe(true);
  });

  it.skipIf(!REAL)('real redis-server 7.0 loads our appendonlydir with the same data', async () => {
    const dir = fixture.directory();
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    await populate(node.redis);
    await node.redis.bgrewriteaof();
    await rewriteFinished(node.redis);
    await node.redis.set('in-incr', 'after-rewrite');
    await node.redis.hset('hash:incr', 'f', 'v');
    const ours = await canonicalDump(node.redis);
    await fixture.kill(node);
    const real = await fixture.real(dir, ['--appendonly', 'yes']);
    expect(await canonicalDump(real.redis)).toEqual(ours);
  });

  it.skipIf(!REAL)('we load the appendonlydir real Redis 7.0 wrote', async () => {
    const dir = fixture.directory();
    const real = await fixture.real(dir, ['--appendonly', 'yes']);
    await populate(real.redis);
    await real.redis.bgrewriteaof();
    await rewriteFinished(real.redis);
    await real.redis.set('in-incr', 'after-rewrite');
    await real.redis.lpush('list:incr', 'a', 'b');
    const theirs = await canonicalDump(real.redis);
    await fixture.stop(real);
    const ours = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    expect(await canonicalDump(ours.redis)).toEqual(theirs);
  });

  it('upgrades an old single-file AOF into the directory', async () => {
    const dir = fixture.directory();
    writeFileSync(join(dir, 'appendonly.aof'), '*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nstyle\r\n');
    const node = await fixture.tsredis(dir, ['--appendonly', 'yes']);
    expect(await node.redis.get('old')).toBe('style');
    expect(manifest(dir)).toBe('file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  });
});
