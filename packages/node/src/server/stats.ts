import type { Command } from '../commands/table.js';

/** Samples kept for the instantaneous_* rates (Redis's STATS_METRIC_SAMPLES). */
const SAMPLES = 16;

/** A rate sampled every cron tick: average of the last samples, like Redis's trackInstantaneousMetric. */
class InstantaneousMetric {
  private readonly samples = new Float64Array(SAMPLES);
  private index = 0;
  private lastValue = 0;
  private lastTime = 0;

  track(value: number, now: number): void {
    if (this.lastTime !== 0 && now > this.lastTime) {
      this.samples[this.index] = ((value - this.lastValue) * 1000) / (now - this.lastTime);
      this.index = (this.index + 1) % SAMPLES;
    }
    this.lastValue = value;
    this.lastTime = now;
  }

  get value(): number {
    let sum = 0;
    for (const sample of this.samples) sum += sample;
    return sum / SAMPLES;
  }
}

/** The counters INFO stats, errorstats and commandstats report; CONFIG RESETSTAT clears them. */
export class Stats {
  totalConnectionsReceived = 0;
  totalCommandsProcessed = 0;
  rejectedConnections = 0;
  expiredKeys = 0;
  evictedKeys = 0;
  /** performance.now() since used_memory has been over maxmemory without a fix; 0 when not. */
  evictionExceededSince = 0;
  /** Microseconds over maxmemory in the episodes that ended (total_eviction_exceeded_time). */
  evictionExceededUs = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  totalErrorReplies = 0;
  /** Error replies by code ("ERR", "WRONGTYPE", …). */
  readonly errors = new Map<string, number>();
  readonly opsPerSecond = new InstantaneousMetric();
  readonly inputKbps = new InstantaneousMetric();
  readonly outputKbps = new InstantaneousMetric();

  countError(line: string): void {
    this.totalErrorReplies++;
    const space = line.indexOf(' ');
    const code = space === -1 ? line : line.slice(0, space);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Called from the server cron. */
  sample(now: number): void {
    this.opsPerSecond.track(this.totalCommandsProcessed, now);
    this.inputKbps.track(this.netInputBytes, now);
    this.outputKbps.track(this.netOutputBytes, now);
  }

  reset(commands: Iterable<Command>): void {
    this.totalConnectionsReceived = 0;
    this.totalCommandsProcessed = 0;
    this.rejectedConnections = 0;
    this.expiredKeys = 0;
    this.evictedKeys = 0;
    this.evictionExceededSince = 0;
    this.evictionExceededUs = 0;
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.totalErrorReplies = 0;
    this.errors.clear();
    for (const command of commands) resetCommandStats(command);
  }
}

function resetCommandStats(command: Command): void {
  const stats = command.stats;
  stats.calls = 0;
  stats.microseconds = 0;
  stats.rejectedCalls = 0;
  stats.failedCalls = 0;
  if (command.subcommands !== null) for (const sub of command.subcommands.values()) resetCommandStats(sub);
}
