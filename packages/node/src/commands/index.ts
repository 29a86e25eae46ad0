import { bitmapCommands } from './bitmap.js';
import { commandCommands } from './command.js';
import { connectionCommands } from './connection.js';
import { genericCommands } from './generic.js';
import { serverCommands } from './server.js';
import { stringCommands } from './string.js';
import type { CommandFamily } from './table.js';

/** Every command family the server runs; the table joins them with meta.json. */
export const COMMAND_FAMILIES: readonly CommandFamily[] = [
  bitmapCommands,
  commandCommands,
  connectionCommands,
  genericCommands,
  serverCommands,
  stringCommands,
];
