import { performance } from 'node:perf_hooks';
import { splitArgs } from './shebang.js';
import type { LuaEnvironment } from './lua-environment.js';
import { errorInformation, pushErrorTable } from './lua-reply.js';
import { LUA_REGISTRYINDEX, LuaType, type LuaVm } from './lua-vm.js';
import { SCRIPT_FLAG_NAMES } from './script-run.js';

/**
 * FUNCTION libraries (Redis 7.0 functions.c + function_lua.c): a library is Lua code whose
 * first line is `#!lua name=<library>`; running it once registers its functions through
 * redis.register_function. Libraries and functions live in a LibraryStore; FUNCTION RESTORE
 * builds a temporary store and joins it into the current one.
 */

export const ENGINE_NAME = 'LUA';
/** FUNCTION LOAD gives a library this long to register its functions (LOAD_TIMEOUT_MS). */
export const LOAD_TIMEOUT_MS = 500;

export interface FunctionInfo {
  readonly name: string;
  readonly library: Library;
  /** Registry reference of the Lua callback. */
  readonly ref: number;
  readonly description: string | null;
  readonly flags: number;
}

export interface Library {
  readonly name: string;
  /** The whole LOAD payload, shebang included (FUNCTION LIST WITHCODE, DUMP). */
  readonly code: string;
  readonly functions: Map<string, FunctionInfo>;
}

export class LibraryStore {
  readonly libraries = new Map<string, Library>();
  readonly functions = new Map<string, FunctionInfo>();

  link(library: Library): void {
    this.libraries.set(library.name, library);
    for (const fn of library.functions.values()) this.functions.set(fn.name, fn);
  }

  unlink(library: Library): void {
    this.libraries.delete(library.name);
    for (const name of library.functions.keys()) this.functions.delete(name);
  }
}

/** A name of letters, digits and underscores, at least one character (functionsVerifyName). */
function validName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

const INVALID_NAME = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/** The library being loaded, for redis.register_function. */
interface LoadContext {
  library: Library;
  deadline: number;
}

/** The Lua side of functions: one environment, the load-time API, compile and register. */
export class FunctionEngine {
  private loading: LoadContext | null = null;
  /** Registry ref of the globals a library sees while it loads (only `redis` with the load API). */
  private readonly loadApiRef: number;

  constructor(readonly env: LuaEnvironment) {
    this.loadApiRef = this.buildLoadApi();
  }

  /** Checked by the environment's count hook while a library loads. */
  loadTimedOut(): boolean {
    return this.loading !== null && performance.now() > this.loading.deadline;
  }

