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
  // process.stdout rather than pino's own fd writer: when the reader of a piped stdout goes away,
  // that writer retries the failed write forever at exit. A log line nobody can read is dropped.
  process.stdout.on('error', ignoreLogWriteError);
  return pino({ level: pinoLevel }, process.stdout);
}

function ignoreLogWriteError(): void {
  // EPIPE and friends: the log reader is gone; the server carries on (Redis ignores them too).
}

/** How long an exit waits for buffered log lines: a reader that went away must not hold it up. */
const FLUSH_WAIT_MS = 1000;

/**
 * Resolves once buffered log lines are written, or after FLUSH_WAIT_MS: pino's flush never calls
 * back when stdout is a pipe whose reader died, and a shutdown must not hang on that.
 */
export function flushLog(log: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    setTimeout(resolve, FLUSH_WAIT_MS).unref();
    log.flush(() => resolve());
  });
}

export type { Logger };
