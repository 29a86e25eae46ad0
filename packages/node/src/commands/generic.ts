import type { CommandFamily } from './table.js';

export const genericCommands: CommandFamily = {
  handlers: {},
};
