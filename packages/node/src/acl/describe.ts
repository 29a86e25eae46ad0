import { ACL_CATEGORIES } from '../commands/flags.js';
import type { AclCatalog, AclCommand } from './catalog.js';
import { KeyPermission, Sanitize, Selector, type KeyPattern, type User } from './user.js';

/*
 * Users rendered as Redis 7.0 renders them (ACLDescribeUser, ACLDescribeSelectorCommandRules):
 * the text ACL LIST, ACL SAVE and ACL GETUSER show, which set back with ACL SETUSER gives the
 * same user.
 */

/** The flags in Redis's order ("on"/"off", "nopass", the sanitize flag). */
export function userFlags(user: User): string[] {
  const flags = [user.enabled ? 'on' : 'off'];
  if (user.nopass) flags.push('nopass');
  if (user.sanitize === Sanitize.Skip) flags.push('skip-sanitize-payload');
  else if (user.sanitize === Sanitize.Sanitize) flags.push('sanitize-payload');
  return flags;
}

export function keyPatternText(key: KeyPattern): string {
  const prefix = key.permissions === KeyPermission.all ? '~' : key.permissions === KeyPermission.read ? '%R~' : '%W~';
  return prefix + key.pattern;
}

/** The rules part of `ACL LIST`: flags, password hashes, root selector, then `(...)` selectors. */
export function describeUser(catalog: AclCatalog, user: User): string {
  let text = '';
  for (const flag of userFlags(user)) text += `${flag} `;
  for (const hash of user.passwords) text += `#${hash} `;
  for (const selector of user.selectors) {
    const described = describeSelector(catalog, selector);
    text += selector.root ? described : ` (${described})`;
  }
  return text;
}

function describeSelector(catalog: AclCatalog, selector: Selector): string {
  let text = '';
  if (selector.allKeys) text += '~* ';
  else for (const key of selector.keyPatterns) text += `${keyPatternText(key)} `;
  if (selector.allChannels) text += '&* ';
  else {
    text += 'resetchannels ';
    for (const channel of selector.channels) text += `&${channel} `;
  }
  return text + describeCommandRules(catalog, selector);
}

/**
 * The command rules that rebuild the selector's bitmap: +@all or -@all, then the categories
 * that fit best (Redis's greedy choice, so the same ones), then single commands and first
 * arguments for what is left. Single commands follow our catalog order; Redis follows its
 * command dict, whose order changes from one process to the next.
 */
export function describeCommandRules(catalog: AclCatalog, selector: Selector): string {
  const rules: string[] = [];
  const additive = !selector.hasBit(catalog.futureBit);
  // `fake` replays the emitted rules; `remaining` loses each category once it is applied.
  const fake = new Selector(false, catalog.bitCount);
  fake.setAllCommands(!additive);
  rules.push(additive ? '-@all' : '+@all');
  const remaining = new Selector(false, catalog.bitCount);
  remaining.bits = selector.bits.slice();
  const applied = new Set<number>();
  for (;;) {
    let best = -1;
    let minDiff = Number.MAX_SAFE_INTEGER;
    let maxSame = 0;
    for (let index = 0; index < ACL_CATEGORIES.length; index++) {
      if (applied.has(index)) continue;
      const { on, off } = countCategory(catalog, remaining, 1 << index);
      const diff = additive ? off : on;
      const same = additive ? on : off;
      if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
        best = index;
        minDiff = diff;
        maxSame = same;
      }
    }
    if (best === -1) break;
    fake.changeCategory(catalog, 1 << best, additive);
    remaining.changeCategory(catalog, 1 << best, !additive);
    rules.push(`${additive ? '+' : '-'}@${ACL_CATEGORIES[best]}`);
    applied.add(best);
  }
  for (const root of catalog.roots()) singleCommandRules(selector, fake, root, rules);
  return rules.join(' ');
}

function countCategory(catalog: AclCatalog, selector: Selector, bit: number): { on: number; off: number } {
  let on = 0;
  let off = 0;
  for (const command of catalog.commands) {
    if ((command.categories & bit) === 0) continue;
    if (selector.hasBit(command.id)) on++;
    else off++;
  }
  return { on, off };
}

/** Emits +cmd / -cmd where the replayed bitmap still differs, then first-argument exceptions. */
function singleCommandRules(selector: Selector, fake: Selector, command: AclCommand, rules: string[]): void {
  const allowed = selector.hasBit(command.id);
  if (allowed !== fake.hasBit(command.id)) {
    rules.push(`${allowed ? '+' : '-'}${command.fullName}`);
    fake.changeCommand(command, allowed);
  }
  if (command.subcommands !== null) for (const sub of command.subcommands.values()) singleCommandRules(selector, fake, sub, rules);
  const firstArgs = selector.firstArgs?.get(command.id);
  if (!allowed && firstArgs !== undefined) for (const arg of firstArgs) rules.push(`+${command.fullName}|${arg}`);
}

/** ACL GETUSER's "keys" field: space separated patterns, or "~*". */
export function keysField(selector: Selector): string {
  return selector.allKeys ? '~*' : selector.keyPatterns.map(keyPatternText).join(' ');
}

/** ACL GETUSER's "channels" field. */
export function channelsField(selector: Selector): string {
  return selector.allChannels ? '&*' : selector.channels.map((channel) => `&${channel}`).join(' ');
}
