import { describe, expect, it } from 'vitest';
import { COMMAND_FAMILIES } from '../commands/index.js';
import { loadCommandMeta } from '../commands/meta.js';
import { CommandTable } from '../commands/table.js';
import { AclCatalog } from './catalog.js';
import { checkCommand, Denied } from './check.js';
import { describeUser } from './describe.js';
import { applyUserRule, mergeSelectorArguments, newUser, RuleError, stageRules, type RuleContext } from './rules.js';
import type { User } from './user.js';

const meta = loadCommandMeta();
const table = new CommandTable(meta, COMMAND_FAMILIES);
const context: RuleContext = { catalog: new AclCatalog(meta, table), pubsubAllChannels: false };

function user(...rules: string[]): User {
  const staged = stageRules(context, 'u', null, rules);
  if (typeof staged === 'string') throw new Error(staged);
  return staged;
}

function check(target: User, ...argv: string[]) {
  const command = table.get(argv[0]!)!;
  const resolved = command.subcommands === null ? command : command.subcommands.get(argv[1]!.toLowerCase())!;
  return checkCommand(target, resolved, argv);
}

describe('ACL rules', () => {
  it('marks only an all-commands, all-keys, all-channels user as unrestricted (the hot-path test)', () => {
    expect(user('+@all', '~*', '&*').unrestricted).toBe(true);
    expect(user('+@all', '~*', '&*', '-get').unrestricted).toBe(false);
    expect(user('+@all', '~*').unrestricted).toBe(false);
    expect(user('+@all', '~*', '&*', '(+get)').unrestricted).toBe(false);
  });

  it('describes users so that the description rebuilds the same user', () => {
    const corpus = [
      ['+@all', '-@dangerous', '+flushdb', '~a*', '%R~b*', '&c*'],
      ['+@string', '-get', '+config|get', '+select|0', '(~x* +set)'],
      ['allcommands', '-config', '+config|get', '-client|kill'],
      ['+@read', '+@write', '-@keyspace', '+del', '%W~w*'],
    ];
    for (const rules of corpus) {
      const first = user('on', ...rules);
      const text = describeUser(context.catalog, first);
      const rebuilt = user(...mergeRulesText(text));
      expect(describeUser(context.catalog, rebuilt)).toBe(text);
      expect(rebuilt.rootSelector.bits).toEqual(first.rootSelector.bits);
    }
  });

  it('reports the error of the first failing rule and changes nothing', () => {
    expect(stageRules(context, 'u', null, ['+get', '%RR~x'])).toBe("ERR Error in ACL SETUSER modifier '%RR~x': Syntax error");
    expect(stageRules(context, 'u', null, ['(~x', '+get'])).toBe("ERR Unmatched parenthesis in acl selector starting at '(~x'.");
    const target = newUser(context, 'u');
    expect(applyUserRule(context, target, '~*')).toBeNull();
    expect(applyUserRule(context, target, '~x')).toBe(RuleError.keyAfterAll);
  });

  it('merges selectors split over several arguments', () => {
    expect(mergeSelectorArguments(['on', '(~x', '+get)', '(+set)'])).toEqual(['on', '(~x +get)', '(+set)']);
    expect(mergeSelectorArguments(['(~x', '+get'])).toEqual({ unclosed: 0 });
  });
});

describe('ACL check', () => {
  it('checks read and write key patterns against the key specs', () => {
    const reader = user('+@all', '%R~r*', '%W~w*');
    expect(check(reader, 'get', 'r1')).toBeNull();
    expect(check(reader, 'set', 'r1', 'v')).toEqual({ reason: Denied.Key, position: 1 });
    expect(check(reader, 'copy', 'r1', 'w1')).toBeNull();
    expect(check(reader, 'copy', 'w1', 'r1')).toEqual({ reason: Denied.Key, position: 1 });
  });

  it('picks the denial Redis reports among selectors', () => {
    const target = user('+get', '~a*', '(+set ~b*)');
    expect(check(target, 'get', 'a1')).toBeNull();
    expect(check(target, 'set', 'b1', 'v')).toBeNull();
    // get is refused by the second selector's command check and the first one's key check: the key wins.
    expect(check(target, 'get', 'b1')).toEqual({ reason: Denied.Key, position: 1 });
    expect(check(target, 'del', 'a1')).toEqual({ reason: Denied.Command, position: 0 });
  });

  it('checks channels, patterns literally, and first-argument exceptions', () => {
    const target = user('+@all', '~*', '&news.*', '-select', '+select|0');
    expect(check(target, 'publish', 'news.1', 'm')).toBeNull();
    expect(check(target, 'subscribe', 'news.1', 'other')).toEqual({ reason: Denied.Channel, position: 2 });
    expect(check(target, 'psubscribe', 'news.*')).toBeNull();
    expect(check(target, 'psubscribe', 'news.1*')).toEqual({ reason: Denied.Channel, position: 1 });
    expect(check(target, 'select', '0')).toBeNull();
    expect(check(target, 'select', '1')).toEqual({ reason: Denied.Command, position: 0 });
  });
});

/** A described user's text split back into rules (selectors kept whole). */
function mergeRulesText(text: string): string[] {
  const merged = mergeSelectorArguments(text.split(' '));
  if (!Array.isArray(merged)) throw new Error('unbalanced');
  return merged;
}
