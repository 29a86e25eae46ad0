import { describe, expect, it } from 'vitest';
import { loadCommandMeta, type CommandMeta } from '../commands/meta.js';
import { CommandTable, type Command } from '../commands/table.js';
import { collectKeys, routesByKeys } from './cluster-gate.js';

/**
 * The keys cluster routing reads from a command line (Redis's getKeysFromCommand: key finders,
 * else the legacy first/last/step range, shard channels included) and which commands are routed
 * at all. Every command gets a dummy handler so the whole table is covered.
 */

const meta = loadCommandMeta();
const names = Object.values(meta).flatMap((command: CommandMeta) => [command.name, ...Object.keys(command.subcommands ?? {})]);
const table = new CommandTable(meta, [{ handlers: Object.fromEntries(names.map((name) => [name, (): void => {}])) }]);

function commandFor(line: readonly string[]): Command {
  const base = table.get(line[0]!)!;
  return base.subcommands === null ? base : base.subcommands.get(line[1]!.toLowerCase())!;
}

function keysOf(...line: string[]): string[] {
  const keys: string[] = [];
  collectKeys(commandFor(line), line, keys);
  return keys;
}

describe('collectKeys', () => {
  it.each([
    [['GET', 'a'], ['a']],
    [['MSET', 'a', '1', 'b', '2'], ['a', 'b']],
    [['MGET', 'a', 'b', 'c'], ['a', 'b', 'c']],
    [['RENAME', 'a', 'b'], ['a', 'b']],
    [['EVAL', 'return 1', '2', 'k1', 'k2', 'arg'], ['k1', 'k2']],
    [['EVAL', 'return 1', '0'], []],
    [['ZUNIONSTORE', 'dst', '2', 'a', 'b'], ['a', 'b', 'dst']],
    [['XREAD', 'COUNT', '1', 'STREAMS', 's1', 's2', '0', '0'], ['s1', 's2']],
    [['MIGRATE', 'h', '1', '', '0', '10', 'KEYS', 'a', 'b'], ['a', 'b']],
    [['SSUBSCRIBE', 'c1', 'c2'], ['c1', 'c2']],
    [['SPUBLISH', 'c1', 'message'], ['c1']],
    [['SUNSUBSCRIBE'], []],
    [['PUBLISH', 'c1', 'message'], []],
    [['PING'], []],
  ])('%j routes by %j', (line, keys) => {
    expect(keysOf(...line)).toEqual(keys);
  });
});

describe('routesByKeys', () => {
  it('routes commands with keys, shard channels and EXEC; not keyless ones', () => {
    for (const name of ['get', 'mset', 'eval', 'spublish', 'ssubscribe', 'exec', 'migrate']) expect(routesByKeys(table.get(name)!)).toBe(true);
    for (const name of ['ping', 'publish', 'subscribe', 'multi', 'info', 'dbsize']) expect(routesByKeys(table.get(name)!)).toBe(false);
  });
});
