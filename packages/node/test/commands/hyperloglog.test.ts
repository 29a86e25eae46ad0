import { expect, it } from 'vitest';
import { describeAgainstRealRedis, itMatchesRealRedis } from '../../../../test/helpers/compare.js';
import { connectIoredis, describeWithTsredis } from '../../../../test/helpers/ioredis.js';
import { replayScript } from '../../../../test/helpers/raw.js';

const range = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

/** A sparse header whose cached count (0) is valid, and one whose cache is stale. */
const HEADER = 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00';
const STALE_HEADER = 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80';

/** PFADD batches of growing size with a GET after each, so every sparse edit and the promotion are compared. */
function growthScript(key: string, batches: number): string[][] {
  const script: string[][] = [];
  let next = 0;
  for (let batch = 0; batch < batches; batch++) {
    const size = [1, 3, 1, 10, 40][batch % 5]!;
    script.push(['PFADD', key, ...range('e', next, next + size - 1)], ['GET', key]);
    next += size;
    if (batch % 9 === 0) script.push(['PFCOUNT', key], ['GET', key], ['PFDEBUG', 'ENCODING', key]);
  }
  return script;
}

/** Binary elements of every length 0–23 (the hash reads 8-byte words, then a tail). */
function binaryElements(): string[] {
  return Array.from({ length: 24 }, (_, length) =>
    String.fromCharCode(...Array.from({ length }, (_, i) => (length * 31 + i * 97) & 0xff)));
}

/** A dense value (stale cache) whose register i holds registerOf(i): crafted, like a value restored by SET. */
function denseValue(registerOf: (index: number) => number): string {
  const registers = Buffer.alloc(12288 + 1);
  for (let i = 0; i < 16384; i++) {
    const bit = i * 6;
    const value = registerOf(i);
    registers[bit >> 3] = registers[bit >> 3]! | (value << (bit & 7));
    registers[(bit >> 3) + 1] = registers[(bit >> 3) + 1]! | (value >> (8 - (bit & 7)));
  }
  return `HYLL\x00${STALE_HEADER.slice(5)}${registers.toString('latin1', 0, 12288)}`;
}

/** Crafted dense registers up to 63: estimates past 2^53 and past int64 (Redis replies llround's overflow). */
function craftedDenseScript(): string[][] {
  const script: string[][] = [];
  const shapes: Array<[string, (i: number) => number]> = [
    ['all63', () => 63], ['all51', () => 51], ['all48', () => 48], ['all45', () => 45],
    ['mixed', (i) => (i * 7) % 52], ['halves', (i) => (i % 2 ? 47 : 0)], ['low', (i) => i % 5],
  ];
  for (const [key, registerOf] of shapes) {
    script.push(['SET', key, denseValue(registerOf)], ['PFCOUNT', key], ['GETRANGE', key, '0', '15'], ['PFCOUNT', key],
      ['PFCOUNT', key, 'nokey'], ['PFMERGE', `${key}-copy`, key], ['PFCOUNT', `${key}-copy`], ['PFADD', key, 'x']);
  }
  return script;
}

