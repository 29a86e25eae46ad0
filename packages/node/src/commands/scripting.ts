import { keySlot } from '@tsredis/cluster-bus';
import { performance } from 'node:perf_hooks';
import { Err, subcommandSyntaxError } from '../protocol/errors.js';
import { parseInt64 } from '../types/int64.js';
import { globMatch } from '../keyspace/glob.js';
import { replyHelp } from '../server/help.js';
import { ENGINE_NAME, LOAD_TIMEOUT_MS, LibraryStore, type FunctionInfo, type Library } from '../scripting/functions.js';
import { decodeFunctionPayload, encodeFunctionPayload } from '../scripting/function-payload.js';
import { invokeScript, SCRIPT_FLAG_NAMES, ScriptFlag, ScriptRun, scriptRunRefusal } from '../scripting/script-run.js';
import { scriptingOf, type Scripting } from '../scripting/scripting.js';
import type { LuaEnvironment } from '../scripting/lua-environment.js';
import { BUSY_EVAL, BUSY_FUNCTION } from '../scripting/busy.js';
import { ClientFlag, type Client } from '../server/client.js';
import type { CommandFamily } from './table.js';

/** EVAL/EVALSHA/SCRIPT (eval.c) and FUNCTION/FCALL (functions.c) of Redis 7.0. */

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
const NOTBUSY = 'NOTBUSY No scripts in execution right now.';

/**
 * The number of keys of EVAL/FCALL-style commands, or null after replying the error.
 * `notInteger` is the error for a non-number (EVAL and FCALL word it differently).
 */
function numberOfKeys(client: Client, argv: readonly string[], notInteger: string): number | null {
  const numkeys = parseInt64(argv[2]!);
  if (numkeys === null) {
    client.error(notInteger);
    return null;
  }
  if (numkeys > argv.length - 3) {
    client.error("ERR Number of keys can't be greater than number of args");
    return null;
  }
  if (numkeys < 0) {
    client.error("ERR Number of keys can't be negative");
    return null;
  }
  return Number(numkeys);
}

/** Runs a compiled function: checks the script's flags, then runs it as the current script. */
function run(
  client: Client,
  argv: readonly string[],
  scripting: Scripting,
  env: LuaEnvironment,
  ref: number,
  name: string,
  flags: number,
  readOnlyCommand: boolean,
  numkeys: number,
  evalMode: boolean,
): void {
  const refusal = scriptRunRefusal(client.server, flags, readOnlyCommand);
  if (refusal !== null) {
    client.error(refusal);
    return;
  }
  const readOnly = readOnlyCommand || ((flags & ScriptFlag.evalCompat) === 0 && (flags & ScriptFlag.noWrites) !== 0);
  const scriptRun = new ScriptRun(client.server, client, scripting.client, name, readOnly, evalMode);
  if (client.server.cluster !== null) {
    scriptRun.allowCrossSlot = (flags & (ScriptFlag.evalCompat | ScriptFlag.allowCrossSlot)) !== 0;
    // The declared keys were routed here already; the script's own calls must stay in their slot.
    if (numkeys > 0) scriptRun.clusterSlot = keySlot(argv[3]!);
  }
  scripting.current = scriptRun;
  try {
    invokeScript(env, scriptRun, ref, argv, 3, numkeys);
  } finally {
    scripting.current = null;
    client.server.busyReply = null;
  }
}

function evalGeneric(client: Client, argv: string[], bySha: boolean, readOnly: boolean): void {
  client.server.monitors.feed(client, argv);
  if (bySha && argv[1]!.length !== 40) {
    client.error(NOSCRIPT);
    return;
  }
  const numkeys = numberOfKeys(client, argv, Err.notInteger);
  if (numkeys === null) return;
  const scripting = scriptingOf(client.server);
  let sha: string;
  let script = bySha ? scripting.script(argv[1]!) : undefined;
  if (bySha) {
    if (script === undefined) {
      client.error(NOSCRIPT);
      return;
    }
    sha = argv[1]!.toLowerCase();
  } else {
    const created = scripting.createScript(argv[1]!);
    if ('error' in created) {
      client.error(created.error);
      return;
    }
    sha = created.sha;
    script = created.script;
  }
  run(client, argv, scripting, scripting.evalEnv, script.ref, sha, script.flags, readOnly, numkeys, true);
}

