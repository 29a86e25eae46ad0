import type { CommandFamily } from './table.js';

export const commandCommands: CommandFamily = {
  handlers: {},
};
