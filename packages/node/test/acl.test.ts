import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../../test/helpers/raw.js';
import { hasRealRedis, startPair, type RunningServer } from '../../../test/helpers/servers.js';

/*
 * ACL differential tests against a real Redis 7.0: the same users (a corpus of rules) must
 * give the same SETUSER replies, the same GETUSER / LIST text, the same DRYRUN answers for a
 * corpus of commands, and the same replies when a second connection authenticates as the user
 * and really runs the commands.
 *
 * One normalisation: the single-command rules at the end of a rule list (+get -set
 * +select|0 …) follow Redis's command dict order, which changes from one redis-server process
 * to the next, so such runs of rules are compared sorted. Everything else is compared byte for
 * byte.
 */

const available = hasRealRedis();
if (!available) console.warn('acl.test.ts: redis-server is not installed — SKIPPING the ACL comparisons with real Redis');

/** Users of the corpus: name → rules (after `reset on >pw`, so every user can log in). */
const USERS: Record<string, string[]> = {
  all: ['+@all', '~*', '&*'],
  none: [],
  strings: ['+@string', '~*'],
  stringsNoGet: ['+@string', '-get', '~*'],
  readOnly: ['+@read', '~*', '&*'],
  writeOnly: ['+@write', '-@dangerous', '~*'],
  keyPrefix: ['+@all', '~foo*'],
  twoPrefixes: ['+@all', '~foo*', '~bar*'],
  readPattern: ['+@all', '%R~foo*'],
  writePattern: ['+@all', '%W~bar*'],
  readWrite: ['+@all', '%R~foo*', '%W~bar*'],
  rwMerged: ['+@all', '%R~k*', '%W~k*'],
  rwLetters: ['+@all', '%RW~k*', '%wr~j*'],
  allKeysAfterPatterns: ['+@all', '~a', '~b', 'allkeys'],
  resetKeys: ['+@all', '~*', 'resetkeys', '~foo:*'],
  channels: ['+@pubsub', '&chan*'],
  channelExact: ['+@pubsub', '&chan1', '&chan*'],
  allChannels: ['+@pubsub', 'allchannels'],
  resetChannels: ['+@pubsub', '&*', 'resetchannels', '&other'],
  configGet: ['+config|get', '~*'],
  configAll: ['+config', '-config|set', '~*'],
  configMinusAll: ['+@all', '-config', '+config|get', '~*'],
  selectZero: ['-@all', '+select|0', '+select|2', '~*'],
  selectAllowed: ['+select', '+select|0', '~*'],
  noDangerous: ['+@all', '-@dangerous', '~*', '&*'],
  noAdmin: ['+@all', '-@admin', '-@dangerous', '+config|get', '~*'],
  fastOnly: ['+@fast', '~*'],
  slowOnly: ['+@slow', '-@admin', '~*'],
  hashAndSet: ['+@hash', '+@set', '~*'],
  lists: ['+@list', '-@blocking', '~list:*'],
  streams: ['+@stream', '~foo:*'],
  scripting: ['+@scripting', '+get', '~foo*'],
  scriptingNoKeys: ['+@scripting', '+get'],
  keyspace: ['+@keyspace', '-@dangerous', '~*'],
  allcommandsAlias: ['allcommands', 'allkeys', 'allchannels', '-flushall'],
  nocommandsAlias: ['allcommands', 'nocommands', '+ping'],
  connection: ['+@connection'],
  transaction: ['+@transaction', '+set', '+get', '~*'],
  mixedCase: ['+GET', '+Set', '~FOO*', '+@StRiNg', '-@WRITE'],
  categoriesOrder: ['+@hash', '+@list', '+@sortedset', '-@write', '+hset', '~*'],
  removeThenAdd: ['+@all', '-@string', '+get', '+set', '-@hash', '~*'],
  manySingles: ['+get', '+set', '+hget', '+lpush', '+zadd', '+sadd', '+xadd', '+ping', '+echo', '~*'],
  firstArgAfterBlock: ['+@all', '-select', '+select|0', '~*'],
  selectors: ['+get', '~foo*', '(+set ~bar*)', '(+@hash ~h*)'],
  selectorSplit: ['+get', '~foo*', '(+set', '~bar*)'],
  selectorChannels: ['+@pubsub', '(&chan* +publish)'],
  selectorReadWrite: ['(+@all %R~foo*)', '(+@all %W~bar*)'],
  clearSelectors: ['(+get ~x*)', 'clearselectors', '+set', '~y*'],
  passwordsHash: ['#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', '+@all', '~*'],
  removedPassword: ['>other', '<other', '+@all', '~*'],
  nopassUser: ['nopass', '+@all', '~*'],
  resetpassUser: ['nopass', 'resetpass', '>pw', '+@all', '~*'],
  sanitize: ['skip-sanitize-payload', '+@all', '~*'],
  sanitizeBack: ['skip-sanitize-payload', 'sanitize-payload', '+@all', '~*'],
  emptyRule: ['', '+@all', '~*'],
  subcommandsOfClient: ['+client|getname', '+client|setname', '+client|info', '~*'],
  memoryAndObject: ['+@read', '-object', '+object|encoding', '+memory|usage', '~*'],
  dangerousPlus: ['-@all', '+@dangerous', '-@admin', '~*'],
  bitmapGeo: ['+@bitmap', '+@geo', '+@hyperloglog', '~*'],
  sortedSets: ['+@sortedset', '-zunionstore', '~foo*', '~bar*'],
  blocking: ['+@blocking', '~*'],
  pubsubAndKeys: ['+@pubsub', '+@string', '~foo*', '&chan*'],
};

