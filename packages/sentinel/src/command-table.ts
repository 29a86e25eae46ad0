/**
 * The Sentinel's command table: the 15 commands redis-sentinel 7.0 has (meta.json, captured
 * from it by scripts/capture-command-meta.mjs with META_OUT), run by the data node's
 * handlers except where a Sentinel answers differently (commands.ts).
 */
import { readFileSync } from 'node:fs';
import { COMMAND_FAMILIES } from '@tsredis/node/commands/index';
import type { CommandMeta } from '@tsredis/node/commands/meta';
import { CommandTable, type CommandFamily, type CommandHandler } from '@tsredis/node/commands/table';
import { sentinelCommands } from './commands.js';

export function loadSentinelMeta(): Record<string, CommandMeta> {
  return JSON.parse(readFileSync(new URL('./meta.json', import.meta.url), 'utf8')) as Record<string, CommandMeta>;
}

/** Every full command name in the metadata ('ping', 'client|list', …). */
function commandNames(meta: Record<string, CommandMeta>): Set<string> {
  const names = new Set<string>();
  for (const entry of Object.values(meta)) {
    names.add(entry.name);
    for (const sub of Object.values(entry.subcommands ?? {})) names.add(sub.name);
  }
  return names;
}

export function sentinelCommandTable(): CommandTable {
  const meta = loadSentinelMeta();
  const names = commandNames(meta);
  const own = sentinelCommands.handlers;
  const borrowed: Record<string, CommandHandler> = {};
  for (const family of COMMAND_FAMILIES) {
    for (const [name, handler] of Object.entries(family.handlers)) {
      if (names.has(name) && own[name] === undefined) borrowed[name] = handler;
    }
  }
  const families: CommandFamily[] = [sentinelCommands, { handlers: borrowed }];
  return new CommandTable(meta, families);
}
