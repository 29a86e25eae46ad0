import type { CommandFamily } from './table.js';

export const serverCommands: CommandFamily = {
  handlers: {},
};
