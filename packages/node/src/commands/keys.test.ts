import { describe, expect, it } from 'vitest';
import { hasKeyArguments, keyPositions, keyReferences } from './keys.js';
import { loadCommandMeta, type CommandMeta } from './meta.js';
import { CommandTable, type Command } from './table.js';

/**
 * Key finding over Redis 7.0's whole command table (every command given a dummy handler, so
 * commands this server does not implement yet are covered too). Expected answers are what
 * redis-server 7.0.15 replies to COMMAND GETKEYSANDFLAGS for the same lines.
 */

function everyCommandName(meta: Record<string, CommandMeta>): string[] {
  return Object.values(meta).flatMap((command) => [command.name, ...Object.keys(command.subcommands ?? {})]);
}

const meta = loadCommandMeta();
const noop = (): void => {};
const table = new CommandTable(meta, [{ handlers: Object.fromEntries(everyCommandName(meta).map((name) => [name, noop])) }]);

function commandFor(line: string[]): Command {
  const base = table.get(line[0]!)!;
  return base.subcommands === null ? base : base.subcommands.get(line[1]!.toLowerCase())!;
}

/** [key, flags] pairs, as GETKEYSANDFLAGS lists them. */
function keysOf(...line: string[]): [string, string[]][] {
  return keyReferences(commandFor(line), line).map((key) => [line[key.position]!, [...key.flags]]);
}

const OW = ['OW', 'update'];
const RO = ['RO', 'access'];
const RW = ['RW', 'access', 'update'];
const MOVE = ['RW', 'access', 'delete'];

describe('keyReferences (COMMAND GETKEYSANDFLAGS)', () => {
  it('SET: one key, flags depending on GET', () => {
    expect(keysOf('set', 'k', 'v')).toEqual([['k', OW]]);
    expect(keysOf('set', 'k', 'v', 'EX', '10', 'gEt')).toEqual([['k', RW]]);
  });

  it('MSET: every other argument', () => {
    expect(keysOf('mset', 'a', '1', 'b', '2')).toEqual([['a', OW], ['b', OW]]);
  });

  it('ZUNIONSTORE: destination then numkeys keys', () => {
    expect(keysOf('zunionstore', 'dst', '2', 'a', 'b', 'WEIGHTS', '1', '2')).toEqual([['dst', OW], ['a', RO], ['b', RO]]);
    // Too many keys claimed, or none: nothing (GETKEYS then says the arguments are invalid).
    expect(keysOf('zunionstore', 'dst', '3', 'a', 'b')).toEqual([]);
    expect(keysOf('zunionstore', 'dst', '0', 'a')).toEqual([]);
    // A count the key spec cannot parse falls back to atoi: keys first, flags unknown.
    expect(keysOf('zunionstore', 'dst', '1abc', 'a')).toEqual([['a', []], ['dst', []]]);
    // The count is added as a C int, so 2^32 + 1 counts as 1.
    expect(keysOf('zunionstore', 'dst', '4294967297', 'a', 'b')).toEqual([['dst', OW], ['a', RO]]);
  });

  it('EVAL: numkeys keys, none for 0', () => {
    expect(keysOf('eval', 'return 1', '0')).toEqual([]);
    expect(keysOf('eval', 's', '2', 'a', 'b', 'c')).toEqual([['a', RW], ['b', RW]]);
    expect(keysOf('eval', 's', '+1', 'a')).toEqual([['a', []]]);
    expect(keysOf('eval', 's', '5', 'a')).toEqual([]);
  });

  it('XREAD / XREADGROUP: the first half after STREAMS', () => {
    expect(keysOf('xread', 'COUNT', '2', 'STREAMS', 's1', 's2', '0', '0')).toEqual([['s1', RO], ['s2', RO]]);
    expect(keysOf('xread', 'streams', 'a', 'b', 'c')).toEqual([['a', RO]]);
    expect(keysOf('xread', 'count', '1', 'streams')).toEqual([]);
    expect(keysOf('xreadgroup', 'GROUP', 'g', 'c', 'STREAMS', 's', '0')).toEqual([['s', RO]]);
  });

  it('MIGRATE: the key argument, or the keys after KEYS when it is empty', () => {
    expect(keysOf('migrate', 'h', '6379', '', '0', '5000', 'KEYS', 'a', 'b')).toEqual([['a', MOVE], ['b', MOVE]]);
    expect(keysOf('migrate', 'h', '6379', 'k', '0', '5000')).toEqual([['k', MOVE]]);
    expect(keysOf('migrate', 'h', '6379', 'k', '0', '5000', 'KEYS', 'a')).toEqual([]);
    expect(keysOf('migrate', 'h', '6379', '', '0', '5000', 'AUTH', 'keys', 'KEYS', 'a')).toEqual([['a', MOVE]]);
  });

  it('SORT: the sorted key and the last STORE destination', () => {
    expect(keysOf('sort', 'k', 'STORE', 'd')).toEqual([['k', RO], ['d', OW]]);
    expect(keysOf('sort', 'k', 'by', 'p', 'get', 'g', 'store', 'd1', 'limit', '0', '1', 'store', 'd2')).toEqual([['k', RO], ['d2', OW]]);
    expect(keysOf('sort', 'k', 'store')).toEqual([['k', RO]]);
    expect(keysOf('sort_ro', 'k', 'by', 'x')).toEqual([['k', RO]]);
  });

  it('BITFIELD: read-only when it only GETs', () => {
    expect(keysOf('bitfield', 'k', 'get', 'u8', '0')).toEqual([['k', RO]]);
    expect(keysOf('bitfield', 'k', 'get', 'u8', '0', 'incrby', 'u8', '0', '1')).toEqual([['k', RW]]);
  });

  it('GEORADIUS: STORE / STOREDIST keywords searched from argument 6', () => {
    expect(keysOf('georadius', 'k', '1', '2', '3', 'm', 'store')).toEqual([['k', RO]]);
    expect(keysOf('georadius', 'k', '1', '2', '3', 'm', 'store', 'd', 'storedist', 'e')).toEqual([['k', RO], ['d', OW], ['e', OW]]);
  });

  it('LMPOP / BLMPOP: numkeys keys', () => {
    expect(keysOf('lmpop', '2', 'a', 'b', 'left')).toEqual([['a', MOVE], ['b', MOVE]]);
    expect(keysOf('lmpop', '0', 'a', 'left')).toEqual([]);
    expect(keysOf('blmpop', '0', '2', 'a', 'b', 'left')).toEqual([['a', MOVE], ['b', MOVE]]);
  });

  it('subcommands and positions', () => {
    expect(keysOf('object', 'encoding', 'k')).toEqual([['k', ['RO']]]);
    expect(keyPositions(commandFor(['rename', 'a', 'b']), ['rename', 'a', 'b'])).toEqual([1, 2]);
  });

  it('hasKeyArguments: key specs or a key finder, channels do not count', () => {
    expect(hasKeyArguments(table.get('get')!)).toBe(true);
    expect(hasKeyArguments(table.get('sort')!)).toBe(true);
    expect(hasKeyArguments(table.get('publish')!)).toBe(false);
    expect(hasKeyArguments(table.get('spublish')!)).toBe(false); // its only key spec is not_key
    expect(hasKeyArguments(table.get('ping')!)).toBe(false);
    expect(hasKeyArguments(table.get('config')!)).toBe(false);
  });
});
