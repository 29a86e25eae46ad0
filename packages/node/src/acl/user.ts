import { createHash } from 'node:crypto';
import type { AclCatalog, AclCommand } from './catalog.js';

/** Key pattern permissions (Redis's ACL_READ_PERMISSION / ACL_WRITE_PERMISSION). */
export const KeyPermission = {
  read: 1,
  write: 2,
  all: 3,
} as const;

export interface KeyPattern {
  pattern: string;
  /** KeyPermission bits: ~ gives both, %R~ read, %W~ write. */
  permissions: number;
}

/**
 * A set of permissions: commands (a bitmap over catalog ids, plus first-argument exceptions),
 * key patterns and channel patterns. Every user has a root selector; `(...)` rules add more,
 * and a command is allowed when any one selector allows it entirely.
 */
export class Selector {
  allKeys = false;
  allChannels = false;
  allCommands = false;
  bits: Uint32Array;
  /** Command id → first arguments allowed although the command's bit is clear (+select|0). */
  firstArgs: Map<number, string[]> | null = null;
  keyPatterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(
    readonly root: boolean,
    bitCount: number,
  ) {
    this.bits = new Uint32Array(Math.ceil(bitCount / 32));
  }

  copy(): Selector {
    const copy = new Selector(this.root, 0);
    copy.allKeys = this.allKeys;
    copy.allChannels = this.allChannels;
    copy.allCommands = this.allCommands;
    copy.bits = this.bits.slice();
    copy.firstArgs = this.firstArgs === null ? null : new Map([...this.firstArgs].map(([id, args]) => [id, [...args]]));
    copy.keyPatterns = this.keyPatterns.map((key) => ({ ...key }));
    copy.channels = [...this.channels];
    return copy;
  }

  hasBit(id: number): boolean {
    return (this.bits[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  /** Sets one command bit; clearing one means the allcommands shortcut no longer holds. */
  setBit(id: number, allow: boolean): void {
    if (allow) this.bits[id >>> 5]! |= 1 << (id & 31);
    else {
      this.bits[id >>> 5]! &= ~(1 << (id & 31));
      this.allCommands = false;
    }
  }

  /** Allows or blocks a command and, for a container, every subcommand (ACLChangeSelectorPerm). */
  changeCommand(command: AclCommand, allow: boolean): void {
    this.setBit(command.id, allow);
    this.firstArgs?.delete(command.id);
    if (command.subcommands !== null) for (const sub of command.subcommands.values()) this.setBit(sub.id, allow);
  }

  /** +@category / -@category over the whole catalog, containers' subcommands included. */
  changeCategory(catalog: AclCatalog, bit: number, allow: boolean): void {
    for (const command of catalog.commands) if ((command.categories & bit) !== 0) this.changeCommand(command, allow);
  }

  /** allcommands / nocommands: every bit, the reserved future-commands bit included. */
  setAllCommands(allow: boolean): void {
    this.bits.fill(allow ? 0xffffffff : 0);
    this.allCommands = allow;
    this.firstArgs = null;
  }

  addFirstArg(id: number, arg: string): void {
    this.firstArgs ??= new Map();
    const list = this.firstArgs.get(id);
    if (list === undefined) this.firstArgs.set(id, [arg]);
    else if (!list.some((known) => known.toLowerCase() === arg.toLowerCase())) list.push(arg);
  }
}

/** Which sanitize-payload flag a user shows (a new user has neither). */
export const enum Sanitize {
  Unset,
  Sanitize,
  Skip,
}

/** An ACL user. Clients hold a reference; changes are copied into the same object (ACLCopyUser). */
export class User {
  enabled = false;
  nopass = false;
  sanitize = Sanitize.Unset;
  /** SHA-256 hex digests, in the order they were added. */
  passwords: string[] = [];
  /** The root selector first, then the `(...)` ones. */
  selectors: Selector[];
  /**
   * One root selector with every command, key and channel allowed: the dispatcher skips the
   * ACL check entirely (the default user's case). Kept up to date by `changed()`.
   */
  unrestricted = false;

  constructor(
    readonly name: string,
    bitCount: number,
  ) {
    this.selectors = [new Selector(true, bitCount)];
  }

  get rootSelector(): Selector {
    return this.selectors[0]!;
  }

  /** Recomputes what depends on the rules; call after every change. */
  changed(): void {
    const root = this.rootSelector;
    this.unrestricted = this.selectors.length === 1 && root.allCommands && root.allKeys && root.allChannels;
  }

  /** Makes this user's rules those of `source` (the name stays). */
  copyFrom(source: User): void {
    this.enabled = source.enabled;
    this.nopass = source.nopass;
    this.sanitize = source.sanitize;
    this.passwords = [...source.passwords];
    this.selectors = source.selectors.map((selector) => selector.copy());
    this.changed();
  }

  /** Whether `password` opens this user (enabled, and nopass or a matching hash). */
  accepts(password: string): boolean {
    if (!this.enabled) return false;
    if (this.nopass) return true;
    const hash = hashPassword(password);
    let match = false;
    // Every stored hash is compared, so the time does not tell which one matched.
    for (const stored of this.passwords) if (stored === hash) match = true;
    return match;
  }
}

export function hashPassword(password: string): string {
  return createHash('sha256').update(password, 'latin1').digest('hex');
}
