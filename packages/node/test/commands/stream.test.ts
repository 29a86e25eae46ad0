import { expect, it } from 'vitest';
import { describeAgainstRealRedis, itMatchesRealRedis, statsTrail } from '../../../../test/helpers/compare.js';
import { describeWithTsredis } from '../../../../test/helpers/ioredis.js';
import { RawClient } from '../../../../test/helpers/raw.js';
import { Rng } from '../../../../test/differential/generator.js';
import { commandsOf } from './script-lines.js';

/**
 * Scripts replayed on real Redis and on tsredis from FLUSHALL, compared reply by reply as raw
 * bytes in RESP2 and RESP3: every stream command with explicit IDs (auto IDs depend on the
 * clock), their argument errors in Redis's order, consumer groups and their counters, and the
 * node layout (listpack nodes by entries and bytes) behind approximate trimming and XINFO.
 */
const SCRIPTS: Record<string, string[][]> = {
  'XADD IDs and trimming options, XRANGE/XREVRANGE, XDEL, XTRIM, XSETID, XINFO STREAM': commandsOf(`
DEL s
XADD s 1-1 a 1
XADD s 1-1 a 1
XADD s 0-0 a 1
XADD s 1-* b 2
XADD s 2-* b 2
XADD s 2-5 c 3 d 4
XADD s abc a 1
XADD s 3 a
XADD s 18446744073709551615-18446744073709551614 x y
XADD s 18446744073709551615-* x y
XADD s 18446744073709551615-18446744073709551615 x y
XADD s * x y
XLEN s
XRANGE s - +
XREVRANGE s + -
XRANGE s (1-1 +
XRANGE s - (2-5
XRANGE s - + COUNT 2
XRANGE s - + COUNT 0
XRANGE s - + COUNT -1
XRANGE s (- +
XRANGE s ((1 +
XRANGE s - + COUNT
XRANGE s - + FOO 1
XRANGE s (18446744073709551615-18446744073709551615 +
XRANGE s - (0-0
XREVRANGE s (2-5 -
XINFO STREAM s
DEL s2
EXISTS s2
XADD s2 MAXLEN 2 1-1 a 1
XADD s2 MAXLEN 2 2-1 a 1
XADD s2 MAXLEN 2 3-1 a 1
XRANGE s2 - +
XADD s2 MAXLEN ~ 2 4-1 a 1
XADD s2 MINID 3-1 MAXLEN 2 5-1 a 1
XADD s2 LIMIT 5 6-1 a 1
XADD s2 MAXLEN 2 LIMIT 5 6-1 a 1
XADD s2 MAXLEN -1 6-1 a 1
XADD s2 MAXLEN ~ 2 LIMIT -1 6-1 a 1
XADD s2 6-1 a
XADD s2 MAXLEN
XTRIM s2 MAXLEN 1
XTRIM s2
XTRIM s2 FOO
XTRIM s2 LIMIT 0 MAXLEN 1
XTRIM s2 LIMIT 1 MAXLEN 1
XTRIM nokey MAXLEN 1
XDEL s 1-1 2-0
XDEL s 1-1 bad
XDEL nokey 1-1
XINFO STREAM s
XINFO STREAM s FULL
XINFO STREAM s FULL COUNT 1
XINFO STREAM s FOO
XINFO STREAM nokey
XINFO HELP
XINFO FOO
OBJECT ENCODING s
TYPE s
XSETID s 1-1
XSETID s 99999999999999999999999-1
XSETID s 18446744073709551615-18446744073709551615
XSETID nokey 5-5
XSETID s 18446744073709551615-18446744073709551615 ENTRIESADDED 1
XSETID s 18446744073709551615-18446744073709551615 ENTRIESADDED -5
XSETID s 18446744073709551615-18446744073709551615 MAXDELETEDID 1-1 ENTRIESADDED 100
XINFO STREAM s
SET str v
XADD str * a 1
XRANGE str - +
XLEN str
`),
  'consumer groups: XGROUP, XREADGROUP, XREAD, XPENDING, XACK, XCLAIM, XAUTOCLAIM, XINFO GROUPS': commandsOf(`
DEL s g k
XADD s 5-18446744073709551615 a b
XADD s 5-* a b
XGROUP CREATE g grp $
XGROUP CREATE g grp $ MKSTREAM
XGROUP CREATE g grp $ MKSTREAM
XGROUP CREATE g grp2 0 ENTRIESREAD 5
XGROUP CREATE g grp3 0 ENTRIESREAD -2
XGROUP CREATE g grp3 0 ENTRIESREAD x
XGROUP CREATE g grp3 bad
XGROUP CREATE g grp3 0 FOO
XGROUP SETID g nogrp 0
XGROUP SETID g grp 0 MKSTREAM
XGROUP SETID g grp 0 ENTRIESREAD 3
XGROUP SETID g grp -
XGROUP SETID g grp +
XGROUP CREATECONSUMER g grp alice
XGROUP CREATECONSUMER g grp alice
XGROUP CREATECONSUMER g nogrp alice
XGROUP DELCONSUMER g grp bob
XGROUP DESTROY g grp2
XGROUP DESTROY g grp2
XGROUP HELP
XGROUP FOO
XGROUP CREATE nokey grp 0
XINFO GROUPS g
XADD g 1-1 f v
XADD g 2-1 f v
XADD g 3-1 f v g w
XADD g 4-1 f v
XGROUP SETID g grp 0
XINFO GROUPS g
XREADGROUP GROUP grp alice COUNT 2 STREAMS g >
XINFO GROUPS g
XREADGROUP GROUP grp bob STREAMS g >
XREADGROUP GROUP grp bob STREAMS g >
XREADGROUP GROUP grp alice STREAMS g 0
XREADGROUP GROUP grp alice COUNT 1 STREAMS g 1-1
XREADGROUP GROUP grp alice STREAMS g $
XREADGROUP GROUP nogrp alice STREAMS g >
XREADGROUP GROUP grp alice STREAMS nokey >
XREADGROUP GROUP grp alice STREAMS g
XREADGROUP STREAMS g >
XREAD GROUP grp alice STREAMS g >
XREAD NOACK STREAMS g 0
XREAD STREAMS g >
XREAD STREAMS g 0
XREAD COUNT 1 STREAMS g g 0 2-1
XREAD STREAMS g nokey 0 0
XREAD STREAMS g $
XREAD BLOCK -1 STREAMS g $
XREAD BLOCK x STREAMS g $
XREAD COUNT x STREAMS g $
XREAD FOO STREAMS g $
XREAD COUNT 1
XPENDING g grp
XPENDING g grp - + 10 nobody
XPENDING g grp IDLE 100000 - + 10
XPENDING g grp - + x
XPENDING g grp - +
XPENDING g nogrp
XPENDING nokey grp - + 10
XPENDING g grp IDLE x - + 10
XPENDING g grp IDLE 5 - +
XDEL g 2-1
XREADGROUP GROUP grp alice STREAMS g 0
XINFO GROUPS g
XINFO CONSUMERS g nogrp
XACK g grp 1-1 9-9
XACK g grp bad
XACK g nogrp 1-1
XACK nokey grp 1-1
XCLAIM g grp carol 0 2-1 3-1 4-1
XCLAIM g grp carol 0 4-1 JUSTID
XCLAIM g grp carol 0 3-1 FORCE JUSTID RETRYCOUNT 7
XCLAIM g grp carol 0 1-1 FORCE
XCLAIM g grp carol 0 1-1 FORCE LASTID 10-1
XCLAIM g grp carol x 1-1
XCLAIM g grp carol 0 1-1 IDLE x
XCLAIM g grp carol 0 1-1 TIME x
XCLAIM g grp carol 0 1-1 RETRYCOUNT x
XCLAIM g grp carol 0 1-1 BOGUS
XCLAIM g grp carol 0 1-1 LASTID bad
XCLAIM g nogrp carol 0 1-1
XCLAIM g grp carol 100000 1-1
XPENDING g grp
XAUTOCLAIM g grp dave 0 0 COUNT 1
XAUTOCLAIM g grp dave 0 0 COUNT 1 JUSTID
XAUTOCLAIM g grp dave 0 0
XAUTOCLAIM g grp dave 0 0 COUNT 0
XAUTOCLAIM g grp dave 0 0 COUNT x
XAUTOCLAIM g grp dave x 0
XAUTOCLAIM g grp dave 0 bad
XAUTOCLAIM g grp dave 0 (18446744073709551615-18446744073709551615
XAUTOCLAIM g grp dave 0 0 BOGUS
XAUTOCLAIM g nogrp dave 0 0
XDEL g 3-1
XAUTOCLAIM g grp dave 0 0
XINFO GROUPS g
XINFO STREAM g
XGROUP DELCONSUMER g grp dave
XINFO GROUPS g
XREADGROUP GROUP grp eve NOACK STREAMS g >
XADD g 11-1 a b
XREADGROUP GROUP grp eve NOACK STREAMS g >
XINFO GROUPS g
XREAD COUNT 2 STREAMS g 0
XSETID g 20-0 ENTRIESADDED 50 MAXDELETEDID 15-0
XINFO GROUPS g
XGROUP CREATE g late 0
XGROUP CREATE g late2 11-1
XINFO GROUPS g
`),
  'node layout: approximate trims, tombstones and radix tree sizes': nodeLayoutScript(),
};

