/**
 * The directives Redis 7.0 handles with their own set/get/rewrite functions (its "special
 * configs"): dir, save, bind, client-output-buffer-limit, oom-score-adj-values,
 * notify-keyspace-events, replicaof and latency-tracking-info-percentiles.
 */
import { ConfigError, formatMemoryForFile, parseMemoryBig, quoteRepr, strtoll, type Codec, type ConfigValue } from './config.js';
import { strerror } from './strerror.js';

export { strerror };

/** `dir`: changes the working directory at once, as Redis does; CONFIG GET shows the absolute path. */
export const dir: Codec = {
  parse([path]) {
    try {
      process.chdir(path!);
    } catch (error) {
      return new ConfigError(strerror(error));
    }
    return process.cwd();
  },
  format: (value) => String(value),
  // Always the absolute working directory; forced only when it differs from the file's line.
  rewrite: (name, value) => [[`${name} ${quoteRepr(String(value))}`, true]],
};

/** `save <seconds> <changes> ...` pairs; `save ""` disables snapshots. */
export const save: Codec = {
  multiArg: true,
  parse(args) {
    const list = args.length === 1 && args[0] === '' ? [] : args;
    if (list.length % 2 !== 0) return new ConfigError('Invalid save parameters');
    const normalized: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const { value, complete } = strtoll(list[i]!);
      if (!complete || (i % 2 === 0 && value < 1n) || (i % 2 === 1 && value < 0n)) {
        return new ConfigError('Invalid save parameters');
      }
      // The changes count is a C int.
      normalized.push(i % 2 === 1 ? String(BigInt.asIntN(32, value)) : String(value));
    }
    return normalized;
  },
  format: (value) => (value as string[]).join(' '),
  rewrite(name, value) {
    const list = value as string[];
    if (list.length === 0) return [[`${name} ""`, true]];
    const lines: [string, boolean][] = [];
    for (let i = 0; i < list.length; i += 2) lines.push([`${name} ${list[i]} ${list[i + 1]}`, true]);
    return lines;
  },
};

const DEFAULT_BIND = '* -::*';

/** `bind addr ...`: up to 16 addresses; `bind ""` listens nowhere. */
export const bind: Codec = {
  multiArg: true,
  parse(args) {
    if (args.length > 16) return new ConfigError('Too many bind addresses specified.');
    return args.length === 1 && args[0] === '' ? [] : [...args];
  },
  format: (value) => (value as string[]).join(' '),
  rewrite(name, value) {
    const list = value as string[];
    if (list.join(' ') === DEFAULT_BIND) return [];
    return [[`${name} ${list.length === 0 ? '""' : list.join(' ')}`, true]];
  },
};

/** Output buffer classes in Redis's order (CLIENT_TYPE_NORMAL, SLAVE, PUBSUB). */
const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;
const OBUF_NAMES: Record<string, number> = { normal: 0, slave: 1, replica: 1, pubsub: 2 };

/**
 * `client-output-buffer-limit <class> <hard> <soft> <seconds> ...`; classes not named keep
 * their limits. Stored as the 12 CONFIG GET words (class hard soft seconds, three times).
 */
export const clientOutputBufferLimit: Codec = {
  multiArg: true,
  parse(args, previous) {
    if (args.length % 4 !== 0) return new ConfigError('Wrong number of arguments in buffer limit configuration.');
    const words = [...((previous as string[] | undefined) ?? DEFAULT_OBUF)];
    for (let i = 0; i < args.length; i += 4) {
      const cls = OBUF_NAMES[args[i]!.toLowerCase()];
      if (cls === undefined) return new ConfigError('Invalid client class specified in buffer limit configuration.');
      const hard = parseMemoryBig(args[i + 1]!);
      const soft = parseMemoryBig(args[i + 2]!);
      const seconds = strtoll(args[i + 3]!);
      if (hard === null || soft === null || !seconds.complete || seconds.value < 0n) {
        return new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
      }
      words.splice(cls * 4, 4, OBUF_CLASSES[cls]!, String(hard), String(soft), String(BigInt.asIntN(32, seconds.value)));
    }
    return words;
  },
  format: (value) => (value as string[]).join(' '),
  rewrite(name, value, defaultValue) {
    const words = value as string[];
    const defaults = defaultValue as string[];
    const lines: [string, boolean][] = [];
    for (let cls = 0; cls < 3; cls++) {
      const [, hard, soft, seconds] = words.slice(cls * 4, cls * 4 + 4);
      const force = words.slice(cls * 4, cls * 4 + 4).join(' ') !== defaults.slice(cls * 4, cls * 4 + 4).join(' ');
      const type = cls === 1 ? 'replica' : OBUF_CLASSES[cls];
      lines.push([
        `${name} ${type} ${formatMemoryForFile(BigInt(hard!))} ${formatMemoryForFile(BigInt(soft!))} ${seconds}`,
        force,
      ]);
    }
    return lines;
  },
};

const DEFAULT_OBUF = ['normal', '0', '0', '0', 'slave', '268435456', '67108864', '60', 'pubsub', '33554432', '8388608', '60'];

/** `oom-score-adj-values <master> <replica> <bgchild>`, each -2000..2000. */
export const oomScoreAdjValues: Codec = {
  multiArg: true,
  parse(args) {
    if (args.length !== 3) return new ConfigError('wrong number of arguments');
    const values: string[] = [];
    for (const arg of args) {
      const { value, complete } = strtoll(arg);
      if (!complete || value < -2000n || value > 2000n) {
        return new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      }
      values.push(String(value));
    }
    return values;
  },
  format: (value) => (value as string[]).join(' '),
  rewrite(name, value, defaultValue) {
    const text = (value as string[]).join(' ');
    return [[`${name} ${text}`, text !== (defaultValue as string[]).join(' ')]];
  },
};

