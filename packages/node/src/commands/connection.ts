import type { Client } from '../server/client.js';
import type { CommandFamily } from './table.js';

function ping(client: Client, argv: string[]): void {
  if (argv.length === 1) client.simple('PONG');
  else client.bulk(argv[1]!);
}

function echo(client: Client, argv: string[]): void {
  client.bulk(argv[1]!);
}

export const connectionCommands: CommandFamily = {
  handlers: { ping, echo },
};