/** Many entries of mixed sizes and shapes, deletions and trims, with XINFO STREAM in between. */
function nodeLayoutScript(): string[][] {
  const r = new Rng(7);
  const script: string[][] = [];
  for (let i = 1; i < 700; i++) {
    const ms = String(i * 3 + r.int(0, 2));
    const roll = r.next();
    if (roll < 0.3) script.push(['XADD', 'a', `${ms}-${r.int(0, 5)}`, 'f', String(r.int(-100000, 100000)), 'g', 'x']);
    else if (roll < 0.37) script.push(['XADD', 'a', `${ms}-${r.int(0, 5)}`, 'big', 'y'.repeat(r.int(50, 900))]);
    else script.push(['XADD', 'a', `${ms}-*`, 'f', `v${i}`, 'g', String(r.int(0, 200))]);
    if (i % 97 === 0) script.push(['XINFO', 'STREAM', 'a']);
  }
  for (let k = 0; k < 10; k++) {
    script.push(['XDEL', 'a', ...Array.from({ length: 20 }, () => `${r.int(1, 2100)}-${r.int(0, 5)}`)]);
    script.push(['XINFO', 'STREAM', 'a']);
  }
  script.push(
    ['XTRIM', 'a', 'MAXLEN', '~', '600'], ['XINFO', 'STREAM', 'a'],
    ['XTRIM', 'a', 'MAXLEN', '~', '300', 'LIMIT', '150'], ['XINFO', 'STREAM', 'a'],
    ['XTRIM', 'a', 'MINID', '~', '1200'], ['XINFO', 'STREAM', 'a'],
    ['XTRIM', 'a', 'MINID', '1300'], ['XINFO', 'STREAM', 'a'],
    ['XTRIM', 'a', 'MAXLEN', '=', '100'], ['XINFO', 'STREAM', 'a', 'FULL', 'COUNT', '3'],
  );
  for (let i = 1; i < 400; i++) {
    script.push(['XADD', 'b', 'MAXLEN', '~', '10', `${i}-1`, 'f', 'v']);
    if (i % 50 === 0) script.push(['XINFO', 'STREAM', 'b']);
  }
  for (let i = 400; i < 600; i++) script.push(['XADD', 'b', 'MINID', '~', String(i - 150), `${i}-1`, 'f', 'v']);
  script.push(['XINFO', 'STREAM', 'b']);
  for (let i = 1; i < 300; i += 2) script.push(['XADD', 'c', `${i}-1`, 'f', 'v'], ['XADD', 'c', `${i + 1}-1`, 'f', 'v', 'g', 'w']);
  for (let i = 1; i < 300; i += 2) script.push(['XDEL', 'c', `${i}-1`]);
  script.push(['XINFO', 'STREAM', 'c'], ['XTRIM', 'c', 'MAXLEN', '0'], ['XINFO', 'STREAM', 'c'], ['XADD', 'c', '1000-1', 'a', 'b'], ['XINFO', 'STREAM', 'c']);
  return script;
}

