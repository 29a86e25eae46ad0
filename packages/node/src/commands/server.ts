/**
 * The server family: CONFIG, INFO, TIME, LASTSAVE, ROLE, SHUTDOWN, SLOWLOG, LATENCY, MEMORY,
 * DEBUG and LOLWUT, replying as Redis 7.0.15 does.
 */
import { Err, errorArg, subcommandSyntaxError } from '../protocol/errors.js';
import { parseInt64 } from '../types/int64.js';
import type { Client } from '../server/client.js';
import { REDIS_VERSION } from '../server/config-file.js';
import { rewriteConfigFile } from '../server/config-rewrite.js';
import { strerror } from '../server/config-special.js';
import { replyHelp } from '../server/help.js';
import { latencyGraph, latencyReport } from '../server/latency.js';
import { allowProtectedAction } from '../server/protected.js';
import { encodingOf } from '../keyspace/value.js';
import { SHUTDOWN_NOSAVE } from '../persistence/saver.js';
import { memoryOverhead } from '../keyspace/memory.js';
import { chargeOf } from '../keyspace/database.js';
import { infoText } from './info.js';
import type { CommandFamily } from './table.js';

const CONFIG_HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

const MEMORY_HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

/** Our DEBUG supports only these subcommands (Redis's list is much longer). */
const DEBUG_HELP = [
  'OBJECT <key>',
  '    Show low level info about the <key> and associated value.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not accessed (otherwise the Redis',
  '    behavior). Setting it to 1 reenables back the default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
];

/** Below this much memory MEMORY DOCTOR declines to diagnose (5 MB, as Redis). */
const DOCTOR_MIN_MEMORY = 5 * 1024 * 1024;
/** Average bytes per client above which MEMORY DOCTOR reports big client buffers. */
const DOCTOR_CLIENT_BUFFER = 200 * 1024;
const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these " +
  'conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be ' +
  'back to our programming as soon as I finished rebooting.\n';
const DOCTOR_BIG_PEAK =
  ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator ' +
  'is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however ' +
  'this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) ' +
  'is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. ' +
  'If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE ' +
  'command, otherwise the only other option is to shutdown and restart the instance.\n\n';
const DOCTOR_BIG_CLIENT_BUFFERS =
  ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on ' +
  'average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving ' +
  'data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large ' +
  'replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to ' +
  'investigate the issue if it causes problems in your instance, or to understand better why certain clients are ' +
  'using a big amount of memory.\n\n';

// CONFIG

function configGet(client: Client, argv: string[]): void {
  const config = client.server.config;
  const matches = config.match(argv.slice(2));
  client.mapLength(matches.length);
  for (const { name, spec } of matches) {
    client.bulk(name);
    client.bulk(config.format(spec));
  }
}

function configSet(client: Client, argv: string[]): void {
  const config = client.server.config;
  if (argv.length % 2 !== 0) {
    client.error(Err.syntax);
    return;
  }
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) {
    pairs.push([argv[i]!, argv[i + 1]!]);
    // Sensitive values never reach the slowlog or MONITOR, even when the command fails.
    if (config.spec(argv[i]!)?.sensitive) argv[i + 1] = '(redacted)';
  }
  const error = config.setMany(pairs, allowProtectedAction(config, 'enable-protected-configs', client));
  if (error === null) client.ok();
  else client.error(error);
}

function configResetstat(client: Client): void {
  const server = client.server;
  server.stats.reset(server.commands.all());
  server.commandLatencies.reset();
  client.ok();
}

function configRewrite(client: Client): void {
  const server = client.server;
  const file = server.config.file;
  if (file === null) {
    client.error('ERR The server is running without a config file');
    return;
  }
  try {
    rewriteConfigFile(server.config, file, server.acl.configFileLines());
    server.log.warn('CONFIG REWRITE executed with success.');
    client.ok();
  } catch (error) {
    server.log.warn(`CONFIG REWRITE failed: ${strerror(error)}`);
    client.error(`ERR Rewriting config file: ${strerror(error)}`);
  }
}

