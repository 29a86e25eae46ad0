import { aclCommands } from './acl.js';
import { aofCommands } from './aof.js';
import { bitmapCommands } from './bitmap.js';
import { clusterClientCommands } from './cluster-client.js';
import { clusterKeysCommands } from './cluster-keys.js';
import { clusterCommands } from './cluster.js';
import { commandCommands } from './command.js';
import { connectionCommands } from './connection.js';
import { genericCommands } from './generic.js';
import { geoCommands } from './geo.js';
import { hashCommands } from './hash.js';
import { listCommands } from './list.js';
import { migrateCommands } from './migrate.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { moduleCommands } from './module.js';
import { persistenceCommands } from './persistence.js';
import { pubsubCommands } from './pubsub.js';
import { replicationCommands } from './replication.js';
import { scriptingCommands } from './scripting.js';
import { serverCommands } from './server.js';
import { setCommands } from './set.js';
import { sortCommands } from './sort.js';
import { streamCommands } from './stream.js';
import { stringCommands } from './string.js';
import { transactionCommands } from './transaction.js';
import { zsetCommands } from './zset.js';
import type { CommandFamily } from './table.js';

/** Every command family the server runs; the table joins them with meta.json. */
export const COMMAND_FAMILIES: readonly CommandFamily[] = [
  aofCommands,
  aclCommands,
  bitmapCommands,
  clusterClientCommands,
  clusterKeysCommands,
  clusterCommands,
  commandCommands,
  connectionCommands,
  genericCommands,
  geoCommands,
  hashCommands,
  listCommands,
  migrateCommands,
  hyperloglogCommands,
  moduleCommands,
  persistenceCommands,
  pubsubCommands,
  replicationCommands,
  scriptingCommands,
  serverCommands,
  setCommands,
  sortCommands,
  streamCommands,
  stringCommands,
  transactionCommands,
  zsetCommands,
];
