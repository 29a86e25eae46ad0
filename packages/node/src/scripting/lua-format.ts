import { LUA_GLOBALSINDEX, LUA_REGISTRYINDEX, type LuaVm } from './lua-vm.js';
import { toInt64, toUint64 } from './c-numbers.js';

/**
 * string.format with Redis's integer conversions. Redis's Lua 5.1 (64-bit Linux) formats %d %i
 * through a C `long` and %o %u %x %X through an `unsigned long`; the WebAssembly build uses a
 * 32-bit int, which breaks every number beyond 2^31. This replacement walks the format like
 * lstrlib.c's str_format, formats the integer conversions itself with x86-64's double → integer
 * casts, and hands every other conversion (%c %e %f %g %q %s …) to the original function.
 */

const FLAGS = '-+ #0';
/** Conversions the original string.format handles, with the argument check Lua 5.1 makes. */
const NUMBER_CONVERSIONS = 'ceEfgG';
const STRING_CONVERSIONS = 'qs';

export function installStringFormat(vm: LuaVm): void {
  const { m, L } = vm;
  m._lua_getfield(L, LUA_GLOBALSINDEX, vm.name('string'));
  m._lua_getfield(L, -1, vm.name('format'));
  const originalRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
  vm.setFunction('format', (state) => format(vm, state, originalRef));
  vm.pop(L, 1);
}

function format(vm: LuaVm, L: number, originalRef: number): number {
  const m = vm.m;
  m._luaL_checklstring(L, 1, 0);
  const text = vm.toString(L, 1)!;
  const top = m._lua_gettop(L);
  let arg = 1;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i++]!;
    if (char !== '%') {
      out += char;
      continue;
    }
    if (text[i] === '%') {
      out += '%';
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && FLAGS.includes(text[i]!)) i++;
    if (i - start >= FLAGS.length + 1) vm.raise(L, 'invalid format (repeated flags)');
    const flags = text.slice(start, i);
    const widthStart = i;
    i = skipDigits(text, i);
    const width = Number(text.slice(widthStart, i) || '0');
    let precision: number | null = null;
    if (text[i] === '.') {
      const precisionStart = ++i;
      i = skipDigits(text, i);
      precision = Number(text.slice(precisionStart, i) || '0');
    }
    if (isDigit(text[i])) vm.raise(L, 'invalid format (width or precision too long)');
    if (++arg > top) m._luaL_argerror(L, arg, vm.name('no value'));
    const conversion = text[i++] ?? '\0';
    if (conversion === 'd' || conversion === 'i') {
      out += formatInteger(toInt64(m._luaL_checknumber(L, arg)), 10, flags, width, precision, false);
    } else if ('ouxX'.includes(conversion)) {
      const base = conversion === 'o' ? 8 : conversion === 'u' ? 10 : 16;
      out += formatInteger(toUint64(m._luaL_checknumber(L, arg)), base, flags, width, precision, true, conversion);
    } else if (NUMBER_CONVERSIONS.includes(conversion) || STRING_CONVERSIONS.includes(conversion)) {
      if (STRING_CONVERSIONS.includes(conversion)) m._luaL_checklstring(L, arg, 0);
      else m._luaL_checknumber(L, arg);
      out += original(vm, L, originalRef, `%${text.slice(start, i)}`, arg);
    } else {
      vm.raise(L, `invalid option '%${conversion}' to 'format'`);
    }
  }
  vm.pushString(L, out);
  return 1;
}

/** One conversion through the original string.format (its argument already checked). */
function original(vm: LuaVm, L: number, originalRef: number, spec: string, arg: number): string {
  const m = vm.m;
  m._lua_rawgeti(L, LUA_REGISTRYINDEX, originalRef);
  vm.pushString(L, spec);
  m._lua_pushvalue(L, arg);
  m._lua_call(L, 2, 1);
  const result = vm.toString(L, -1)!;
  vm.pop(L, 1);
  return result;
}

/** At most two digits, as lstrlib.c reads a width or a precision. */
function skipDigits(text: string, i: number): number {
  if (isDigit(text[i])) i++;
  if (isDigit(text[i])) i++;
  return i;
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

/** printf's integer formatting: sign, '#' prefixes, precision (minimum digits), width, padding. */
function formatInteger(value: bigint, base: number, flags: string, width: number, precision: number | null, unsigned: boolean, conversion = 'd'): string {
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString(base);
  if (conversion === 'X') digits = digits.toUpperCase();
  if (precision !== null) digits = precision === 0 && value === 0n ? '' : digits.padStart(precision, '0');
  let prefix = '';
  if (negative) prefix = '-';
  else if (!unsigned && flags.includes('+')) prefix = '+';
  else if (!unsigned && flags.includes(' ')) prefix = ' ';
  if (flags.includes('#')) {
    if (conversion === 'o' && !digits.startsWith('0')) digits = `0${digits}`;
    else if ((conversion === 'x' || conversion === 'X') && value !== 0n) prefix = conversion === 'x' ? '0x' : '0X';
  }
  const length = prefix.length + digits.length;
  if (length >= width) return prefix + digits;
  if (flags.includes('-')) return (prefix + digits).padEnd(width, ' ');
  if (flags.includes('0') && precision === null) return prefix + digits.padStart(width - prefix.length, '0');
  return (prefix + digits).padStart(width, ' ');
}