function configHelp(client: Client, argv: string[]): void {
  replyHelp(client, argv[0]!, CONFIG_HELP);
}

// INFO, TIME, LASTSAVE, ROLE

function info(client: Client, argv: string[]): void {
  client.verbatim(infoText(client.server, argv.slice(1)));
}

function time(client: Client): void {
  const micros = BigInt(Math.round(performance.timeOrigin * 1000 + performance.now() * 1000));
  client.arrayLength(2);
  client.bulk(String(micros / 1_000_000n));
  client.bulk(String(micros % 1_000_000n));
}

function lastsave(client: Client): void {
  client.integer(client.server.lastSave);
}

// SHUTDOWN

const SHUTDOWN_FLAGS: Record<string, number> = { nosave: 1, save: 2, now: 4, force: 8 };

function shutdown(client: Client, argv: string[]): void {
  let flags = 0;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!.toLowerCase();
    if (word === 'abort') abort = true;
    else if (SHUTDOWN_FLAGS[word] !== undefined) flags |= SHUTDOWN_FLAGS[word]!;
    else {
      client.error(Err.syntax);
      return;
    }
  }
  if ((abort && flags !== 0) || (flags & 3) === 3) {
    client.error(Err.syntax);
    return;
  }
  if (abort) {
    // Shutdown never waits for replicas here, so none is ever in progress.
    client.error('ERR No shutdown in progress.');
    return;
  }
  const server = client.server;
  // A script past busy-reply-threshold holds the event loop: only SHUTDOWN NOSAVE, which exits at once.
  if (server.busyReply !== null) {
    if ((flags & SHUTDOWN_FLAGS.nosave!) === 0) {
      client.error(server.busyReply);
      return;
    }
    // Its cleanup runs synchronously up to the final log flush, which cannot happen while the script runs.
    void server.shutdown('User requested shutdown...', flags);
    process.exit(0);
  }
  if (!server.rdb.saveForShutdown(flags)) {
    client.error('ERR Errors trying to SHUTDOWN. Check logs.');
    return;
  }
  void server.shutdown('User requested shutdown...', SHUTDOWN_NOSAVE).then(() => process.exit(0));
}

// SLOWLOG

function slowlogGet(client: Client, argv: string[]): void {
  const slowlog = client.server.slowlog;
  if (argv.length > 3) {
    client.error(subcommandSyntaxError(argv));
    return;
  }
  let count = 10;
  if (argv.length === 3) {
    const value = parseInt64(argv[2]!);
    if (value === null || value < -1) {
      client.error('ERR count should be greater than or equal to -1');
      return;
    }
    count = value === -1 ? slowlog.length : Number(value);
  }
  const entries = slowlog.newest(count);
  client.arrayLength(entries.length);
  for (const entry of entries) {
    client.arrayLength(6);
    client.integer(entry.id);
    client.integer(entry.time);
    client.integer(entry.microseconds);
    client.bulkArray(entry.argv);
    client.bulk(entry.addr);
    client.bulk(entry.name);
  }
}

function slowlogLen(client: Client): void {
  client.integer(client.server.slowlog.length);
}

function slowlogReset(client: Client): void {
  client.server.slowlog.reset();
  client.ok();
}

function slowlogHelp(client: Client, argv: string[]): void {
  replyHelp(client, argv[0]!, SLOWLOG_HELP);
}

// LATENCY

function latencyLatest(client: Client): void {
  const events = client.server.latency.events;
  client.arrayLength(events.size);
  for (const [event, series] of events) {
    const latest = series.latest();
    client.arrayLength(4);
    client.bulk(event);
    client.integer(latest.time);
    client.integer(latest.milliseconds);
    client.integer(series.max);
  }
}