function evalCommand(client: Client, argv: string[]): void {
  evalGeneric(client, argv, false, false);
}

function evalShaCommand(client: Client, argv: string[]): void {
  evalGeneric(client, argv, true, false);
}

function evalRoCommand(client: Client, argv: string[]): void {
  evalGeneric(client, argv, false, true);
}

function evalShaRoCommand(client: Client, argv: string[]): void {
  evalGeneric(client, argv, true, true);
}

function scriptLoad(client: Client, argv: string[]): void {
  const created = scriptingOf(client.server).createScript(argv[2]!);
  if ('error' in created) client.error(created.error);
  else client.bulk(created.sha);
}

function scriptExists(client: Client, argv: string[]): void {
  const scripting = scriptingOf(client.server);
  client.arrayLength(argv.length - 2);
  for (let i = 2; i < argv.length; i++) client.integer(scripting.script(argv[i]!) === undefined ? 0 : 1);
}

/** The SYNC|ASYNC argument of SCRIPT FLUSH / FUNCTION FLUSH: true when valid (both flush at once here). */
function flushModeValid(argv: readonly string[]): boolean {
  if (argv.length === 2) return true;
  if (argv.length !== 3) return false;
  const mode = argv[2]!.toLowerCase();
  return mode === 'sync' || mode === 'async';
}

function scriptFlush(client: Client, argv: string[]): void {
  if (!flushModeValid(argv)) {
    client.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    return;
  }
  scriptingOf(client.server).flushScripts();
  client.ok();
}

/** SCRIPT KILL and FUNCTION KILL (scriptKill): each stops only its own kind of script. */
function killScript(client: Client, evalKill: boolean): void {
  const run = scriptingOf(client.server).current;
  if (run === null) client.error(NOTBUSY);
  else if (run.caller.has(ClientFlag.master)) {
    client.error('UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.');
  } else if (run.writeDirty) {
    client.error(
      'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
    );
  } else if (evalKill !== run.evalMode) client.error(run.evalMode ? BUSY_EVAL : BUSY_FUNCTION);
  else {
    run.killed = true;
    client.ok();
  }
}

function scriptKill(client: Client): void {
  killScript(client, true);
}

function functionKill(client: Client): void {
  killScript(client, false);
}

/**
 * SCRIPT DEBUG YES|SYNC|NO: replies as Redis does, but the Lua debugger itself (LDB, an
 * interactive session in place of the next EVAL) is not implemented: scripts keep running normally.
 */
function scriptDebug(client: Client, argv: string[]): void {
  // Redis refuses when replies are already queued for this client (a pipeline, or EXEC's array).
  if (client.pendingBytes > 0) {
    client.error('ERR SCRIPT DEBUG must be called outside a pipeline');
    return;
  }
  const mode = argv[2]!.toLowerCase();
  if (mode === 'no' || mode === 'yes' || mode === 'sync') client.ok();
  else client.error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
}

function scriptHelp(client: Client): void {
  replyHelp(client, 'script', [
    'DEBUG (YES|SYNC|NO)',
    '    Set the debug mode for subsequent scripts executed.',
    'EXISTS <sha1> [<sha1> ...]',
    '    Return information about the existence of the scripts in the script cache.',
    'FLUSH [ASYNC|SYNC]',
    '    Flush the Lua scripts cache. Very dangerous on replicas.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the scripts cache.',
    '    * SYNC: Synchronously flush the scripts cache.',
    'KILL',
    '    Kill the currently executing Lua script.',
    'LOAD <script>',
    '    Load a script into the scripts cache without executing it.',
  ]);
}

function functionLoad(client: Client, argv: string[]): void {
  let replace = false;
  let at = 2;
  while (at < argv.length - 1) {
    const option = argv[at++]!;
    if (option.toLowerCase() !== 'replace') {
      client.error(`ERR Unknown option given: ${option}`);
      return;
    }
    replace = true;
  }
  if (at >= argv.length) {
    client.error('ERR Function code is missing');
    return;
  }
  const scripting = scriptingOf(client.server);
  const created = scripting.functions.create(scripting.libraries, argv[at]!, replace, LOAD_TIMEOUT_MS);
  if (typeof created === 'string') {
    client.error(`ERR ${created}`);
    return;
  }
  client.server.dirty++;
  client.bulk(created.name);
}

