import { LUA_GLOBALSINDEX, LuaType, type LuaVm } from './lua-vm.js';
import { INT64_MIN, toInt64, toUint64, UINT64_MASK } from './c-numbers.js';

/**
 * The `struct` library Redis bundles (Roberto Ierusalimschy's lua_struct): struct.pack,
 * struct.unpack and struct.size of binary layouts, with the sizes, alignment and byte order of
 * Redis's x86-64 build (little-endian; long and size_t 8 bytes; doubles align to 8). Integers
 * travel through a 64-bit `unsigned long` as in C: wider ones are zero-padded when packed and
 * keep their low 64 bits when unpacked.
 */

const MAX_INT_SIZE = 32;
const MAX_ALIGN = 8;
const INT_SIZE = 4;
const BIG = 0;
const LITTLE = 1;

/** Byte order and maximum alignment, changed by '>', '<' and '!' as the format goes. */
interface Header {
  endian: number;
  align: number;
}

/** A format being read, one option at a time. */
class Format {
  at = 0;
  constructor(
    readonly vm: LuaVm,
    readonly L: number,
    readonly text: string,
  ) {}

  get done(): boolean {
    return this.at >= this.text.length;
  }

  next(): string {
    return this.text[this.at++]!;
  }

  /** getnum: the digits that follow, or `fallback` when there are none. */
  number(fallback: number): number {
    if (!isDigit(this.text[this.at])) return fallback;
    let n = 0;
    do {
      const digit = this.text.charCodeAt(this.at) - 48;
      if (n > 0x7fffffff / 10 || n * 10 > 0x7fffffff - digit) this.vm.raise(this.L, 'integral size overflow');
      n = n * 10 + digit;
      this.at++;
    } while (isDigit(this.text[this.at]));
    return n;
  }

  /** optsize: the bytes an option takes (0 for control characters and unknown options). */
  size(option: string): number {
    switch (option) {
      case 'B': case 'b': case 'x': return 1;
      case 'H': case 'h': return 2;
      case 'L': case 'l': case 'T': case 'd': return 8;
      case 'f': return 4;
      case 'c': return this.number(1);
      case 'i': case 'I': {
        const size = this.number(INT_SIZE);
        if (size > MAX_INT_SIZE) this.vm.raise(this.L, `integral size ${size} is larger than limit of ${MAX_INT_SIZE}`);
        return size;
      }
      default: return 0;
    }
  }

  /** controloptions: ' ', '>', '<', '!n'; anything else is an invalid option. */
  control(option: string, header: Header): void {
    switch (option) {
      case ' ': return;
      case '>': header.endian = BIG; return;
      case '<': header.endian = LITTLE; return;
      case '!': {
        const align = this.number(MAX_ALIGN);
        if (align <= 0 || (align & (align - 1)) !== 0) this.vm.raise(this.L, `alignment ${align} is not a power of 2`);
        header.align = align;
        return;
      }
      default:
        argumentError(this.vm, this.L, 1, `invalid format option '${option}'`);
    }
  }
}

/** gettoalign: the padding before an item of `size` bytes at offset `length`. */
function padding(length: number, header: Header, option: string, size: number): number {
  if (size === 0 || option === 'c') return 0;
  const alignTo = Math.min(size, header.align);
  return (alignTo - (length & (alignTo - 1))) & (alignTo - 1);
}

const INTEGER_OPTIONS = 'bBhHlLTiI';

function pack(vm: LuaVm, L: number): number {
  const m = vm.m;
  const format = new Format(vm, L, checkString(vm, L, 1));
  const header: Header = { endian: LITTLE, align: 1 };
  // lua_struct pushes a nil above the arguments: a missing one reads as nil, not "no value".
  m._lua_pushnil(L);
  let arg = 2;
  let out = '';
  while (!format.done) {
    const option = format.next();
    let size = format.size(option);
    out += '\0'.repeat(padding(out.length, header, option, size));
    if (INTEGER_OPTIONS.includes(option)) {
      const n = m._luaL_checknumber(L, arg++);
      out += integerBytes(n < 0 ? toInt64(n) & UINT64_MASK : toUint64(n), size, header.endian);
    } else if (option === 'x') {
      out += '\0';
    } else if (option === 'f' || option === 'd') {
      out += floatBytes(m._luaL_checknumber(L, arg++), size, header.endian);
    } else if (option === 'c' || option === 's') {
      const text = checkString(vm, L, arg++);
      if (size === 0) size = text.length;
      // lua_struct checks the argument index after moving past it: errors name the next one.
      if (text.length < size) argumentError(vm, L, arg, 'string too short');
      out += text.slice(0, size);
      if (option === 's') out += '\0';
    } else {
      format.control(option, header);
    }
  }
  vm.pushString(L, out);
  return 1;
}

