#!/usr/bin/env node
/**
 * tsredis-server [/path/to/redis.conf] [--directive value ...]
 * Reads the config file (if given), then the --directive options, exactly like redis-server:
 * the same fatal messages and exit status for bad configuration, `daemonize yes` runs the
 * server detached, SIGTERM/SIGINT shut it down cleanly (pid file removed).
 */
import { appendFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Config } from './server/config.js';
import { ConfigFileError, ConfigFileOpenError, loadConfiguration, REDIS_VERSION } from './server/config-file.js';
import { daemonizeIfConfigured } from './server/daemon.js';
import { DIRECTIVES } from './server/directives.js';
import { createLogger, flushLog } from './server/logger.js';
import { Server } from './server/server.js';

const argv = process.argv.slice(2);

// Like redis-server, only a first argument of -v/--version/-h/--help is an option of its own.
// yargs is loaded only then: importing it costs every other start ~50 ms.
if (argv.length > 0 && ['-v', '--version', '-h', '--help'].includes(argv[0]!)) {
  const { default: yargs } = await import('yargs');
  await yargs(argv)
    .scriptName('tsredis-server')
    .usage('Usage: $0 [/path/to/redis.conf] [--directive value ...]')
    .example('$0 --port 7777', 'listen on port 7777')
    .example('$0 /etc/redis/6379.conf --loglevel verbose', 'a config file plus overrides')
    .version(`Redis server v=${REDIS_VERSION} tsredis`)
    .alias('version', 'v')
    .help('help')
    .alias('help', 'h')
    .strict(false)
    .parserConfiguration({ 'unknown-options-as-args': true })
    .parseAsync();
}

/** A Redis-style log line ("pid:C 23 Nov 2026 19:39:15.456 # message") for messages logged around startup. */
function earlyLogLine(message: string, role = 'C'): string {
  const now = new Date();
  const month = now.toLocaleString('en-US', { month: 'short' });
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const stamp =
    `${pad(now.getDate())} ${month} ${now.getFullYear()} ` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
  return `${process.pid}:${role} ${stamp} # ${message}\n`;
}

/**
 * Redis runs Sentinel as a mode of this same binary (`--sentinel`, or a binary named like
 * redis-sentinel): hand over to the sentinel package. It is loaded by path at run time, so the
 * packages do not import each other (the sentinel depends on this one).
 */
async function startSentinel(): Promise<void> {
  const entry = new URL('../../sentinel/dist/main.js', import.meta.url).href;
  const { runSentinel } = (await import(entry)) as { runSentinel: (args: readonly string[]) => Promise<unknown> };
  await runSentinel(argv);
}

async function startServer(): Promise<void> {
  const config = new Config(DIRECTIVES);
  try {
    const hasFile = argv.length > 0 && !argv[0]!.startsWith('-');
    if (hasFile) config.file = resolve(argv[0]!);
    loadConfiguration(config, config.file, hasFile ? argv.slice(1) : argv);
  } catch (error) {
    if (error instanceof ConfigFileError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof ConfigFileOpenError) process.stdout.write(earlyLogLine(error.message));
    else throw error;
    process.exit(1);
  }

  daemonizeIfConfigured(config);

  if (config.list('bind').length === 0 && config.str('unixsocket') === '') {
    const line = earlyLogLine('Configured to not listen anywhere, exiting.', 'M');
    if (config.str('logfile') === '') process.stdout.write(line);
    else appendFileSync(config.str('logfile'), line);
    process.exit(1);
  }
  const log = createLogger(config.str('loglevel'), config.str('logfile'));
  const server = new Server(config, log);
  // Signals are handled from the start: loading the dataset happens inside listen().
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await server.listen();
  } catch (error) {
    log.fatal({ err: error }, `Could not create server TCP listening socket *:${config.int('port')}`);
    await flushLog(log);
    process.exit(1);
  }

  async function stop(signal: string): Promise<void> {
    await server.shutdown(`Received ${signal} scheduling shutdown...`);
    process.exit(0);
  }
}

const sentinelMode = argv.includes('--sentinel') || basename(process.argv[1] ?? '').includes('sentinel');
await (sentinelMode ? startSentinel() : startServer());
