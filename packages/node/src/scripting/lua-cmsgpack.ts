import { LUA_GLOBALSINDEX, LuaType, type LuaVm } from './lua-vm.js';

/**
 * The `cmsgpack` library Redis bundles (lua-cmsgpack 0.4): MessagePack with Lua 5.1 numbers
 * (integral doubles as the smallest integer encoding, others as float32 when exact, else
 * float64), tables as arrays when their keys are exactly 1..n, maps otherwise, and nesting
 * beyond 16 levels encoded as nil. Strings are bytes (latin1 JS strings) both ways.
 */

const MAX_NESTING = 16;
const TWO_63 = 2 ** 63;
const scratch = Buffer.alloc(8);

function header(type: number, length: number, bytes: number): string {
  let out = String.fromCharCode(type);
  for (let shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out += String.fromCharCode(Math.floor(length / 2 ** shift) & 0xff);
  return out;
}

function encodeInteger(n: number): string {
  if (n >= 0) {
    if (n <= 127) return String.fromCharCode(n);
    if (n <= 0xff) return header(0xcc, n, 1);
    if (n <= 0xffff) return header(0xcd, n, 2);
    if (n <= 0xffffffff) return header(0xce, n, 4);
    scratch.writeBigUInt64BE(BigInt(n));
    return `\xcf${scratch.toString('latin1')}`;
  }
  if (n >= -32) return String.fromCharCode(n & 0xff);
  if (n >= -128) return header(0xd0, n & 0xff, 1);
  if (n >= -32768) return header(0xd1, n & 0xffff, 2);
  if (n >= -2147483648) return header(0xd2, n >>> 0, 4);
  scratch.writeBigInt64BE(BigInt(n));
  return `\xd3${scratch.toString('latin1')}`;
}

function encodeNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < TWO_63) return encodeInteger(n);
  if (Math.fround(n) === n || Number.isNaN(n)) {
    scratch.writeFloatBE(n);
    return `\xca${scratch.toString('latin1', 0, 4)}`;
  }
  scratch.writeDoubleBE(n);
  return `\xcb${scratch.toString('latin1')}`;
}

function encodeLength(length: number, small: number, smallLimit: number, type16: number): string {
  if (length <= smallLimit) return String.fromCharCode(small | length);
  if (length <= 0xffff) return header(type16, length, 2);
  return header(type16 + 1, length, 4);
}

class Packer {
  out = '';
  constructor(
    private readonly vm: LuaVm,
    private readonly L: number,
  ) {}

  /** Encodes the value at the top of the stack and pops it. */
  value(level: number): void {
    const { vm, L } = this;
    const m = vm.m;
    let type = m._lua_type(L, -1);
    if (type === LuaType.Table && level === MAX_NESTING) type = LuaType.Nil;
    switch (type) {
      case LuaType.String: {
        const text = vm.toString(L, -1)!;
        const length = text.length;
        if (length < 32) this.out += String.fromCharCode(0xa0 | length);
        else if (length <= 0xff) this.out += header(0xd9, length, 1);
        else if (length <= 0xffff) this.out += header(0xda, length, 2);
        else this.out += header(0xdb, length, 4);
        this.out += text;
        break;
      }
      case LuaType.Boolean:
        this.out += m._lua_toboolean(L, -1) !== 0 ? '\xc3' : '\xc2';
        break;
      case LuaType.Number:
        this.out += encodeNumber(m._lua_tonumber(L, -1));
        break;
      case LuaType.Table:
        this.table(level);
        break;
      default:
        this.out += '\xc0';
    }
    vm.pop(L, 1);
  }

