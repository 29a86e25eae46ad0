import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadCommandMeta } from '../../src/commands/meta.js';
import { describeWithTsredis } from '../../../../test/helpers/ioredis.js';
import { redisCli } from '../../../../test/helpers/servers.js';

/**
 * The COMMAND family on tsredis alone: it describes exactly the commands the server runs,
 * and redis-cli (which reads COMMAND DOCS at startup for its hints) works against it.
 * command-golden.test.ts compares the replies with real Redis byte for byte.
 */

const HAS_CLI = spawnSync('redis-cli', ['--version']).status === 0;
if (!HAS_CLI) console.warn('command.test.ts: redis-cli is not installed — SKIPPING the redis-cli checks');

const meta = loadCommandMeta();

type InfoRow = [string, number, string[], number, number, number, string[], string[], unknown[], InfoRow[]];

describeWithTsredis('COMMAND family', ({ redis, server }) => {
  async function list(...filter: string[]): Promise<string[]> {
    return (await redis().call('COMMAND', 'LIST', ...filter)) as string[];
  }

  it('COMMAND, COMMAND INFO, COMMAND COUNT and COMMAND LIST describe the same commands', async () => {
    const names = await list();
    const topLevel = names.filter((name) => !name.includes('|'));
    expect(await redis().call('COMMAND', 'COUNT')).toBe(topLevel.length);
    const all = (await redis().call('COMMAND')) as InfoRow[];
    expect(all.map((row) => row[0])).toEqual(topLevel);
    expect(((await redis().call('COMMAND', 'INFO')) as InfoRow[]).map((row) => row[0])).toEqual(topLevel);
    const listed = all.flatMap((row) => [row[0], ...row[9].map((sub) => sub[0])]);
    expect(listed).toEqual(names);
    // Sorted: the table's order, top-level names and each container's subcommands.
    expect(topLevel).toEqual([...topLevel].sort());
  });

  it('lists only commands that run: every other Redis command is unknown here', async () => {
    const names = new Set(await list());
    expect(names.has('command|docs')).toBe(true);
    for (const name of names) expect(meta[name.split('|')[0]!], name).toBeDefined();
    const missing = Object.keys(meta).find((name) => !names.has(name));
    if (missing === undefined) return; // every Redis command is implemented
    expect(await redis().call('COMMAND', 'INFO', missing)).toEqual([null]);
    expect(await redis().call('COMMAND', 'DOCS', missing)).toEqual([]);
    await expect(redis().call(missing)).rejects.toThrow(`ERR unknown command '${missing}'`);
  });

  it('COMMAND INFO: rows by name in any case, null for unknown names', async () => {
    const [get, unknown, sub, tooDeep] = (await redis().call('COMMAND', 'INFO', 'GET', 'nosuch', 'Command|Info', 'command|info|x')) as (InfoRow | null)[];
    expect(get).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast'], [], expect.any(Array), []]);
    expect(unknown).toBeNull();
    expect(sub![0]).toBe('command|info');
    expect(tooDeep).toBeNull();
  });

  it('COMMAND DOCS: a map of the known names, our own summaries', async () => {
    const docs = (await redis().call('COMMAND', 'DOCS', 'get', 'nosuch', 'command')) as unknown[];
    expect(docs.filter((_, i) => i % 2 === 0)).toEqual(['get', 'command']);
    const getDocs = docs[1] as string[];
    expect(getDocs.slice(0, 6)).toEqual(['summary', meta['get']!.summary, 'since', '1.0.0', 'group', 'string']);
    const commandDocs = docs[3] as unknown[];
    const subcommands = commandDocs[commandDocs.indexOf('subcommands') + 1] as unknown[];
    expect(subcommands.filter((_, i) => i % 2 === 0)).toContain('command|getkeys');
  });

  it('COMMAND LIST FILTERBY ACLCAT / PATTERN / MODULE', async () => {
    const names = await list();
    expect(await list('FILTERBY', 'PATTERN', 'COMMAND|*')).toEqual(names.filter((name) => name.startsWith('command|')));
    expect(await list('FILTERBY', 'PATTERN', 'g?t')).toEqual(['get']);
    const connection = await list('FILTERBY', 'ACLCAT', 'Connection');
    expect(connection).toContain('ping');
    expect(connection).not.toContain('get');
    expect(await list('FILTERBY', 'ACLCAT', 'nosuch')).toEqual([]);
    expect(await list('FILTERBY', 'MODULE', 'any')).toEqual([]);
    await expect(list('FILTERBY', 'PATTERN')).rejects.toThrow('ERR syntax error');
    await expect(list('FILTERBY', 'NAME', 'x')).rejects.toThrow('ERR syntax error');
  });

  it('COMMAND GETKEYS / GETKEYSANDFLAGS and their errors', async () => {
    expect(await redis().call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
    expect(await redis().call('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v', 'GET')).toEqual([['k', ['RW', 'access', 'update']]]);
    expect(await redis().call('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v')).toEqual([['k', ['OW', 'update']]]);
    await expect(redis().call('COMMAND', 'GETKEYS', 'nosuch', 'k')).rejects.toThrow('ERR Invalid command specified');
    await expect(redis().call('COMMAND', 'GETKEYS', 'command', 'nosuch')).rejects.toThrow('ERR Invalid command specified');
    await expect(redis().call('COMMAND', 'GETKEYS', 'ping', 'x')).rejects.toThrow('ERR The command has no key arguments');
    await expect(redis().call('COMMAND', 'GETKEYS', 'get', 'a', 'b')).rejects.toThrow(
      'ERR Invalid number of arguments specified for command',
    );
    // GETKEYS itself needs a command and at least one argument.
    await expect(redis().call('COMMAND', 'GETKEYS', 'ping')).rejects.toThrow("ERR wrong number of arguments for 'command|getkeys' command");
  });

  it('COMMAND HELP', async () => {
    const help = (await redis().call('COMMAND', 'HELP')) as string[];
    expect(help[0]).toBe('COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help).toContain('GETKEYSANDFLAGS <full-command>');
    expect(help.slice(-2)).toEqual(['HELP', '    Prints this help.']);
  });

  describe.skipIf(!HAS_CLI)('redis-cli, which builds its hints from COMMAND DOCS', () => {
    it('runs piped commands', () => {
      const result = redisCli(server().port, [], 'set k v\nget k\n');
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('OK\nv\n');
    });

    it('prints COMMAND DOCS', () => {
      const result = redisCli(server().port, ['--no-raw', 'command', 'docs', 'get']);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('1) "get"');
      expect(result.stdout).toContain('"key_spec_index"');
      const all = redisCli(server().port, ['command', 'docs']);
      expect(all.status).toBe(0);
      expect(all.stdout).toContain('command|getkeysandflags');
    });
  });
}, { flushBeforeEach: false });
