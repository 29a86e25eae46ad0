import { pino, type Logger } from 'pino';

/** Redis log levels mapped onto pino's. */
const LEVELS: Record<string, string> = {
  debug: 'debug',
  verbose: 'debug',
  notice: 'info',
  warning: 'warn',
};

/**
 * The server's logger: JSON lines (to `logfile` when set, else stdout), or pretty output when
 * stdout is a terminal. Never called on the per-command path.
 */
export function createLogger(level: string, logfile: string): Logger {
  const pinoLevel = LEVELS[level] ?? 'info';
  if (logfile !== '') {
    return pino({ level: pinoLevel }, pino.destination({ dest: logfile, sync: false, mkdir: true }));
  }
  if (process.stdout.isTTY) {
    return pino({ level: pinoLevel, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino({ level: pinoLevel });
}

export type { Logger };
