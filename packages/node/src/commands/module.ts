import { errorArg } from '../protocol/errors.js';
import type { Client } from '../server/client.js';
import { replyHelp } from '../server/help.js';
import type { CommandFamily } from './table.js';

/*
 * MODULE: tsredis cannot load Redis modules (they are native shared libraries written against
 * Redis's C API), so no module is ever loaded. LIST is empty and LOAD/LOADEX/UNLOAD fail with the
 * errors Redis gives when a module cannot be loaded or is not loaded.
 */

const LOAD_FAILED = 'ERR Error loading the extension. Please check the server logs.';

function moduleList(client: Client): void {
  client.emptyArray();
}

/** MODULE LOAD path [arg …] and MODULE LOADEX path [CONFIG name value …] [ARGS …]. */
function moduleLoad(client: Client, argv: string[]): void {
  client.server.log.warn(`Module ${errorArg(argv[2]!)} failed to load: this server cannot load native Redis modules`);
  client.error(LOAD_FAILED);
}

function moduleUnload(client: Client): void {
  client.error('ERR Error unloading module: no such module with that name');
}

function moduleHelp(client: Client, argv: string[]): void {
  replyHelp(client, argv[0]!, [
    'LIST',
    '    The modules loaded (always none here).',
    'LOAD <path> [<arg> ...]',
    '    Load the module at <path> with optional arguments (native modules cannot be loaded here).',
    'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
    '    Like LOAD, with module configuration values first.',
    'UNLOAD <name>',
    '    Unload the module called <name>.',
  ]);
}

export const moduleCommands: CommandFamily = {
  handlers: {
    'module|list': moduleList,
    'module|load': moduleLoad,
    'module|loadex': moduleLoad,
    'module|unload': moduleUnload,
    'module|help': moduleHelp,
  },
};