/** Keyspace notification classes by flag character, with Redis's bit values. */
export const NotifyFlag = {
  keyspace: 1 << 0,
  keyevent: 1 << 1,
  generic: 1 << 2,
  string: 1 << 3,
  list: 1 << 4,
  set: 1 << 5,
  hash: 1 << 6,
  zset: 1 << 7,
  expired: 1 << 8,
  evicted: 1 << 9,
  stream: 1 << 10,
  keyMiss: 1 << 11,
  module: 1 << 13,
  newKey: 1 << 14,
} as const;

const NOTIFY_ALL =
  NotifyFlag.generic | NotifyFlag.string | NotifyFlag.list | NotifyFlag.set | NotifyFlag.hash | NotifyFlag.zset |
  NotifyFlag.expired | NotifyFlag.evicted | NotifyFlag.stream | NotifyFlag.module;

const NOTIFY_CHARS: Record<string, number> = {
  A: NOTIFY_ALL, g: NotifyFlag.generic, $: NotifyFlag.string, l: NotifyFlag.list, s: NotifyFlag.set,
  h: NotifyFlag.hash, z: NotifyFlag.zset, x: NotifyFlag.expired, e: NotifyFlag.evicted, K: NotifyFlag.keyspace,
  E: NotifyFlag.keyevent, t: NotifyFlag.stream, m: NotifyFlag.keyMiss, d: NotifyFlag.module, n: NotifyFlag.newKey,
};

/** The class characters that follow 'A' (or the single ones) in Redis's canonical order. */
const NOTIFY_ORDER: readonly [string, number][] = [
  ['g', NotifyFlag.generic], ['$', NotifyFlag.string], ['l', NotifyFlag.list], ['s', NotifyFlag.set],
  ['h', NotifyFlag.hash], ['z', NotifyFlag.zset], ['x', NotifyFlag.expired], ['e', NotifyFlag.evicted],
  ['t', NotifyFlag.stream], ['d', NotifyFlag.module], ['n', NotifyFlag.newKey],
];

/** keyspaceEventsStringToFlags; -1 for an unknown character. */
export function notifyFlagsFromString(classes: string): number {
  let flags = 0;
  for (const ch of classes) {
    // A NUL ends a C string.
    if (ch === '\0') break;
    const bits = NOTIFY_CHARS[ch];
    if (bits === undefined) return -1;
    flags |= bits;
  }
  return flags;
}

/** keyspaceEventsFlagsToString: the canonical spelling CONFIG GET shows. */
export function notifyFlagsToString(flags: number): string {
  let out = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) out += 'A';
  else for (const [ch, bits] of NOTIFY_ORDER) if (flags & bits) out += ch;
  if (flags & NotifyFlag.keyspace) out += 'K';
  if (flags & NotifyFlag.keyevent) out += 'E';
  if (flags & NotifyFlag.keyMiss) out += 'm';
  return out;
}

/**
 * `notify-keyspace-events`, stored as NotifyFlag bits and shown normalised ("AKE", "Ex" …).
 * The bits are kept because the text loses 'n' next to 'A', while the flag stays on in Redis.
 */
export const notifyKeyspaceEvents: Codec = {
  parse([classes]) {
    const flags = notifyFlagsFromString(classes!);
    if (flags === -1) return new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    return flags;
  },
  format: (value) => notifyFlagsToString(value as number),
  rewrite: (name, value) => [[`${name} ${quoteRepr(notifyFlagsToString(value as number))}`, value !== 0]],
};

/** `replicaof <host> <port>` or `replicaof no one`; stored as [] or [host, port]. */
export const replicaof: Codec = {
  multiArg: true,
  parse(args) {
    if (args.length !== 2) return new ConfigError('wrong number of arguments');
    if (args[0]!.toLowerCase() === 'no' && args[1]!.toLowerCase() === 'one') return [];
    const { value, complete } = strtoll(args[1]!);
    if (!complete || value < 0n || value > 65535n) return new ConfigError('Invalid master port');
    return [args[0]!, String(value)];
  },
  format: (value) => (value as string[]).join(' '),
  rewrite: (name, value) => ((value as string[]).length === 0 ? [] : [[`${name} ${(value as string[]).join(' ')}`, true]]),
};

/** `%f` then Redis's trimDoubleString (drop trailing zeros and a trailing point). */
export function formatPercentile(value: number): string {
  const fixed = value.toFixed(6);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

const DOUBLE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** `latency-tracking-info-percentiles 50 99 99.9`; stored as the formatted numbers. */
export const latencyPercentiles: Codec = {
  multiArg: true,
  parse(args) {
    const list = args.length === 1 && args[0] === '' ? [] : args;
    const values: string[] = [];
    for (const arg of list) {
      if (!DOUBLE.test(arg)) return new ConfigError('Invalid latency-tracking-info-percentiles parameters');
      const value = Number(arg);
      if (value > 100 || value < 0) {
        return new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      }
      values.push(formatPercentile(value));
    }
    return values;
  },
  format: (value: ConfigValue) => (value as string[]).join(' '),
  rewrite(name, value) {
    const list = value as string[];
    return [[`${name} ${list.length === 0 ? '""' : list.join(' ')}`, true]];
  },
};