/** Rules that must fail, each against a fresh user: the error text must match. */
const BAD_RULES: string[][] = [
  ['%RR~z'], ['%'], ['%~a'], ['%X~a'], ['~a b'], ['&a b'], ['+nosuchcommand'], ['-nosuchcommand'], ['+@nosuchcategory'],
  ['-@'], ['+'], ['-'], ['+get|'], ['+config|get|x'], ['+config|nosuch'], ['-get|x'], ['#abc'],
  ['#5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8'], ['<notset'], ['!5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8'],
  ['allkeys', '~x'], ['~*', '%R~x'], ['allchannels', '&x'], ['&*', '&y'], ['(~x'], ['(~x', '+get'], ['(+get', '(~y)'],
  ['(+nosuch)'], ['(on)'], ['(', ')'], ['bogus'], ['on', 'bogus'], ['(~x) )'],
];

/** Commands checked with ACL DRYRUN and then really run by each user. */
const COMMANDS: string[][] = [
  ['get', 'foo'], ['get', 'bar'], ['set', 'foo', '1'], ['set', 'bar', '2'], ['set', 'baz', '3'], ['append', 'foo', 'x'],
  ['strlen', 'bar'], ['mget', 'foo1', 'bar1'], ['mset', 'foo1', 'a', 'bar1', 'b'], ['copy', 'foo1', 'bar2'],
  ['getdel', 'foo:9'], ['incr', 'k1'], ['lpush', 'list:1', 'a'], ['lrange', 'list:1', '0', '-1'], ['hset', 'h1', 'f', 'v'],
  ['hget', 'foo:h', 'f'], ['sadd', 'foo:s', 'm'], ['zadd', 'foo:z', '1', 'm'], ['zunionstore', 'bar:z', '1', 'foo:z'],
  ['xadd', 'foo:x', '1-1', 'a', '1'], ['config', 'get', 'maxmemory'], ['config', 'set', 'maxmemory-samples', '5'],
  ['select', '0'], ['select', '2'], ['select', '1'], ['publish', 'chan1', 'm'], ['publish', 'other', 'm'], ['spublish', 'chan2', 'm'],
  ['ping'], ['echo', 'hi'], ['client', 'getname'], ['object', 'encoding', 'foo'], ['memory', 'usage', 'foo'],
  ['eval', 'return 1', '1', 'foo:k'], ['eval', 'return 1', '0'], ['keys', 'nomatch*'], ['exists', 'foo', 'bar'],
  ['rename', 'foo1', 'bar1'], ['sort', 'foo:l', 'store', 'bar:l'], ['bitcount', 'foo'], ['pfadd', 'foo:p', 'a'],
  ['geoadd', 'foo:g', '1', '2', 'm'], ['blpop', 'list:1', '0.01'], ['acl', 'whoami'], ['multi'], ['discard'],
];

/** Commands only checked with DRYRUN (running them would change the connection's mode). */
const DRYRUN_ONLY: string[][] = [
  ['subscribe', 'chan1', 'chan2'], ['subscribe', 'other'], ['psubscribe', 'chan*'], ['psubscribe', 'ch*'], ['ssubscribe', 'chan3'],
  ['unsubscribe', 'zzz'], ['flushall'], ['debug', 'sleep', '0'], ['shutdown'], ['auth', 'x', 'y'], ['hello', '3'],
];

/** Sorts each run of single-command rules (+cmd, -cmd, +cmd|arg), whose order is Redis's dict order. */
function normalizeRules(reply: string): string {
  const tokens = reply.split(' ');
  const out: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const last = run[run.length - 1]!;
    const tail = /[)\r\n].*$/s.exec(last)?.[0] ?? '';
    run[run.length - 1] = last.slice(0, last.length - tail.length);
    run.sort();
    run[run.length - 1] += tail;
    out.push(...run);
    run = [];
  };
  for (const token of tokens) {
    if (/^[+-][^@]/.test(token)) run.push(token);
    else {
      flush();
      out.push(token);
    }
  }
  flush();
  return out.join(' ');
}

