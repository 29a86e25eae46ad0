import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { describeAgainstRealRedis, itMatchesRealRedis, itMatchesRealRedisConversations } from '../../../../test/helpers/compare.js';
import { startTsredis, type RunningServer } from '../../../../test/helpers/servers.js';
import { SCRIPT_CORPUS } from './scripting-corpus.js';

/** EVAL of every corpus script, from a clean keyspace. */
const CORPUS_SCRIPTS = Object.fromEntries(
  SCRIPT_CORPUS.map(({ name, script, keys = [], args = [] }) => [
    `corpus: ${name}`,
    [['FLUSHALL'], ['EVAL', script, String(keys.length), ...keys, ...args]],
  ]),
);

const LIBRARY = "#!lua name=mylib\nredis.register_function('echo_keys', function(keys, args) return {keys[1], args[1]} end)\nredis.register_function{function_name='ro', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads'}\nredis.register_function('writer', function(keys, args) return redis.call('SET', keys[1], args[1]) end)";

const ONE_FUNCTION = "#!lua name=mylib\nredis.register_function{function_name='ro', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes', 'allow-stale'}, description='reads'}";

const SCENARIOS = {
  'EVAL argument errors': [
    ['EVAL', 'return 1', '2', 'a'], ['EVAL', 'return 1', '-1'], ['EVAL', 'return 1', 'x'], ['EVAL', 'return 1'],
    ['EVAL', 'return 1', '99999999999999999999'],
  ],
  'SCRIPT LOAD, EXISTS, EVALSHA, FLUSH': [
    ['SCRIPT', 'FLUSH'], ['SCRIPT', 'LOAD', 'return ARGV[1]'], ['SCRIPT', 'EXISTS', 'a42059b356c875f0717db19a51f6aaca9ae659ea', 'ffffffffffffffffffffffffffffffffffffffff'],
    ['SCRIPT', 'EXISTS', 'A42059B356C875F0717DB19A51F6AACA9AE659EA'],
    ['EVALSHA', 'a42059b356c875f0717db19a51f6aaca9ae659ea', '0', 'hi'], ['EVALSHA', 'A42059B356C875F0717DB19A51F6AACA9AE659EA', '0', 'up'],
    ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'], ['EVALSHA', 'short', '0'], ['EVALSHA', 'short', 'x'],
    ['SCRIPT', 'FLUSH', 'SYNC'], ['SCRIPT', 'FLUSH', 'ASYNC'], ['SCRIPT', 'FLUSH', 'nope'],
    ['EVALSHA', 'a42059b356c875f0717db19a51f6aaca9ae659ea', '0'], ['SCRIPT', 'LOAD', 'return ('], ['SCRIPT', 'KILL'],
    ['SCRIPT', 'HELP'], ['SCRIPT', 'NOSUCH'],
  ],
  'EVAL_RO and shebang flags': [
    ['EVAL_RO', "return redis.call('GET', KEYS[1])", '1', 'k'], ['EVAL_RO', "return redis.call('SET', KEYS[1], 'v')", '1', 'k'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('SET', 'k', 'v')", '0'], ['EVAL', "#!lua flags=no-writes\nreturn redis.call('GET', 'k')", '0'],
    ['EVAL_RO', "#!lua\nreturn 1", '0'], ['EVAL', '#!lua flags=bogus\nreturn 1', '0'], ['EVAL', '#!python\nreturn 1', '0'],
    ['EVAL', '#!lua', '0'], ['EVAL', '#!lua foo=bar\nreturn 1', '0'], ['EVAL', "#!lua flags=allow-oom,no-writes\nreturn 2", '0'],
    ['EVAL', "#!lua\nerror('line numbers stay')", '0'], ['EVALSHA_RO', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
  ],
  'FUNCTION LOAD, LIST, FCALL, DELETE': [
    ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', LIBRARY], ['FUNCTION', 'LOAD', LIBRARY], ['FCALL', 'echo_keys', '1', 'k1', 'a1'],
    ['FCALL', 'writer', '1', 'fk', 'val'], ['FCALL_RO', 'ro', '1', 'fk'], ['FCALL_RO', 'writer', '1', 'fk', 'v'], ['FCALL', 'nosuch', '0'],
    ['FCALL', 'ro', 'x'], ['FCALL', 'ro', '5'], ['FUNCTION', 'STATS'], ['FUNCTION', 'FLUSH'],
    // Redis lists functions in its hash order: one function per library keeps LIST deterministic.
    ['FUNCTION', 'LOAD', ONE_FUNCTION], ['FUNCTION', 'LIST'], ['FUNCTION', 'LIST', 'WITHCODE'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'MY*'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'zz*'], ['FUNCTION', 'LIST', 'LIBRARYNAME'], ['FUNCTION', 'LIST', 'bogus'], ['FUNCTION', 'STATS'],
    ['FUNCTION', 'LOAD', 'REPLACE', ONE_FUNCTION], ['FUNCTION', 'DELETE', 'mylib'], ['FUNCTION', 'DELETE', 'mylib'], ['FUNCTION', 'KILL'],
    ['FUNCTION', 'LIST'], ['FUNCTION', 'HELP'],
  ],
  'FUNCTION LOAD errors': [
    ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', 'return 1'], ['FUNCTION', 'LOAD', '#!lua name=a'], ['FUNCTION', 'LOAD', '#!lua\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=a name=b\n'], ['FUNCTION', 'LOAD', '#!lua foo=a\n'], ['FUNCTION', 'LOAD', '#!js name=a\n'],
    ['FUNCTION', 'LOAD', '#!lua name=a-b\n'], ['FUNCTION', 'LOAD', '#!lua name=a\nreturn 1'], ['FUNCTION', 'LOAD', "#!lua name=a\nerror('x')"],
    ['FUNCTION', 'LOAD', '#!lua name=a\nlocal x = ;'], ['FUNCTION', 'LOAD', "#!lua name=a\nstring.len('x')"],
    ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('f', function() end)\nredis.register_function('f', function() end)"],
    ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('bad-name', function() end)"],
    ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function{function_name='f'}"],
    ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function{function_name='f', callback=function() end, flags={'nope'}}"],
    ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function{function_name='f', callback=function() end, other=1}"],
    ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('f')"],
    ['FUNCTION', 'LOAD', "#!lua name=a\nredis.call('ping')"],
    ['FUNCTION', 'LOAD', 'BADOPT', "#!lua name=a\nredis.register_function('f', function() return 1 end)"],
    ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('f', function() return 1 end)"],
    ['FUNCTION', 'LOAD', "#!lua name=b\nredis.register_function('f', function() return 2 end)"], ['FCALL', 'f', '0'],
    ['FUNCTION', 'FLUSH', 'bad'], ['FUNCTION', 'FLUSH', 'SYNC'], ['FUNCTION', 'STATS'],
  ],
  'FUNCTION DUMP and RESTORE': [
    ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', LIBRARY], ['FUNCTION', 'RESTORE', 'garbage'], ['FUNCTION', 'RESTORE', 'x', 'BADPOLICY'],
    ['FUNCTION', 'RESTORE', 'x', 'FLUSH', 'extra'],
  ],
  'scripts see the caller database and blocking commands answer at once': [
    ['SELECT', '3'], ['SET', 'dbkey', 'three'], ['EVAL', "return redis.call('GET', 'dbkey')", '0'],
    ['EVAL', "redis.call('SELECT', 0) return redis.call('GET', 'dbkey')", '0'], ['GET', 'dbkey'],
    ['EVAL', "return redis.call('BLPOP', 'nolist', 0)", '0'], ['DEL', 'dbkey'],
  ],
};

describeAgainstRealRedis('scripting.test.ts', 'scripting matches Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, CORPUS_SCRIPTS);
  itMatchesRealRedis(servers, SCENARIOS);
  itMatchesRealRedisConversations(servers, {
    'a script write invalidates WATCH': [
      [0, 'SET', 'w', '1'], [0, 'WATCH', 'w'], [1, 'EVAL', "return redis.call('INCR', KEYS[1])", '1', 'w'], [0, 'MULTI'],
      [0, 'GET', 'w'], [0, 'EXEC'],
    ],
    'EVAL inside MULTI': [[0, 'MULTI'], [0, 'EVAL', "return redis.call('SET', 'm', 'x')", '0'], [0, 'EVAL', 'return 1 + nil', '0'], [0, 'EXEC']],
  });
});

describe('scripting', () => {
  let server: RunningServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startTsredis();
    redis = new Redis(server.port, { lazyConnect: true });
    await redis.connect();
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('round-trips every byte value through KEYS, ARGV and redis.call', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const reply = await redis.evalBuffer("redis.call('SET', KEYS[1], ARGV[1]) return {redis.call('GET', KEYS[1]), ARGV[1]}", 1, all, all);
    expect(reply).toEqual([all, all]);
    expect(await redis.getBuffer(all)).toEqual(all);
  });

  it('restores the libraries FUNCTION DUMP saved, with every policy', async () => {
    await redis.call('FUNCTION', 'FLUSH');
    await redis.call('FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('one', function() return 1 end)");
    const payload = (await redis.callBuffer('FUNCTION', 'DUMP')) as Buffer;
    await expect(redis.call('FUNCTION', 'RESTORE', payload)).rejects.toThrow('Library lib1 already exists');
    expect(await redis.call('FUNCTION', 'RESTORE', payload, 'REPLACE')).toBe('OK');
    await redis.call('FUNCTION', 'FLUSH');
    expect(await redis.call('FUNCTION', 'RESTORE', payload)).toBe('OK');
    expect(await redis.call('FCALL', 'one', '0')).toBe(1);
    const corrupt = Buffer.from(payload);
    corrupt[3] = corrupt[3]! ^ 0xff;
    await expect(redis.call('FUNCTION', 'RESTORE', corrupt, 'FLUSH')).rejects.toThrow('DUMP payload version or checksum are wrong');
  });

  it('keeps math.random deterministic across seeds like Redis', async () => {
    const draw = "math.randomseed(42) return {math.random(100), math.random(1, 6), tostring(math.random())}";
    expect(await redis.eval(draw, 0)).toEqual(await redis.eval(draw, 0));
  });

  it('answers other clients once a slow script finishes', async () => {
    const other = new Redis(server.port);
    const slow = redis.eval('local i = 0 while i < 3e7 do i = i + 1 end return i', 0);
    expect(await other.ping()).toBe('PONG');
    expect(await slow).toBe(30000000);
    other.disconnect();
  });
});
