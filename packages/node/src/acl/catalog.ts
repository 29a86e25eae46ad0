import { ACL_CATEGORIES, aclMask, CommandFlag, flagMask } from '../commands/flags.js';
import type { CommandMeta } from '../commands/meta.js';
import type { CommandTable } from '../commands/table.js';

/**
 * One command as ACLs see it. ACL rules work on every command Redis 7.0 has (meta.json), not
 * only the ones we implement, so that a rule naming an unimplemented command is accepted and
 * the category arithmetic of ACL GETUSER / ACL LIST picks the same categories Redis does.
 */
export interface AclCommand {
  /** Same id as the command table's Command (an index into selector bitmaps). */
  readonly id: number;
  readonly fullName: string;
  /** ACL category bits (flags.ts ACL_CATEGORIES). */
  readonly categories: number;
  readonly noAuth: boolean;
  readonly parent: AclCommand | null;
  /** Keyed by lower-case subcommand name; null for plain commands. */
  readonly subcommands: ReadonlyMap<string, AclCommand> | null;
}

/**
 * The universe of commands ACL rules refer to (Redis's server.orig_commands), with the ids
 * the command table gives them: both walk meta.json in the same pre-order, which the
 * constructor verifies against the table.
 */
export class AclCatalog {
  private readonly topLevel = new Map<string, AclCommand>();
  /** Every command, subcommands included, in id order. */
  readonly commands: AclCommand[] = [];

  constructor(meta: Record<string, CommandMeta>, table: CommandTable) {
    for (const [name, entry] of Object.entries(meta)) this.topLevel.set(name, this.add(entry, null));
    for (const command of this.commands) {
      const built = table.lookupFullName(command.fullName);
      if (built !== undefined && built.id !== command.id) throw new Error(`ACL id mismatch for '${command.fullName}'`);
    }
  }

  private add(meta: CommandMeta, parent: AclCommand | null): AclCommand {
    const command: AclCommand = {
      id: this.commands.length,
      fullName: meta.name,
      categories: aclMask(meta.acl),
      noAuth: (flagMask(meta.flags) & CommandFlag.no_auth) !== 0,
      parent,
      subcommands: null,
    };
    this.commands.push(command);
    if (meta.subcommands !== undefined) {
      const subs = new Map<string, AclCommand>();
      for (const sub of Object.values(meta.subcommands)) {
        subs.set(sub.name.slice(meta.name.length + 1), this.add(sub, command));
      }
      (command as { subcommands: ReadonlyMap<string, AclCommand> }).subcommands = subs;
    }
    return command;
  }

  /** Bits a selector bitmap needs: every command, plus Redis's reserved "future commands" bit. */
  get bitCount(): number {
    return this.commands.length + 1;
  }

  /** The reserved bit set by +@all: the selector also allows commands added later. */
  get futureBit(): number {
    return this.commands.length;
  }

  /**
   * 'get', 'config|get' (any case) → the command, as Redis's ACLLookupCommand: one level of
   * subcommands, and a '|' part on a command without subcommands names nothing.
   */
  lookup(name: string): AclCommand | undefined {
    const parts = name.toLowerCase().split('|');
    if (parts.length > 2 || name === '') return undefined;
    const base = this.topLevel.get(parts[0]!);
    if (parts.length === 1 || base === undefined) return base;
    return base.subcommands?.get(parts[1]!);
  }

  /** The top-level command named exactly `name` (lower case). */
  topLevelCommand(name: string): AclCommand | undefined {
    return this.topLevel.get(name);
  }

  /** Top-level commands in catalog order (each followed by its subcommands when walked). */
  roots(): IterableIterator<AclCommand> {
    return this.topLevel.values();
  }
}

/** A category name (any case, without '@') → its bit, or 0 when there is no such category. */
export function categoryBit(name: string): number {
  const index = ACL_CATEGORIES.indexOf(name.toLowerCase() as (typeof ACL_CATEGORIES)[number]);
  return index === -1 ? 0 : 1 << index;
}
