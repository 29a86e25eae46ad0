import { ClientFlag, type Client } from '../server/client.js';
import { call } from '../server/dispatch.js';
import { checkCommand, execNoPermissionLine } from '../acl/check.js';
import { LogContext } from '../acl/log.js';
import type { CommandFamily } from './table.js';

const DIRTY = ClientFlag.dirtyCas | ClientFlag.dirtyExec;

/** Leaves MULTI: drops the queue, the error marks and every WATCH (Redis's discardTransaction). */
export function discardTransaction(client: Client): void {
  client.transaction = [];
  client.flags &= ~(ClientFlag.multi | DIRTY);
  client.server.watched.unwatchAll(client);
}

function multi(client: Client): void {
  if ((client.flags & ClientFlag.multi) !== 0) {
    client.error('ERR MULTI calls can not be nested');
    return;
  }
  client.flags |= ClientFlag.multi;
  client.ok();
}

function discard(client: Client): void {
  if ((client.flags & ClientFlag.multi) === 0) {
    client.error('ERR DISCARD without MULTI');
    return;
  }
  discardTransaction(client);
  client.ok();
}

/**
 * Runs the queued commands back to back. A watched key that changed makes EXEC reply a null
 * array; a command refused while queueing makes it reply EXECABORT. Errors of individual
 * commands at run time are their own replies and do not stop the others.
 */
function exec(client: Client): void {
  if ((client.flags & ClientFlag.multi) === 0) {
    client.error('ERR EXEC without MULTI');
    return;
  }
  const server = client.server;
  if (server.watched.anyExpiredSinceWatch(client)) client.flags |= ClientFlag.dirtyCas;
  if ((client.flags & DIRTY) !== 0) {
    if ((client.flags & ClientFlag.dirtyExec) !== 0) {
      client.error('EXECABORT Transaction discarded because of previous errors.');
    } else {
      client.nullArray();
    }
    discardTransaction(client);
    return;
  }
  server.watched.unwatchAll(client);
  const queued = client.transaction;
  server.executingTransaction = true;
  try {
    client.arrayLength(queued.length);
    for (const { command, argv } of queued) {
      // ACL rules may have changed since the command was queued: it is checked again.
      const denial = client.user.unrestricted ? null : checkCommand(client.user, command, argv);
      if (denial === null) call(client, command, argv);
      else {
        server.acl.logDenial(client, command, argv, denial, LogContext.Multi, client.user);
        client.error(execNoPermissionLine(denial.reason));
      }
    }
  } finally {
    server.executingTransaction = false;
    discardTransaction(client);
  }
}

function watch(client: Client, argv: string[]): void {
  if ((client.flags & ClientFlag.multi) !== 0) {
    client.error('ERR WATCH inside MULTI is not allowed');
    return;
  }
  // Once dirty, nothing can make the transaction succeed: no point in watching more.
  if ((client.flags & ClientFlag.dirtyCas) === 0) {
    for (let i = 1; i < argv.length; i++) client.server.watched.watch(client, client.db, argv[i]!);
  }
  client.ok();
}

function unwatch(client: Client): void {
  client.server.watched.unwatchAll(client);
  client.flags &= ~ClientFlag.dirtyCas;
  client.ok();
}

export const transactionCommands: CommandFamily = {
  handlers: { multi, exec, discard, watch, unwatch },
};
