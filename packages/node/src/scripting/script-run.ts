import { performance } from 'node:perf_hooks';
import { CommandFlag, type Command } from '../commands/table.js';
import { ClientFlag, type Client } from '../server/client.js';
import { routeCommand } from '../server/cluster-gate.js';
import { Route, type ClusterView } from '@tsredis/cluster-bus';
import { call } from '../server/dispatch.js';
import type { Server } from '../server/server.js';
import type { LuaEnvironment, ScriptRunContext } from './lua-environment.js';
import { errorInformation, pushErrorTable, pushReply, writeLuaValue } from './lua-reply.js';
import { checkCommand, scriptNoPermissionText } from '../acl/check.js';
import { LogContext } from '../acl/log.js';
import { LUA_REGISTRYINDEX, type LuaVm } from './lua-vm.js';
import type { TrackedScript } from '../server/tracking.js';

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
  if ((flags & ScriptFlag.noCluster) !== 0 && server.cluster !== null) return "ERR Can not run script on cluster, 'no-cluster' flag is set.";
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
export class ScriptRun implements ScriptRunContext, TrackedScript {
  /** The protocol redis.call replies are converted from (redis.setresp). */
  resp: 2 | 3 = 2;
  /** A write command ran: later writes can no longer be refused for server-state reasons. */
  writeDirty = false;
  readonly startedAt = performance.now();
  /** Past busy-reply-threshold: other clients are served (and refused with BUSY) from the count hook. */
  timedOut = false;
  /** SCRIPT KILL / FUNCTION KILL asked for the script to stop: the next count hook raises. */
  killed = false;
  /** The keys the script was given (KEYS): client-side caching tracks them for the caller. */
  declaredKeys: readonly string[] = [];
  /** Cluster: the slot of the keys touched so far (the declared keys' first); -1 before any. */
  clusterSlot = -1;
  /** Cluster: keys of several slots may be touched (allow-cross-slot-keys, or a script without shebang). */
  allowCrossSlot = false;

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
    const cluster = this.server.cluster;
    if (cluster !== null && (this.caller.flags & ClientFlag.master) === 0) {
      const refusal = this.clusterRefusal(cluster, command, argv);
      if (refusal !== null) {
        command.stats.rejectedCalls++;
        return refusal;
      }
    }
    if ((flags & CommandFlag.write) !== 0) this.writeDirty = true;
    return command;
  }

  /** scriptVerifyClusterState: the keys must be served here, and in one slot unless allowed. */
  private clusterRefusal(cluster: ClusterView, command: Command, argv: readonly string[]): string | null {
    const decision = routeCommand(cluster, this.caller, command, argv);
    if (decision.route === Route.DownReadOnly) return 'Script attempted to execute a write command while the cluster is down and readonly';
    if (decision.route === Route.DownState) return 'Script attempted to execute a command while the cluster is down';
    if (decision.route !== Route.Serve) return 'Script attempted to access a non local key in a cluster node';
    if (decision.slot === -1 || this.allowCrossSlot) return null;
    if (this.clusterSlot === -1) this.clusterSlot = decision.slot;
    else if (this.clusterSlot !== decision.slot) return 'Script attempted to access keys that do not hash to the same slot';
    return null;
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
  // The script's reads count as its caller's for client-side caching.
  const tracking = server.tracking;
  const outerScript = tracking.script;
  run.declaredKeys = argv.slice(firstKey, firstKey + numkeys);
  tracking.script = run;
  env.run = run;
  m._lua_rawgeti(L, LUA_REGISTRYINDEX, env.handlerRef);
  m._lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  let args = 0;
  if (run.evalMode) {
    env.setGlobalArray(L, 'KEYS', run.declaredKeys, 0);
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
    tracking.script = outerScript;
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
