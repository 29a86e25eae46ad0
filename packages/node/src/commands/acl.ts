import { randomBytes } from 'node:crypto';
import { categoryBit } from '../acl/catalog.js';
import { checkCommand, Denied } from '../acl/check.js';
import { channelsField, describeCommandRules, keysField, userFlags } from '../acl/describe.js';
import { DENIED_NAMES } from '../acl/log.js';
import { DEFAULT_USER } from '../acl/registry.js';
import { hasSpaces } from '../acl/rules.js';
import type { Selector } from '../acl/user.js';
import { Err, errorArg, subcommandSyntaxError } from '../protocol/errors.js';
import { REDACTED } from '../server/auth.js';
import type { Client } from '../server/client.js';
import { replyHelp } from '../server/help.js';
import { lookupCommand } from '../scripting/script-run.js';
import { parseInt64Number } from '../types/int64.js';
import { ACL_CATEGORIES } from './flags.js';
import type { Command, CommandFamily } from './table.js';

/*
 * The ACL command family. The rules, their rendering and the permission check live in
 * ../acl/; these handlers parse arguments and shape replies as Redis 7.0 does.
 */

const NO_ACL_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ' +
  'ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) ' +
  'in order to store users in the Redis configuration.';

const GENPASS_MAX_BITS = 4096;

/** ACL SETUSER username rule…: all rules apply or none. Every argument is redacted afterwards. */
function setuser(client: Client, argv: string[]): void {
  const name = argv[2]!;
  const rules = argv.slice(3);
  for (let i = 2; i < argv.length; i++) argv[i] = REDACTED;
  if (hasSpaces(name)) {
    client.error("ERR Usernames can't contain spaces or null characters");
    return;
  }
  const error = client.server.acl.setUser(name, rules);
  if (error === null) client.ok();
  else client.error(error);
}

function deluser(client: Client, argv: string[]): void {
  const names = argv.slice(2);
  if (names.includes(DEFAULT_USER)) {
    client.error("ERR The 'default' user cannot be removed");
    return;
  }
  client.integer(client.server.acl.deleteUsers(names, client));
}

/** ACL GETUSER: flags, passwords, the root selector's commands/keys/channels, then the other selectors. */
function getuser(client: Client, argv: string[]): void {
  const acl = client.server.acl;
  const user = acl.users.get(argv[2]!);
  if (user === undefined) {
    client.nullBulk();
    return;
  }
  client.mapLength(6);
  client.bulk('flags');
  const flags = userFlags(user);
  client.setLength(flags.length);
  for (const flag of flags) client.bulk(flag);
  client.bulk('passwords');
  client.bulkArray(user.passwords);
  replySelector(client, user.rootSelector);
  client.bulk('selectors');
  client.arrayLength(user.selectors.length - 1);
  for (const selector of user.selectors.slice(1)) {
    client.mapLength(3);
    replySelector(client, selector);
  }
}

function replySelector(client: Client, selector: Selector): void {
  client.bulk('commands');
  client.bulk(describeCommandRules(client.server.acl.catalog, selector));
  client.bulk('keys');
  client.bulk(keysField(selector));
  client.bulk('channels');
  client.bulk(channelsField(selector));
}

function list(client: Client): void {
  const acl = client.server.acl;
  client.bulkArray(acl.sortedUsers().map((user) => acl.describe(user)));
}

function users(client: Client): void {
  client.bulkArray(client.server.acl.sortedUsers().map((user) => user.name));
}

function whoami(client: Client): void {
  client.bulk(client.user.name);
}

function load(client: Client): void {
  const path = client.server.config.str('aclfile');
  if (path === '') {
    client.error(NO_ACL_FILE);
    return;
  }
  const errors = client.server.acl.loadFile(path, client);
  if (errors === null) client.ok();
  else client.error(`ERR ${errorArg(errors)}`);
}

