import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReplyWriter } from '../protocol/writer.js';
import { replyCommandInfo, replyDocsMap } from './command-reply.js';
import { loadCommandMeta } from './meta.js';
import { CommandTable } from './table.js';

/**
 * Rendering without a server: byte vectors are redis-server 7.0.15's replies (the docs one
 * with our summary in place of Redis's). The golden test compares every command live.
 */

const meta = loadCommandMeta();
const noop = (): void => {};
const table = new CommandTable(meta, [{ handlers: { get: noop, 'object|encoding': noop, 'object|freq': noop } }]);

function render(resp: 2 | 3, write: (writer: ReplyWriter) => void): string {
  const writer = new ReplyWriter();
  writer.resp = resp;
  write(writer);
  return writer.take()!.toString('latin1');
}

const GET_SPEC_RESP3 =
  '%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n' +
  '$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n' +
  '%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n';

describe('COMMAND INFO / DOCS rendering', () => {
  it('renders the GET row in RESP3 with sets and maps', () => {
    expect(render(3, (w) => replyCommandInfo(w, table.get('get')))).toBe(
      '*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n' +
        `~0\r\n~1\r\n${GET_SPEC_RESP3}~0\r\n`,
    );
  });

  it('renders the GET row in RESP2 with flat arrays', () => {
    expect(render(2, (w) => replyCommandInfo(w, table.get('get')))).toBe(
      '*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n' +
        '*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n' +
        '$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n' +
        '$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n',
    );
  });

  it('renders an unknown name as null', () => {
    expect(render(2, (w) => replyCommandInfo(w, undefined))).toBe('$-1\r\n');
    expect(render(3, (w) => replyCommandInfo(w, undefined))).toBe('_\r\n');
  });

  it('lists only the implemented subcommands of a container, in table order', () => {
    const rows = render(3, (w) => replyCommandInfo(w, table.get('object')));
    expect(rows).toMatch(/~0\r\n\*2\r\n\*10\r\n\$15\r\nobject\|encoding\r\n[^]*\*10\r\n\$11\r\nobject\|freq\r\n/);
  });

  it('renders the GET docs map in RESP3', () => {
    const summary = meta['get']!.summary;
    expect(render(3, (w) => replyDocsMap(w, [table.get('get')!], 1))).toBe(
      `%1\r\n$3\r\nget\r\n%5\r\n$7\r\nsummary\r\n$${summary.length}\r\n${summary}\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n` +
        '$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n' +
        '$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n',
    );
  });

  it('meta.json is ASCII, so latin1 bulk lengths are byte lengths', () => {
    const text = readFileSync(new URL('./meta.json', import.meta.url), 'utf8');
    expect(/[^\x00-\x7f]/.test(text)).toBe(false);
  });
});