describeAgainstRealRedis('stream.test.ts', 'stream commands match real Redis byte for byte', (servers) => {
  itMatchesRealRedis(servers, SCRIPTS);

  it('counts keyspace hits, misses and changes where Redis does', async () => {
    const script = [...SCRIPTS['XADD IDs and trimming options, XRANGE/XREVRANGE, XDEL, XTRIM, XSETID, XINFO STREAM']!, ...SCRIPTS['consumer groups: XGROUP, XREADGROUP, XREAD, XPENDING, XACK, XCLAIM, XAUTOCLAIM, XINFO GROUPS']!];
    const { ours, real } = servers();
    const expected = await statsTrail(real.port, script);
    expect(await statsTrail(ours.port, script)).toEqual(expected);
  });

  it('serves blocked XREAD and XREADGROUP clients as Redis does', async () => {
    const { ours, real } = servers();
    expect(await blockingTranscript(ours.port)).toEqual(await blockingTranscript(real.port));
  });
});

/** Three connections: two wait in XREAD/XREADGROUP BLOCK while the third writes. */
async function blockingTranscript(port: number): Promise<string[]> {
  const [writer, first, second] = await Promise.all([RawClient.connect(port), RawClient.connect(port), RawClient.connect(port)]);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
  try {
    await writer.call('FLUSHALL');
    const out: string[] = [];
    const a = first.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', 'other', '$', '$');
    await settle();
    const b = second.call('XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', 's', '2-0');
    await settle();
    out.push(await writer.call('XADD', 's', '1-1', 'f', 'v'), await a);
    out.push(await writer.call('XADD', 's', '3-1', 'f', 'v'), await writer.call('XADD', 's', '4-1', 'f', 'v'), await b);
    out.push(await first.call('XREAD', 'BLOCK', '50', 'STREAMS', 's', '$'));
    out.push(await writer.call('XGROUP', 'CREATE', 'g', 'grp', '$', 'MKSTREAM'));
    const c = first.call('XREADGROUP', 'GROUP', 'grp', 'c1', 'BLOCK', '0', 'STREAMS', 'g', '>');
    await settle();
    const d = second.call('XREADGROUP', 'GROUP', 'grp', 'c2', 'BLOCK', '0', 'STREAMS', 'g', '>');
    await settle();
    out.push(await writer.call('XADD', 'g', '1-1', 'f', 'v'), await c);
    out.push(await writer.call('XADD', 'g', '2-1', 'f', 'v'), await d);
    out.push(await writer.call('XPENDING', 'g', 'grp'));
    const e = first.call('XREADGROUP', 'GROUP', 'grp', 'c1', 'BLOCK', '0', 'NOACK', 'STREAMS', 'g', '>');
    await settle();
    out.push(await writer.call('XGROUP', 'DESTROY', 'g', 'grp'), await e);
    return out;
  } finally {
    for (const client of [writer, first, second]) client.destroy();
  }
}

