/** Error replies, worded exactly as Redis 7.0 words them (without the leading '-'). */
export const Err = {
  syntax: 'ERR syntax error',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  noAuth: 'NOAUTH Authentication required.',
  noSuchKey: 'ERR no such key',
  outOfRange: 'ERR index out of range',
  dbIndex: 'ERR DB index is out of range',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  invalidCursor: 'ERR invalid cursor',
  invalidExpire: (command: string) => `ERR invalid expire time in '${command}' command`,
  arity: (command: string) => `ERR wrong number of arguments for '${command}' command`,
} as const;

/**
 * Thrown by helpers deep inside a command (argument parsers, type checks) to abandon it with
 * an error reply; dispatch catches it once. Handlers that can reply directly should do so.
 */
export class ReplyError extends Error {
  constructor(readonly line: string) {
    super(line);
  }
}

/**
 * An argument as Redis's addReplyErrorFormat prints it with `%s` (or `%.Ns` with `limit`): the
 * text ends at the first NUL byte, and CR/LF become spaces so the error stays one protocol line.
 */
export function errorArg(text: string, limit = text.length): string {
  const nul = text.indexOf('\0');
  const end = nul === -1 ? limit : Math.min(nul, limit);
  return text.slice(0, end).replace(/[\r\n]/g, ' ');
}

/**
 * addReplySubcommandSyntaxError: a known subcommand given the wrong arguments,
 * `ERR unknown subcommand or wrong number of arguments for 'x'. Try CMD HELP.`
 */
export function subcommandSyntaxError(argv: readonly string[]): string {
  return `ERR unknown subcommand or wrong number of arguments for '${errorArg(argv[1]!, 128)}'. Try ${errorArg(argv[0]!).toUpperCase()} HELP.`;
}
