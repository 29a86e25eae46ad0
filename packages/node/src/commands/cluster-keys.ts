import { keySlot, SLOT_COUNT } from '@tsredis/cluster-bus';
import type { Client } from '../server/client.js';
import { rangeArgument } from './arguments.js';
import type { CommandFamily } from './table.js';

/*
 * CLUSTER KEYSLOT, COUNTKEYSINSLOT and GETKEYSINSLOT: the slot questions answered from this node's
 * keyspace (database 0's slot index). The other CLUSTER subcommands belong to the cluster itself.
 */

export const CLUSTER_DISABLED = 'ERR This instance has cluster support disabled';

/** Like Redis's clusterCommand, every subcommand is refused on a standalone server. */
function clusterDisabled(client: Client): boolean {
  if (client.server.config.bool('cluster-enabled')) return false;
  client.error(CLUSTER_DISABLED);
  return true;
}

function clusterKeyslot(client: Client, argv: string[]): void {
  if (clusterDisabled(client)) return;
  client.integer(keySlot(argv[2]!));
}

function clusterCountkeysinslot(client: Client, argv: string[]): void {
  if (clusterDisabled(client)) return;
  const slot = rangeArgument(argv[2]!);
  if (slot < 0 || slot >= SLOT_COUNT) {
    client.error('ERR Invalid slot');
    return;
  }
  client.integer(client.server.databases[0]!.countKeysInSlot(slot));
}

function clusterGetkeysinslot(client: Client, argv: string[]): void {
  if (clusterDisabled(client)) return;
  const slot = rangeArgument(argv[2]!);
  const count = rangeArgument(argv[3]!);
  if (slot < 0 || slot >= SLOT_COUNT || count < 0) {
    client.error('ERR Invalid slot or number of keys');
    return;
  }
  client.bulkArray(client.server.databases[0]!.keysInSlot(slot, count));
}

export const clusterKeysCommands: CommandFamily = {
  handlers: {
    'cluster|keyslot': clusterKeyslot,
    'cluster|countkeysinslot': clusterCountkeysinslot,
    'cluster|getkeysinslot': clusterGetkeysinslot,
  },
};
