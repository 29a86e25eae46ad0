import type { Command } from '../commands/table.js';
import { CommandFlag } from '../commands/flags.js';
import { ClientFlag, type Client } from './client.js';
import type { Config } from './config.js';
import type { CommandObserver } from './server.js';

/** Samples kept per event: one per second, the last 160 (LATENCY_TS_LEN). */
const SERIES_LENGTH = 160;

export interface LatencySample {
  /** Unix time in seconds. */
  time: number;
  milliseconds: number;
}

/** One event's time series: a ring of per-second maxima plus the all-time maximum. */
export class LatencySeries {
  readonly samples: (LatencySample | null)[] = new Array(SERIES_LENGTH).fill(null);
  next = 0;
  max = 0;

  add(milliseconds: number, now: number): void {
    if (milliseconds > this.max) this.max = milliseconds;
    const previous = this.samples[(this.next + SERIES_LENGTH - 1) % SERIES_LENGTH];
    if (previous != null && previous.time === now) {
      if (milliseconds > previous.milliseconds) previous.milliseconds = milliseconds;
      return;
    }
    this.samples[this.next] = { time: now, milliseconds };
    this.next = (this.next + 1) % SERIES_LENGTH;
  }

  /** Samples oldest first. */
  inOrder(): LatencySample[] {
    const out: LatencySample[] = [];
    for (let j = 0; j < SERIES_LENGTH; j++) {
      const sample = this.samples[(this.next + j) % SERIES_LENGTH];
      if (sample != null) out.push(sample);
    }
    return out;
  }

  latest(): LatencySample {
    return this.samples[(this.next + SERIES_LENGTH - 1) % SERIES_LENGTH]!;
  }
}

/**
 * The latency monitor (LATENCY LATEST/HISTORY/…): events at or above
 * latency-monitor-threshold milliseconds; commands report as "command" or "fast-command".
 */
export class LatencyMonitor implements CommandObserver {
  readonly events = new Map<string, LatencySeries>();
  threshold = 0;

  constructor(config: Config) {
    config.watch('latency-monitor-threshold', (value) => (this.threshold = Number(value)));
  }

  commandExecuted(_client: Client, command: Command, _argv: readonly string[], microseconds: number): void {
    if (this.threshold === 0) return;
    const milliseconds = Math.floor(microseconds / 1000);
    if (milliseconds < this.threshold) return;
    this.addSample((command.flags & CommandFlag.fast) !== 0 ? 'fast-command' : 'command', milliseconds);
  }

  /** Records an event if monitoring is on and it reached the threshold (latencyAddSampleIfNeeded). */
  addSampleIfNeeded(event: string, milliseconds: number): void {
    if (this.threshold !== 0 && milliseconds >= this.threshold) this.addSample(event, milliseconds);
  }

  private addSample(event: string, milliseconds: number): void {
    let series = this.events.get(event);
    if (series === undefined) {
      series = new LatencySeries();
      this.events.set(event, series);
    }
    series.add(milliseconds, Math.floor(Date.now() / 1000));
  }

  /** Forgets one event (case-insensitive) or all of them; returns how many were dropped. */
  reset(event?: string): number {
    if (event === undefined) {
      const count = this.events.size;
      this.events.clear();
      return count;
    }
    let count = 0;
    for (const name of [...this.events.keys()]) {
      if (name.toLowerCase() === event.toLowerCase()) {
        this.events.delete(name);
        count++;
      }
    }
    return count;
  }
}

/**
 * A latency histogram with the resolution of Redis's hdr_histogram (2 significant digits,
 * values in nanoseconds): each value is counted in its bucket, identified by its lowest value.
 * Buckets are array slots (bucketIndex), so recording a command's latency costs no hashing.
 */
export class LatencyHistogram {
  private readonly counts: number[] = [];
  total = 0;

  record(nanoseconds: number): void {
    const index = bucketIndex(Math.max(1, Math.round(nanoseconds)));
    const counts = this.counts;
    while (counts.length <= index) counts.push(0);
    counts[index]!++;
    this.total++;
  }

  /** [lowest value of the bucket, count] for every bucket with values, lowest first. */
  private sorted(): [number, number][] {
    const out: [number, number][] = [];
    const counts = this.counts;
    for (let index = 0; index < counts.length; index++) {
      if (counts[index]! > 0) out.push([bucketLow(index), counts[index]!]);
    }
    return out;
  }