function latencyHistory(client: Client, argv: string[]): void {
  const series = client.server.latency.events.get(argv[2]!);
  const samples = series?.inOrder() ?? [];
  client.arrayLength(samples.length);
  for (const sample of samples) {
    client.arrayLength(2);
    client.integer(sample.time);
    client.integer(sample.milliseconds);
  }
}

function latencyReset(client: Client, argv: string[]): void {
  const latency = client.server.latency;
  if (argv.length === 2) {
    client.integer(latency.reset());
    return;
  }
  let resets = 0;
  for (let i = 2; i < argv.length; i++) resets += latency.reset(argv[i]!);
  client.integer(resets);
}

function latencyDoctor(client: Client): void {
  const server = client.server;
  client.verbatim(latencyReport(server.latency, server.config.int('slowlog-log-slower-than')));
}

function latencyGraphCommand(client: Client, argv: string[]): void {
  const series = client.server.latency.events.get(argv[2]!);
  if (series === undefined) {
    client.error(`ERR No samples available for event '${errorArg(argv[2]!)}'`);
    return;
  }
  client.verbatim(latencyGraph(argv[2]!, series));
}

function latencyHistogram(client: Client, argv: string[]): void {
  const server = client.server;
  const histograms = server.commandLatencies.histograms;
  const commands = [];
  if (argv.length === 2) {
    for (const command of server.commands.all()) {
      commands.push(command);
      if (command.subcommands !== null) commands.push(...command.subcommands.values());
    }
  } else {
    for (const name of argv.slice(2)) {
      const command = server.commands.lookupFullName(name.toLowerCase());
      if (command === undefined) continue;
      commands.push(command);
      if (command.subcommands !== null) commands.push(...command.subcommands.values());
    }
  }
  const withData = commands.filter((command) => histograms.has(command));
  client.mapLength(withData.length);
  for (const command of withData) {
    const histogram = histograms.get(command)!;
    client.bulk(command.fullName);
    client.mapLength(2);
    client.bulk('calls');
    client.integer(histogram.total);
    client.bulk('histogram_usec');
    const buckets = histogram.cumulativeBuckets();
    client.mapLength(buckets.length);
    for (const [micros, count] of buckets) {
      client.integer(micros);
      client.integer(count);
    }
  }
}

function latencyHelp(client: Client, argv: string[]): void {
  replyHelp(client, argv[0]!, LATENCY_HELP);
}

// MEMORY

function memoryUsage(client: Client, argv: string[]): void {
  for (let i = 3; i < argv.length; i++) {
    if (argv[i]!.toLowerCase() === 'samples' && i + 1 < argv.length) {
      const samples = parseInt64(argv[i + 1]!);
      if (samples === null) {
        client.error(Err.notInteger);
        return;
      }
      if (samples < 0) {
        client.error(Err.syntax);
        return;
      }
      i++;
    } else {
      client.error(Err.syntax);
      return;
    }
  }
  const entry = client.db.peek(argv[2]!);
  if (entry === undefined) client.nullBulk();
  // Recounted rather than the charged entry.bytes, so a write that forgot to recharge shows.
  else client.integer(chargeOf(entry));
}

