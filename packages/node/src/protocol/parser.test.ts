import { describe, it, expect } from 'vitest';
import { RequestParser, parseLength, splitInlineArgs, type ParserLimits } from './parser.js';

const LIMITS: ParserLimits = { maxBulkLength: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 };

interface Outcome {
  commands: string[][];
  error: string | null;
  overflow: boolean;
}

/** Feeds the chunks the way the server does and collects every command until a failure. */
function parse(chunks: Array<string | Buffer>, limits: ParserLimits = LIMITS, unauthenticated = false): Outcome {
  const parser = new RequestParser(limits);
  parser.unauthenticated = unauthenticated;
  const commands: string[][] = [];
  for (const chunk of chunks) {
    if (parser.feed(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk)) {
      let argv: string[] | null;
      while ((argv = parser.next()) !== null) commands.push(argv);
    }
    if (parser.error !== null || parser.overflow) break;
  }
  return { commands, error: parser.error, overflow: parser.overflow };
}

function mbulk(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
}

/** A byte string with every byte value 0..255, to prove arguments are binary safe. */
const ALL_BYTES = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

/** Valid request streams and the commands they carry. */
const VALID: Array<[string, string, string[][]]> = [
  ['one multibulk command', mbulk('SET', 'key', 'value'), [['SET', 'key', 'value']]],
  ['an empty bulk argument', mbulk('SET', '', ''), [['SET', '', '']]],
  ['binary bytes including CR LF and NUL', mbulk('SET', 'k', ALL_BYTES), [['SET', 'k', ALL_BYTES]]],
  ['a pipeline of multibulk commands', mbulk('PING') + mbulk('GET', 'a') + mbulk('INCR', 'n'), [['PING'], ['GET', 'a'], ['INCR', 'n']]],
  ['*0 and *-1 skipped between commands', `*0\r\n${mbulk('PING')}*-1\r\n*-7\r\n${mbulk('ECHO', 'x')}`, [['PING'], ['ECHO', 'x']]],
  ['an inline command ended by CRLF', 'SET a b\r\n', [['SET', 'a', 'b']]],
  ['an inline command ended by LF alone', 'GET a\n', [['GET', 'a']]],
  ['blank inline lines skipped', '\r\n\n   \r\nPING\r\n', [['PING']]],
  ['inline and multibulk mixed', `PING\r\n${mbulk('GET', 'x')}ECHO "a b"\r\n`, [['PING'], ['GET', 'x'], ['ECHO', 'a b']]],
  ['a bulk whose payload looks like a frame', mbulk('SET', '*1\r\n$4\r\nPING\r\n', '$-1'), [['SET', '*1\r\n$4\r\nPING\r\n', '$-1']]],
  ['a bulk of 40000 bytes (a big argument)', mbulk('SET', 'big', 'x'.repeat(40_000)) + mbulk('PING'), [['SET', 'big', 'x'.repeat(40_000)], ['PING']]],
  ['one command name in several cases (names are reused, bytes kept exact)', mbulk('get', 'a') + mbulk('GET', 'a') + mbulk('GeT', 'a') + mbulk('get', 'b'),
    [['get', 'a'], ['GET', 'a'], ['GeT', 'a'], ['get', 'b']]],
  ['names that share a first byte, last byte and length', mbulk('SPOP', 'k') + mbulk('SCOP', 'k') + mbulk('SPOP', 'k'), [['SPOP', 'k'], ['SCOP', 'k'], ['SPOP', 'k']]],
  // Redis skips the two bytes after the count line's CR and after a payload without checking them.
  ['unchecked bytes after CR and after a payload', '*1\r?$4\r\nPINGxy', [['PING']]],
];