function functionDelete(client: Client, argv: string[]): void {
  const scripting = scriptingOf(client.server);
  const library = scripting.libraries.libraries.get(argv[2]!);
  if (library === undefined) {
    client.error('ERR Library not found');
    return;
  }
  scripting.libraries.unlink(library);
  scripting.functions.free(library);
  client.server.dirty++;
  client.ok();
}

function replyFunctionFlags(client: Client, fn: FunctionInfo): void {
  const names = SCRIPT_FLAG_NAMES.filter(([, flag]) => (fn.flags & flag) !== 0);
  client.setLength(names.length);
  for (const [name] of names) client.simple(name);
}

function functionList(client: Client, argv: string[]): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    if (!withCode && arg === 'withcode') {
      withCode = true;
      continue;
    }
    if (pattern === null && arg === 'libraryname') {
      if (i >= argv.length - 1) {
        client.error('ERR library name argument was not given');
        return;
      }
      pattern = argv[++i]!;
      continue;
    }
    client.error(`ERR Unknown argument ${argv[i]!}`);
    return;
  }
  const libraries = [...scriptingOf(client.server).libraries.libraries.values()].filter(
    (library) => pattern === null || globMatch(pattern, library.name, true),
  );
  client.arrayLength(libraries.length);
  for (const library of libraries) {
    client.mapLength(withCode ? 4 : 3);
    client.bulk('library_name');
    client.bulk(library.name);
    client.bulk('engine');
    client.bulk(ENGINE_NAME);
    client.bulk('functions');
    client.arrayLength(library.functions.size);
    for (const fn of library.functions.values()) {
      client.mapLength(3);
      client.bulk('name');
      client.bulk(fn.name);
      client.bulk('description');
      client.bulkOrNull(fn.description);
      client.bulk('flags');
      replyFunctionFlags(client, fn);
    }
    if (withCode) {
      client.bulk('library_code');
      client.bulk(library.code);
    }
  }
}

function functionFlush(client: Client, argv: string[]): void {
  if (argv.length > 3) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  if (!flushModeValid(argv)) {
    client.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
    return;
  }
  scriptingOf(client.server).replaceLibraries(new LibraryStore());
  client.server.dirty++;
  client.ok();
}

function functionDump(client: Client): void {
  const scripting = scriptingOf(client.server);
  client.bulk(encodeFunctionPayload(scripting.libraries, client.server.config.bool('rdbcompression')));
}

const RESTORE_POLICIES = new Set(['append', 'replace', 'flush']);

function functionRestore(client: Client, argv: string[]): void {
  if (argv.length > 4) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  const policy = argv.length === 4 ? argv[3]!.toLowerCase() : 'append';
  if (!RESTORE_POLICIES.has(policy)) {
    client.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
    return;
  }
  const scripting = scriptingOf(client.server);
  const restored = new LibraryStore();
  const error = decodeFunctionPayload(argv[2]!, (code) => {
    const created = scripting.functions.create(restored, code, false, 0);
    return typeof created === 'string' ? created : null;
  });
  const failure = error ?? (policy === 'flush' ? null : joinLibraries(scripting, restored, policy === 'replace'));
  if (failure !== null) {
    for (const library of restored.libraries.values()) scripting.functions.free(library);
    client.error(`ERR ${failure}`);
    return;
  }
  if (policy === 'flush') scripting.replaceLibraries(restored);
  client.server.dirty++;
  client.ok();
}

/** libraryJoin: adds the restored libraries; on a collision nothing changes and the error is returned. */
function joinLibraries(scripting: Scripting, restored: LibraryStore, replace: boolean): string | null {
  const current = scripting.libraries;
  const replaced: Library[] = [];
  for (const library of restored.libraries.values()) {
    const old = current.libraries.get(library.name);
    if (old === undefined) continue;
    if (!replace) return undo(current, replaced, `Library ${library.name} already exists`);
    current.unlink(old);
    replaced.push(old);
  }
  for (const name of restored.functions.keys()) {
    if (current.functions.has(name)) return undo(current, replaced, `Function ${name} already exists`);
  }
  for (const library of restored.libraries.values()) current.link(library);
  for (const old of replaced) scripting.functions.free(old);
  return null;
}

