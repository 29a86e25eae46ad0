import { createRequire } from 'node:module';

/**
 * The Lua engine: Lua 5.1 (the version Redis embeds) compiled to WebAssembly, from the npm
 * package wasmoon-lua5.1. Chosen with scripts/lua-engine-bench.mjs over wasmoon (Lua 5.4) and
 * fengari (Lua 5.3 in JS): it is the fastest of the three on EVAL-shaped workloads and the only
 * one with 5.1 semantics (numbers are doubles printed with %.14g, unpack, loadstring,
 * table.getn, math.pow, getfenv/setfenv).
 *
 * We use only the raw C API the emscripten module exports (`_lua_*`), not wasmoon's JS-object
 * bridge: values cross as bytes written into and read from the wasm heap, so latin1 JS strings
 * map one-to-one onto Lua byte strings (binary safe both ways) with no UTF-8 step.
 */

/** The subset of the emscripten module we call. Pointers and lua_State are heap addresses. */
export interface LuaModule {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPF64: Float64Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  addFunction(fn: (...args: number[]) => number | void, signature: string): number;
  _luaL_newstate(): number;
  _luaL_openlibs(L: number): void;
  _luaL_loadbuffer(L: number, buffer: number, length: number, name: number): number;
  _luaL_ref(L: number, table: number): number;
  _luaL_unref(L: number, table: number, ref: number): void;
  _luaL_where(L: number, level: number): void;
  _lua_close(L: number): void;
  _lua_atpanic(L: number, panic: number): number;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, index: number): void;
  _lua_pushvalue(L: number, index: number): void;
  _lua_remove(L: number, index: number): void;
  _lua_insert(L: number, index: number): void;
  _lua_replace(L: number, index: number): void;
  _lua_type(L: number, index: number): number;
  _lua_toboolean(L: number, index: number): number;
  _lua_tonumber(L: number, index: number): number;
  _lua_tolstring(L: number, index: number, lengthOut: number): number;
  _lua_objlen(L: number, index: number): number;
  _lua_isnumber(L: number, index: number): number;
  _lua_isstring(L: number, index: number): number;
  _lua_pushnil(L: number): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushlstring(L: number, s: number, length: number): void;
  _lua_pushcclosure(L: number, fn: number, upvalues: number): void;
  _lua_pushlightuserdata(L: number, p: number): void;
  _lua_createtable(L: number, arraySize: number, hashSize: number): void;
  _lua_getfield(L: number, index: number, name: number): void;
  _lua_setfield(L: number, index: number, name: number): void;
  _lua_rawget(L: number, index: number): void;
  _lua_settable(L: number, index: number): void;
  _lua_gettable(L: number, index: number): void;
  _lua_setfenv(L: number, index: number): number;
  _luaL_checknumber(L: number, index: number): number;
  _luaL_checkinteger(L: number, index: number): number;
  _luaL_checklstring(L: number, index: number, lengthOut: number): number;
  _lua_topointer(L: number, index: number): number;
  _luaL_argerror(L: number, index: number, message: number): number;
  _lua_equal(L: number, a: number, b: number): number;
  _lua_rawset(L: number, index: number): void;
  _lua_rawgeti(L: number, index: number, n: number): void;
  _lua_rawseti(L: number, index: number, n: number): void;
  _lua_setmetatable(L: number, index: number): number;
  _lua_getmetatable(L: number, index: number): number;
  _lua_next(L: number, index: number): number;
  _lua_concat(L: number, n: number): void;
  _lua_pcall(L: number, nargs: number, nresults: number, errfunc: number): number;
  _lua_call(L: number, nargs: number, nresults: number): void;
  _lua_error(L: number): number;
  _lua_sethook(L: number, hook: number, mask: number, count: number): void;
  _lua_gc(L: number, what: number, data: number): number;
}

export const LUA_REGISTRYINDEX = -10000;
export const LUA_GLOBALSINDEX = -10002;
export const LUA_MULTRET = -1;
export const LUA_MASKCOUNT = 8;
export const LUA_MASKLINE = 4;
export const LUA_GCSTEP = 5;
export const LUA_GCCOUNT = 3;

export const enum LuaType {
  None = -1,
  Nil = 0,
  Boolean = 1,
  LightUserdata = 2,
  Number = 3,
  String = 4,
  Table = 5,
  Function = 6,
  Userdata = 7,
  Thread = 8,
}

/** A Lua C function implemented in JS: reads its arguments from L's stack, returns the result count. */
export type LuaFunction = (L: number) => number;

const require = createRequire(import.meta.url);
const { LuaApi } = require('wasmoon-lua5.1') as { LuaApi: { initialize(): Promise<{ module: LuaModule }> } };

/** One emscripten instance serves every lua_State of the process (loaded once, ~25 ms). */
const module: LuaModule = (await LuaApi.initialize()).module;