  private table(level: number): void {
    const { vm, L } = this;
    const m = vm.m;
    let count = 0;
    let max = 0;
    let array = true;
    m._lua_pushnil(L);
    while (m._lua_next(L, -2) !== 0) {
      vm.pop(L, 1);
      count++;
      if (!array) continue;
      const key = m._lua_type(L, -1) === LuaType.Number ? m._lua_tonumber(L, -1) : 0;
      // IS_INT_EQUIVALENT: the key must fit a C int.
      if (key <= 0 || !Number.isInteger(key) || key > 2147483647) array = false;
      else if (key > max) max = key;
    }
    if (array && max === count) {
      const length = m._lua_objlen(L, -1);
      this.out += encodeLength(length, 0x90, 15, 0xdc);
      for (let i = 1; i <= length; i++) {
        m._lua_pushnumber(L, i);
        m._lua_gettable(L, -2);
        this.value(level + 1);
      }
      return;
    }
    this.out += encodeLength(count, 0x80, 15, 0xde);
    m._lua_pushnil(L);
    while (m._lua_next(L, -2) !== 0) {
      m._lua_pushvalue(L, -2);
      this.value(level + 1); // key
      this.value(level + 1); // value
    }
  }
}

/** Payload bytes of the fixed-size number types (0: not one). */
function numberSize(type: number): number {
  switch (type) {
    case 0xcc:
    case 0xd0:
      return 1;
    case 0xcd:
    case 0xd1:
      return 2;
    case 0xce:
    case 0xd2:
    case 0xca:
      return 4;
    case 0xcf:
    case 0xd3:
    case 0xcb:
      return 8;
    default:
      return 0;
  }
}

/** Thrown while decoding; turned into the library's Lua errors. */
class Incomplete extends Error {}
class BadFormat extends Error {}

class Unpacker {
  constructor(
    private readonly vm: LuaVm,
    private readonly L: number,
    private readonly data: string,
    public at: number,
  ) {}

  private need(bytes: number): void {
    if (this.at + bytes > this.data.length) throw new Incomplete();
  }

  private unsigned(offset: number, bytes: number): number {
    let n = 0;
    for (let i = 0; i < bytes; i++) n = n * 256 + this.data.charCodeAt(this.at + offset + i);
    return n;
  }

  private bytes(offset: number, length: number): Buffer {
    return Buffer.from(this.data.slice(this.at + offset, this.at + offset + length), 'latin1');
  }

  /** Pushes the next value. */
  value(): void {
    const { vm, L } = this;
    const m = vm.m;
    this.need(1);
    const type = this.data.charCodeAt(this.at);
    const size = numberSize(type);
    if (size > 0) {
      this.need(1 + size);
      m._lua_pushnumber(L, this.number(type));
      this.at += 1 + size;
      return;
    }
    switch (type) {
      case 0xc0:
        m._lua_pushnil(L);
        this.at++;
        return;
      case 0xc3:
      case 0xc2:
        m._lua_pushboolean(L, type === 0xc3 ? 1 : 0);
        this.at++;
        return;
      case 0xd9:
      case 0xda:
      case 0xdb: {
        const size = type === 0xd9 ? 1 : type === 0xda ? 2 : 4;
        this.need(1 + size);
        return this.string(1 + size, this.unsigned(1, size));
      }
      case 0xdc:
      case 0xdd:
      case 0xde:
      case 0xdf: {
        const size = type === 0xdc || type === 0xde ? 2 : 4;
        this.need(1 + size);
        const length = this.unsigned(1, size);
        this.at += 1 + size;
        return type <= 0xdd ? this.array(length) : this.map(length);
      }
    }
    if ((type & 0x80) === 0) {
      m._lua_pushnumber(L, type);
      this.at++;
    } else if ((type & 0xe0) === 0xe0) {
      m._lua_pushnumber(L, type - 256);
      this.at++;
    } else if ((type & 0xe0) === 0xa0) this.string(1, type & 0x1f);
    else if ((type & 0xf0) === 0x90) {
      this.at++;
      this.array(type & 0xf);
    } else if ((type & 0xf0) === 0x80) {
      this.at++;
      this.map(type & 0xf);
    } else throw new BadFormat();
  }

