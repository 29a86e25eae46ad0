import { performance } from 'node:perf_hooks';
import { Err, errorArg, ReplyError } from '../protocol/errors.js';
import { CommandFlag, type Command } from '../commands/table.js';
import { ClientFlag, ReplyMode, type Client } from './client.js';
import { protectedCommandRefusal } from './protected.js';
import { discardTransaction } from '../commands/transaction.js';
import { EvictResult } from '../keyspace/eviction.js';
import { checkCommand, noPermissionLine } from '../acl/check.js';
import { LogContext } from '../acl/log.js';
import { clusterRefusal, routesByKeys } from './cluster-gate.js';
import { LOADING_ERROR } from '../persistence/loading.js';

/** Flags of commands a replica (or monitor) connection may not send. */
const KEYSPACE_ACCESS = CommandFlag.write | CommandFlag.readonly | CommandFlag.may_replicate;

/** Commands that act on MULTI itself instead of being queued by it. */
const TRANSACTION_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** What a RESP2 client in subscribed mode may still run (the rest is refused). */
const SUBSCRIBED_CONTEXT = new Set([
  'ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset',
]);

/** Commands MULTI never refuses for lack of memory (they end or leave the transaction). */
const OOM_TRANSACTION_CONTROL = new Set(['exec', 'discard', 'quit', 'reset']);

/** Longest argument text Redis quotes back in "unknown command" errors. */
const QUOTE_LIMIT = 128;

/**
 * Runs one command for a client: the checks of Redis's processCommand, in its order (so a
 * client sees the same error Redis would pick), then the handler, then the bookkeeping.
 */
export function execute(client: Client, argv: string[]): void {
  const replyStart = client.pendingBytes;
  const tracking = client.server.tracking;
  const outer = tracking.enter(client);
  processCommand(client, argv);
  // ASKING covers the next command only (all of a MULTI, which it may precede).
  if ((client.flags & ClientFlag.asking) !== 0 && (client.flags & ClientFlag.multi) === 0 && client.server.commands.lower(argv[0]!) !== 'asking') {
    client.flags &= ~ClientFlag.asking;
  }
  // Writes may have fed keys that blocked clients wait on: serve them before the next command.
  if (client.server.blocking.hasReadyKeys) client.server.blocking.serveReadyKeys();
  // A held command (CLIENT PAUSE) has not replied yet: its reply mode applies when it runs.
  if (client.replyMode !== ReplyMode.On && !client.has(ClientFlag.blocked)) applyReplyMode(client, replyStart);
  // Invalidations of the client's own keys follow its reply (pushes ignore CLIENT REPLY OFF).
  tracking.leave(client, outer);
}

