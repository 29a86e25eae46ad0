import { createHash } from 'node:crypto';
import { formatDouble17g } from '../protocol/format.js';
import { installBit } from './lua-bit.js';
import { installCjson } from './lua-cjson.js';
import { installCmsgpack } from './lua-cmsgpack.js';
import { installStringFormat } from './lua-format.js';
import { installStruct } from './lua-struct.js';
import { cString, pushErrorTable } from './lua-reply.js';
import { LuaRandom } from './lua-random.js';
import { LUA_GLOBALSINDEX, LUA_MASKCOUNT, LUA_MASKLINE, LUA_REGISTRYINDEX, LuaType, LuaVm } from './lua-vm.js';

/** What a running script exposes to the redis.* functions (implemented by ScriptRun). */
export interface ScriptRunContext {
  /** redis.call / redis.pcall with argv already converted; pushes the result. */
  callCommand(vm: LuaVm, L: number, argv: string[], raise: boolean): number;
  /** redis.acl_check_cmd: true when the command exists (no ACLs yet); null when unknown. */
  commandExists(argv: string[]): boolean;
  setResp(resp: 2 | 3): void;
}

/** Server facilities the environment needs, without depending on the Server class. */
export interface EnvironmentHost {
  /** Writes a redis.log line at a Redis log level (0 debug … 3 warning) if verbosity allows. */
  log(level: number, message: string): void;
  /** Called every COUNT_HOOK_INSTRUCTIONS instructions while a script or library load runs. */
  checkpoint(): string | null;
}

export const REDIS_VERSION = '7.0.15';
const REDIS_VERSION_NUM = 0x0007000f;
/** One lrand48 state for the process, as Redis seeds it once at startup. */
const random = new LuaRandom();
/** Lua instructions between two time checks (Redis uses the same period for its count hook). */
const COUNT_HOOK_INSTRUCTIONS = 100_000;
/** Globals the sandbox removes: no file or process access, no module loading. */
const REMOVED_GLOBALS = ['io', 'os', 'package', 'require', 'module', 'print', 'dofile', 'loadfile'];
/** Library tables made read-only (Redis protects every table reachable from the globals). */
const PROTECTED_LIBRARIES = ['string', 'math', 'table', 'coroutine', 'cjson', 'bit', 'cmsgpack', 'struct', 'redis'];

/** Lua-side definitions: the error handler that tags errors with the script position. */
const ERROR_HANDLER = `local dbg = debug
return function(err)
  local i = dbg.getinfo(2, 'nSl')
  if i and i.what == 'C' then i = dbg.getinfo(3, 'nSl') end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end`;

/**
 * One sandboxed Lua interpreter as Redis 7.0 sets it up (script_lua.c, eval.c, function_lua.c):
 * the base/table/string/math libraries plus cjson, cmsgpack, bit and struct, the `redis` API, Redis's
 * math.random, an error handler adding "script: …, on @user_script:N." information, and
 * read-only globals: scripts see an empty proxy whose reads fall through to the real globals
 * (a missing name is an error) and whose writes fail with "Attempt to modify a readonly table".
 */
export class LuaEnvironment {
  readonly vm = new LuaVm();
  /** The script running now, null between scripts. */
  run: ScriptRunContext | null = null;
  /** Registry refs: the real globals, the proxy's metatable, the error handler. */
  private readonly globalsRef: number;
  private readonly proxyMetaRef: number;
  readonly handlerRef: number;
  private readonly hook: number;
  private calls = 0;

  constructor(
    private readonly host: EnvironmentHost,
    extendRedis?: (env: LuaEnvironment) => void,
  ) {
    const { vm } = this;
    const { m, L } = vm;
    m._luaL_openlibs(L);
    for (const name of REMOVED_GLOBALS) {
      m._lua_pushnil(L);
      m._lua_setfield(L, LUA_GLOBALSINDEX, vm.name(name));
    }
    installCjson(vm);
    installBit(vm);
    installCmsgpack(vm);
    installStringFormat(vm);
    installStruct(vm);
    vm.pushFunction(L, (state) => this.protectedCall(state));
    m._lua_setfield(L, LUA_GLOBALSINDEX, vm.name('pcall'));
    this.installRedisApi(extendRedis);
    this.installRandom();
    // The handler keeps `debug` in an upvalue; scripts never see the library.
    if (vm.load(ERROR_HANDLER, '@err_handler_def') !== 0 || m._lua_pcall(L, 0, 1, 0) !== 0) {
      throw new Error(`Lua error handler failed to load: ${vm.toString(L, -1)}`);
    }
    this.handlerRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    m._lua_pushnil(L);
    m._lua_setfield(L, LUA_GLOBALSINDEX, vm.name('debug'));
    const protection = this.protectGlobals();
    this.globalsRef = protection.globalsRef;
    this.proxyMetaRef = protection.proxyMetaRef;
    this.hook = m.addFunction((state: number) => this.countHook(state), 'vii');
  }

