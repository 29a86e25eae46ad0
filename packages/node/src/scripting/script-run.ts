import { performance } from 'node:perf_hooks';
import { CommandFlag, type Command } from '../commands/table.js';
import type { Client } from '../server/client.js';
import { call } from '../server/dispatch.js';
import type { Server } from '../server/server.js';
import type { LuaEnvironment, ScriptRunContext } from './lua-environment.js';
import { errorInformation, pushErrorTable, pushReply, writeLuaValue } from './lua-reply.js';
import { checkCommand, scriptNoPermissionText } from '../acl/check.js';
import { LogContext } from '../acl/log.js';
import { LUA_REGISTRYINDEX, type LuaVm } from './lua-vm.js';

/** Script flags (shebang `flags=` or register_function flags), as in Redis's script.h. */
export const ScriptFlag = {
  noWrites: 1 << 0,
  allowOom: 1 << 1,
  allowStale: 1 << 2,
  noCluster: 1 << 3,
  /** EVAL without a shebang: Redis 6 behaviour, flags are not checked up front. */
  evalCompat: 1 << 4,
  allowCrossSlot: 1 << 5,
} as const;

export const SCRIPT_FLAG_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['no-writes', ScriptFlag.noWrites],
  ['allow-oom', ScriptFlag.allowOom],
  ['allow-stale', ScriptFlag.allowStale],
  ['no-cluster', ScriptFlag.noCluster],
  ['allow-cross-slot-keys', ScriptFlag.allowCrossSlot],
];

/** Finds a command as Redis's lookupCommand does for scripts: a container's subcommand when given. */
export function lookupCommand(server: Server, argv: readonly string[]): Command | undefined {
  const command = server.commands.get(argv[0]!);
  if (command === undefined || command.subcommands === null || argv.length === 1) return command;
  return command.subcommands.get(server.commands.lower(argv[1]!));
}

/**
 * scriptPrepareForRun's checks for scripts that declared flags (shebang or functions): an
 * error line when the script may not run now, null when it may.
 */
export function scriptRunRefusal(server: Server, flags: number, readOnlyCommand: boolean): string | null {
  if ((flags & ScriptFlag.evalCompat) !== 0) return null;
  if ((flags & ScriptFlag.noWrites) === 0 && readOnlyCommand) {
    return 'ERR Can not execute a script with write flag using *_ro command.';
  }
  const maxmemory = server.config.int('maxmemory');
  if (maxmemory > 0 && server.usedMemory > maxmemory && (flags & (ScriptFlag.allowOom | ScriptFlag.noWrites)) === 0) {
    return "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'";
  }
  return null;
}

/**
 * One script invocation (Redis's scriptRunCtx): the caller, the script client that runs the
 * script's commands, and what the script may do. redis.call goes through callCommand.
 */
export class ScriptRun implements ScriptRunContext {
  /** The protocol redis.call replies are converted from (redis.setresp). */
  resp: 2 | 3 = 2;
  /** A write command ran: later writes can no longer be refused for server-state reasons. */
  writeDirty = false;
  readonly startedAt = performance.now();
  /** The slow-script warning was logged (once per run, as Redis enters timed-out mode once). */
  timedOut = false;

  constructor(
    readonly server: Server,
    readonly caller: Client,
    readonly scriptClient: Client,
    /** The sha (EVAL) or function name (FCALL) that errors name. */
    readonly name: string,
    readonly readOnly: boolean,
    readonly evalMode: boolean,
  ) {}

  setResp(resp: 2 | 3): void {
    this.resp = resp;
    this.scriptClient.resp = resp;
  }

  commandExists(argv: string[]): boolean {
    return lookupCommand(this.server, argv) !== undefined;
  }

