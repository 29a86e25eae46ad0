import { ClientFlag, type Client } from '../server/client.js';
import { CLUSTER_DISABLED } from './cluster-keys.js';
import type { CommandFamily } from './table.js';

/*
 * ASKING, READONLY and READWRITE: connection flags cluster routing reads (server/cluster-gate.ts).
 * ASKING lets the next command reach a slot being imported; READONLY lets a replica serve reads
 * of its master's slots.
 */

function setFlag(client: Client, flag: number, on: boolean): void {
  if (!client.server.config.bool('cluster-enabled')) {
    client.error(CLUSTER_DISABLED);
    return;
  }
  if (on) client.flags |= flag;
  else client.flags &= ~flag;
  client.ok();
}

function asking(client: Client): void {
  setFlag(client, ClientFlag.asking, true);
}

function readonly(client: Client): void {
  setFlag(client, ClientFlag.readonly, true);
}

function readwrite(client: Client): void {
  setFlag(client, ClientFlag.readonly, false);
}

export const clusterClientCommands: CommandFamily = {
  handlers: { asking, readonly, readwrite },
};
