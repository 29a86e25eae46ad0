import { describe, it, expect } from 'vitest';
import { ReplyWriter } from './writer.js';

/** The bytes one call writes, in RESP2 and in RESP3. */
function encode(write: (w: ReplyWriter) => void): { resp2: string; resp3: string } {
  const run = (resp: 2 | 3) => {
    const writer = new ReplyWriter();
    writer.resp = resp;
    write(writer);
    return writer.take()?.toString('latin1') ?? '';
  };
  return { resp2: run(2), resp3: run(3) };
}

describe('ReplyWriter encodings (RESP2 | RESP3)', () => {
  it('writes every power of ten and its neighbours as decimal text', () => {
    for (let power = 1; power <= 2 ** 53; power *= 10) {
      for (const n of [power - 1, power, power + 1]) expect(encode((w) => w.integer(n)).resp2).toBe(`:${n}\r\n`);
    }
  });


  it.each<[string, (w: ReplyWriter) => void, string, string]>([
    ['ok', (w) => w.ok(), '+OK\r\n', '+OK\r\n'],
    ['simple', (w) => w.simple('PONG'), '+PONG\r\n', '+PONG\r\n'],
    ['error', (w) => w.error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
    ['integer 0', (w) => w.integer(0), ':0\r\n', ':0\r\n'],
    ['integer 1', (w) => w.integer(1), ':1\r\n', ':1\r\n'],
    ['integer -1', (w) => w.integer(-1), ':-1\r\n', ':-1\r\n'],
    ['integer 10', (w) => w.integer(10), ':10\r\n', ':10\r\n'],
    ['integer 2^53 - 1', (w) => w.integer(Number.MAX_SAFE_INTEGER), ':9007199254740991\r\n', ':9007199254740991\r\n'],
    ['integer -2^53 + 1', (w) => w.integer(-Number.MAX_SAFE_INTEGER), ':-9007199254740991\r\n', ':-9007199254740991\r\n'],
    ['bigint', (w) => w.integer(9223372036854775807n), ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
    ['bigint min', (w) => w.integer(-9223372036854775808n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
    ['empty bulk', (w) => w.bulk(''), '$0\r\n\r\n', '$0\r\n\r\n'],
    ['bulk', (w) => w.bulk('hello'), '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
    ['binary bulk', (w) => w.bulk('\x00\r\n\xff'), '$4\r\n\x00\r\n\xff\r\n', '$4\r\n\x00\r\n\xff\r\n'],
    ['bulk of 64 bytes (past the shared headers)', (w) => w.bulk('a'.repeat(64)), `$64\r\n${'a'.repeat(64)}\r\n`, `$64\r\n${'a'.repeat(64)}\r\n`],
    ['bulkOrNull(null)', (w) => w.bulkOrNull(null), '$-1\r\n', '_\r\n'],
    ['bulkOrNull(undefined)', (w) => w.bulkOrNull(undefined), '$-1\r\n', '_\r\n'],
    ['bulkOrNull("")', (w) => w.bulkOrNull(''), '$0\r\n\r\n', '$0\r\n\r\n'],
    ['nullBulk', (w) => w.nullBulk(), '$-1\r\n', '_\r\n'],
    ['nullArray', (w) => w.nullArray(), '*-1\r\n', '_\r\n'],
    ['emptyArray', (w) => w.emptyArray(), '*0\r\n', '*0\r\n'],
    ['arrayLength 3', (w) => w.arrayLength(3), '*3\r\n', '*3\r\n'],
    ['arrayLength 1000', (w) => w.arrayLength(1000), '*1000\r\n', '*1000\r\n'],
    ['mapLength 2', (w) => w.mapLength(2), '*4\r\n', '%2\r\n'],
    ['mapLength 100', (w) => w.mapLength(100), '*200\r\n', '%100\r\n'],
    ['setLength 3', (w) => w.setLength(3), '*3\r\n', '~3\r\n'],
    ['setLength 70', (w) => w.setLength(70), '*70\r\n', '~70\r\n'],
    ['pushLength 3', (w) => w.pushLength(3), '*3\r\n', '>3\r\n'],
    ['double 1.5', (w) => w.double(1.5), '$3\r\n1.5\r\n', ',1.5\r\n'],
    ['double 0.1', (w) => w.double(0.1), '$19\r\n0.10000000000000001\r\n', ',0.10000000000000001\r\n'],
    ['double inf', (w) => w.double(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
    ['double -inf', (w) => w.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
    ['double 3', (w) => w.double(3), '$1\r\n3\r\n', ',3\r\n'],
    ['boolean true', (w) => w.boolean(true), ':1\r\n', '#t\r\n'],
    ['boolean false', (w) => w.boolean(false), ':0\r\n', '#f\r\n'],
    ['verbatim', (w) => w.verbatim('a\r\nb'), '$4\r\na\r\nb\r\n', '=8\r\ntxt:a\r\nb\r\n'],
    ['verbatim markdown', (w) => w.verbatim('# x', 'mkd'), '$3\r\n# x\r\n', '=7\r\nmkd:# x\r\n'],
    ['bulkArray', (w) => w.bulkArray(['a', '', 'bc']), '*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n', '*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n'],
    ['bulkArray empty', (w) => w.bulkArray([]), '*0\r\n', '*0\r\n'],
  ])('%s', (_name, write, resp2, resp3) => {
    expect(encode(write)).toEqual({ resp2, resp3 });
  });
});

describe('ReplyWriter buffering', () => {
  it('returns null from take() when nothing was written', () => {
    expect(new ReplyWriter().take()).toBeNull();
  });

  it('hands over each batch once, in order, and starts empty afterwards', () => {
    const writer = new ReplyWriter();
    writer.ok();
    writer.integer(42);
    expect(writer.pendingBytes).toBe(10);
    expect(writer.take()!.toString()).toBe('+OK\r\n:42\r\n');
    expect(writer.pendingBytes).toBe(0);
    writer.nullBulk();
    expect(writer.take()!.toString()).toBe('$-1\r\n');
  });

  it('grows past its initial buffer without losing bytes (large and many replies)', () => {
    const writer = new ReplyWriter();
    const big = 'x'.repeat(100_000);
    let expected = '';
    for (let i = 0; i < 500; i++) {
      writer.bulk(String(i));
      expected += `$${String(i).length}\r\n${i}\r\n`;
    }
    writer.bulk(big);
    expected += `$100000\r\n${big}\r\n`;
    expect(writer.take()!.toString('latin1')).toBe(expected);
    writer.ok();
    expect(writer.take()!.toString()).toBe('+OK\r\n');
  });

  it('a batch handed over is not overwritten by later replies', () => {
    const writer = new ReplyWriter();
    writer.bulk('y'.repeat(5000));
    const first = writer.take()!;
    writer.bulk('z'.repeat(5000));
    expect(first.toString('latin1')).toBe(`$5000\r\n${'y'.repeat(5000)}\r\n`);
  });

  it('truncate() drops the replies written after a mark', () => {
    const writer = new ReplyWriter();
    writer.ok();
    const mark = writer.pendingBytes;
    writer.bulk('discarded');
    writer.truncate(mark);
    writer.integer(7);
    expect(writer.take()!.toString()).toBe('+OK\r\n:7\r\n');
  });
});

describe('ReplyWriter views', () => {
  it('takeView() returns the batch and reuses the buffer for the next one', () => {
    const writer = new ReplyWriter();
    writer.ok();
    expect(writer.takeView()!.toString()).toBe('+OK\r\n');
    expect(writer.takeView()).toBeNull();
    writer.integer(5);
    expect(writer.takeView()!.toString()).toBe(':5\r\n');
  });

  it('a view given away with detach() is not overwritten by later replies', () => {
    const writer = new ReplyWriter();
    writer.bulk('a'.repeat(100));
    const view = writer.takeView()!;
    writer.detach();
    writer.bulk('b'.repeat(100));
    expect(view.toString('latin1')).toBe(`$100\r\n${'a'.repeat(100)}\r\n`);
  });
});
