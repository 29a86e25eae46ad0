import type { Command } from '../commands/table.js';
import type { Client } from './client.js';
import type { Config } from './config.js';

const MODULE_COMMAND = ['MODULE', 'enable-module-command'] as const;

/**
 * Commands Redis 7.0 protects (CMD_PROTECTED), and the directive that allows each
 * (enable-*-command). MODULE LIST and HELP are not protected.
 */
const PROTECTED_COMMANDS: Record<string, readonly [label: string, directive: string]> = {
  debug: ['DEBUG', 'enable-debug-command'],
  'module|load': MODULE_COMMAND,
  'module|loadex': MODULE_COMMAND,
  'module|unload': MODULE_COMMAND,
};

/** allowProtectedAction: "yes" always, "local" from a loopback (or unix socket) client. */
export function allowProtectedAction(config: Config, directive: string, client: Client): boolean {
  const setting = config.str(directive);
  if (setting === 'yes') return true;
  if (setting !== 'local') return false;
  const host = client.addr.slice(0, client.addr.lastIndexOf(':'));
  return client.socket === null || host === '127.0.0.1' || host === '::1';
}

/** The rejection line for a protected command the configuration does not allow, else null. */
export function protectedCommandRefusal(client: Client, command: Command): string | null {
  const entry = PROTECTED_COMMANDS[command.fullName];
  if (entry === undefined) return null;
  const [label, directive] = entry;
  if (allowProtectedAction(client.server.config, directive, client)) return null;
  return (
    `ERR ${label} command not allowed. If the ${directive} option is set to "local", you can run it from a ` +
    'local connection, otherwise you need to set this option in the configuration file, and then restart the server.'
  );
}
