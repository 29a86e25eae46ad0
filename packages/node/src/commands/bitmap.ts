import type { CommandFamily } from './table.js';

export const bitmapCommands: CommandFamily = {
  handlers: {},
};