function undo(current: LibraryStore, replaced: readonly Library[], error: string): string {
  for (const old of replaced) current.link(old);
  return error;
}

function functionStats(client: Client): void {
  const scripting = scriptingOf(client.server);
  const running = scripting.current;
  if (running?.evalMode === true) {
    client.error(BUSY_EVAL);
    return;
  }
  const libraries = scripting.libraries;
  client.mapLength(2);
  client.bulk('running_script');
  if (running === null) client.nullBulk();
  else {
    client.mapLength(3);
    client.bulk('name');
    client.bulk(running.name);
    client.bulk('command');
    client.bulkArray(running.caller.argv);
    client.bulk('duration_ms');
    client.integer(Math.round(performance.now() - running.startedAt));
  }
  client.bulk('engines');
  client.mapLength(1);
  client.bulk(ENGINE_NAME);
  client.mapLength(2);
  client.bulk('libraries_count');
  client.integer(libraries.libraries.size);
  client.bulk('functions_count');
  client.integer(libraries.functions.size);
}

function functionHelp(client: Client): void {
  replyHelp(client, 'function', [
    'LOAD [REPLACE] <FUNCTION CODE>',
    '    Create a new library with the given library name and code.',
    'DELETE <LIBRARY NAME>',
    '    Delete the given library.',
    'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
    '    Return general information on all the libraries:',
    '    * Library name',
    '    * The engine used to run the Library',
    '    * Library description',
    '    * Functions list',
    '    * Library code (if WITHCODE is given)',
    '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
    'STATS',
    '    Return information about the current function running:',
    '    * Function name',
    '    * Command used to run the function',
    '    * Duration in MS that the function is running',
    '    If no function is running, return nil',
    '    In addition, returns a list of available engines.',
    'KILL',
    '    Kill the current running function.',
    'FLUSH [ASYNC|SYNC]',
    '    Delete all the libraries.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the libraries.',
    '    * SYNC: Synchronously flush the libraries.',
    'DUMP',
    '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
    'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
    '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
    '    control how to handle existing libraries (default APPEND):',
    '    * FLUSH: delete all existing libraries.',
    '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
    '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
    '      libraries with the new libraries (notice that even on this option there is a chance of failure',
    '      in case of functions name collision with another library).',
  ]);
}

function fcallGeneric(client: Client, argv: string[], readOnly: boolean): void {
  client.server.monitors.feed(client, argv);
  const scripting = scriptingOf(client.server);
  const fn = scripting.libraries.functions.get(argv[1]!);
  if (fn === undefined) {
    client.error('ERR Function not found');
    return;
  }
  const numkeys = numberOfKeys(client, argv, 'ERR Bad number of keys provided');
  if (numkeys === null) return;
  run(client, argv, scripting, scripting.functionEnv, fn.ref, fn.name, fn.flags, readOnly, numkeys, false);
}

function fcallCommand(client: Client, argv: string[]): void {
  fcallGeneric(client, argv, false);
}

function fcallRoCommand(client: Client, argv: string[]): void {
  fcallGeneric(client, argv, true);
}

export const scriptingCommands: CommandFamily = {
  handlers: {
    eval: evalCommand,
    evalsha: evalShaCommand,
    eval_ro: evalRoCommand,
    evalsha_ro: evalShaRoCommand,
    'script|load': scriptLoad,
    'script|exists': scriptExists,
    'script|flush': scriptFlush,
    'script|kill': scriptKill,
    'script|debug': scriptDebug,
    'script|help': scriptHelp,
    'function|load': functionLoad,
    'function|delete': functionDelete,
    'function|list': functionList,
    'function|flush': functionFlush,
    'function|dump': functionDump,
    'function|restore': functionRestore,
    'function|stats': functionStats,
    'function|kill': functionKill,
    'function|help': functionHelp,
    fcall: fcallCommand,
    fcall_ro: fcallRoCommand,
  },
};
