import type { Client } from '../server/client.js';
import { ACL_CATEGORIES, aclMask, CommandFlag, flagMask } from './flags.js';
import { REDIS_KEY_FINDERS } from './key-finders.js';
import type { KeyReference } from './keys.js';
import type { CommandMeta, KeySpec } from './meta.js';

/** A command implementation: reads argv, appends exactly one reply to the client. */
export type CommandHandler = (client: Client, argv: string[]) => void;

/** Finds the keys in argv where the key specs cannot (SORT STORE, MIGRATE KEYS); see keys.ts. */
export type KeyFinder = (argv: readonly string[]) => KeyReference[];

/** What a family module exports: handlers keyed by full command name ('get', 'config|get'). */
export interface CommandFamily {
  handlers: Record<string, CommandHandler>;
}

export interface CommandStats {
  calls: number;
  microseconds: number;
  rejectedCalls: number;
  failedCalls: number;
}

/** One executable command (or container of subcommands), built once from meta + handler. */
export interface Command {
  /** 'get', or 'config|get' for a subcommand. */
  readonly fullName: string;
  /** The name as typed after the container: 'get' for 'config|get'. */
  readonly name: string;
  /** Dense numeric id, usable as an index into per-command bitmaps (ACL). */
  readonly id: number;
  readonly arity: number;
  readonly flags: number;
  readonly acl: number;
  readonly meta: CommandMeta;
  readonly keySpecs: readonly KeySpec[];
  readonly handler: CommandHandler | null;
  readonly keyFinder: KeyFinder | null;
  readonly subcommands: ReadonlyMap<string, Command> | null;
  readonly parent: Command | null;
  readonly stats: CommandStats;
}

/** Every command the server runs, keyed by lower-case name; subcommands hang off containers. */
export class CommandTable {
  private readonly byName = new Map<string, Command>();
  /** Lower-casing cache for command names as clients send them ("GET", "get", "Get"). */
  private readonly lowerCache = new Map<string, string>();
  private nextId = 0;

  /** `meta`: the commands this table knows (ACL rules name them even without a handler). */
  constructor(readonly meta: Record<string, CommandMeta>, families: readonly CommandFamily[]) {
    const handlers = new Map<string, CommandHandler>();
    for (const family of families) {
      for (const [name, handler] of Object.entries(family.handlers)) {
        if (handlers.has(name)) throw new Error(`command '${name}' registered twice`);
        handlers.set(name, handler);
      }
    }
    for (const [name, entry] of Object.entries(meta)) {
      const command = this.build(entry, null, handlers);
      if (command !== null) this.byName.set(name, command);
    }
    const unknown = [...handlers.keys()].filter((name) => this.lookupFullName(name) === undefined);
    if (unknown.length > 0) throw new Error(`handlers without command metadata: ${unknown.join(', ')}`);
  }

  private build(
    meta: CommandMeta,
    parent: Command | null,
    handlers: Map<string, CommandHandler>,
  ): Command | null {
    const handler = handlers.get(meta.name) ?? null;
    const command: Command = {
      fullName: meta.name,
      name: parent === null ? meta.name : meta.name.slice(parent.fullName.length + 1),
      id: this.nextId++,
      arity: meta.arity,
      flags: flagMask(meta.flags),
      acl: aclMask(meta.acl),
      meta,
      keySpecs: meta.keySpecs,
      handler,
      keyFinder: REDIS_KEY_FINDERS.get(meta.name) ?? null,
      subcommands: null,
      parent,
      stats: { calls: 0, microseconds: 0, rejectedCalls: 0, failedCalls: 0 },
    };
    if (meta.subcommands !== undefined) {
      const subcommands = new Map<string, Command>();
      for (const sub of Object.values(meta.subcommands)) {
        const built = this.build(sub, command, handlers);
        if (built !== null) subcommands.set(built.name, built);
      }
      if (subcommands.size === 0) return null;
      (command as { subcommands: ReadonlyMap<string, Command> }).subcommands = subcommands;
      return command;
    }
    return handler === null ? null : command;
  }

  /** The lower-case form of a command name, cached for the names clients actually send. */
  lower(name: string): string {
    let lower = this.lowerCache.get(name);
    if (lower === undefined) {
      lower = name.toLowerCase();
      if (this.lowerCache.size < 4096) this.lowerCache.set(name, lower);
    }
    return lower;
  }

  /** The top-level command named by argv[0], whatever its case. */
  get(name: string): Command | undefined {
    return this.byName.get(this.lower(name));
  }

  /** 'get' or 'config|get' → the command. */
  lookupFullName(fullName: string): Command | undefined {
    const bar = fullName.indexOf('|');
    if (bar === -1) return this.byName.get(fullName);
    return this.byName.get(fullName.slice(0, bar))?.subcommands?.get(fullName.slice(bar + 1));
  }

  /** Top-level commands (containers included). */
  all(): IterableIterator<Command> {
    return this.byName.values();
  }

  get size(): number {
    return this.byName.size;
  }
}

/** The ACL category names of a command, '@' included, in Redis's order. */
export function aclCategoryNames(command: Command): string[] {
  return ACL_CATEGORIES.filter((_, bit) => (command.acl & (1 << bit)) !== 0).map((name) => `@${name}`);
}

export function hasFlag(command: Command, flag: number): boolean {
  return (command.flags & flag) !== 0;
}

export { CommandFlag };
