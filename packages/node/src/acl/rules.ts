import { errorArg } from '../protocol/errors.js';
import { splitInlineArgs } from '../protocol/parser.js';
import { categoryBit, type AclCatalog } from './catalog.js';
import { KeyPermission, Sanitize, Selector, User, hashPassword } from './user.js';

/*
 * ACL SETUSER rules, applied as Redis 7.0's ACLSetUser / ACLSetSelector do, with their error
 * texts (ACLSetUserStringError). A rule either applies or returns the reason it cannot.
 */

/** What rules need besides the user: the command universe and acl-pubsub-default. */
export interface RuleContext {
  readonly catalog: AclCatalog;
  /** acl-pubsub-default is allchannels: new selectors (and `reset`) allow every channel. */
  readonly pubsubAllChannels: boolean;
}

export const RuleError = {
  syntax: 'Syntax error',
  unknown: 'Unknown command or category name in ACL',
  keyAfterAll:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. " +
    "Try 'resetkeys' to start with an empty list of patterns",
  channelAfterAll:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. " +
    "Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  duplicateUser: 'Duplicate user found. A user can only be defined once in config files',
  subcommandFirstArg: 'Allowing first-arg of a subcommand is not supported',
} as const;

const HASH = /^[0-9a-f]{64}$/;

/** Redis's ACLStringHasSpaces: isspace() characters or NUL. */
export function hasSpaces(text: string): boolean {
  return /[\t\n\v\f\r \0]/.test(text);
}

export function newSelector(context: RuleContext, root: boolean): Selector {
  const selector = new Selector(root, context.catalog.bitCount);
  selector.allChannels = context.pubsubAllChannels;
  return selector;
}

export function newUser(context: RuleContext, name: string): User {
  const user = new User(name, context.catalog.bitCount);
  user.rootSelector.allChannels = context.pubsubAllChannels;
  user.changed();
  return user;
}

/** Applies one rule to `user`; null when it applied, else the error reason. */
export function applyUserRule(context: RuleContext, user: User, rule: string): string | null {
  const error = applyRule(context, user, rule);
  user.changed();
  return error;
}

function applyRule(context: RuleContext, user: User, rule: string): string | null {
  if (rule === '') return null;
  const lower = rule.toLowerCase();
  switch (lower) {
    case 'on':
      user.enabled = true;
      return null;
    case 'off':
      user.enabled = false;
      return null;
    case 'skip-sanitize-payload':
      user.sanitize = Sanitize.Skip;
      return null;
    case 'sanitize-payload':
      user.sanitize = Sanitize.Sanitize;
      return null;
    case 'nopass':
      user.nopass = true;
      user.passwords = [];
      return null;
    case 'resetpass':
      user.nopass = false;
      user.passwords = [];
      return null;
    case 'clearselectors':
      user.selectors.length = 1;
      return null;
    case 'reset':
      reset(context, user);
      return null;
  }
  const first = rule[0];
  if (first === '>' || first === '#') {
    const hash = passwordHash(rule);
    if (hash === null) return RuleError.badHash;
    if (!user.passwords.includes(hash)) user.passwords.push(hash);
    user.nopass = false;
    return null;
  }
  if (first === '<' || first === '!') {
    const hash = passwordHash(rule);
    if (hash === null) return RuleError.badHash;
    const index = user.passwords.indexOf(hash);
    if (index === -1) return RuleError.noSuchPassword;
    user.passwords.splice(index, 1);
    return null;
  }
  if (first === '(' && rule.endsWith(')')) {
    const selector = newSelector(context, false);
    const ops = splitInlineArgs(rule.slice(1, -1)) ?? [];
    for (const op of ops) {
      const error = applySelectorRule(context, selector, op);
      if (error !== null) return error;
    }
    user.selectors.push(selector);
    return null;
  }
  return applySelectorRule(context, user.rootSelector, rule);
}

/** `>pass` / `<pass` hash the text; `#hash` / `!hash` must already be a SHA-256 hex digest. */
function passwordHash(rule: string): string | null {
  const text = rule.slice(1);
  if (rule[0] === '>' || rule[0] === '<') return hashPassword(text);
  return HASH.test(text) ? text : null;
}

function reset(context: RuleContext, user: User): void {
  user.nopass = false;
  user.passwords = [];
  const root = user.rootSelector;
  root.allKeys = false;
  root.keyPatterns = [];
  root.allChannels = context.pubsubAllChannels;
  root.channels = [];
  user.enabled = false;
  user.sanitize = Sanitize.Sanitize;
  user.selectors.length = 1;
  root.setAllCommands(false);
}