  private buildLoadApi(): number {
    const { vm } = this.env;
    const { m, L } = vm;
    m._lua_createtable(L, 0, 1); // the globals
    m._lua_createtable(L, 0, 8); // their `redis`
    vm.setFunction('register_function', (state) => this.registerFunction(state));
    this.env.installLog();
    this.env.installVersion();
    this.setErrorMetatable(vm);
    m._lua_setfield(L, -2, vm.name('redis'));
    this.setErrorMetatable(vm);
    return m._luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** Reading a missing name of the table at the top is an error, as for the eval globals. */
  private setErrorMetatable(vm: LuaVm): void {
    const m = vm.m;
    m._lua_createtable(vm.L, 0, 2);
    vm.pushFunction(vm.L, (state) => vm.raise(state, `Script attempted to access nonexistent global variable '${vm.toCString(state, 2) ?? ''}'`));
    m._lua_setfield(vm.L, -2, vm.name('__index'));
    vm.pushFunction(vm.L, (state) => vm.raise(state, 'Attempt to modify a readonly table'));
    m._lua_setfield(vm.L, -2, vm.name('__newindex'));
    m._lua_setmetatable(vm.L, -2);
  }

  /**
   * functionsCreateWithLibraryCtx: parses, compiles and runs `code`, adding the library to
   * `store` (replacing a same-named one when `replace`). Returns the library name or an error
   * message (without the "ERR " a reply adds).
   */
  create(store: LibraryStore, code: string, replace: boolean, timeoutMs: number): { name: string } | string {
    const meta = libraryMetadata(code);
    if (typeof meta === 'string') return meta;
    if (!validName(meta.name)) return INVALID_NAME;
    if (meta.engine.toUpperCase() !== ENGINE_NAME) return `Engine '${meta.engine}' not found`;
    const old = store.libraries.get(meta.name);
    if (old !== undefined && !replace) return `Library '${meta.name}' already exists`;
    if (old !== undefined) store.unlink(old);
    const library: Library = { name: meta.name, code, functions: new Map() };
    const error = this.run(library, meta.body, timeoutMs) ?? this.collision(store, library);
    if (error !== null) {
      this.free(library);
      if (old !== undefined) store.link(old);
      return error;
    }
    store.link(library);
    if (old !== undefined) this.free(old);
    return { name: meta.name };
  }

  private collision(store: LibraryStore, library: Library): string | null {
    if (library.functions.size === 0) return 'No functions registered';
    for (const name of library.functions.keys()) {
      if (store.functions.has(name)) return `Function ${name} already exists`;
    }
    return null;
  }

  /** luaEngineCreate: compiles the body and runs it with the load-time globals. */
  private run(library: Library, body: string, timeoutMs: number): string | null {
    const { env } = this;
    const { vm } = env;
    const { m, L } = vm;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.loadApiRef);
    env.setGlobalsView(L);
    try {
      if (vm.load(body, '@user_function') !== 0) {
        const message = vm.toCString(L, -1) ?? '';
        vm.pop(L, 1);
        return `Error compiling function: ${message}`;
      }
      this.loading = { library, deadline: timeoutMs > 0 ? performance.now() + timeoutMs : Infinity };
      env.startHook();
      const status = m._lua_pcall(L, 0, 0, 0);
      env.stopHook();
      this.loading = null;
      if (status !== 0) {
        const info = errorInformation(vm, L);
        vm.pop(L, 1);
        return `Error registering functions: ${info.message}`;
      }
      return null;
    } finally {
      env.restoreGlobalsView(L);
    }
  }

  /** Releases the Lua callbacks of a library that is deleted or failed to load. */
  free(library: Library): void {
    const { m, L } = this.env.vm;
    for (const fn of library.functions.values()) m._luaL_unref(L, LUA_REGISTRYINDEX, fn.ref);
  }

  /** redis.register_function(name, callback) or redis.register_function{function_name=…, callback=…, flags=…, description=…}. */
  private registerFunction(L: number): number {
    const { vm } = this.env;
    const m = vm.m;
    const loading = this.loading;
    const fail = (message: string): never => {
      pushErrorTable(vm, L, message);
      return vm.throwTop(L);
    };
    if (loading === null) return fail('redis.register_function can only be called on FUNCTION LOAD command');
    const argc = m._lua_gettop(L);
    if (argc < 1 || argc > 2) return fail('wrong number of arguments to redis.register_function');
    const args = argc === 1 ? this.namedArguments(vm, L) : this.positionalArguments(vm, L);
    if (typeof args === 'string') return fail(args);
    const ref = args.ref;
    const library = loading.library;
    let error: string | null = null;
    if (!validName(args.name)) error = INVALID_NAME;
    else if (library.functions.has(args.name)) error = 'Function already exists in the library';
    if (error !== null) {
      m._luaL_unref(L, LUA_REGISTRYINDEX, ref);
      return fail(error);
    }
    library.functions.set(args.name, { name: args.name, library, ref, description: args.description, flags: args.flags });
    return 0;
  }

  private positionalArguments(vm: LuaVm, L: number): RegisterArguments | string {
    const m = vm.m;
    if (m._lua_isstring(L, 1) === 0) return 'first argument to redis.register_function must be a string';
    if (m._lua_type(L, 2) !== LuaType.Function) return 'second argument to redis.register_function must be a function';
    const name = vm.toCString(L, 1)!;
    m._lua_settop(L, 2);
    return { name, description: null, flags: 0, ref: m._luaL_ref(L, LUA_REGISTRYINDEX) };
  }

