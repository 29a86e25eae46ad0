import { describe, expect, it } from 'vitest';
import { scriptShebang, splitArgs } from './shebang.js';
import { ScriptFlag } from './script-run.js';
import { formatG } from './lua-cjson.js';

describe('splitArgs (sdssplitargs)', () => {
  it('splits on spaces and understands both quote styles', () => {
    expect(splitArgs('#!lua  name=a   flags=x')).toEqual(['#!lua', 'name=a', 'flags=x']);
    expect(splitArgs('a "b c\\n" \'d\\\'e\'')).toEqual(['a', 'b c\n', "d'e"]);
    expect(splitArgs('"\\x41\\x00"')).toEqual(['A\0']);
    expect(splitArgs('')).toEqual([]);
  });

  it('refuses unbalanced quotes and a quote glued to the next argument', () => {
    expect(splitArgs('"open')).toBeNull();
    expect(splitArgs('"a"b')).toBeNull();
  });
});

describe('scriptShebang (evalExtractShebangFlags)', () => {
  it('gives compatibility mode without a shebang and the flags with one', () => {
    expect(scriptShebang('return 1')).toEqual({ flags: ScriptFlag.evalCompat, length: 0 });
    expect(scriptShebang('#!lua flags=no-writes,allow-oom\nreturn 1')).toEqual({ flags: ScriptFlag.noWrites | ScriptFlag.allowOom, length: 31 });
    expect(scriptShebang('#!lua flags=\nreturn 1')).toEqual({ flags: 0, length: 12 });
  });

  it('words its errors as Redis does', () => {
    expect(scriptShebang('#!lua')).toBe('Invalid script shebang');
    expect(scriptShebang('#!python\n')).toBe('Unexpected engine in script shebang: #!python');
    expect(scriptShebang('#!lua flags=bogus\n')).toBe('Unexpected flag in script shebang: bogus');
    expect(scriptShebang('#!lua name=x\n')).toBe('Unknown lua shebang option: name=x');
  });
});

describe('formatG (C %.*g)', () => {
  it('matches printf for the precisions cjson uses', () => {
    expect(formatG(0.1, 14)).toBe('0.1');
    expect(formatG(1e20, 14)).toBe('1e+20');
    expect(formatG(123456789012345, 14)).toBe('1.2345678901234e+14');
    expect(formatG(-2.5, 14)).toBe('-2.5');
    expect(formatG(0.0001, 14)).toBe('0.0001');
    expect(formatG(0.00001, 14)).toBe('1e-05');
    expect(formatG(3, 14)).toBe('3');
    expect(formatG(2.5, 1)).toBe('2');
    expect(formatG(1.5, 1)).toBe('2');
    expect(formatG(0.125, 2)).toBe('0.12');
    expect(formatG(-1234.5, 4)).toBe('-1234');
  });
});