  /** hdr_value_at_percentile: the highest value equivalent to the bucket holding the percentile. */
  valueAtPercentile(percentile: number): number {
    const wanted = Math.max(1, Math.floor((Math.min(percentile, 100) / 100) * this.total + 0.5));
    let seen = 0;
    for (const [low, count] of this.sorted()) {
      seen += count;
      if (seen >= wanted) return highestEquivalent(low);
    }
    return 0;
  }

  /**
   * LATENCY HISTOGRAM buckets: cumulative counts at 1024 ns doubling levels, as
   * [microseconds, cumulative count] for each level where the count grew.
   */
  cumulativeBuckets(): [number, number][] {
    const buckets: [number, number][] = [];
    const sorted = this.sorted();
    let index = 0;
    let cumulative = 0;
    let previous = 0;
    for (let level = 1024; index < sorted.length; level *= 2) {
      const top = highestEquivalent(lowestEquivalent(level));
      while (index < sorted.length && sorted[index]![0] <= top) cumulative += sorted[index++]![1];
      if (cumulative > previous) buckets.push([Math.floor(top / 1000), cumulative]);
      previous = cumulative;
    }
    return buckets;
  }
}

/**
 * Sub-bucket resolution of a 2-significant-digit hdr_histogram: values below 256 are exact;
 * above, each power of two is split into 128 buckets of width 2^magnitude.
 */
function unitOf(value: number): number {
  return value < 256 ? 1 : 2 ** magnitude(value);
}

/** log2(value) - 7 for value >= 256: the width exponent of its buckets. */
function magnitude(value: number): number {
  return (value < 2 ** 31 ? 31 - Math.clz32(value) : Math.floor(Math.log2(value))) - 7;
}

function lowestEquivalent(value: number): number {
  const unit = unitOf(value);
  return Math.floor(value / unit) * unit;
}

/** Slot of a value's bucket: 256 exact slots, then 128 per magnitude. */
function bucketIndex(value: number): number {
  if (value < 256) return value;
  const m = magnitude(value);
  const sub = value < 2 ** 31 ? value >>> m : Math.floor(value / 2 ** m);
  return 256 + (m - 1) * 128 + (sub - 128);
}

/** The lowest value of the bucket in slot `index` (bucketIndex's inverse). */
function bucketLow(index: number): number {
  if (index < 256) return index;
  const m = Math.floor((index - 256) / 128) + 1;
  return (128 + ((index - 256) % 128)) * 2 ** m;
}

function highestEquivalent(low: number): number {
  return low + unitOf(low) - 1;
}

/** Per-command latency histograms for INFO latencystats and LATENCY HISTOGRAM. */
export class CommandLatencies implements CommandObserver {
  readonly histograms = new Map<Command, LatencyHistogram>();
  private enabled = true;

  constructor(config: Config) {
    config.watch('latency-tracking', (value) => (this.enabled = value as boolean));
  }

  commandExecuted(client: Client, command: Command, _argv: readonly string[], microseconds: number): void {
    if (!this.enabled || client.has(ClientFlag.blocked)) return;
    let histogram = this.histograms.get(command);
    if (histogram === undefined) {
      histogram = new LatencyHistogram();
      this.histograms.set(command, histogram);
    }
    histogram.record(microseconds * 1000);
  }

  reset(): void {
    this.histograms.clear();
  }
}

/** Width of LATENCY GRAPH and the sparkline characters (plain / filled). */
const GRAPH_COLUMNS = 80;
const GRAPH_ROWS = 4;
const FILL_CHARS = '_o#';