describe('RequestParser: valid frames', () => {
  it.each(VALID)('parses %s', (_name, stream, expected) => {
    expect(parse([stream])).toEqual({ commands: expected, error: null, overflow: false });
  });

  it.each(VALID)('gives the same commands for %s split at every byte offset', (_name, stream, expected) => {
    // The 40 KB case is split at a sample of offsets to keep the test quick.
    const step = stream.length > 2000 ? 97 : 1;
    for (let at = 0; at <= stream.length; at += step) {
      const outcome = parse([stream.slice(0, at), stream.slice(at)]);
      expect(outcome.commands, `split at ${at}`).toEqual(expected);
      expect(outcome.error).toBeNull();
    }
  });

  it.each(VALID.filter(([, stream]) => stream.length < 2000))('gives the same commands for %s fed one byte at a time', (_name, stream, expected) => {
    expect(parse([...stream])).toEqual({ commands: expected, error: null, overflow: false });
  });

  it('gives the same commands for a pipeline split at three random offsets, many times', () => {
    const stream = VALID.map(([, s]) => s).join('');
    const expected = VALID.flatMap(([, , c]) => c);
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const cuts = [random(stream.length), random(stream.length), random(stream.length)].sort((a, b) => a - b);
      const chunks = [stream.slice(0, cuts[0]), stream.slice(cuts[0], cuts[1]), stream.slice(cuts[1], cuts[2]), stream.slice(cuts[2])];
      expect(parse(chunks).commands, `cuts ${cuts.join(',')}`).toEqual(expected);
    }
  });

  it('returns nothing while a frame is incomplete and keeps what it has', () => {
    const parser = new RequestParser(LIMITS);
    const stream = Buffer.from(mbulk('SET', 'k', 'v'.repeat(100)), 'latin1');
    parser.feed(stream.subarray(0, 20));
    expect(parser.next()).toBeNull();
    expect(parser.error).toBeNull();
    if (parser.feed(stream.subarray(20))) expect(parser.next()).toEqual(['SET', 'k', 'v'.repeat(100)]);
    else throw new Error('the last chunk completes the frame, feed() must say so');
  });
});

/**
 * An independent model of Redis's sdssplitargs (sds.c), walking a NUL-terminated C string:
 * the oracle the randomized test compares splitInlineArgs against.
 */
function sdsSplitArgsModel(text: string): string[] | null {
  const s = text + '\0';
  const at = (i: number) => (i < s.length ? s[i]! : '\0');
  const space = (c: string) => c === ' ' || (c >= '\t' && c <= '\r');
  const hex = (c: string) => /^[0-9a-fA-F]$/.test(c);
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };
  const out: string[] = [];
  let p = 0;
  for (;;) {
    while (at(p) !== '\0' && space(at(p))) p++;
    if (at(p) === '\0') return out;
    let word = '';
    let mode: 'plain' | 'double' | 'single' = 'plain';
    let done = false;
    while (!done) {
      const c = at(p);
      if (mode === 'double') {
        if (c === '\\' && at(p + 1) === 'x' && hex(at(p + 2)) && hex(at(p + 3))) {
          word += String.fromCharCode(parseInt(at(p + 2) + at(p + 3), 16));
          p += 3;
        } else if (c === '\\' && at(p + 1) !== '\0') {
          p++;
          word += escapes[at(p)] ?? at(p);
        } else if (c === '"') {
          if (at(p + 1) !== '\0' && !space(at(p + 1))) return null;
          done = true;
        } else if (c === '\0') return null;
        else word += c;
      } else if (mode === 'single') {
        if (c === '\\' && at(p + 1) === "'") {
          p++;
          word += "'";
        } else if (c === "'") {
          if (at(p + 1) !== '\0' && !space(at(p + 1))) return null;
          done = true;
        } else if (c === '\0') return null;
        else word += c;
      } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\0') done = true;
      else if (c === '"') mode = 'double';
      else if (c === "'") mode = 'single';
      else word += c;
      if (at(p) !== '\0') p++;
    }
    out.push(word);
  }
}

describe('splitInlineArgs (Redis sdssplitargs rules)', () => {
  it.each<[string, string[] | null]>([
    ['SET a b', ['SET', 'a', 'b']],
    ['  SET \t a   b  ', ['SET', 'a', 'b']],
    ['', []],
    ['   ', []],
    ['"hello world"', ['hello world']],
    ["'hello world'", ['hello world']],
    ['""', ['']],
    ["''", ['']],
    ['"a\\nb\\r\\t\\b\\a"', ['a\nb\r\t\b\x07']],
    ['"\\x41\\x7a\\xff\\x00"', ['Az\xff\x00']],
    ['"\\x4"', ['x4']],
    ['"\\xZZ"', ['xZZ']],
    ['"\\q\\\\\\""', ['q\\"']],
    ["'it\\'s'", ["it's"]],
    ["'a\\nb'", ['a\\nb']],
    ["'a\"b'", ['a"b']],
    ['"a\'b"', ["a'b"]],
    ['ab"cd ef"', ['abcd ef']],
    ["x'y z'", ['xy z']],
    ['"a"b', null],
    ["'a'b", null],
    ['"unterminated', null],
    ["'unterminated", null],
    ['"ends with backslash\\', null],
    ['"a"\tb', ['a', 'b']],
    ['"a"\vb', ['a', 'b']],
    // \v and \f separate words only when they come before one, not inside an unquoted word.
    ['a\vb', ['a\vb']],
    ['\va\fb', ['a\fb']],
    ['GET a\0b c', ['GET', 'a']],
  ])('splits %j', (line, expected) => {
    expect(splitInlineArgs(line)).toEqual(expected);
    expect(sdsSplitArgsModel(line)).toEqual(expected);
  });

  it('agrees with the sdssplitargs model on 20,000 random lines of tricky characters', () => {
    const alphabet = ['a', 'b', ' ', ' ', '"', "'", '\\', 'x', '4', 'f', 'G', '\t', '\v', '\f', 'n', '\r', '\xff'];
    let seed = 2024;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      let line = '';
      const length = random(14);
      for (let j = 0; j < length; j++) line += alphabet[random(alphabet.length)];
      expect(splitInlineArgs(line), JSON.stringify(line)).toEqual(sdsSplitArgsModel(line));
    }
  });
});