function unpack(vm: LuaVm, L: number): number {
  const m = vm.m;
  const format = new Format(vm, L, checkString(vm, L, 1));
  const data = checkString(vm, L, 2);
  const offset = m._lua_type(L, 3) <= LuaType.Nil ? 1 : Math.trunc(m._luaL_checknumber(L, 3));
  if (offset === 0) argumentError(vm, L, 3, 'offset must be 1 or greater');
  // A negative offset is a huge size_t in C: the first item is then out of the data.
  let position = offset < 0 ? Number.MAX_SAFE_INTEGER : offset - 1;
  const header: Header = { endian: LITTLE, align: 1 };
  const results: Array<number | string> = [];
  const checkRoom = (size: number): void => {
    if (size > data.length || position > data.length - size) argumentError(vm, L, 2, 'data string too short');
  };
  while (!format.done) {
    const option = format.next();
    let size = format.size(option);
    position += padding(position, header, option, size);
    checkRoom(size);
    if (INTEGER_OPTIONS.includes(option)) {
      results.push(readInteger(data, position, size, header.endian, option === option.toLowerCase()));
    } else if (option === 'f' || option === 'd') {
      results.push(readFloat(data, position, size, header.endian));
    } else if (option === 'c') {
      if (size === 0) {
        const previous = results.length === 0 ? null : luaNumber(results[results.length - 1]!);
        if (previous === null) vm.raise(L, "format 'c0' needs a previous size");
        size = Math.trunc(previous);
        results.pop();
        checkRoom(size);
      }
      results.push(data.slice(position, position + size));
    } else if (option === 's') {
      const end = data.indexOf('\0', position);
      if (end < 0) vm.raise(L, 'unfinished string in data');
      size = end - position + 1;
      results.push(data.slice(position, end));
    } else if (option !== 'x') {
      format.control(option, header);
    }
    position += size;
  }
  for (const result of results) {
    if (typeof result === 'number') m._lua_pushnumber(L, result);
    else vm.pushString(L, result);
  }
  m._lua_pushnumber(L, position + 1);
  return results.length + 1;
}

function size(vm: LuaVm, L: number): number {
  const format = new Format(vm, L, checkString(vm, L, 1));
  const header: Header = { endian: LITTLE, align: 1 };
  let position = 0;
  while (!format.done) {
    const option = format.next();
    const bytes = format.size(option);
    position += padding(position, header, option, bytes);
    if (option === 's') argumentError(vm, L, 1, "option 's' has no fixed size");
    else if (option === 'c' && bytes === 0) argumentError(vm, L, 1, "option 'c0' has no fixed size");
    if (!/[0-9A-Za-z]/.test(option)) format.control(option, header);
    position += bytes;
  }
  vm.m._lua_pushnumber(L, position);
  return 1;
}

/** putinteger: the low bytes of a 64-bit value (zeros beyond 8 bytes), in the given order. */
function integerBytes(value: bigint, size: number, endian: number): string {
  const bytes: string[] = [];
  let rest = value;
  for (let i = 0; i < size; i++) {
    bytes.push(String.fromCharCode(Number(rest & 0xffn)));
    rest >>= 8n;
  }
  return (endian === LITTLE ? bytes : bytes.reverse()).join('');
}

/** getinteger: bytes accumulated into 64 bits (shifts wrap), then sign-extended for signed options. */
function readInteger(data: string, position: number, size: number, endian: number, signed: boolean): number {
  let value = 0n;
  for (let i = 0; i < size; i++) {
    const at = endian === BIG ? position + i : position + size - 1 - i;
    value = ((value << 8n) | BigInt(data.charCodeAt(at))) & UINT64_MASK;
  }
  if (!signed) return Number(value);
  // The sign mask's shift count is taken modulo 64, as x86's shift instruction does.
  const mask = (UINT64_MASK << BigInt((size * 8 - 1) & 63)) & UINT64_MASK;
  if ((value & mask) !== 0n) value |= mask;
  return Number(value >= -INT64_MIN ? value + 2n * INT64_MIN : value);
}

function floatBytes(n: number, size: number, endian: number): string {
  const view = new DataView(new ArrayBuffer(size));
  if (size === 4) view.setFloat32(0, n, endian === LITTLE);
  else view.setFloat64(0, n, endian === LITTLE);
  return String.fromCharCode(...new Uint8Array(view.buffer));
}

function readFloat(data: string, position: number, size: number, endian: number): number {
  const view = new DataView(new ArrayBuffer(size));
  for (let i = 0; i < size; i++) view.setUint8(i, data.charCodeAt(position + i));
  return size === 4 ? view.getFloat32(0, endian === LITTLE) : view.getFloat64(0, endian === LITTLE);
}

/** lua_isnumber/lua_tonumber of a previous result: numbers, and strings Lua reads as numbers. */
function luaNumber(value: number | string): number | null {
  if (typeof value === 'number') return value;
  const text = value.trim();
  if (text === '') return null;
  const n = /^[-+]?0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : Number(text);
  return Number.isNaN(n) && !/^[-+]?nan$/i.test(text) ? null : n;
}

function checkString(vm: LuaVm, L: number, index: number): string {
  vm.m._luaL_checklstring(L, index, 0);
  return vm.toString(L, index)!;
}

function argumentError(vm: LuaVm, L: number, index: number, message: string): never {
  vm.m._luaL_argerror(L, index, vm.name(message));
  throw new Error('luaL_argerror returned');
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

export function installStruct(vm: LuaVm): void {
  const { m, L } = vm;
  m._lua_createtable(L, 0, 3);
  vm.setFunction('pack', (state) => pack(vm, state));
  vm.setFunction('unpack', (state) => unpack(vm, state));
  vm.setFunction('size', (state) => size(vm, state));
  m._lua_setfield(L, LUA_GLOBALSINDEX, vm.name('struct'));
}