function save(client: Client): void {
  const path = client.server.config.str('aclfile');
  if (path === '') client.error(NO_ACL_FILE);
  else if (client.server.acl.saveFile(path)) client.ok();
  else client.error('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
}

/**
 * ACL CAT: the categories, or the commands of one. Only commands we implement are listed, in
 * table order (Redis lists its own in an order that differs between processes).
 */
function cat(client: Client, argv: string[]): void {
  if (argv.length > 3) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  if (argv.length === 2) {
    client.bulkArray(ACL_CATEGORIES);
    return;
  }
  const bit = categoryBit(argv[2]!);
  if (bit === 0) {
    client.error(`ERR Unknown category '${errorArg(argv[2]!, 128)}'`);
    return;
  }
  const names: string[] = [];
  for (const command of client.server.commands.all()) collectCategory(command, bit, names);
  client.bulkArray(names);
}

function collectCategory(command: Command, bit: number, names: string[]): void {
  if ((command.acl & bit) !== 0) names.push(command.fullName);
  if (command.subcommands !== null) for (const sub of command.subcommands.values()) collectCategory(sub, bit, names);
}

function genpass(client: Client, argv: string[]): void {
  if (argv.length > 3) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  let bits = 256;
  if (argv.length === 3) {
    const requested = parseInt64Number(argv[2]!);
    if (requested === null) {
      client.error(Err.notInteger);
      return;
    }
    bits = requested;
  }
  if (bits <= 0 || bits > GENPASS_MAX_BITS) {
    client.error(
      `ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`,
    );
    return;
  }
  const chars = Math.floor((bits + 3) / 4);
  client.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

/** ACL LOG [count | RESET]: newest first, 10 entries by default. */
function log(client: Client, argv: string[]): void {
  if (argv.length > 3) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  const aclLog = client.server.acl.log;
  let count = 10;
  if (argv.length === 3) {
    if (argv[2]!.toLowerCase() === 'reset') {
      aclLog.reset();
      client.ok();
      return;
    }
    const requested = parseInt64Number(argv[2]!);
    if (requested === null) {
      client.error(Err.notInteger);
      return;
    }
    count = Math.max(requested, 0);
  }
  const entries = aclLog.entries.slice(0, count);
  const now = Date.now();
  client.arrayLength(entries.length);
  for (const entry of entries) {
    client.mapLength(7);
    client.bulk('count');
    client.integer(entry.count);
    client.bulk('reason');
    client.bulk(DENIED_NAMES[entry.reason]);
    client.bulk('context');
    client.bulk(entry.context);
    client.bulk('object');
    client.bulk(entry.object);
    client.bulk('username');
    client.bulk(entry.username);
    client.bulk('age-seconds');
    client.double((now - entry.time) / 1000);
    client.bulk('client-info');
    client.bulk(entry.clientInfo);
  }
}

/** ACL DRYRUN user command arg…: OK, or (as a bulk string) why the user could not run it. */
function dryrun(client: Client, argv: string[]): void {
  const server = client.server;
  const user = server.acl.users.get(argv[2]!);
  if (user === undefined) {
    client.error(`ERR User '${errorArg(argv[2]!)}' not found`);
    return;
  }
  const commandArgv = argv.slice(3);
  const command = lookupCommand(server, commandArgv);
  if (command === undefined) {
    client.error(`ERR Command '${errorArg(argv[3]!)}' not found`);
    return;
  }
  if ((command.arity > 0 && command.arity !== commandArgv.length) || commandArgv.length < -command.arity) {
    client.error(Err.arity(command.fullName));
    return;
  }
  const denial = checkCommand(user, command, commandArgv);
  if (denial === null) {
    client.ok();
    return;
  }
  const object = commandArgv[denial.position]!;
  if (denial.reason === Denied.Command) client.bulk(`This user has no permissions to run the '${command.fullName}' command`);
  else if (denial.reason === Denied.Key) client.bulk(`This user has no permissions to access the '${object}' key`);
  else client.bulk(`This user has no permissions to access the '${object}' channel`);
}

const HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

function help(client: Client): void {
  replyHelp(client, 'acl', HELP);
}

export const aclCommands: CommandFamily = {
  handlers: {
    'acl|setuser': setuser,
    'acl|deluser': deluser,
    'acl|getuser': getuser,
    'acl|list': list,
    'acl|users': users,
    'acl|whoami': whoami,
    'acl|load': load,
    'acl|save': save,
    'acl|cat': cat,
    'acl|genpass': genpass,
    'acl|log': log,
    'acl|dryrun': dryrun,
    'acl|help': help,
  },
};
