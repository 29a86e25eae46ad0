import { describe, expect, it } from 'vitest';
import { AofCommandReader } from './aof-loader.js';

const SET = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n';

function readAll(text: string): string[][] {
  const reader = new AofCommandReader(Buffer.from(text, 'latin1'));
  const commands: string[][] = [];
  let argv: string[] | null;
  while ((argv = reader.next()) !== null) commands.push(argv);
  return commands;
}

describe('AofCommandReader', () => {
  it('reads commands and skips #TS annotations', () => {
    expect(readAll(`#TS:1700000000\r\n${SET}*1\r\n$5\r\nMULTI\r\n`)).toEqual([['SET', 'k', 'v'], ['MULTI']]);
  });

  it('keeps binary arguments byte for byte', () => {
    expect(readAll('*2\r\n$3\r\nGET\r\n$4\r\n\r\n\x00\xff\r\n')).toEqual([['GET', '\r\n\x00\xff']]);
  });

  it('reports a short read at every cut inside a command', () => {
    for (let cut = 1; cut < SET.length; cut++) {
      expect(() => readAll(SET.slice(0, cut)), `cut at ${cut}`).toThrow('');
    }
  });

  it('tells a bad format from a short read', () => {
    expect(() => readAll('SET k v\r\n')).toThrow();
    const reader = new AofCommandReader(Buffer.from(`${SET}*3\r\n$3\r\nSET`, 'latin1'));
    expect(reader.next()).toEqual(['SET', 'k', 'v']);
    expect(reader.position).toBe(SET.length);
  });
});
