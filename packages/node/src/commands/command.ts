import { globMatch } from '../keyspace/glob.js';
import { Err } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import { replyHelp } from '../server/help.js';
import { replyCommandInfo, replyDocsMap, replyFlagSet } from './command-reply.js';
import { ACL_CATEGORIES } from './flags.js';
import { hasKeyArguments, keyReferences } from './keys.js';
import { CommandFlag, type Command, type CommandFamily, type CommandTable } from './table.js';

/**
 * The COMMAND family: introspection of the command table. Only the commands this server
 * implements exist here (the table holds nothing else), described with Redis 7.0's facts.
 */

const INVALID_COMMAND = 'ERR Invalid command specified';
const NO_KEY_ARGUMENTS = 'ERR The command has no key arguments';
const INVALID_ARGUMENT_COUNT = 'ERR Invalid number of arguments specified for command';
const INVALID_ARGUMENTS = 'ERR Invalid arguments specified for command';

/** A command named as COMMAND INFO/DOCS name it: 'get' or 'config|get', in any case. */
function lookupByName(table: CommandTable, name: string): Command | undefined {
  const bar = name.indexOf('|');
  if (bar === -1) return table.get(name);
  const subName = name.slice(bar + 1);
  if (subName.includes('|')) return undefined;
  return table.get(name.slice(0, bar))?.subcommands?.get(table.lower(subName));
}

/** The command a command line runs ('config get x' → config|get), as dispatch would find it. */
function lookupByLine(table: CommandTable, line: readonly string[]): Command | undefined {
  const base = table.get(line[0]!);
  if (line.length === 1 || base?.subcommands == null) return base;
  return base.subcommands.get(table.lower(line[1]!));
}

function replyAllInfo(client: Client): void {
  const table = client.server.commands;
  client.arrayLength(table.size);
  for (const command of table.all()) replyCommandInfo(client, command);
}

/** COMMAND: every command's INFO row. */
function command(client: Client): void {
  replyAllInfo(client);
}

function commandCount(client: Client): void {
  client.integer(client.server.commands.size);
}

/** COMMAND INFO [name ...]: a row per name, null for names that are not commands here. */
function commandInfo(client: Client, argv: string[]): void {
  if (argv.length === 2) {
    replyAllInfo(client);
    return;
  }
  const table = client.server.commands;
  client.arrayLength(argv.length - 2);
  for (let i = 2; i < argv.length; i++) replyCommandInfo(client, lookupByName(table, argv[i]!));
}

/** COMMAND DOCS [name ...]: a map of name → docs; unknown names are left out. */
function commandDocs(client: Client, argv: string[]): void {
  const table = client.server.commands;
  if (argv.length === 2) {
    replyDocsMap(client, table.all(), table.size);
    return;
  }
  const found: Command[] = [];
  for (let i = 2; i < argv.length; i++) {
    const command = lookupByName(table, argv[i]!);
    if (command !== undefined) found.push(command);
  }
  replyDocsMap(client, found, found.length);
}

/** COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]. */
function commandList(client: Client, argv: string[]): void {
  let keep: ((command: Command) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    if (argv[i]!.toLowerCase() !== 'filterby' || argv.length - 1 - i !== 2) {
      client.error(Err.syntax);
      return;
    }
    const argument = argv[i + 2]!;
    switch (argv[i + 1]!.toLowerCase()) {
      case 'module':
        // No modules can be loaded, so no command belongs to one.
        keep = () => false;
        break;
      case 'aclcat': {
        const bit = ACL_CATEGORIES.findIndex((name) => name === argument.toLowerCase());
        keep = bit === -1 ? () => false : (command) => (command.acl & (1 << bit)) !== 0;
        break;
      }
      case 'pattern':
        keep = (command) => globMatch(argument, command.fullName, true);
        break;
      default:
        client.error(Err.syntax);
        return;
    }
    i += 2;
  }
  const names: string[] = [];
  const visit = (commands: Iterable<Command>): void => {
    for (const command of commands) {
      if (keep === null || keep(command)) names.push(command.fullName);
      if (command.subcommands !== null) visit(command.subcommands.values());
    }
  };
  visit(client.server.commands.all());
  client.bulkArray(names);
}

function commandGetkeys(client: Client, argv: string[]): void {
  replyKeys(client, argv, false);
}

function commandGetkeysandflags(client: Client, argv: string[]): void {
  replyKeys(client, argv, true);
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS <command line>: the keys the line names (with their flags). */
function replyKeys(client: Client, argv: string[], withFlags: boolean): void {
  const line = argv.slice(2);
  const target = lookupByLine(client.server.commands, line);
  if (target === undefined) {
    client.error(INVALID_COMMAND);
    return;
  }
  if (!hasKeyArguments(target)) {
    client.error(NO_KEY_ARGUMENTS);
    return;
  }
  const arity = target.arity;
  if ((arity > 0 && line.length !== arity) || line.length < -arity) {
    client.error(INVALID_ARGUMENT_COUNT);
    return;
  }
  const keys = keyReferences(target, line);
  if (keys.length === 0) {
    if ((target.flags & CommandFlag.no_mandatory_keys) !== 0) client.emptyArray();
    else client.error(INVALID_ARGUMENTS);
    return;
  }
  client.arrayLength(keys.length);
  for (const key of keys) {
    if (withFlags) {
      client.arrayLength(2);
      client.bulk(line[key.position]!);
      replyFlagSet(client, key.flags);
    } else {
      client.bulk(line[key.position]!);
    }
  }
}

const COMMAND_HELP = [
  '(no subcommand)',
  '    Describe every command this server runs.',
  'COUNT',
  '    The number of commands this server runs.',
  'LIST',
  '    The names of the commands this server runs, optionally filtered.',
  'INFO [<command-name> ...]',
  '    Describe the named commands (every command when none is named):',
  '    arity, flags, key positions, ACL categories, tips, key specs,',
  '    subcommands.',
  'DOCS [<command-name> ...]',
  '    Document the named commands (every command when none is named):',
  '    summary, version, group, complexity, history, arguments,',
  '    subcommands.',
  'GETKEYS <full-command>',
  '    The key arguments of a complete command line.',
  'GETKEYSANDFLAGS <full-command>',
  '    The key arguments of a complete command line, with how it uses each.',
];

function commandHelp(client: Client): void {
  replyHelp(client, 'command', COMMAND_HELP);
}

export const commandCommands: CommandFamily = {
  handlers: {
    command,
    'command|count': commandCount,
    'command|info': commandInfo,
    'command|docs': commandDocs,
    'command|list': commandList,
    'command|getkeys': commandGetkeys,
    'command|getkeysandflags': commandGetkeysandflags,
    'command|help': commandHelp,
  },
};