function memoryStats(client: Client): void {
  const server = client.server;
  const used = server.usedMemory;
  const overhead = memoryOverhead(used, server.clientsBytes, server.databases);
  const { startup, dataset, keys } = overhead;
  const usage = process.memoryUsage();
  const allocated = usage.heapUsed + usage.external;
  const active = usage.heapTotal + usage.external;
  const integers: [string, number][] = [
    ['peak.allocated', server.peakMemory],
    ['total.allocated', used],
    ['startup.allocated', startup],
    ['replication.backlog', 0],
    ['clients.slaves', 0],
    ['clients.normal', overhead.clients],
    ['cluster.links', 0],
    ['aof.buffer', 0],
    ['lua.caches', 0],
    ['functions.caches', 0],
  ];
  client.mapLength(27 + overhead.databases.length);
  for (const [name, value] of integers) {
    client.bulk(name);
    client.integer(value);
  }
  for (const db of overhead.databases) {
    client.bulk(`db.${db.index}`);
    client.mapLength(3);
    client.bulk('overhead.hashtable.main');
    client.integer(db.main);
    client.bulk('overhead.hashtable.expires');
    client.integer(db.expires);
    client.bulk('overhead.hashtable.slot-to-keys');
    client.integer(0);
  }
  const pairs: [string, number, boolean][] = [
    ['overhead.total', overhead.total, false],
    ['keys.count', keys, false],
    ['keys.bytes-per-key', keys === 0 ? 0 : Math.floor((used - startup) / keys), false],
    ['dataset.bytes', dataset, false],
    ['dataset.percentage', (dataset * 100) / Math.max(1, used - startup), true],
    ['peak.percentage', (used * 100) / server.peakMemory, true],
    ['allocator.allocated', allocated, false],
    ['allocator.active', active, false],
    ['allocator.resident', usage.rss, false],
    ['allocator-fragmentation.ratio', active / allocated, true],
    ['allocator-fragmentation.bytes', active - allocated, false],
    ['allocator-rss.ratio', usage.rss / active, true],
    ['allocator-rss.bytes', usage.rss - active, false],
    ['rss-overhead.ratio', 1, true],
    ['rss-overhead.bytes', 0, false],
    ['fragmentation', usage.rss / used, true],
    ['fragmentation.bytes', usage.rss - used, false],
  ];
  for (const [name, value, isDouble] of pairs) {
    client.bulk(name);
    if (isDouble) client.double(Math.fround(value));
    else client.integer(value);
  }
}

/**
 * MEMORY DOCTOR, from the figures our accounting has: an almost empty instance, a past peak
 * far above the current use, clients holding big buffers. The allocator and RSS checks of
 * Redis are left out: the process RSS of a JS runtime says nothing about the dataset.
 */
function memoryDoctor(client: Client): void {
  const server = client.server;
  const used = server.usedMemory;
  if (used < DOCTOR_MIN_MEMORY) {
    client.verbatim(DOCTOR_EMPTY);
    return;
  }
  const issues: string[] = [];
  if (server.peakMemory / used > 1.5) issues.push(DOCTOR_BIG_PEAK);
  if (server.clientsBytes / Math.max(server.clients.size, 1) > DOCTOR_CLIENT_BUFFER) issues.push(DOCTOR_BIG_CLIENT_BUFFERS);
  client.verbatim(
    issues.length === 0
      ? "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
      : `Sam, I detected a few issues in this Redis instance memory implants:\n\n${issues.join('')}I'm here to keep you safe, Sam. I want to help you.\n`,
  );
}

function memoryMallocStats(client: Client): void {
  client.bulk('Stats not supported for the current allocator');
}

function memoryPurge(client: Client): void {
  client.ok();
}

function memoryHelp(client: Client, argv: string[]): void {
  replyHelp(client, argv[0]!, MEMORY_HELP);
}

// DEBUG

/** Bytes RDB would use for a string: an integer encoding when it is one, else length + bytes. */
function serializedLength(value: string): number {
  const n = parseInt64(value);
  if (typeof n === 'number' && String(n) === value) {
    if (n >= -128 && n <= 127) return 2;
    if (n >= -32768 && n <= 32767) return 3;
    if (n >= -2147483648 && n <= 2147483647) return 5;
  }
  const prefix = value.length < 64 ? 1 : value.length < 16384 ? 2 : 5;
  return prefix + value.length;
}

