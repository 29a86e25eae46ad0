import { performance } from 'node:perf_hooks';
import { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { FunctionEngine, LibraryStore } from './functions.js';
import { LuaEnvironment, sha1hex, type EnvironmentHost } from './lua-environment.js';
import { ScriptRun } from './script-run.js';
import { scriptShebang } from './shebang.js';
import { LUA_REGISTRYINDEX } from './lua-vm.js';
import { BUSY_EVAL, BUSY_FUNCTION, serveWhileBusy } from './busy.js';

/** An EVAL script in the cache: its body, shebang flags and compiled function. */
export interface EvalScript {
  readonly body: string;
  readonly flags: number;
  readonly ref: number;
}

/** Redis log levels (LL_*) as the pino levels server.log writes. */
const LOG_METHODS = ['debug', 'debug', 'info', 'warn'] as const;
const VERBOSITY = ['debug', 'verbose', 'notice', 'warning'];

/**
 * The scripting state of one server: the EVAL interpreter and script cache, the FUNCTION
 * interpreter and libraries, the client scripts run their commands as, and the script
 * running now.
 *
 * Script timeouts: past busy-reply-threshold the count hook logs Redis's "Slow script detected"
 * warning and from then on, every 100,000 instructions, serves the other connected clients
 * (busy.ts): they get BUSY for everything but the allow_busy commands, and SCRIPT KILL /
 * FUNCTION KILL mark a script that has not written yet as killed, which the next hook raises.
 */
export class Scripting implements EnvironmentHost {
  readonly evalEnv: LuaEnvironment;
  readonly functionEnv: LuaEnvironment;
  readonly functions: FunctionEngine;
  libraries = new LibraryStore();
  private readonly scripts = new Map<string, EvalScript>();
  /** Bytes of cached script bodies (used_memory_scripts_eval). */
  scriptsMemory = 0;
  readonly client: Client;
  current: ScriptRun | null = null;

  constructor(readonly server: Server) {
    this.evalEnv = new LuaEnvironment(this, (env) => {
      const { vm } = env;
      vm.setFunction('breakpoint', (L) => (vm.m._lua_pushboolean(L, 0), 1));
      vm.setFunction('debug', () => 0);
      vm.setFunction('replicate_commands', (L) => (vm.m._lua_pushboolean(L, 1), 1));
    });
    this.functionEnv = new LuaEnvironment(this);
    this.functions = new FunctionEngine(this.functionEnv);
    this.client = new Client(0, server, null);
    this.client.setAuthenticated(server.acl.defaultUser);
  }

  log(level: number, message: string): void {
    const verbosity = VERBOSITY.indexOf(this.server.config.str('loglevel'));
    if (level < verbosity) return;
    this.server.log[LOG_METHODS[level]!](message);
  }

  /** The count hook's scriptInterrupt: the timeout, the other clients, a SCRIPT KILL. */
  checkpoint(): string | null {
    if (this.functions.loadTimedOut()) return 'FUNCTION LOAD timeout';
    const run = this.current;
    if (run === null) return null;
    if (!run.timedOut) {
      const elapsed = Math.round(performance.now() - run.startedAt);
      if (elapsed < this.server.config.int('busy-reply-threshold')) return null;
      run.timedOut = true;
      this.server.busyReply = run.evalMode ? BUSY_EVAL : BUSY_FUNCTION;
      this.server.log.warn(
        `Slow script detected: still in execution after ${elapsed} milliseconds. You can try killing the script using the ${run.evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${run.name}.`,
      );
    }
    if (!run.killed) serveWhileBusy(this.server, run.caller);
    if (!run.killed) return null;
    this.server.log.warn('Lua script killed by user with SCRIPT KILL.');
    return 'Script killed by user with SCRIPT KILL...';
  }

  /** The cached script with this sha (any case). */
  script(sha: string): EvalScript | undefined {
    return this.scripts.get(sha.toLowerCase());
  }

  get scriptCount(): number {
    return this.scripts.size;
  }

  /** luaCreateFunction: compiles and caches a body; its sha, or the error line to reply. */
  createScript(body: string): { sha: string; script: EvalScript } | { error: string } {
    const sha = sha1hex(body);
    const cached = this.scripts.get(sha);
    if (cached !== undefined) return { sha, script: cached };
    const shebang = scriptShebang(body);
    if (typeof shebang === 'string') return { error: `ERR ${shebang}` };
    const { vm } = this.evalEnv;
    // The shebang line is skipped but its newline kept, so line numbers stay the user's.
    if (vm.load(body.slice(shebang.length), '@user_script') !== 0) {
      const message = vm.toCString(vm.L, -1) ?? '';
      vm.pop(vm.L, 1);
      return { error: `ERR Error compiling script (new function): ${message}`.replace(/[\r\n]+$/, '').replace(/[\r\n]/g, ' ') };
    }
    const script: EvalScript = { body, flags: shebang.flags, ref: vm.m._luaL_ref(vm.L, LUA_REGISTRYINDEX) };
    this.scripts.set(sha, script);
    this.scriptsMemory += body.length + 40;
    return { sha, script };
  }

  /** SCRIPT FLUSH: forgets every script and lets Lua collect their functions. */
  flushScripts(): void {
    const { m, L } = this.evalEnv.vm;
    for (const script of this.scripts.values()) m._luaL_unref(L, LUA_REGISTRYINDEX, script.ref);
    this.scripts.clear();
    this.scriptsMemory = 0;
    m._lua_gc(L, 2, 0); // LUA_GCCOLLECT
  }

  /** FUNCTION FLUSH / RESTORE FLUSH: a new library store, the old one's callbacks released. */
  replaceLibraries(store: LibraryStore): void {
    for (const library of this.libraries.libraries.values()) this.functions.free(library);
    this.libraries = store;
  }
}

const instances = new WeakMap<Server, Scripting>();

/** The scripting state of a server, created on first use (the Lua states cost ~1 MB each). */
export function scriptingOf(server: Server): Scripting {
  let scripting = instances.get(server);
  if (scripting === undefined) {
    scripting = new Scripting(server);
    instances.set(server, scripting);
  }
  return scripting;
}