describeWithTsredis('stream commands', ({ redis }) => {
  it('generates increasing IDs from the clock and keeps binary fields', async () => {
    await redis().flushall();
    const first = await redis().xadd('s', '*', Buffer.from('f\x00\xff', 'latin1'), 'v\r\n');
    const second = await redis().xadd('s', '*', 'f', 'v');
    const [ms1, seq1] = first!.split('-').map(Number) as [number, number];
    const [ms2, seq2] = second!.split('-').map(Number) as [number, number];
    expect(ms2 > ms1 || (ms2 === ms1 && seq2 === seq1 + 1)).toBe(true);
    expect(Math.abs(ms1 - Date.now())).toBeLessThan(5000);
    const range = await redis().xrangeBuffer('s', '-', '+');
    expect(range[0]![1].map((b) => b.toString('latin1'))).toEqual(['f\x00\xff', 'v\r\n']);
    expect(await redis().call('OBJECT', 'ENCODING', 's')).toBe('stream');
    expect(await redis().type('s')).toBe('stream');
  });

  it('copies streams with their groups independently (COPY)', async () => {
    await redis().flushall();
    await redis().xadd('s', '1-1', 'a', 'b');
    await redis().xgroup('CREATE', 's', 'g', '0');
    await redis().xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>');
    expect(await redis().copy('s', 't')).toBe(1);
    await redis().xack('s', 'g', '1-1');
    expect(await redis().xpending('t', 'g')).toEqual([1, '1-1', '1-1', [['c', '1']]]);
    expect(await redis().xpending('s', 'g')).toEqual([0, null, null, null]);
  });

  it('times out a blocked XREAD with a null reply and then serves the next command', async () => {
    await redis().flushall();
    expect(await redis().xread('BLOCK', 30, 'STREAMS', 'nokey', '$')).toBeNull();
    expect(await redis().ping()).toBe('PONG');
  });
}, { flushBeforeEach: false });