  /** scriptCall: the script-side command gate, then the command, its reply converted to Lua. */
  callCommand(vm: LuaVm, L: number, argv: string[], raise: boolean): number {
    const refusal = this.refusal(argv);
    if (typeof refusal === 'string') {
      this.server.stats.countError(`ERR ${refusal}`);
      pushErrorTable(vm, L, refusal);
      vm.m._lua_pushboolean(L, 1);
      vm.m._lua_setfield(L, -2, vm.name('ignore_error_stats_update'));
      return raise ? vm.throwTop(L) : 1;
    }
    const client = this.scriptClient;
    call(client, refusal, argv);
    const reply = client.takeView()!;
    const failed = pushReply(vm, L, reply);
    if (raise && failed) return vm.throwTop(L);
    return 1;
  }

  /** The command to run, or the reason a script may not run it (Redis's wording). */
  private refusal(argv: string[]): Command | string {
    const command = lookupCommand(this.server, argv);
    if (command === undefined) return 'Unknown Redis command called from script';
    const arity = command.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
      return 'Wrong number of args calling Redis command from script';
    }
    const flags = command.flags;
    if ((flags & CommandFlag.noscript) !== 0) {
      command.stats.rejectedCalls++;
      return 'This Redis command is not allowed from script';
    }
    // The script runs with its caller's ACL user (scriptVerifyACL).
    const user = this.caller.user;
    this.scriptClient.user = user;
    if (!user.unrestricted) {
      const denial = checkCommand(user, command, argv);
      if (denial !== null) {
        this.server.acl.logDenial(this.caller, command, argv, denial, LogContext.Lua, user);
        command.stats.rejectedCalls++;
        return `The user executing the script ${scriptNoPermissionText(denial.reason)}`;
      }
    }
    if (this.readOnly && (flags & (CommandFlag.write | CommandFlag.may_replicate)) !== 0) {
      command.stats.rejectedCalls++;
      return 'Write commands are not allowed from read-only scripts.';
    }
    if ((flags & CommandFlag.write) !== 0) this.writeDirty = true;
    return command;
  }
}

/**
 * Runs the compiled function `ref` of `env` for `run` and replies to the caller (luaCallFunction):
 * EVAL scripts get KEYS/ARGV globals, functions get the two tables as arguments.
 */
export function invokeScript(env: LuaEnvironment, run: ScriptRun, ref: number, argv: readonly string[], firstKey: number, numkeys: number): void {
  const { vm } = env;
  const { m, L } = vm;
  const server = run.server;
  const caller = run.caller;
  const scriptClient = run.scriptClient;
  scriptClient.db = caller.db;
  scriptClient.resp = 2;
  const wasInTransaction = server.executingTransaction;
  // Blocking commands called by the script must answer at once, as inside EXEC.
  server.executingTransaction = true;
  env.run = run;
  m._lua_rawgeti(L, LUA_REGISTRYINDEX, env.handlerRef);
  m._lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  let args = 0;
  if (run.evalMode) {
    env.setGlobalArray(L, 'KEYS', argv.slice(firstKey, firstKey + numkeys), 0);
    env.setGlobalArray(L, 'ARGV', argv, firstKey + numkeys);
  } else {
    env.pushArray(L, argv, firstKey, firstKey + numkeys);
    env.pushArray(L, argv, firstKey + numkeys);
    args = 2;
  }
  env.startHook();
  let status: number;
  try {
    status = m._lua_pcall(L, args, 1, -(args + 2));
  } finally {
    env.stopHook();
    env.run = null;
    server.executingTransaction = wasInTransaction;
  }
  env.collectSometimes();
  if (status !== 0) {
    const info = errorInformation(vm, L);
    let line = info.message;
    if (info.line !== null && info.source !== null) line += ` script: ${run.name}, on ${info.source}:${info.line}.`;
    caller.error(line.replace(/[\r\n]/g, ' '));
    vm.pop(L, 2); // the error and the handler
    return;
  }
  writeLuaValue(vm, L, caller, run.resp);
  vm.pop(L, 1); // the handler
}