  /** The real globals table, pushed (KEYS/ARGV go there; reads through the proxy find them). */
  pushGlobals(L: number): void {
    this.vm.m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.globalsRef);
  }

  /** Points the proxy's reads at the table at the top of the stack (pops it). FUNCTION LOAD uses this. */
  setGlobalsView(L: number): void {
    const m = this.vm.m;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.proxyMetaRef);
    m._lua_insert(L, -2);
    m._lua_setfield(L, -2, this.vm.name('__index'));
    this.vm.pop(L, 1);
  }

  /** Restores the proxy's reads to the real globals. */
  restoreGlobalsView(L: number): void {
    this.pushGlobals(L);
    this.setGlobalsView(L);
  }

  /** Stores a new array of strings under a real global (KEYS, ARGV). */
  setGlobalArray(L: number, name: string, values: readonly string[], from: number): void {
    const m = this.vm.m;
    this.pushGlobals(L);
    this.pushArray(L, values, from);
    m._lua_setfield(L, -2, this.vm.name(name));
    this.vm.pop(L, 1);
  }

  /** Pushes a Lua array of values[from..]. */
  pushArray(L: number, values: readonly string[], from: number, to = values.length): void {
    const m = this.vm.m;
    m._lua_createtable(L, to - from, 0);
    for (let i = from; i < to; i++) {
      this.vm.pushString(L, values[i]!);
      m._lua_rawseti(L, -2, i - from + 1);
    }
  }

  /** Arms the count hook for the next script or load. */
  startHook(): void {
    this.vm.m._lua_sethook(this.vm.L, this.hook, LUA_MASKCOUNT, COUNT_HOOK_INSTRUCTIONS);
  }

  stopHook(): void {
    this.vm.m._lua_sethook(this.vm.L, 0, 0, 0);
  }

  /** Redis runs a GC step every 50 scripts rather than letting Lua run a full cycle at once. */
  collectSometimes(): void {
    if (++this.calls % 50 === 0) this.vm.m._lua_gc(this.vm.L, 5, 50);
  }

  private countHook(L: number): void {
    const error = this.host.checkpoint();
    if (error === null) return;
    // From now on every line raises it again, so a pcall cannot swallow it (Redis re-arms the same way).
    this.vm.m._lua_sethook(L, this.hook, LUA_MASKLINE, 0);
    pushErrorTable(this.vm, L, error);
    this.vm.throwTop(L);
  }

  /** Raises {err = "ERR <message>"} as redis.* functions do for misuse. */
  private fail(L: number, message: string): never {
    pushErrorTable(this.vm, L, message);
    return this.vm.throwTop(L);
  }

  /**
   * Redis's replacement of pcall: errors raised as tables by redis.call come back as their
   * message string, as they did before Redis 7 made errors tables.
   */
  private protectedCall(L: number): number {
    const m = this.vm.m;
    const argc = m._lua_gettop(L);
    m._lua_pushboolean(L, 1);
    m._lua_insert(L, 1);
    if (m._lua_pcall(L, argc - 1, -1, 0) !== 0) {
      m._lua_remove(L, 1);
      if (m._lua_type(L, -1) === LuaType.Table) {
        m._lua_getfield(L, -1, this.vm.name('err'));
        if (m._lua_isstring(L, -1) !== 0) m._lua_replace(L, -2);
        else this.vm.pop(L, 1);
      }
      m._lua_pushboolean(L, 0);
      m._lua_insert(L, 1);
    }
    return m._lua_gettop(L);
  }

  /** luaArgsToRedisArgv: numbers as %.17g, strings as they are, anything else is an error. */
  private commandArguments(L: number): string[] | string {
    const { vm } = this;
    const m = vm.m;
    const argc = m._lua_gettop(L);
    if (argc === 0) return 'Please specify at least one argument for this redis lib call';
    const argv = new Array<string>(argc);
    for (let i = 0; i < argc; i++) {
      const type = m._lua_type(L, i + 1);
      if (type === LuaType.Number) argv[i] = formatDouble17g(m._lua_tonumber(L, i + 1));
      else if (type === LuaType.String) argv[i] = vm.toString(L, i + 1)!;
      else {
        vm.pop(L, argc);
        return 'Lua redis lib command arguments must be strings or integers';
      }
    }
    vm.pop(L, argc);
    return argv;
  }

  private redisCommand(L: number, raise: boolean): number {
    const run = this.run;
    if (run === null) return this.fail(L, 'redis.call/pcall can only be called inside a script invocation');
    const argv = this.commandArguments(L);
    if (typeof argv === 'string') {
      pushErrorTable(this.vm, L, argv);
      return raise ? this.vm.throwTop(L) : 1;
    }
    return run.callCommand(this.vm, L, argv, raise);
  }

  private installRedisApi(extendRedis?: (env: LuaEnvironment) => void): void {
    const { vm } = this;
    const { m, L } = vm;
    m._lua_createtable(L, 0, 32);
    vm.setFunction('call', (state) => this.redisCommand(state, true));
    vm.setFunction('pcall', (state) => this.redisCommand(state, false));
    this.installLog();
    this.installVersion();
    vm.setFunction('setresp', (state) => this.setResp(state));
    vm.setFunction('sha1hex', (state) => this.sha1hex(state));
    vm.setFunction('error_reply', (state) => this.errorReply(state));
    vm.setFunction('status_reply', (state) => this.statusReply(state));
    vm.setFunction('set_repl', (state) => this.setRepl(state));
    vm.setNumberField('REPL_NONE', 0);
    vm.setNumberField('REPL_AOF', 1);
    vm.setNumberField('REPL_SLAVE', 2);
    vm.setNumberField('REPL_REPLICA', 2);
    vm.setNumberField('REPL_ALL', 3);
    vm.setFunction('acl_check_cmd', (state) => this.aclCheckCommand(state));
    extendRedis?.(this);
    m._lua_setfield(L, LUA_GLOBALSINDEX, vm.name('redis'));
  }

  /** redis.log and the LOG_* levels, into the table at the top of the stack. */
  installLog(): void {
    const { vm } = this;
    vm.setFunction('log', (state) => this.log(state));
    vm.setNumberField('LOG_DEBUG', 0);
    vm.setNumberField('LOG_VERBOSE', 1);
    vm.setNumberField('LOG_NOTICE', 2);
    vm.setNumberField('LOG_WARNING', 3);
  }

  installVersion(): void {
    const { vm } = this;
    vm.setNumberField('REDIS_VERSION_NUM', REDIS_VERSION_NUM);
    vm.setStringField(vm.L, 'REDIS_VERSION', REDIS_VERSION);
  }

  private log(L: number): number {
    const { vm } = this;
    const m = vm.m;
    const argc = m._lua_gettop(L);
    if (argc < 2) return this.fail(L, 'redis.log() requires two arguments or more.');
    if (m._lua_isnumber(L, 1) === 0) return this.fail(L, 'First argument must be a number (log level).');
    const level = Math.trunc(m._lua_tonumber(L, 1));
    if (level < 0 || level > 3) return this.fail(L, 'Invalid debug level.');
    const parts: string[] = [];
    for (let i = 2; i <= argc; i++) {
      const text = vm.toString(L, i);
      if (text !== null) parts.push(text);
    }
    this.host.log(level, parts.join(' '));
    return 0;
  }

  private setResp(L: number): number {
    const m = this.vm.m;
    const run = this.run;
    if (run === null) return this.fail(L, 'redis.setresp can only be called inside a script invocation');
    if (m._lua_gettop(L) !== 1) return this.fail(L, 'redis.setresp() requires one argument.');
    const resp = Math.trunc(m._lua_tonumber(L, 1));
    if (resp !== 2 && resp !== 3) return this.fail(L, 'RESP version must be 2 or 3.');
    run.setResp(resp);
    return 0;
  }

  private sha1hex(L: number): number {
    const { vm } = this;
    if (vm.m._lua_gettop(L) !== 1) return this.fail(L, 'wrong number of arguments');
    vm.pushString(L, sha1hex(vm.toString(L, 1) ?? ''));
    return 1;
  }

  private singleStringArgument(L: number): string | null {
    const m = this.vm.m;
    if (m._lua_gettop(L) !== 1 || m._lua_type(L, -1) !== LuaType.String) {
      pushErrorTable(this.vm, L, 'wrong number or type of arguments');
      return null;
    }
    return this.vm.toString(L, -1)!;
  }

  private errorReply(L: number): number {
    const text = this.singleStringArgument(L);
    if (text === null) return 1;
    const error = cString(text);
    pushErrorTable(this.vm, L, error.startsWith('-') ? error : `-${error}`);
    return 1;
  }

  private statusReply(L: number): number {
    const m = this.vm.m;
    if (this.singleStringArgument(L) === null) return 1;
    m._lua_createtable(L, 0, 1);
    m._lua_pushvalue(L, -2);
    m._lua_setfield(L, -2, this.vm.name('ok'));
    return 1;
  }

  private setRepl(L: number): number {
    const m = this.vm.m;
    if (this.run === null) return this.fail(L, 'redis.set_repl can only be called inside a script invocation');
    if (m._lua_gettop(L) !== 1) return this.fail(L, 'redis.set_repl() requires two arguments.');
    const flags = Math.trunc(m._lua_tonumber(L, -1));
    if ((flags & ~3) !== 0) return this.fail(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
    // Accepted: there is no replication or AOF to steer yet.
    return 0;
  }

  private aclCheckCommand(L: number): number {
    const run = this.run;
    if (run === null) return this.fail(L, 'redis.acl_check_cmd can only be called inside a script invocation');
    const argv = this.commandArguments(L);
    if (typeof argv === 'string') return this.fail(L, argv);
    if (!run.commandExists(argv)) return this.fail(L, 'Invalid command passed to redis.acl_check_cmd()');
    this.vm.m._lua_pushboolean(L, 1);
    return 1;
  }

  /** math.random / math.randomseed on Redis's own lrand48, so sequences match real Redis. */
  private installRandom(): void {
    const { vm } = this;
    const { m, L } = vm;
    m._lua_getfield(L, LUA_GLOBALSINDEX, vm.name('math'));
    vm.setFunction('random', (state) => random.luaRandom(vm, state, this.run !== null));
    vm.setFunction('randomseed', (state) => random.luaRandomSeed(vm, state, this.run !== null));
    vm.pop(L, 1);
  }

  /**
   * Makes the globals read-only: the real globals G get a metatable whose __index raises for
   * missing names; scripts get an empty proxy P (installed as the thread's globals) reading
   * through to G and refusing writes. Library tables are replaced by read-only proxies too.
   */
  private protectGlobals(): { globalsRef: number; proxyMetaRef: number } {
    const { vm } = this;
    const { m, L } = vm;
    const readonlyError = (state: number): number => vm.raise(state, 'Attempt to modify a readonly table');
    for (const name of PROTECTED_LIBRARIES) {
      m._lua_getfield(L, LUA_GLOBALSINDEX, vm.name(name));
      m._lua_createtable(L, 0, 0); // proxy
      m._lua_createtable(L, 0, 2); // its metatable
      m._lua_pushvalue(L, -3);
      m._lua_setfield(L, -2, vm.name('__index'));
      vm.pushFunction(L, readonlyError);
      m._lua_setfield(L, -2, vm.name('__newindex'));
      m._lua_setmetatable(L, -2);
      m._lua_setfield(L, LUA_GLOBALSINDEX, vm.name(name));
      vm.pop(L, 1);
    }
    // G's metatable: reading a missing global is an error.
    m._lua_pushvalue(L, LUA_GLOBALSINDEX);
    m._lua_createtable(L, 0, 1);
    vm.pushFunction(L, (state) => {
      const name = vm.toCString(state, 2) ?? '';
      return vm.raise(state, `Script attempted to access nonexistent global variable '${name}'`);
    });
    m._lua_setfield(L, -2, vm.name('__index'));
    m._lua_setmetatable(L, -2);
    // P and its metatable.
    m._lua_createtable(L, 0, 0);
    m._lua_createtable(L, 0, 2);
    m._lua_pushvalue(L, -3);
    m._lua_setfield(L, -2, vm.name('__index'));
    vm.pushFunction(L, readonlyError);
    m._lua_setfield(L, -2, vm.name('__newindex'));
    m._lua_pushvalue(L, -1);
    const proxyMetaRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    m._lua_setmetatable(L, -2);
    // G._G is the proxy, so `_G.x = 1` fails like any other global write.
    m._lua_pushvalue(L, -1);
    m._lua_setfield(L, -3, vm.name('_G'));
    // Stack: G, P. Keep G in the registry and make P the globals of the state.
    m._lua_replace(L, LUA_GLOBALSINDEX);
    const globalsRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    return { globalsRef, proxyMetaRef };
  }
}

export function sha1hex(text: string): string {
  return createHash('sha1').update(text, 'latin1').digest('hex');
}