  /** The fixed-size number at the cursor (type byte included). */
  private number(type: number): number {
    switch (type) {
      case 0xcc:
        return this.unsigned(1, 1);
      case 0xd0:
        return (this.unsigned(1, 1) << 24) >> 24;
      case 0xcd:
        return this.unsigned(1, 2);
      case 0xd1:
        return (this.unsigned(1, 2) << 16) >> 16;
      case 0xce:
        return this.unsigned(1, 4);
      case 0xd2:
        return this.unsigned(1, 4) | 0;
      case 0xcf:
        return Number(this.bytes(1, 8).readBigUInt64BE());
      case 0xd3:
        return Number(this.bytes(1, 8).readBigInt64BE());
      case 0xca:
        return this.bytes(1, 4).readFloatBE();
      default:
        return this.bytes(1, 8).readDoubleBE();
    }
  }

  private string(offset: number, length: number): void {
    this.need(offset + length);
    this.vm.pushString(this.L, this.data.slice(this.at + offset, this.at + offset + length));
    this.at += offset + length;
  }

  private array(length: number): void {
    const m = this.vm.m;
    m._lua_createtable(this.L, 0, 0);
    for (let i = 1; i <= length; i++) {
      m._lua_pushnumber(this.L, i);
      this.value();
      m._lua_settable(this.L, -3);
    }
  }

  private map(length: number): void {
    const m = this.vm.m;
    m._lua_createtable(this.L, 0, 0);
    for (let i = 0; i < length; i++) {
      this.value();
      this.value();
      m._lua_settable(this.L, -3);
    }
  }
}

/** mp_unpack_full: up to `limit` values from `offset` (0, 0: all of them, no offset returned). */
function unpack(vm: LuaVm, L: number, limit: number, offset: number): number {
  const m = vm.m;
  m._luaL_checklstring(L, 1, 0);
  const data = vm.toString(L, 1)!;
  const decodeAll = limit === 0 && offset === 0;
  if (offset < 0 || limit < 0) return vm.raise(L, `Invalid request to unpack with offset of ${offset} and limit of ${data.length}.`);
  if (offset > data.length) return vm.raise(L, `Start offset ${offset} greater than input length ${data.length}.`);
  const unpacker = new Unpacker(vm, L, data, offset);
  const max = decodeAll ? Infinity : limit;
  let count = 0;
  try {
    for (; unpacker.at < data.length && count < max; count++) unpacker.value();
  } catch (error) {
    if (error instanceof Incomplete) return vm.raise(L, 'Missing bytes in input.');
    if (error instanceof BadFormat) return vm.raise(L, 'Bad data format in input.');
    throw error;
  }
  if (decodeAll) return count;
  m._lua_pushnumber(L, unpacker.at >= data.length ? -1 : unpacker.at);
  m._lua_insert(L, 2);
  return count + 1;
}

export function installCmsgpack(vm: LuaVm): void {
  const { m, L } = vm;
  m._lua_createtable(L, 0, 8);
  vm.setFunction('pack', (state) => {
    const argc = m._lua_gettop(state);
    if (argc === 0) return m._luaL_argerror(state, 0, vm.name('MessagePack pack needs input.'));
    const packer = new Packer(vm, state);
    for (let i = 1; i <= argc; i++) {
      m._lua_pushvalue(state, i);
      packer.value(0);
    }
    vm.pushString(state, packer.out);
    return 1;
  });
  vm.setFunction('unpack', (state) => unpack(vm, state, 0, 0));
  vm.setFunction('unpack_one', (state) => {
    const offset = m._lua_type(state, 2) <= LuaType.Nil ? 0 : m._luaL_checkinteger(state, 2);
    m._lua_settop(state, 1);
    return unpack(vm, state, 1, offset);
  });
  vm.setFunction('unpack_limit', (state) => {
    const limit = m._luaL_checkinteger(state, 2);
    const offset = m._lua_type(state, 3) <= LuaType.Nil ? 0 : m._luaL_checkinteger(state, 3);
    m._lua_settop(state, 1);
    return unpack(vm, state, limit, offset);
  });
  vm.setStringField(L, '_NAME', 'lua-cmsgpack');
  vm.setStringField(L, '_VERSION', 'lua-cmsgpack 0.4.0');
  vm.setStringField(L, '_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  vm.setStringField(L, '_DESCRIPTION', 'MessagePack C implementation for Lua');
  m._lua_setfield(L, LUA_GLOBALSINDEX, vm.name('cmsgpack'));
}
