/**
 * The notification and client-reconfig scripts, run as Redis's Sentinel runs them: a queue of
 * jobs, oldest first, at most 16 running at once. A script that exits with 1 or dies from a
 * signal runs again after script-retry-delay (doubled on each retry, at most 10 runs); any other
 * failure is a -script-error event; one running past script-max-runtime is killed
 * (-script-timeout). At most 256 jobs are kept: the oldest waiting one makes room.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fs } from 'node:fs';
import { constants } from 'node:os';
import type { EventLevel } from './events.js';
import type { Instance } from './instance.js';

const MAX_QUEUE = 256;
const MAX_RUNNING = 16;
const MAX_RETRY = 10;
/** What a script that cannot be executed at all exits with in Redis (execve failed in the child). */
const EXEC_FAILED = 2;

export interface ScriptJob {
  /** The script path, then its arguments. */
  readonly argv: string[];
  /** The number of runs started so far. */
  retryNum: number;
  /** When it last started, or (waiting for a retry) when it may start again; 0: never ran. */
  startTime: number;
  child: ChildProcess | null;
}

export interface ScriptHost {
  /** script-max-runtime and script-retry-delay (SENTINEL DEBUG may change them). */
  timings(): { scriptMaxRuntime: number; scriptRetryDelay: number };
  event(level: EventLevel, type: string, message: string): void;
}

export class ScriptQueue {
  readonly jobs: ScriptJob[] = [];
  running = 0;

  constructor(private readonly host: ScriptHost) {}

  schedule(path: string, args: string[]): void {
    this.jobs.push({ argv: [path, ...args], retryNum: 0, startTime: 0, child: null });
    if (this.jobs.length <= MAX_QUEUE) return;
    const oldestWaiting = this.jobs.findIndex((job) => job.child === null);
    if (oldestWaiting !== -1) this.jobs.splice(oldestWaiting, 1);
  }

  /** From the Sentinel timer: start what may start, kill what ran too long. */
  tick(now: number): void {
    this.runPending(now);
    this.killTimedOut(now);
  }

  private runPending(now: number): void {
    for (const job of this.jobs) {
      if (this.running >= MAX_RUNNING) return;
      if (job.child !== null || job.startTime > now) continue;
      job.startTime = now;
      job.retryNum++;
      this.start(job);
    }
  }

  private start(job: ScriptJob): void {
    const [path, ...args] = job.argv as [string, ...string[]];
    const child = spawn(path, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    job.child = child;
    this.running++;
    let ended = false;
    const end = (exitCode: number, signal: number): void => {
      if (ended) return;
      ended = true;
      this.terminated(job, exitCode, signal);
    };
    child.once('error', () => end(EXEC_FAILED, 0));
    child.once('exit', (code, signal) => end(code ?? 0, signal === null ? 0 : constants.signals[signal]));
    if (child.pid !== undefined) this.host.event('debug', '+script-child', String(child.pid));
  }

  /** sentinelCollectTerminatedScripts: retry, or drop (reporting a failure). */
  private terminated(job: ScriptJob, exitCode: number, signal: number): void {
    this.running--;
    const pid = job.child?.pid ?? 0;
    job.child = null;
    this.host.event('debug', '-script-child', `${pid} ${exitCode} ${signal}`);
    if ((signal !== 0 || exitCode === 1) && job.retryNum !== MAX_RETRY) {
      job.startTime = Date.now() + retryDelay(this.host.timings().scriptRetryDelay, job.retryNum);
      return;
    }
    if (signal !== 0 || exitCode !== 0) this.host.event('warning', '-script-error', `${job.argv[0]} ${signal} ${exitCode}`);
    this.jobs.splice(this.jobs.indexOf(job), 1);
  }

  private killTimedOut(now: number): void {
    const limit = this.host.timings().scriptMaxRuntime;
    for (const job of this.jobs) {
      if (job.child === null || now - job.startTime <= limit) continue;
      this.host.event('warning', '-script-timeout', `${job.argv[0]} ${job.child.pid ?? 0}`);
      job.child.kill('SIGKILL');
    }
  }
}

/**
 * Sets a master's notification-script or client-reconfig-script (null clears it). Like Redis,
 * a path must be executable (access X_OK): otherwise nothing changes and the complaint is
 * returned, "Notification script seems non existing or non executable" and the like.
 */
export function assignScript(master: Instance, directive: string, path: string | null): string | null {
  const notification = directive === 'notification-script';
  if (path !== null) {
    try {
      accessSync(path, fs.X_OK);
    } catch {
      return `${notification ? 'Notification script' : 'Client reconfiguration script'} seems non existing or non executable`;
    }
  }
  if (notification) master.notificationScript = path;
  else master.clientReconfigScript = path;
  return null;
}

/** The delay before retry number `retryNum` + 1: the base, doubled for each retry after the first. */
export function retryDelay(base: number, retryNum: number): number {
  return base * 2 ** Math.max(0, retryNum - 1);
}