/** Scripts replayed on real Redis and on tsredis from FLUSHALL, compared as raw bytes (RESP2 and RESP3). */
const SCRIPTS: Record<string, string[][]> = {
  'PFADD, PFCOUNT, PFMERGE and the stored bytes': [
    ['PFADD', 'h'], ['GET', 'h'], ['PFADD', 'h'], ['PFADD', 'h', 'a', 'b', 'c', 'd', 'e'], ['GET', 'h'],
    ['PFCOUNT', 'h'], ['GET', 'h'], ['PFCOUNT', 'h'], ['OBJECT', 'ENCODING', 'h'], ['PFADD', 'h', 'a'],
    ['PFADD', 'h', 'f', 'a'], ['GET', 'h'], ['PFCOUNT', 'h', 'nokey'], ['PFCOUNT', 'nokey'], ['EXISTS', 'nokey'],
    ['PFMERGE', 'm', 'h', 'nokey'], ['GET', 'm'], ['PFCOUNT', 'm'], ['PFMERGE', 'm2'], ['GET', 'm2'],
    ['PFMERGE', 'h', 'h'], ['GET', 'h'], ['PFADD', 'bin', ...binaryElements()], ['GET', 'bin'],
    ['PFCOUNT', 'bin'], ['PFCOUNT', 'h', 'bin', 'm'], ['PFMERGE', 'm', 'bin'], ['GET', 'm'],
    ['PFADD', 'ttl', 'x'], ['EXPIRE', 'ttl', '1000'], ['PFADD', 'ttl', 'y'], ['TTL', 'ttl'],
    ['PFMERGE', 'ttl', 'h'], ['TTL', 'ttl'], ['APPEND', 'h', 'x'], ['PFCOUNT', 'h'], ['STRLEN', 'h'],
  ],
  'growth from sparse to dense, byte for byte': [
    ...growthScript('g', 90),
    ['PFDEBUG', 'ENCODING', 'g'], ['PFADD', 'g2', ...range('x', 0, 150)], ['PFMERGE', 'both', 'g', 'g2'],
    ['GET', 'both'], ['PFCOUNT', 'both'], ['PFMERGE', 'sparse', 'g2', 'nokey'], ['PFDEBUG', 'ENCODING', 'sparse'],
    ['GET', 'sparse'], ['PFCOUNT', 'g', 'g2', 'nokey'],
  ],
  'hll-sparse-max-bytes moves the promotion': [
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', '60'], ...growthScript('small', 12),
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', '0'], ['PFADD', 'tiny', 'a'], ['PFDEBUG', 'ENCODING', 'tiny'],
    ['GET', 'tiny'], ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'],
  ],
  'corrupted and foreign values': [
    ['SET', 's', 'foo'], ['PFADD', 's', 'a'], ['PFCOUNT', 's'], ['PFCOUNT', 's', 'nokey'], ['PFMERGE', 'd', 's'],
    ['PFMERGE', 's', 'nokey'], ['EXISTS', 'd'], ['SET', 'n', '12345678901234567'], ['PFADD', 'n', 'x'],
    ['SET', 'c', `${HEADER}\x7f\xfe`], ['PFCOUNT', 'c'], ['SET', 'c', `${STALE_HEADER}\x7f\xfe`],
    ['PFCOUNT', 'c'], ['PFCOUNT', 'c', 'nokey'], ['PFMERGE', 'd', 'c'],
    ['EXISTS', 'd'], ['PFADD', 'c', 'x'], ['GET', 'c'], ['PFDEBUG', 'TODENSE', 'c'], ['PFDEBUG', 'GETREG', 'c'],
    ['SET', 'c', `${STALE_HEADER}\x7f\xff\x7f\xff`], ['PFCOUNT', 'c'], ['PFADD', 'c', 'x', 'y'], ['GET', 'c'],
    ['SET', 'c', HEADER], ['PFADD', 'c', 'a'], ['PFDEBUG', 'DECODE', 'c'], ['PFCOUNT', 'c'],
    ['SET', 'c', `HYLL\x02${HEADER.slice(5)}\x7f\xff`], ['PFADD', 'c', 'a'],
    ['SET', 'c', `HYLL\x00${HEADER.slice(5)}\x7f\xff`], ['PFCOUNT', 'c'],
    ['SET', 'c', `${STALE_HEADER}\xbf\x7f\xfe`], ['PFCOUNT', 'c'], ['SET', 'c', `${STALE_HEADER}\x80\x7f\xff`],
    ['PFCOUNT', 'c'], ['PFADD', 'c', 'q'], ['GET', 'c'], ['SET', 'c', `${STALE_HEADER}\xbf\x7f\xfe`], ['PFADD', 'c', 'b'], ['GET', 'c'],
    ['SET', 'c', `${HEADER}\x7f\xff`], ['OBJECT', 'ENCODING', 'c'], ['PFCOUNT', 'c', 'c'],
    ['OBJECT', 'ENCODING', 'c'], ['PFCOUNT', 'c'], ['OBJECT', 'ENCODING', 'c'], ['GET', 'c'],
    ['SET', 'cached', `HYLL\x01\x00\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00\x7f\xff`], ['PFCOUNT', 'cached'],
    ['SET', 'cached', `HYLL\x01\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\x7f\x7f\xff`], ['PFCOUNT', 'cached'],
  ],
  'crafted dense registers': craftedDenseScript(),
  'PFDEBUG subcommands': [
    ['PFDEBUG', 'GETREG', 'nokey'], ['PFADD', 'h', 'a', 'b', 'c'], ['PFDEBUG', 'DECODE', 'h'],
    ['PFDEBUG', 'ENCODING', 'h'], ['PFDEBUG', 'decode', 'h'], ['PFDEBUG', 'bogus', 'h'], ['PFDEBUG', 'bogus', 'nokey'],
    ['PFDEBUG', 'TODENSE', 'h'], ['PFDEBUG', 'TODENSE', 'h'], ['PFDEBUG', 'ENCODING', 'h'], ['PFDEBUG', 'DECODE', 'h'],
    ['GET', 'h'], ['PFDEBUG', 'GETREG', 'h'], ['PFADD', 'h2', 'z'], ['PFDEBUG', 'GETREG', 'h2'], ['GET', 'h2'],
    ['SET', 'str', 'x'], ['PFDEBUG', 'ENCODING', 'str'], ['PFDEBUG', 'GETREG'], ['PFSELFTEST', 'x'],
  ],
};