describe('parseLength (Redis string2ll)', () => {
  const parseText = (text: string) => parseLength(Buffer.from(text, 'latin1'), 0, text.length);
  it.each([
    ['0', 0], ['1', 1], ['-1', -1], ['123', 123], ['-9223372036854775808', -9223372036854775808],
  ])('accepts %s', (text, value) => {
    expect(parseText(text)).toBe(value);
  });
  it.each(['', '-', '01', '-0', '+1', ' 1', '1 ', '1a', '0x10', '1.5', '99999999999999999999', '123456789012345678901'])(
    'rejects %j', (text) => {
      expect(parseText(text)).toBeNaN();
    });
});

describe('RequestParser: protocol errors (the exact text Redis 7.0 replies before closing)', () => {
  it.each<[string, string, string]>([
    ['a multibulk count that is not a number', '*abc\r\n', 'Protocol error: invalid multibulk length'],
    ['a multibulk count with a plus sign', '*+1\r\n', 'Protocol error: invalid multibulk length'],
    ['a multibulk count with a leading zero', '*01\r\n', 'Protocol error: invalid multibulk length'],
    ['an empty multibulk count', '*\r\n', 'Protocol error: invalid multibulk length'],
    ['a multibulk count above INT_MAX', '*2147483648\r\n', 'Protocol error: invalid multibulk length'],
    ['a huge multibulk count', '*999999999999\r\n', 'Protocol error: invalid multibulk length'],
    ['a multibulk count that overflows a long long', '*99999999999999999999\r\n', 'Protocol error: invalid multibulk length'],
    ['a negative count below LLONG_MIN', '*-9223372036854775809\r\n', 'Protocol error: invalid multibulk length'],
    ['an argument without $', '*1\r\n+PING\r\n', "Protocol error: expected '$', got '+'"],
    ['an argument starting with a digit', '*1\r\n4\r\nPING\r\n', "Protocol error: expected '$', got '4'"],
    ['a high byte instead of $', '*1\r\n\xffx\r\n', "Protocol error: expected '$', got '\xff'"],
    ['a bulk length that is not a number', '*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
    ['a negative bulk length', '*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['a bulk length above proto-max-bulk-len', '*1\r\n$2147483648\r\n', 'Protocol error: invalid bulk length'],
    ['an empty bulk length', '*1\r\n$\r\n', 'Protocol error: invalid bulk length'],
    ['a bulk length with a leading zero', '*1\r\n$04\r\nPING\r\n', 'Protocol error: invalid bulk length'],
    ['a bulk length of 16 digits', '*1\r\n$1000000000000000\r\n', 'Protocol error: invalid bulk length'],
    ['a bulk length with a plus sign', '*1\r\n$+4\r\nPING\r\n', 'Protocol error: invalid bulk length'],
    ['unbalanced double quotes', 'SET "a b\r\n', 'Protocol error: unbalanced quotes in request'],
    ['a closing quote followed by a letter', 'SET "a"b c\r\n', 'Protocol error: unbalanced quotes in request'],
    ['unbalanced single quotes', "ECHO 'a\r\n", 'Protocol error: unbalanced quotes in request'],
  ])('replies for %s', (_name, stream, message) => {
    const outcome = parse([stream]);
    expect(outcome.error).toBe(message);
    expect(outcome.commands).toEqual([]);
  });

  it('skips a count of exactly LLONG_MIN like any count <= 0', () => {
    expect(parse([`*-9223372036854775808\r\n${mbulk('PING')}`])).toEqual({ commands: [['PING']], error: null, overflow: false });
  });

  it('runs the commands before a bad frame, then stops', () => {
    const outcome = parse([`${mbulk('PING')}PING\r\n*1\r\n$x\r\n${mbulk('PING')}`]);
    expect(outcome.commands).toEqual([['PING'], ['PING']]);
    expect(outcome.error).toBe('Protocol error: invalid bulk length');
  });

  it("maps CR and LF to a space in \"expected '$'\" (Redis's error formatter does)", () => {
    // The reply is an error line: a raw CR or LF inside it would break the protocol.
    expect(parse(['*1\r\n\r\n']).error).toBe("Protocol error: expected '$', got ' '");
    expect(parse(['*1\r\n\n$1\r\n']).error).toBe("Protocol error: expected '$', got ' '");
  });

  it('replies "too big inline request" past 64 KiB without a newline', () => {
    expect(parse(['x'.repeat(64 * 1024)]).error).toBeNull();
    expect(parse(['x'.repeat(64 * 1024 + 1)]).error).toBe('Protocol error: too big inline request');
    expect(parse(['GET ', 'x'.repeat(40_000), 'y'.repeat(40_000)]).error).toBe('Protocol error: too big inline request');
  });

  it('replies "too big mbulk count string" past 64 KiB without a CR after *', () => {
    expect(parse([`*${'1'.repeat(64 * 1024 + 1)}`]).error).toBe('Protocol error: too big mbulk count string');
  });

  it('replies "too big bulk count string" past 64 KiB without a CR after $', () => {
    expect(parse([`*1\r\n$${'1'.repeat(64 * 1024 + 1)}`]).error).toBe('Protocol error: too big bulk count string');
  });

  it('checks the bulk length against proto-max-bulk-len', () => {
    const limits = { ...LIMITS, maxBulkLength: 1024 * 1024 };
    expect(parse(['*2\r\n$4\r\nECHO\r\n$1048577\r\n'], limits).error).toBe('Protocol error: invalid bulk length');
    expect(parse(['*2\r\n$4\r\nECHO\r\n$1048576\r\n'], limits).error).toBeNull();
  });

  it('caps counts and bulk lengths of unauthenticated clients', () => {
    expect(parse(['*11\r\n'], LIMITS, true).error).toBe('Protocol error: unauthenticated multibulk length');
    expect(parse(['*10\r\n'], LIMITS, true).error).toBeNull();
    expect(parse(['*1\r\n$16385\r\n'], LIMITS, true).error).toBe('Protocol error: unauthenticated bulk length');
    expect(parse(['*1\r\n$16384\r\n'], LIMITS, true).error).toBeNull();
  });

  it('checks the length limit before the authentication cap, as Redis does', () => {
    expect(parse(['*2147483648\r\n'], LIMITS, true).error).toBe('Protocol error: invalid multibulk length');
    expect(parse(['*1\r\n$-5\r\n'], LIMITS, true).error).toBe('Protocol error: invalid bulk length');
  });
});

describe('RequestParser: query buffer limit', () => {
  const limits = { maxBulkLength: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 };

  it('flags overflow when a declared bulk keeps arriving past client-query-buffer-limit', () => {
    const chunks = ['*2\r\n$3\r\nSET\r\n$3000000\r\n', ...Array.from({ length: 40 }, () => 'x'.repeat(64 * 1024))];
    const outcome = parse(chunks, limits);
    expect(outcome.overflow).toBe(true);
    expect(outcome.error).toBeNull();
  });

  it('does not flag overflow for a large command that fits', () => {
    const outcome = parse([mbulk('SET', 'k', 'v'.repeat(900 * 1024))], limits);
    expect(outcome.overflow).toBe(false);
    expect(outcome.commands).toHaveLength(1);
  });
});

describe('RequestParser: garbage', () => {
  it('never throws and never returns a malformed argv on 3,000 random byte streams', () => {
    let seed = 99;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ['*', '$', '\r\n', '\r', '\n', '1', '2', '-1', '0', 'PING', ' ', '"', "'", '\0', '\xff', '99999999999', 'a'];
    for (let i = 0; i < 3000; i++) {
      let stream = '';
      const length = 1 + random(20);
      for (let j = 0; j < length; j++) stream += pieces[random(pieces.length)];
      const cut = random(stream.length + 1);
      const outcome = parse([stream.slice(0, cut), stream.slice(cut)]);
      for (const argv of outcome.commands) {
        expect(argv.length).toBeGreaterThan(0);
        for (const arg of argv) expect(typeof arg).toBe('string');
      }
      // The same stream in one chunk gives the same result: parsing never depends on chunking.
      expect(parse([stream]), JSON.stringify(stream)).toEqual(outcome);
    }
  });
});