/** Process-wide scratch memory for strings crossing into Lua, grown on demand. */
let scratch = module._malloc(64 * 1024);
let scratchSize = 64 * 1024;
const lengthOut = module._malloc(8);
const names = new Map<string, number>();
/**
 * An error outside any pcall would make Lua call exit(): throw instead, so the command fails
 * with an internal error and the interpreter stays usable.
 */
const panicHandler = module.addFunction(() => {
  throw new Error('unprotected error in the Lua interpreter');
}, 'ii');

/**
 * A lua_State and the string/stack helpers every scripting module uses. Methods take L
 * explicitly where the caller may be running on the state a C function was called with.
 */
export class LuaVm {
  readonly m = module;
  readonly L: number;

  constructor() {
    this.L = module._luaL_newstate();
    module._lua_atpanic(this.L, panicHandler);
  }

  /** A NUL-terminated constant (field names, chunk names) kept for the process lifetime. */
  name(text: string): number {
    let pointer = names.get(text);
    if (pointer === undefined) {
      pointer = module._malloc(text.length + 1);
      writeLatin1(text, pointer);
      module.HEAPU8[pointer + text.length] = 0;
      names.set(text, pointer);
    }
    return pointer;
  }

  /** Pushes a latin1 JS string as the Lua byte string with the same bytes. */
  pushString(L: number, text: string): void {
    const length = text.length;
    if (length > scratchSize) {
      module._free(scratch);
      scratchSize = Math.max(length, scratchSize * 2);
      scratch = module._malloc(scratchSize);
    }
    writeLatin1(text, scratch);
    module._lua_pushlstring(L, scratch, length);
  }

  /** The string (or number, converted in place as lua_tolstring does) at index, or null. */
  toString(L: number, index: number): string | null {
    const pointer = module._lua_tolstring(L, index, lengthOut);
    if (pointer === 0) return null;
    return readLatin1(pointer, module.HEAP32[lengthOut >> 2]!);
  }

  /** Like toString, cut at the first NUL as C code that reads a `char *` sees it. */
  toCString(L: number, index: number): string | null {
    const text = this.toString(L, index);
    if (text === null) return null;
    const nul = text.indexOf('\0');
    return nul < 0 ? text : text.slice(0, nul);
  }

  /** Registers a JS function as a C function value pushed on the stack. */
  pushFunction(L: number, fn: LuaFunction): void {
    module._lua_pushcclosure(L, module.addFunction(fn, 'ii'), 0);
  }

  /** table[name] = C function, for the table at the top of the stack. */
  setFunction(name: string, fn: LuaFunction): void {
    this.pushFunction(this.L, fn);
    module._lua_setfield(this.L, -2, this.name(name));
  }

  setNumberField(name: string, value: number): void {
    module._lua_pushnumber(this.L, value);
    module._lua_setfield(this.L, -2, this.name(name));
  }

  setStringField(L: number, name: string, value: string): void {
    this.pushString(L, value);
    module._lua_setfield(L, -2, this.name(name));
  }

  /** table[name] for the table at index, as a string (null when absent or not a string). */
  stringField(L: number, index: number, name: string): string | null {
    module._lua_getfield(L, index, this.name(name));
    const value = module._lua_type(L, -1) === LuaType.String || module._lua_type(L, -1) === LuaType.Number ? this.toCString(L, -1) : null;
    module._lua_settop(L, -2);
    return value;
  }

  /** Raises a Lua error with `message` as a string, prefixed with the caller's position like luaL_error. */
  raise(L: number, message: string): never {
    module._luaL_where(L, 1);
    this.pushString(L, message);
    module._lua_concat(L, 2);
    return this.throwTop(L);
  }

  /** Raises the value at the top of the stack (lua_error unwinds through this JS frame). */
  throwTop(L: number): never {
    module._lua_error(L);
    throw new Error('lua_error returned');
  }

  /** Compiles a chunk; leaves the function (or the error message) on the stack; returns the status. */
  load(code: string, chunkName: string): number {
    const bytes = code.length;
    const pointer = module._malloc(bytes + 1);
    writeLatin1(code, pointer);
    const status = module._luaL_loadbuffer(this.L, pointer, bytes, this.name(chunkName));
    module._free(pointer);
    return status;
  }

  pop(L: number, n: number): void {
    module._lua_settop(L, -n - 1);
  }

  close(): void {
    module._lua_close(this.L);
  }
}

function writeLatin1(text: string, pointer: number): void {
  const heap = module.HEAPU8;
  for (let i = 0; i < text.length; i++) heap[pointer + i] = text.charCodeAt(i);
}

function readLatin1(pointer: number, length: number): string {
  if (length === 0) return '';
  return Buffer.from(module.HEAPU8.buffer, module.HEAPU8.byteOffset + pointer, length).toString('latin1');
}
