/**
 * Starts a Sentinel: `tsredis-sentinel sentinel.conf [--directive value ...]`, or
 * `tsredis-server sentinel.conf --sentinel`. The file mixes ordinary directives (port, bind,
 * requirepass, logfile …), read by the data node's config loader, with `sentinel ...` lines,
 * which are queued and applied once the whole file is read. The Sentinel needs the file: it
 * rewrites it with everything it learns.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { Config } from '@tsredis/node/server/config';
import {
  applyConfigText, checkLoadedConfig, ConfigFileError, ConfigFileOpenError, optionsToConfigText, readConfigFile,
} from '@tsredis/node/server/config-file';
import { daemonizeIfConfigured } from '@tsredis/node/server/daemon';
import { DIRECTIVES } from '@tsredis/node/server/directives';
import { createLogger, flushLog } from '@tsredis/node/server/logger';
import { Server } from '@tsredis/node/server/server';
import { sentinelCommandTable } from './command-table.js';
import { bindSentinel } from './command-context.js';
import { applySentinelConfig, splitSentinelLines } from './config.js';
import { Sentinel } from './sentinel.js';
import { SentinelState } from './state.js';

/** A Sentinel's defaults where they differ from a data node's (it keeps no dataset). */
const SENTINEL_DEFAULTS: [string, string[]][] = [
  ['port', ['26379']],
  ['protected-mode', ['no']],
  ['save', ['']],
  ['appendonly', ['no']],
];

/** Runs the Sentinel; resolves once it listens. Exits the process on fatal configuration errors. */
export async function runSentinel(argv: readonly string[]): Promise<Sentinel> {
  const hasFile = argv.length > 0 && !argv[0]!.startsWith('-');
  const file = hasFile ? resolve(argv[0]!) : null;
  const config = new Config(DIRECTIVES);
  config.file = file;
  for (const [name, value] of SENTINEL_DEFAULTS) config.set(name, value, true);
  const state = new SentinelState();
  try {
    const fileText = file === null ? '' : readConfigFile(file);
    const { rest, sentinel } = splitSentinelLines(`${fileText}\n${optionsToConfigText(hasFile ? argv.slice(1) : argv)}`);
    applyConfigText(config, rest);
    checkLoadedConfig(config);
    applySentinelConfig(state, sentinel, Date.now());
  } catch (error) {
    if (error instanceof ConfigFileError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof ConfigFileOpenError) process.stdout.write(`${error.message}\n`);
    else throw error;
    process.exit(1);
  }
  const log = createLogger(config.str('loglevel'), config.str('logfile'));
  if (file === null) return fatal(log, 'Sentinel needs config file on disk to save state. Exiting...');
  try {
    accessSync(file, constants.W_OK);
  } catch (error) {
    return fatal(log, `Sentinel config file ${file} is not writable: ${(error as Error).message}. Exiting...`);
  }
  daemonizeIfConfigured(config);
  state.ensureId();
  const server = new Server(config, log, sentinelCommandTable());
  server.sentinelMode = true;
  const sentinel = new Sentinel(state, server, file);
  bindSentinel(server, sentinel);
  try {
    await server.listen();
  } catch (error) {
    return fatal(log, `Could not create server TCP listening socket *:${config.int('port')}: ${(error as Error).message}`);
  }
  // Redis resolves configured hostnames while loading its config: addresses are IPs from the first event.
  await sentinel.resolveAddresses();
  sentinel.start();
  const stop = async (signal: string) => {
    sentinel.stop();
    await server.shutdown(`Received ${signal} scheduling shutdown...`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return sentinel;
}

async function fatal(log: ReturnType<typeof createLogger>, message: string): Promise<never> {
  log.fatal(message);
  await flushLog(log);
  process.exit(1);
}