/** Rules about commands, keys and channels (inside `(...)` or on the root selector). */
export function applySelectorRule(context: RuleContext, selector: Selector, rule: string): string | null {
  const lower = rule.toLowerCase();
  switch (lower) {
    case 'allkeys':
    case '~*':
      selector.allKeys = true;
      selector.keyPatterns = [];
      return null;
    case 'resetkeys':
      selector.allKeys = false;
      selector.keyPatterns = [];
      return null;
    case 'allchannels':
    case '&*':
      selector.allChannels = true;
      selector.channels = [];
      return null;
    case 'resetchannels':
      selector.allChannels = false;
      selector.channels = [];
      return null;
    case 'allcommands':
    case '+@all':
      selector.setAllCommands(true);
      return null;
    case 'nocommands':
    case '-@all':
      selector.setAllCommands(false);
      return null;
  }
  const first = rule[0];
  if (first === '~' || first === '%') return addKeyPattern(selector, rule);
  if (first === '&') return addChannel(selector, rule);
  if ((first === '+' || first === '-') && rule[1] === '@') {
    const bit = categoryBit(rule.slice(2));
    if (bit === 0) return RuleError.unknown;
    selector.changeCategory(context.catalog, bit, first === '+');
    return null;
  }
  if (first === '+') return allowCommand(context.catalog, selector, rule.slice(1));
  if (first === '-') {
    const command = context.catalog.lookup(rule.slice(1));
    if (command === undefined) return RuleError.unknown;
    selector.changeCommand(command, false);
    return null;
  }
  return RuleError.syntax;
}

function addKeyPattern(selector: Selector, rule: string): string | null {
  if (selector.allKeys) return RuleError.keyAfterAll;
  let permissions: number = KeyPermission.all;
  let offset = 1;
  if (rule[0] === '%') {
    permissions = 0;
    for (; offset < rule.length; offset++) {
      const c = rule[offset]!.toUpperCase();
      if (c === 'R' && (permissions & KeyPermission.read) === 0) permissions |= KeyPermission.read;
      else if (c === 'W' && (permissions & KeyPermission.write) === 0) permissions |= KeyPermission.write;
      else if (rule[offset] === '~') {
        offset++;
        break;
      } else return RuleError.syntax;
    }
    // Redis 7.0.15 refuses '%' and '%~…' (no permission given), as observed.
    if (permissions === 0) return RuleError.syntax;
  }
  const pattern = rule.slice(offset);
  if (hasSpaces(pattern)) return RuleError.syntax;
  const known = selector.keyPatterns.find((key) => key.pattern === pattern);
  if (known === undefined) selector.keyPatterns.push({ pattern, permissions });
  else known.permissions |= permissions;
  selector.allKeys = false;
  return null;
}

function addChannel(selector: Selector, rule: string): string | null {
  if (selector.allChannels) return RuleError.channelAfterAll;
  const pattern = rule.slice(1);
  if (hasSpaces(pattern)) return RuleError.syntax;
  if (!selector.channels.includes(pattern)) selector.channels.push(pattern);
  return null;
}

/** +command, +container|subcommand, or +command|first-arg (a deprecated first-argument exception). */
function allowCommand(catalog: AclCatalog, selector: Selector, name: string): string | null {
  const bar = name.lastIndexOf('|');
  if (bar === -1) {
    const command = catalog.lookup(name);
    if (command === undefined) return RuleError.unknown;
    selector.changeCommand(command, true);
    return null;
  }
  const command = catalog.lookup(name.slice(0, bar));
  const arg = name.slice(bar + 1);
  if (command === undefined) return RuleError.unknown;
  if (command.parent !== null) return RuleError.subcommandFirstArg;
  if (arg === '') return RuleError.syntax;
  if (command.subcommands !== null) {
    const sub = catalog.lookup(name);
    if (sub === undefined) return RuleError.unknown;
    selector.changeCommand(sub, true);
    return null;
  }
  selector.addFirstArg(command.id, arg);
  return null;
}

/**
 * Joins selector rules split over several arguments ("(~x" "+get)") as Redis's
 * ACLMergeSelectorArguments does; the index of an unclosed '(' argument when one is left open.
 */
export function mergeSelectorArguments(rules: readonly string[]): string[] | { unclosed: number } {
  const merged: string[] = [];
  let open = -1;
  let selector = '';
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule[0] === '(' && rule[rule.length - 1] !== ')') {
      selector = rule;
      open = i;
      continue;
    }
    if (open !== -1) {
      selector += ` ${rule}`;
      if (rule[rule.length - 1] === ')') {
        open = -1;
        merged.push(selector);
      }
      continue;
    }
    merged.push(rule);
  }
  return open === -1 ? merged : { unclosed: open };
}

/**
 * ACL SETUSER's rule list applied to a copy of `user` (a fresh user when null): the copy,
 * or the error line when a rule fails (then nothing changes).
 */
export function stageRules(context: RuleContext, name: string, user: User | null, rules: readonly string[]): User | string {
  const merged = mergeSelectorArguments(rules);
  if (!Array.isArray(merged)) return `ERR Unmatched parenthesis in acl selector starting at '${errorArg(rules[merged.unclosed]!)}'.`;
  const staged = newUser(context, name);
  if (user !== null) staged.copyFrom(user);
  for (const rule of merged) {
    const error = applyUserRule(context, staged, rule);
    if (error !== null) return `ERR Error in ACL SETUSER modifier '${errorArg(rule)}': ${error}`;
  }
  return staged;
}