describeAgainstRealRedis('hyperloglog.test.ts', 'HyperLogLog commands match real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, SCRIPTS);

  it('WRONGTYPE on a key of another type', async (context) => {
    const script = [['HSET', 'hash', 'f', 'v'], ['PFADD', 'hash', 'a'], ['PFCOUNT', 'hash'], ['PFCOUNT', 'nokey', 'hash'],
      ['PFMERGE', 'hash', 'nokey'], ['PFMERGE', 'd', 'hash'], ['PFDEBUG', 'ENCODING', 'hash']];
    const { ours, real } = servers();
    const ourReplies = await replayScript(ours.port, 2, script);
    if (ourReplies[0]!.includes('unknown command')) {
      console.warn('hyperloglog.test.ts: tsredis has no HSET yet — SKIPPING the WRONGTYPE comparison');
      context.skip();
    }
    expect(ourReplies).toEqual(await replayScript(real.port, 2, script));
  });

  it('an HLL moves between the servers with GET and SET', async () => {
    const { ours, real } = servers();
    const [ourClient, realClient] = [connectIoredis(ours.port), connectIoredis(real.port)];
    try {
      await realClient.pfadd('moved', ...range('m', 0, 3000));
      await ourClient.set('moved', await realClient.getBuffer('moved'));
      await Promise.all([ourClient.pfadd('moved', 'extra'), realClient.pfadd('moved', 'extra')]);
      expect(await ourClient.pfcount('moved')).toBe(await realClient.pfcount('moved'));
      expect(await ourClient.getBuffer('moved')).toEqual(await realClient.getBuffer('moved'));
    } finally {
      ourClient.disconnect();
      realClient.disconnect();
    }
  });
});

describeWithTsredis('HyperLogLog commands', ({ redis }) => {
  it('stores the bytes Redis 7.0 stores (captured vector)', async () => {
    expect(await redis().pfadd('v', 'a', 'b', 'c', 'd', 'e', 'f', 'g')).toBe(1);
    expect((await redis().getBuffer('v')).toString('hex')).toBe(
      '48594c4c010000000000000000000080466d80560c80443c84388050b184498c80426d80425a');
    expect(await redis().pfcount('v')).toBe(7);
    // The count is cached in the header and the stale bit cleared.
    expect((await redis().getBuffer('v')).subarray(8, 16).toString('hex')).toBe('0700000000000000');
    expect(await redis().type('v')).toBe('string');
    expect(await redis().object('ENCODING', 'v')).toBe('raw');
  });

  it('counts 1..100000 as Redis does, in a dense value', async () => {
    for (let from = 1; from <= 100000; from += 5000) await redis().pfadd('big', ...range('', from, from + 4999));
    expect(await redis().pfcount('big')).toBe(99562);
    expect(await redis().call('PFDEBUG', 'ENCODING', 'big')).toBe('dense');
    expect(await redis().strlen('big')).toBe(16 + 12288);
  });

  it('PFADD replies whether a register changed; PFMERGE and multi-key PFCOUNT take the union', async () => {
    expect(await redis().pfadd('a', 'x', 'y')).toBe(1);
    expect(await redis().pfadd('a', 'x')).toBe(0);
    expect(await redis().pfadd('a')).toBe(0);
    expect(await redis().pfadd('b', 'y', 'z')).toBe(1);
    expect(await redis().pfcount('a', 'b', 'missing')).toBe(3);
    expect(await redis().pfmerge('u', 'a', 'b')).toBe('OK');
    expect(await redis().pfcount('u')).toBe(3);
  });

  it('rejects values that are not HLLs with Redis\'s errors', async () => {
    await redis().set('s', 'not an hll at all');
    await expect(redis().pfadd('s', 'x')).rejects.toThrow('WRONGTYPE Key is not a valid HyperLogLog string value.');
    await redis().set('c', `${STALE_HEADER}\x7f\xfe`);
    await expect(redis().pfcount('c')).rejects.toThrow('INVALIDOBJ Corrupted HLL object detected');
    await expect(redis().call('PFDEBUG', 'ENCODING', 'nokey')).rejects.toThrow('ERR The specified key does not exist');
  });

  it('PFSELFTEST passes', async () => {
    expect(await redis().call('PFSELFTEST')).toBe('OK');
  });
});