/** An ACL LOG reply without the fields that differ by nature (age, the client's CLIENT LIST line). */
function withoutTimes(reply: string): string {
  return reply.replace(/\$11\r\n(age-seconds|client-info)\r\n(,|\$\d+\r\n)[^\r]*\r\n/g, '');
}

describe.skipIf(!available)('ACL against real Redis 7.0', () => {
  let ours: RunningServer;
  let real: RunningServer;
  const admin: Record<'ours' | 'real', RawClient> = {} as never;

  beforeAll(async () => {
    [ours, real] = await startPair();
    admin.ours = await RawClient.connect(ours.port);
    admin.real = await RawClient.connect(real.port);
  });

  afterAll(async () => {
    admin.ours?.destroy();
    admin.real?.destroy();
    await Promise.all([ours?.stop(), real?.stop()]);
  });

  async function both(...args: string[]): Promise<[string, string]> {
    return Promise.all([admin.ours.call(...args), admin.real.call(...args)]);
  }

  async function expectSame(...args: string[]): Promise<string> {
    const [a, b] = await both(...args);
    expect(normalizeRules(a), args.join(' ')).toBe(normalizeRules(b));
    return a;
  }

  it('has at least 100 rules in the corpus', () => {
    const rules = Object.values(USERS).flat().length + BAD_RULES.flat().length;
    expect(rules).toBeGreaterThanOrEqual(100);
  });

  it('shows the default user the same way', async () => {
    await expectSame('ACL', 'LIST');
    await expectSame('ACL', 'GETUSER', 'default');
    await expectSame('ACL', 'USERS');
  });

  it('gives the same SETUSER replies, GETUSER and LIST output (RESP2 and RESP3)', async () => {
    for (const [name, rules] of Object.entries(USERS)) {
      const reply = await expectSame('ACL', 'SETUSER', name, 'reset', 'on', '>pw', ...rules);
      expect(reply).toBe('+OK\r\n');
    }
    for (const resp of ['2', '3']) {
      await both('HELLO', resp);
      for (const name of Object.keys(USERS)) await expectSame('ACL', 'GETUSER', name);
      await expectSame('ACL', 'LIST');
      await expectSame('ACL', 'USERS');
      await expectSame('ACL', 'GETUSER', 'nosuchuser');
    }
    await both('HELLO', '2');
  });

  it('refuses bad rules with the same errors and leaves the user unchanged', async () => {
    for (const rules of BAD_RULES) {
      await expectSame('ACL', 'SETUSER', 'bad', ...rules);
      await expectSame('ACL', 'SETUSER', 'strings', ...rules);
    }
    await expectSame('ACL', 'GETUSER', 'bad');
    await expectSame('ACL', 'GETUSER', 'strings');
    await expectSame('ACL', 'SETUSER', 'bad user');
    await expectSame('ACL', 'DELUSER', 'default');
  });

  it('answers ACL DRYRUN the same for every user and command', async () => {
    let denied = 0;
    for (const name of Object.keys(USERS)) {
      for (const command of [...COMMANDS, ...DRYRUN_ONLY]) {
        const reply = await expectSame('ACL', 'DRYRUN', name, ...command);
        if (reply !== '+OK\r\n') denied++;
      }
    }
    // The corpus must exercise refusals, not only successes.
    expect(denied).toBeGreaterThan(200);
    await expectSame('ACL', 'DRYRUN', 'nosuchuser', 'get', 'x');
    await expectSame('ACL', 'DRYRUN', 'all', 'nosuchcommand', 'x');
    await expectSame('ACL', 'DRYRUN', 'all', 'get');
    await expectSame('ACL', 'DRYRUN', 'all', 'config', 'nosuch');
  });

  it('really allows and refuses the same commands after AUTH, and logs the same refusals', async () => {
    await both('ACL', 'LOG', 'RESET');
    for (const name of Object.keys(USERS)) {
      const [userOurs, userReal] = await Promise.all([RawClient.connect(ours.port), RawClient.connect(real.port)]);
      try {
        const auth = await Promise.all([userOurs.call('AUTH', name, 'pw'), userReal.call('AUTH', name, 'pw')]);
        expect(auth[0], `AUTH ${name}`).toBe(auth[1]);
        for (const command of COMMANDS) {
          const [a, b] = await Promise.all([userOurs.call(...command), userReal.call(...command)]);
          // MEMORY USAGE sizes are our own estimate: there only the allow/deny answer is compared.
          if (command[0] === 'memory' && !b.startsWith('-')) expect(a[0], `${name}: ${command.join(' ')}`).toBe(b[0]);
          else expect(a, `${name}: ${command.join(' ')}`).toBe(b);
        }
      } finally {
        userOurs.destroy();
        userReal.destroy();
      }
    }
    const [logOurs, logReal] = await both('ACL', 'LOG', '100');
    expect(withoutTimes(logOurs)).toBe(withoutTimes(logReal));
  });

  it('logs failed AUTH and refused commands inside MULTI, and EXEC re-checks the queue', async () => {
    await both('ACL', 'LOG', 'RESET');
    await both('ACL', 'SETUSER', 'tx', 'reset', 'on', '>pw', '+@all', '~*');
    const [a, b] = await Promise.all([RawClient.connect(ours.port), RawClient.connect(real.port)]);
    try {
      const run = async (...args: string[]): Promise<void> => {
        const [x, y] = await Promise.all([a.call(...args), b.call(...args)]);
        expect(x, args.join(' ')).toBe(y);
      };
      await run('AUTH', 'tx', 'wrong');
      await run('AUTH', 'nosuch', 'pw');
      await run('AUTH', 'tx', 'pw');
      await run('ACL', 'WHOAMI');
      await run('MULTI');
      await run('SET', 'k', 'v');
      await run('GET', 'k');
      await both('ACL', 'SETUSER', 'tx', '-get');
      await run('EXEC');
      await run('MULTI');
      await run('GET', 'k');
      await run('EXEC');
      await both('ACL', 'SETUSER', 'tx', 'off');
      await run('AUTH', 'tx', 'pw');
      await run('HELLO', '3', 'AUTH', 'tx', 'pw');
    } finally {
      a.destroy();
      b.destroy();
    }
    const [logOurs, logReal] = await both('ACL', 'LOG');
    expect(withoutTimes(logOurs)).toBe(withoutTimes(logReal));
  });

  it('checks commands called from scripts with the caller user', async () => {
    await both('ACL', 'SETUSER', 'lua', 'reset', 'on', '>pw', '+@scripting', '+get', '~foo*');
    const [a, b] = await Promise.all([RawClient.connect(ours.port), RawClient.connect(real.port)]);
    try {
      for (const args of [
        ['AUTH', 'lua', 'pw'],
        ['EVAL', "return redis.call('get', KEYS[1])", '1', 'foo'],
        ['EVAL', "return redis.call('get', 'bar')", '0'],
        ['EVAL', "return redis.call('set', 'foo', 1)", '0'],
        ['EVAL', "return redis.pcall('set', 'foo', 1)", '0'],
      ]) {
        const [x, y] = await Promise.all([a.call(...args), b.call(...args)]);
        expect(x, args.join(' ')).toBe(y);
      }
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('ties the default user to requirepass', async () => {
    await expectSame('CONFIG', 'SET', 'requirepass', 'secret');
    await expectSame('ACL', 'LIST');
    const [a, b] = await Promise.all([RawClient.connect(ours.port), RawClient.connect(real.port)]);
    try {
      for (const args of [['GET', 'x'], ['AUTH', 'nope'], ['AUTH', 'secret'], ['ACL', 'WHOAMI']]) {
        const [x, y] = await Promise.all([a.call(...args), b.call(...args)]);
        expect(x, args.join(' ')).toBe(y);
      }
    } finally {
      a.destroy();
      b.destroy();
    }
    await expectSame('CONFIG', 'SET', 'requirepass', '');
    await expectSame('ACL', 'LIST');
    await expectSame('AUTH', 'x');
  });

  it('lists the same commands per category in ACL CAT (on the commands we implement)', async () => {
    await expectSame('ACL', 'CAT');
    await expectSame('ACL', 'CAT', 'nosuch');
    const categories = (await admin.real.call('ACL', 'CAT')).split('\r\n').filter((line, i) => i > 0 && i % 2 === 0);
    expect(categories.length).toBe(21);
    for (const category of categories) {
      const names = (reply: string): Set<string> => new Set(reply.split('\r\n').filter((_, i) => i > 0 && i % 2 === 0));
      const [a, b] = await both('ACL', 'CAT', category);
      const ourNames = names(a);
      const realNames = names(b);
      for (const name of ourNames) expect(realNames.has(name), `${category}: ${name}`).toBe(true);
      // What real Redis lists and we do not must be a command we do not implement.
      for (const name of realNames) {
        if (ourNames.has(name)) continue;
        expect(await admin.ours.call('COMMAND', 'INFO', name), `${category}: ${name}`).toMatch(/^\*1\r\n[*$]-1\r\n$/);
      }
      expect(ourNames.size).toBeGreaterThan(0);
    }
  });
});