function debugObject(client: Client, key: string): void {
  const entry = client.db.peek(key);
  if (entry === undefined) {
    client.error(Err.noSuchKey);
    return;
  }
  const lruClock = Math.floor(Date.now() / 1000) & 0xffffff;
  const idle = Math.max(0, lruClock - (entry.accessedAt & 0xffffff));
  const length = typeof entry.value === 'string' ? serializedLength(entry.value) : entry.bytes;
  client.simple(
    `Value at:0x${(0x7f0000000000 + entry.slotInKeys * 16).toString(16)} refcount:1 encoding:${encodingOf(entry)} ` +
      `serializedlength:${length} lru:${entry.accessedAt & 0xffffff} lru_seconds_idle:${idle}`,
  );
}

/** Blocks the whole server, as Redis's DEBUG SLEEP does. */
function sleepSynchronously(milliseconds: number): void {
  if (milliseconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

/** C's strtod with no end check: the longest numeric prefix, 0 when there is none. */
function leadingDouble(text: string): number {
  const match = /^[ \t\n\v\f\r]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text);
  return match === null ? 0 : Number(match[0]);
}

/** C's atoi: leading blanks, sign and digits; 0 otherwise. */
function atoi(text: string): number {
  const match = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return match === null ? 0 : Number.parseInt(match[1]!, 10) | 0;
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save the RDB, empty the dataset, load it back. */
function debugReload(client: Client, argv: string[]): void {
  let flush = true;
  let save = true;
  let merge = false;
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i]!.toLowerCase();
    if (option === 'merge') merge = true;
    else if (option === 'noflush') flush = false;
    else if (option === 'nosave') save = false;
    else {
      client.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
      return;
    }
  }
  const rdb = client.server.rdb;
  if (save && !rdb.save()) {
    client.error('ERR');
    return;
  }
  if (!rdb.reload(flush, merge)) {
    client.error('ERR Error trying to load the RDB dump');
    return;
  }
  client.ok();
}

function debug(client: Client, argv: string[]): void {
  const sub = argv[1]!.toLowerCase();
  if (sub === 'help' && argv.length === 2) {
    replyHelp(client, argv[0]!, DEBUG_HELP);
  } else if (sub === 'object' && argv.length === 3) {
    debugObject(client, argv[2]!);
  } else if (sub === 'sleep' && argv.length === 3) {
    sleepSynchronously(Math.trunc(leadingDouble(argv[2]!) * 1e6) / 1000);
    client.ok();
  } else if (sub === 'reload') {
    debugReload(client, argv);
  } else if (sub === 'set-active-expire' && argv.length === 3) {
    client.server.activeExpireEnabled = atoi(argv[2]!) !== 0;
    client.ok();
  } else {
    client.error(subcommandSyntaxError(argv));
  }
}

// LOLWUT

function lolwut(client: Client, argv: string[]): void {
  if (argv.length >= 3 && argv[1]!.toLowerCase() === 'version' && parseInt64(argv[2]!) === null) {
    client.error(Err.notInteger);
    return;
  }
  // Versions 5 and 6 draw Redis's artworks; we print the plain banner of the other versions.
  client.verbatim(`Redis ver. ${REDIS_VERSION}\n`);
}

export const serverCommands: CommandFamily = {
  handlers: {
    'config|get': configGet,
    'config|set': configSet,
    'config|resetstat': configResetstat,
    'config|rewrite': configRewrite,
    'config|help': configHelp,
    info,
    time,
    lastsave,
    shutdown,
    'slowlog|get': slowlogGet,
    'slowlog|len': slowlogLen,
    'slowlog|reset': slowlogReset,
    'slowlog|help': slowlogHelp,
    'latency|latest': latencyLatest,
    'latency|history': latencyHistory,
    'latency|reset': latencyReset,
    'latency|doctor': latencyDoctor,
    'latency|graph': latencyGraphCommand,
    'latency|histogram': latencyHistogram,
    'latency|help': latencyHelp,
    'memory|usage': memoryUsage,
    'memory|stats': memoryStats,
    'memory|doctor': memoryDoctor,
    'memory|malloc-stats': memoryMallocStats,
    'memory|purge': memoryPurge,
    'memory|help': memoryHelp,
    debug,
    lolwut,
  },
};
