import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { globMatch } from '../keyspace/glob.js';
import { splitInlineArgs } from '../protocol/parser.js';
import { quoteRepr, type Config } from './config.js';
import { strerror } from './config-special.js';

/** The version string tsredis reports wherever Redis reports its own (INFO, errors, HELLO). */
export const REDIS_VERSION = '7.0.15';

/** A config line Redis would refuse; the message is what redis-server prints before exiting. */
export class ConfigFileError extends Error {
  constructor(reason: string, lineNumber?: number, line?: string) {
    super(
      `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n` +
        (lineNumber === undefined ? '' : `Reading the configuration file, at line ${lineNumber}\n>>> '${line}'\n`) +
        reason,
    );
  }
}

/** A config file that cannot be read: redis-server logs this line and exits with status 1. */
export class ConfigFileOpenError extends Error {}

/** Directives Redis 7.0 still accepts and ignores (name, min and max word count). */
const DEPRECATED: readonly [string, number, number][] = [
  ['list-max-ziplist-entries', 2, 2],
  ['list-max-ziplist-value', 2, 2],
  ['lua-replicate-commands', 2, 2],
];

/** Redis trims these around every line (sdstrim " \t\r\n"); JS's trim() would take more. */
function trimLine(line: string): string {
  return line.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

/**
 * Applies redis.conf text as loadServerConfigFromString does: one directive per line, `#`
 * comments, words split like redis-cli (quotes, \xHH escapes), `include` of other files
 * (relative to the working directory, which `dir` may have changed), and the directives only
 * a config file has (rename-command, user, loadmodule) kept for the subsystems that own them.
 */
export function applyConfigText(config: Config, source: string): void {
  let saveSeen = false;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = trimLine(lines[i]!);
    if (line === '' || line.startsWith('#')) continue;
    const words = splitInlineArgs(line);
    const fail = (reason: string) => new ConfigFileError(reason, i + 1, line);
    if (words === null) throw fail('Unbalanced quotes in configuration line');
    if (words.length === 0) continue;
    const name = words[0]!.toLowerCase();
    let args = words.slice(1);
    if (config.spec(name) !== undefined) {
      // Later `save` lines add points to the first one (which replaced the defaults).
      if (name === 'save' && saveSeen && !(args.length === 1 && args[0] === '')) {
        args = [...config.list('save'), ...splitLoneArgument(args)];
      }
      if (name === 'save') saveSeen = true;
      const error = config.set(name, args, true);
      if (error !== null) throw fail(error);
      continue;
    }
    if (DEPRECATED.some(([old, min, max]) => old === name && words.length >= min && words.length <= max)) continue;
    if (name === 'include' && args.length === 1) {
      for (const path of includedFiles(args[0]!)) applyConfigText(config, readConfigFile(path));
    } else if (name === 'rename-command' && args.length === 2) {
      config.fileOnly.renames.push([args[0]!, args[1]!]);
    } else if (name === 'user' && args.length >= 1) {
      config.fileOnly.users.push(args);
    } else if (name === 'loadmodule' && args.length >= 1) {
      config.fileOnly.modules.push(args);
    } else if (name.includes('.')) {
      if (args.length < 1) throw fail('Module config specified without value');
    } else if (name === 'sentinel') {
      if (args.length > 0) throw fail('sentinel directive while not in sentinel mode');
    } else {
      throw fail('Bad directive or wrong number of arguments');
    }
  }
}

/** A multi-argument directive given as one quoted word (`save "900 1"`) is split. */
function splitLoneArgument(args: string[]): string[] {
  return args.length === 1 && args[0] !== '' ? (splitInlineArgs(args[0]!) ?? []) : args;
}

/** Checks what Redis checks once the whole configuration is read. */
export function checkLoadedConfig(config: Config): void {
  const logfile = config.str('logfile');
  if (logfile !== '') {
    try {
      closeSync(openSync(logfile, 'a'));
    } catch (error) {
      throw new ConfigFileError(`Can't open the log file: ${strerror(error)}`);
    }
  }
  if (config.bool('cluster-enabled') && config.list('replicaof').length > 0) {
    throw new ConfigFileError('replicaof directive not allowed in cluster mode');
  }
}

/** `include` paths: a pattern (`*`, `?`, `[`) matching nothing is skipped, as Redis's glob use. */
function includedFiles(path: string): string[] {
  if (!/[*?[]/.test(path)) return [path];
  const directory = dirname(path);
  const pattern = basename(path);
  try {
    return readdirSync(directory)
      .filter((name) => globMatch(pattern, name) && !(name.startsWith('.') && !pattern.startsWith('.')))
      .sort()
      .map((name) => join(directory, name));
  } catch {
    return [];
  }
}

export function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (error) {
    throw new ConfigFileOpenError(`Fatal error, can't open config file '${path}': ${strerror(error)}`);
  }
}

/**
 * Turns `--port 7000 --save "" --bind 127.0.0.1 ::1` into config text as redis-server's
 * main() does: each `--name` starts a line and the words after it are its quoted arguments;
 * a `--word` right after a bare `--name` is that name's value, and a bare `--save` means "".
 */
export function optionsToConfigText(argv: readonly string[]): string {
  let text = '';
  let lastHadValue = true;
  for (let j = 0; j < argv.length; j++) {
    const word = argv[j]!;
    if (lastHadValue && word.startsWith('--')) {
      if (text.length > 0) text += '\n';
      text += `${word.slice(2)} `;
      const parts = splitInlineArgs(word) ?? [];
      if (parts.length !== 1) continue; // `"--port 6380"` carries its own value
      lastHadValue = false;
      const next = argv[j + 1];
      const isSave = word.toLowerCase() === '--save';
      if (isSave && (next === undefined || next.startsWith('--'))) {
        text += '""';
        lastHadValue = next !== undefined;
      } else if (word.toLowerCase() === '--sentinel' && next !== undefined && next.startsWith('--')) {
        lastHadValue = true;
      }
    } else {
      text += `${quoteRepr(word)} `;
      lastHadValue = true;
    }
  }
  return text;
}

/** Reads the config file (when given) and the command-line options, as redis-server does. */
export function loadConfiguration(config: Config, file: string | null, options: readonly string[]): void {
  const fileText = file === null ? '' : readConfigFile(file);
  applyConfigText(config, `${fileText}\n${optionsToConfigText(options)}`);
  checkLoadedConfig(config);
}