function processCommand(client: Client, argv: string[]): void {
  const server = client.server;
  client.argv = argv;
  client.lastInteraction = server.clock.ms;
  let command = server.commands.get(argv[0]!);
  if (command !== undefined && command.subcommands !== null && argv.length > 1) {
    const container = command;
    command = container.subcommands!.get(server.commands.lower(argv[1]!));
    if (command === undefined) {
      reject(client, null, unknownSubcommand(container, argv));
      return;
    }
  }
  if (command === undefined) {
    reject(client, null, unknownCommand(argv));
    return;
  }
  client.lastCommand = command;
  const arity = command.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    reject(client, command, Err.arity(command.fullName));
    return;
  }
  // DEBUG and MODULE (admin commands) are refused unless enable-*-command allows this client.
  if ((command.flags & CommandFlag.admin) !== 0) {
    const refusal = protectedCommandRefusal(client, command);
    if (refusal !== null) {
      reject(client, command, refusal);
      return;
    }
  }
  if (!client.authenticated && (command.flags & CommandFlag.no_auth) === 0 && server.acl.authRequired) {
    reject(client, command, Err.noAuth);
    return;
  }
  const inMulti = (client.flags & ClientFlag.multi) !== 0;
  if (inMulti && (command.flags & CommandFlag.no_multi) !== 0) {
    reject(client, command, 'ERR Command not allowed inside a transaction');
    return;
  }
  // The master's stream on a replica is obeyed, not checked (Redis's mustObeyClient).
  const obey = (client.flags & ClientFlag.master) !== 0;
  // ACLs: a user allowed every command, key and channel (the default user) costs this one test.
  if (!obey && !client.user.unrestricted) {
    const denial = checkCommand(client.user, command, argv);
    if (denial !== null) {
      server.acl.logDenial(client, command, argv, denial, inMulti ? LogContext.Multi : LogContext.Toplevel, client.user);
      reject(client, command, noPermissionLine(denial.reason, command));
      return;
    }
  }
  // Cluster: keys served elsewhere are redirected; the master's stream and keyless commands are not.
  if (server.cluster !== null && !obey && routesByKeys(command)) {
    const refusal = clusterRefusal(server.cluster, client, command, argv);
    if (refusal !== null) {
      redirect(client, command, refusal);
      return;
    }
  }
  // maxmemory: evict first; if memory is still over the limit, refuse what would add to it.
  if (!obey && server.evictor.maxmemory !== 0 && server.evictor.perform() === EvictResult.Fail && refusedOnOom(client, command, inMulti)) {
    reject(client, command, Err.oom);
    return;
  }
  // stop-writes-on-bgsave-error: after a failed save, writes (and PING) get MISCONF.
  const diskError = server.rdb.writeRefusal() ?? server.aof.writeRefusal();
  if (diskError !== null && !obey && (isWrite(client, command) || command.fullName === 'ping')) {
    reject(client, command, diskError);
    return;
  }
  // min-replicas-to-write (NOREPLICAS) on a master, replica-read-only (READONLY) on a replica.
  if (server.replication.refusesWrites && !obey && isWrite(client, command)) {
    const refusal = server.replication.writeRefusal();
    if (refusal !== null) {
      reject(client, command, refusal);
      return;
    }
  }
  // RESP2 subscribers read pushes as replies, so only the commands that make sense there run.
  if ((client.flags & ClientFlag.pubsub) !== 0 && client.resp === 2 && !SUBSCRIBED_CONTEXT.has(command.fullName)) {
    reject(
      client,
      command,
      `ERR Can't execute '${command.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
    return;
  }
  if ((client.flags & ClientFlag.replica) !== 0 && (command.flags & KEYSPACE_ACCESS) !== 0) {
    reject(client, command, "ERR Replica can't interact with the keyspace");
    return;
  }
  // replica-serve-stale-data no: while the master link is down only `stale` commands run.
  if (server.replication.isReplica && (command.flags & CommandFlag.stale) === 0) {
    const refusal = server.replication.staleRefusal();
    if (refusal !== null) {
      reject(client, command, refusal);
      return;
    }
  }
  // While the dataset loads at startup, only commands flagged `loading` run.
  if (server.rdb.loading.active && deniedWhileLoading(client, command)) {
    reject(client, command, LOADING_ERROR);
    return;
  }
  // A script past busy-reply-threshold: only the allow_busy commands (SCRIPT KILL, …) run.
  if (server.busyReply !== null && (command.flags & CommandFlag.allow_busy) === 0) {
    reject(client, command, server.busyReply);
    return;
  }
  // The master's stream is applied in order as it arrives: it is never held by CLIENT PAUSE.
  if (server.pause.active && !obey && server.pause.hold(client, command, argv)) return;
  if (inMulti && !TRANSACTION_CONTROL.has(command.fullName)) {
    if ((client.flags & (ClientFlag.dirtyCas | ClientFlag.dirtyExec)) === 0) client.transaction.push({ command, argv });
    client.simple('QUEUED');
    return;
  }
  call(client, command, argv);
}

/**
 * Which commands Redis refuses while out of memory: denyoom ones (an EXEC when it queued one),
 * and inside MULTI anything queued, since the queue itself grows without bound.
 */
function refusedOnOom(client: Client, command: Command, inMulti: boolean): boolean {
  if ((command.flags & CommandFlag.denyoom) !== 0) return true;
  if (inMulti && !OOM_TRANSACTION_CONTROL.has(command.fullName)) return true;
  return command.fullName === 'exec' && client.transaction.some((queued) => (queued.command.flags & CommandFlag.denyoom) !== 0);
}

/** A write command, or an EXEC whose queue holds one (Redis's is_write_command). */
function isWrite(client: Client, command: Command): boolean {
  if ((command.flags & CommandFlag.write) !== 0) return true;
  return command.fullName === 'exec' && client.transaction.some((queued) => (queued.command.flags & CommandFlag.write) !== 0);
}

/** A command without the `loading` flag, or an EXEC queuing one (Redis's is_denyloading_command). */
function deniedWhileLoading(client: Client, command: Command): boolean {
  if ((command.flags & CommandFlag.loading) === 0) return true;
  return command.fullName === 'exec' && client.transaction.some((queued) => (queued.command.flags & CommandFlag.loading) === 0);
}

/** Runs a command that passed the checks: handler, then stats and the slowlog. */
export function call(client: Client, command: Command, argv: string[]): void {
  const server = client.server;
  // A running snapshot keeps the old values of the keys this write is about to change.
  if (server.snapshots.active !== null && (command.flags & CommandFlag.write) !== 0) {
    server.snapshots.beforeWrite(client.db, command, argv);
  }
  const errorsBefore = server.stats.totalErrorReplies;
  // The write stream (AOF, replication) gets the command's effect once it ran (propagate.ts).
  const propagation = server.propagation;
  const dirtyBefore = server.dirty;
  const replyStart = client.pendingBytes;
  propagation.enter();
  const started = performance.now();
  try {
    command.handler!(client, argv);
  } catch (error) {
    if (error instanceof ReplyError) client.error(error.line);
    else {
      server.log.error({ err: error, command: command.fullName }, 'command failed with an internal error');
      client.error(`ERR internal error while running '${command.fullName}'`);
    }
  }
  const microseconds = Math.round((performance.now() - started) * 1000);
  // Client-side caching remembers the keys a tracking client read.
  if ((command.flags & CommandFlag.readonly) !== 0 && server.tracking.clientCount !== 0) server.tracking.commandRead(client, command, argv);
  if (propagation.enabled) propagation.commandDone(client, command, argv, server.dirty - dirtyBefore, replyStart);
  propagation.exit();
  const stats = command.stats;
  stats.calls++;
  stats.microseconds += microseconds;
  if (server.stats.totalErrorReplies !== errorsBefore) stats.failedCalls++;
  server.stats.totalCommandsProcessed++;
  server.commandExecuted(client, command, argv, microseconds);
}

/** CLIENT REPLY OFF / SKIP: drop the reply just written (CLIENT REPLY itself sets the mode). */
function applyReplyMode(client: Client, replyStart: number): void {
  if (client.replyMode === ReplyMode.SkipNext) {
    // Set by CLIENT REPLY SKIP during this command: the next one is skipped.
    client.replyMode = ReplyMode.Skip;
    return;
  }
  client.truncate(replyStart);
  if (client.replyMode === ReplyMode.Skip) client.replyMode = ReplyMode.On;
}

/**
 * Refuses a command before it runs (Redis's rejectCommand): inside MULTI that dooms the
 * transaction, and a refused EXEC discards it with EXECABORT.
 */
function reject(client: Client, command: Command | null, line: string): void {
  if (command !== null) command.stats.rejectedCalls++;
  if ((client.flags & ClientFlag.multi) !== 0) client.flags |= ClientFlag.dirtyExec;
  // Like Redis, a refused EXEC answers EXECABORT even outside MULTI.
  if (command?.fullName !== 'exec') {
    client.error(line);
    return;
  }
  discardTransaction(client);
  const reason = line.startsWith('ERR ') ? line.slice(4) : line;
  client.error(`EXECABORT Transaction discarded because of: ${reason}`);
}

/** A cluster refusal: unlike other rejections, a refused EXEC gets the redirect itself, not EXECABORT. */
function redirect(client: Client, command: Command, line: string): void {
  command.stats.rejectedCalls++;
  if (command.fullName === 'exec') discardTransaction(client);
  else if ((client.flags & ClientFlag.multi) !== 0) client.flags |= ClientFlag.dirtyExec;
  client.error(line);
}

function unknownCommand(argv: readonly string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < QUOTE_LIMIT; i++) {
    args += `'${errorArg(argv[i]!, QUOTE_LIMIT - args.length)}' `;
  }
  return `ERR unknown command '${errorArg(argv[0]!, QUOTE_LIMIT)}', with args beginning with: ${args}`;
}

function unknownSubcommand(container: Command, argv: readonly string[]): string {
  return `ERR unknown subcommand '${errorArg(argv[1]!, QUOTE_LIMIT)}'. Try ${container.fullName.toUpperCase()} HELP.`;
}
