import { spawn } from 'node:child_process';
import type { Config } from './config.js';

/** Set in the environment of the detached copy `daemonize yes` starts. */
const DAEMON_CHILD = 'TSREDIS_DAEMONIZED';
/** Where Redis writes its pid when daemonized without a pidfile (CONFIG_DEFAULT_PID_FILE). */
const DEFAULT_PID_FILE = '/var/run/redis.pid';

/**
 * `daemonize yes`, for the server and the Sentinel. Node cannot fork(): the process the user
 * started runs a detached copy of its own command line, which is the daemon, and exits 0. In
 * that copy a missing pidfile defaults to Redis's.
 */
export function daemonizeIfConfigured(config: Config): void {
  if (!config.bool('daemonize')) return;
  if (process.env[DAEMON_CHILD] === undefined) {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, [DAEMON_CHILD]: '1' },
    });
    child.unref();
    process.exit(0);
  }
  if (config.str('pidfile') === '') config.set('pidfile', [DEFAULT_PID_FILE], true);
}