  private namedArguments(vm: LuaVm, L: number): RegisterArguments | string {
    const m = vm.m;
    if (m._lua_type(L, 1) !== LuaType.Table) {
      return 'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).';
    }
    let name: string | null = null;
    let description: string | null = null;
    let flags = 0;
    let ref = -1;
    const refuse = (message: string): string => {
      if (ref >= 0) m._luaL_unref(L, LUA_REGISTRYINDEX, ref);
      return message;
    };
    m._lua_pushnil(L);
    while (m._lua_next(L, 1) !== 0) {
      if (m._lua_isstring(L, -2) === 0) return refuse('named argument key given to redis.register_function is not a string');
      // Read a copy: lua_tolstring would turn a number key into a string in place and break lua_next.
      m._lua_pushvalue(L, -2);
      const key = (vm.toCString(L, -1) ?? '').toLowerCase();
      vm.pop(L, 1);
      const valueIsString = m._lua_isstring(L, -1) !== 0;
      if (key === 'function_name') {
        if (!valueIsString) return refuse('function_name argument given to redis.register_function must be a string');
        name = vm.toString(L, -1);
      } else if (key === 'description') {
        if (!valueIsString) return refuse('description argument given to redis.register_function must be a string');
        description = vm.toString(L, -1);
      } else if (key === 'callback') {
        if (m._lua_type(L, -1) !== LuaType.Function) return refuse('callback argument given to redis.register_function must be a function');
        if (ref >= 0) m._luaL_unref(L, LUA_REGISTRYINDEX, ref);
        ref = m._luaL_ref(L, LUA_REGISTRYINDEX); // pops the value
        continue;
      } else if (key === 'flags') {
        if (m._lua_type(L, -1) !== LuaType.Table) return refuse('flags argument to redis.register_function must be a table representing function flags');
        const parsed = readFlags(vm, L);
        if (parsed === null) return refuse('unknown flag given');
        flags = parsed;
      } else return refuse('unknown argument given to redis.register_function');
      vm.pop(L, 1);
    }
    if (name === null) return refuse('redis.register_function must get a function name argument');
    if (ref < 0) return 'redis.register_function must get a callback argument';
    return { name, description, flags, ref };
  }
}

interface RegisterArguments {
  name: string;
  description: string | null;
  flags: number;
  /** Registry reference of the callback. */
  ref: number;
}

/** The flag names of the table at the top of the stack, or null for an unknown one. */
function readFlags(vm: LuaVm, L: number): number | null {
  const m = vm.m;
  let flags = 0;
  for (let i = 1; ; i++) {
    m._lua_rawgeti(L, -1, i);
    if (m._lua_type(L, -1) === LuaType.Nil) {
      vm.pop(L, 1);
      return flags;
    }
    const text = m._lua_isstring(L, -1) !== 0 ? (vm.toCString(L, -1) ?? '').toLowerCase() : null;
    vm.pop(L, 1);
    const flag = SCRIPT_FLAG_NAMES.find(([flagName]) => flagName === text);
    if (flag === undefined) return null;
    flags |= flag[1];
  }
}

/** functionExtractLibMetaData: engine, library name and the code after the shebang line. */
function libraryMetadata(code: string): { engine: string; name: string; body: string } | string {
  if (!code.startsWith('#!')) return 'Missing library metadata';
  const newline = code.indexOf('\n');
  if (newline < 0) return 'Invalid library metadata';
  const parts = splitArgs(code.slice(0, newline));
  if (parts === null || parts.length === 0) return 'Invalid library metadata';
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() !== 'name=') return `Invalid metadata value given: ${part}`;
    if (name !== null) return 'Invalid metadata value, name argument was given multiple times';
    name = part.slice(5);
  }
  if (name === null) return 'Library name was not given';
  return { engine: parts[0]!.slice(2), name, body: code.slice(newline) };
}
