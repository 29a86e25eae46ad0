#!/usr/bin/env node
/**
 * tsredis-server [/path/to/redis.conf] [--directive value ...]
 * Reads the config file (if given), then the --directive options, exactly like redis-server.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Config } from './server/config.js';
import { applyConfigText, optionsToConfigText, readConfigFile, REDIS_VERSION } from './server/config-file.js';
import { DIRECTIVES } from './server/directives.js';
import { createLogger } from './server/logger.js';
import { Server } from './server/server.js';

const argv = hideBin(process.argv);

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

const config = new Config(DIRECTIVES);
try {
  const hasFile = argv.length > 0 && !argv[0]!.startsWith('--');
  const fileText = hasFile ? readConfigFile(argv[0]!) : '';
  if (hasFile) config.file = argv[0]!;
  applyConfigText(config, `${fileText}\n${optionsToConfigText(hasFile ? argv.slice(1) : argv)}`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

const log = createLogger(config.str('loglevel'), config.str('logfile'));
const server = new Server(config, log);
try {
  await server.listen();
} catch (error) {
  log.fatal({ err: error }, `Could not create server TCP listening socket *:${config.int('port')}`);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit(1);
}

async function stop(signal: string): Promise<void> {
  await server.shutdown(`Received ${signal} scheduling shutdown...`);
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