/** "12s", "3m", "2h", "1d": how long ago a sample was taken. */
function ago(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** One band of the sparkline: up to 80 samples as filled columns with vertical labels below. */
function renderRange(values: number[], labels: string[], min: number, max: number): string {
  const steps = FILL_CHARS.length * GRAPH_ROWS;
  const range = max - min === 0 ? 1 : max - min;
  let out = '';
  for (let row = 0; ; row++) {
    let more = false;
    const chars = new Array<string>(values.length).fill(' ');
    for (let j = 0; j < values.length; j++) {
      const step = Math.min(Math.max(Math.trunc(((values[j]! - min) * steps) / range), 0), steps - 1);
      if (row < GRAPH_ROWS) {
        more = true;
        const index = step - (GRAPH_ROWS - row - 1) * FILL_CHARS.length;
        if (index >= 0 && index < FILL_CHARS.length) chars[j] = FILL_CHARS[index]!;
        else if (index >= FILL_CHARS.length) chars[j] = '|';
      } else if (row === GRAPH_ROWS) {
        more = true; // the blank line above the labels
        break;
      } else if (labels[j]!.length > row - GRAPH_ROWS - 1) {
        more = true;
        chars[j] = labels[j]![row - GRAPH_ROWS - 1]!;
      }
    }
    if (!more) return out;
    out += `${chars.join('')}\n`;
  }
}

/** LATENCY GRAPH: the ASCII sparkline Redis draws for an event. */
export function latencyGraph(event: string, series: LatencySeries): string {
  const samples = series.inOrder();
  const now = Math.floor(Date.now() / 1000);
  const values = samples.map((sample) => sample.milliseconds);
  const labels = samples.map((sample) => ago(now - sample.time));
  const min = Math.min(...values);
  const max = Math.max(...values);
  let out = `${event} - high ${max} ms, low ${min} ms (all time high ${series.max} ms)\n${'-'.repeat(GRAPH_COLUMNS)}\n`;
  for (let j = 0; j < values.length; j += GRAPH_COLUMNS) {
    if (j !== 0) out += '\n';
    out += renderRange(values.slice(j, j + GRAPH_COLUMNS), labels.slice(j, j + GRAPH_COLUMNS), min, max);
  }
  return out;
}

/** LATENCY DOCTOR: Redis's report, for the events tsredis records (command, fast-command). */
export function latencyReport(monitor: LatencyMonitor, slowlogSlowerThan: number): string {
  if (monitor.events.size === 0 && monitor.threshold === 0) {
    return (
      "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use " +
      '"CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space ' +
      "mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
    );
  }
  let report = '';
  let eventNumber = 0;
  const advice = { slowlogEnable: false, slowlogTune: false, slowlogInspect: false, scheduler: false, largeObjects: false };
  let advices = 0;
  const now = Math.floor(Date.now() / 1000);
  for (const [event, series] of monitor.events) {
    eventNumber++;
    if (eventNumber === 1) {
      report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    }
    const samples = series.inOrder();
    const sum = samples.reduce((total, sample) => total + sample.milliseconds, 0);
    const average = Math.floor(sum / samples.length);
    const deviation = Math.floor(
      samples.reduce((total, sample) => total + Math.abs(average - sample.milliseconds), 0) / samples.length,
    );
    const period = Math.max(1, now - Math.min(...samples.map((sample) => sample.time)));
    report +=
      `${eventNumber}. ${event}: ${samples.length} latency spikes (average ${average}ms, mean deviation ` +
      `${deviation}ms, period ${(period / samples.length).toFixed(2)} sec). Worst all time event ${series.max}ms.`;
    if (event.toLowerCase() === 'command') {
      if (slowlogSlowerThan < 0) advice.slowlogEnable = true;
      else if (Math.trunc(slowlogSlowerThan / 1000) > monitor.threshold) advice.slowlogTune = true;
      if (slowlogSlowerThan < 0 || Math.trunc(slowlogSlowerThan / 1000) > monitor.threshold) advices++;
      advice.slowlogInspect = true;
      advice.largeObjects = true;
      advices += 2;
    }
    if (event.toLowerCase() === 'fast-command') {
      advice.scheduler = true;
      advices++;
    }
    report += '\n';
  }
  if (eventNumber === 0 && advices === 0) {
    return (
      'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. ' +
      'I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n'
    );
  }
  if (advices === 0) {
    return `${report}\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n`;
  }
  const threshold = monitor.threshold * 1000;
  report += '\nI have a few advices for you:\n\n';
  if (advice.slowlogEnable) {
    report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${threshold}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  }
  if (advice.slowlogTune) {
    report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${threshold}'.\n`;
  }
  if (advice.slowlogInspect) {
    report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  }
  if (advice.scheduler) {
    report +=
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  }
  if (advice.largeObjects) {
    report += '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  return report;
}
