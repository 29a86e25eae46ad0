import { hasKeyArguments, keyReferences, type KeyReference } from '../commands/keys.js';
import { CommandFlag, type Command } from '../commands/table.js';
import { globMatch } from '../keyspace/glob.js';
import { KeyPermission, type Selector, type User } from './user.js';

/** Why a command was refused, ordered as Redis's ACL_DENIED_* codes (the highest wins). */
export const enum Denied {
  Command = 1,
  Key = 2,
  Auth = 3,
  Channel = 4,
}

export interface Denial {
  reason: Denied;
  /** argv index of the refused key or channel (0 for a refused command). */
  position: number;
}

/** How a pub/sub command names channels (Redis's commands_with_channels table). */
interface ChannelArgs {
  /** The channels are patterns (PSUBSCRIBE): compared literally with the ACL patterns. */
  pattern: boolean;
  /** Only argv[1] (PUBLISH), else every argument. */
  single: boolean;
}

/** UNSUBSCRIBE and PUNSUBSCRIBE name channels too, but ACLs never refuse leaving one. */
const CHANNEL_COMMANDS = new Map<string, ChannelArgs>([
  ['subscribe', { pattern: false, single: false }],
  ['ssubscribe', { pattern: false, single: false }],
  ['psubscribe', { pattern: true, single: false }],
  ['publish', { pattern: false, single: true }],
  ['spublish', { pattern: false, single: true }],
]);

/**
 * Whether `user` may run `command` with these arguments (ACLCheckAllUserCommandPerm): some
 * selector must allow the command, every key and every channel. When none does, the denial
 * Redis reports: a key or channel refusal beats a command refusal, and among equals the one at
 * the later argument.
 */
export function checkCommand(user: User, command: Command, argv: readonly string[]): Denial | null {
  let worst: Denial = { reason: Denied.Command, position: 0 };
  let keys: KeyReference[] | null = null;
  for (const selector of user.selectors) {
    if (!selector.allKeys && keys === null && hasKeyArguments(command)) keys = keyReferences(command, argv);
    const denial = checkSelector(selector, command, argv, keys);
    if (denial === null) return null;
    if (denial.reason > worst.reason || (denial.reason === worst.reason && denial.position > worst.position)) worst = denial;
  }
  return worst;
}

function checkSelector(selector: Selector, command: Command, argv: readonly string[], keys: KeyReference[] | null): Denial | null {
  if (!selector.allCommands && !commandAllowed(selector, command, argv)) return { reason: Denied.Command, position: 0 };
  if (!selector.allKeys && keys !== null) {
    for (const key of keys) {
      if (!keyAllowed(selector, argv[key.position]!, key.flags)) return { reason: Denied.Key, position: key.position };
    }
  }
  if (!selector.allChannels) {
    const channels = CHANNEL_COMMANDS.get(command.fullName);
    if (channels !== undefined) {
      const end = channels.single ? Math.min(2, argv.length) : argv.length;
      for (let i = 1; i < end; i++) {
        if (!channelAllowed(selector.channels, argv[i]!, channels.pattern)) return { reason: Denied.Channel, position: i };
      }
    }
  }
  return null;
}

/** The command's bit, or a first-argument exception (+select|0); no-auth commands always pass. */
function commandAllowed(selector: Selector, command: Command, argv: readonly string[]): boolean {
  if (selector.hasBit(command.id) || (command.flags & CommandFlag.no_auth) !== 0) return true;
  const firstArgs = selector.firstArgs?.get(command.id);
  if (firstArgs === undefined || argv.length < 2) return false;
  const arg = argv[command.parent !== null ? 2 : 1];
  if (arg === undefined) return false;
  const lower = arg.toLowerCase();
  return firstArgs.some((allowed) => allowed.toLowerCase() === lower);
}

/** The permissions a key use needs: reading (access) and/or writing (insert, delete, update). */
function neededPermissions(flags: readonly string[]): number {
  let needed = 0;
  for (const flag of flags) {
    if (flag === 'access') needed |= KeyPermission.read;
    else if (flag === 'insert' || flag === 'delete' || flag === 'update') needed |= KeyPermission.write;
  }
  return needed;
}

export function keyAllowed(selector: Selector, key: string, flags: readonly string[]): boolean {
  if (selector.allKeys) return true;
  const needed = neededPermissions(flags);
  return selector.keyPatterns.some((pattern) => (pattern.permissions & needed) === needed && globMatch(pattern.pattern, key));
}

/** A channel name matches ACL patterns as a glob; a PSUBSCRIBE pattern must equal one literally. */
export function channelAllowed(patterns: readonly string[], channel: string, isPattern: boolean): boolean {
  return patterns.some((pattern) => (isPattern ? pattern === channel : globMatch(pattern, channel)));
}


/** The NOPERM error of a refused command (processCommand's wording). */
export function noPermissionLine(reason: Denied, command: Command): string {
  if (reason === Denied.Command) return `NOPERM this user has no permissions to run the '${command.fullName}' command`;
  if (reason === Denied.Key) return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
}

/** Why EXEC refuses a queued command whose permission was revoked after it was queued. */
export function execNoPermissionLine(reason: Denied): string {
  const why =
    reason === Denied.Command
      ? 'no permission to execute the command or subcommand'
      : reason === Denied.Key
        ? 'no permission to touch the specified keys'
        : 'no permission to access one of the channels used as arguments';
  return (
    'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
    `This command is no longer allowed for the following reason: ${why}`
  );
}

/** The reason a script's redis.call is refused (getAclErrorMessage), after "The user executing the script ". */
export function scriptNoPermissionText(reason: Denied): string {
  if (reason === Denied.Command) return "can't run this command or subcommand";
  if (reason === Denied.Key) return "can't access at least one of the keys mentioned in the command arguments";
  return "can't publish to the channel mentioned in the command";
}
