import type { Client } from '../server/client.js';
import { ValueType } from '../keyspace/entry.js';
import { Err } from '../protocol/errors.js';
import type { CommandFamily } from './table.js';

function get(client: Client, argv: string[]): void {
  const entry = client.db.lookup(argv[1]!);
  if (entry === undefined) {
    client.server.stats.keyspaceMisses++;
    client.nullBulk();
  } else if (entry.type !== ValueType.String) {
    client.error(Err.wrongType);
  } else {
    client.server.stats.keyspaceHits++;
    client.bulk(entry.value as string);
  }
}

function set(client: Client, argv: string[]): void {
  client.db.set(argv[1]!, ValueType.String, argv[2]!);
  client.server.dirty++;
  client.ok();
}

export const stringCommands: CommandFamily = {
  handlers: { get, set },
};
