import type { Client } from '../server/client.js';
import type { CommandFamily } from './table.js';

/** BGREWRITEAOF (aof.c bgrewriteaofCommand): the AOF itself lives in persistence/aof.ts. */
function bgrewriteaof(client: Client): void {
  const aof = client.server.aof;
  if (aof.rewriteInProgress) {
    client.error('ERR Background append only file rewriting already in progress');
    return;
  }
  const outcome = aof.requestRewrite();
  if (outcome === 'scheduled') client.simple('Background append only file rewriting scheduled');
  else if (outcome === 'started') client.simple('Background append only file rewriting started');
  else client.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
}

export const aofCommands: CommandFamily = {
  handlers: { bgrewriteaof },
};
