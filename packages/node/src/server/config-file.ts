import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { splitInlineArgs } from '../protocol/parser.js';
import type { Config } from './config.js';

/** The version string tsredis reports wherever Redis reports its own (INFO, errors, HELLO). */
export const REDIS_VERSION = '7.0.15';

/** A config line Redis would refuse; the message is what redis-server prints before exiting. */
export class ConfigFileError extends Error {
  constructor(lineNumber: number, line: string, reason: string) {
    super(
      `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n` +
        `Reading the configuration file, at line ${lineNumber}\n` +
        `>>> '${line}'\n${reason}`,
    );
  }
}

/** Directives whose repeated lines add up instead of replacing each other. */
const ACCUMULATING = new Set(['save']);

/**
 * Applies redis.conf text: one directive per line, `#` comments, words split like
 * redis-cli (quotes, \xHH escapes), `include` of other files relative to the working directory.
 */
export function applyConfigText(config: Config, source: string, baseDir = process.cwd()): void {
  const seen = new Set<string>();
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = splitInlineArgs(line);
    if (words === null) throw new ConfigFileError(i + 1, line, 'Unbalanced quotes in configuration line');
    if (words.length === 0) continue;
    const name = words[0]!.toLowerCase();
    const args = words.slice(1);
    if (name === 'include' && args.length === 1) {
      const path = resolve(baseDir, args[0]!);
      applyConfigText(config, readConfigFile(path), dirname(path));
      continue;
    }
    let values = args;
    if (ACCUMULATING.has(name) && seen.has(name) && args.length > 0 && args[0] !== '') {
      values = [...(config.get(name) as string[]), ...args];
    }
    if (ACCUMULATING.has(name) && args.length === 1 && args[0] === '') values = [];
    seen.add(name);
    const error = config.set(name, values, true);
    if (error !== null) throw new ConfigFileError(i + 1, line, error);
  }
}

export function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (error) {
    throw new Error(`Fatal error, can't open config file '${path}': ${(error as Error).message}`);
  }
}

/** Quotes a word the way Redis's sdscatrepr does, so flags read back as the same bytes. */
function quote(word: string): string {
  let out = '"';
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    const code = word.charCodeAt(i);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (code < 32 || code > 126) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Turns `--port 7000 --save "" --bind 127.0.0.1 ::1` into config text, as redis-server does:
 * each `--name` starts a line, the words after it are its quoted arguments.
 */
export function optionsToConfigText(argv: readonly string[]): string {
  let text = '';
  for (const word of argv) {
    if (word.startsWith('--') && word.length > 2) {
      if (text.length > 0) text += '\n';
      text += `${word.slice(2)} `;
    } else {
      text += `${quote(word)} `;
    }
  }
  return text;
}
