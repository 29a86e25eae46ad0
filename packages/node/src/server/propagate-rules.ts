import type { Database } from '../keyspace/database.js';
import type { RedisHash } from '../types/hash.js';
import type { Stream } from '../types/stream.js';
import { formatId } from '../types/stream-id.js';
import type { SortedSet } from '../types/zset.js';
import type { Client } from './client.js';
import type { ReplyValue } from './reply-reader.js';

/**
 * How Redis 7.0 rewrites a command before propagating it (the rewriteClientCommandVector and
 * alsoPropagate calls inside its command implementations): relative expiries become absolute,
 * random or blocking commands become the deterministic commands that had the same effect, so
 * an AOF replayed later — or a replica — ends with the same dataset. Commands not listed here
 * propagate their argv as is. Each rule reads what it needs from the dataset after the command
 * ran, or from the command's reply.
 */

/** What a rule may look at once the command ran. */
export interface EffectContext {
  readonly client: Client;
  /** The database the command ran in. */
  readonly db: Database;
  readonly argv: readonly string[];
  /** The command's reply, decoded. */
  reply(): ReplyValue;
  /** A blocked command served later by the blocking machinery (not run by call()). */
  readonly served: boolean;
}

/** The commands that represent the effect, in order (empty: nothing to propagate). */
export type EffectRule = (ctx: EffectContext) => string[][];

const EXPIRE_OPTIONS = new Set(['ex', 'px', 'exat', 'pxat']);

function expireAtText(ctx: EffectContext, key: string): string | null {
  const entry = ctx.db.stored(key);
  return entry === undefined ? null : String(entry.expireAt);
}

/** DEL, or UNLINK when the lazyfree directive for this kind of deletion is on. */
function deletion(ctx: EffectContext, directive: string, key: string): string[] {
  return [ctx.client.server.config.bool(directive) ? 'UNLINK' : 'DEL', key];
}

/** SET with EX/PX/EXAT/PXAT → SET key value PXAT ms; SET … GET → without GET (t_string.c). */
function setEffect(ctx: EffectContext): string[][] {
  const { argv } = ctx;
  let expires = false;
  let get = false;
  for (let i = 3; i < argv.length; i++) {
    const word = argv[i]!.toLowerCase();
    if (EXPIRE_OPTIONS.has(word)) expires = true;
    else if (word === 'get') get = true;
  }
  const key = argv[1]!;
  if (expires) {
    const at = expireAtText(ctx, key);
    if (at !== null) return [['SET', key, argv[2]!, 'PXAT', at]];
  }
  if (get) return [argv.filter((word, i) => i < 3 || word.toLowerCase() !== 'get')];
  return [[...argv]];
}

/** SETEX / PSETEX → SET key value PXAT ms. */
function setexEffect(ctx: EffectContext): string[][] {
  const key = ctx.argv[1]!;
  const at = expireAtText(ctx, key);
  return at === null ? [] : [['SET', key, ctx.argv[3]!, 'PXAT', at]];
}

/** GETEX → PEXPIREAT, PERSIST, or DEL/UNLINK when an absolute time had passed. */
function getexEffect(ctx: EffectContext): string[][] {
  const key = ctx.argv[1]!;
  const at = expireAtText(ctx, key);
  if (at === null) return [deletion(ctx, 'lazyfree-lazy-expire', key)];
  const persist = ctx.argv.some((word, i) => i >= 2 && word.toLowerCase() === 'persist');
  return [persist ? ['PERSIST', key] : ['PEXPIREAT', key, at]];
}

function getdelEffect(ctx: EffectContext): string[][] {
  return [deletion(ctx, 'lazyfree-lazy-user-del', ctx.argv[1]!)];
}

function getsetEffect(ctx: EffectContext): string[][] {
  return [['SET', ctx.argv[1]!, ctx.argv[2]!]];
}

/** EXPIRE/PEXPIRE/EXPIREAT → PEXPIREAT key ms [NX|XX|GT|LT]; a past time deleted the key. */
function expireEffect(ctx: EffectContext): string[][] {
  const key = ctx.argv[1]!;
  const at = expireAtText(ctx, key);
  if (at === null) return [deletion(ctx, 'lazyfree-lazy-expire', key)];
  if (ctx.argv[0]!.toLowerCase() === 'pexpireat') return [[...ctx.argv]];
  const rewritten = [...ctx.argv];
  rewritten[0] = 'PEXPIREAT';
  rewritten[2] = at;
  return [rewritten];
}

/** INCRBYFLOAT → SET key result KEEPTTL (the float text must not be recomputed elsewhere). */
function incrbyfloatEffect(ctx: EffectContext): string[][] {
  const key = ctx.argv[1]!;
  const entry = ctx.db.stored(key);
  return entry === undefined ? [] : [['SET', key, entry.value as string, 'KEEPTTL']];
}

/** HINCRBYFLOAT → HSET key field result. */
function hincrbyfloatEffect(ctx: EffectContext): string[][] {
  const [, key, field] = ctx.argv as [string, string, string];
  const value = (ctx.db.stored(key)?.value as RedisHash | undefined)?.get(field);
  return value === undefined ? [] : [['HSET', key, field, value]];
}

function replyStrings(value: ReplyValue): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** SPOP → one SREM per popped member, or DEL when the count took the whole set. */
function spopEffect(ctx: EffectContext): string[][] {
  const key = ctx.argv[1]!;
  const reply = ctx.reply();
  if (ctx.argv.length === 2) return typeof reply === 'string' ? [['SREM', key, reply]] : [];
  if (ctx.db.stored(key) === undefined) return [['DEL', key]];
  return replyStrings(reply).map((member) => ['SREM', key, member]);
}

/** The key a pop served, from a [key, …] reply. */
function servedKey(ctx: EffectContext): string | null {
  const reply = ctx.reply();
  return Array.isArray(reply) && typeof reply[0] === 'string' ? reply[0] : null;
}

/** BLPOP/BRPOP/BZPOPMIN/BZPOPMAX → the non-blocking pop of the key that was served. */
function blockingPopEffect(pop: string): EffectRule {
  return (ctx) => {
    const key = servedKey(ctx);
    return key === null ? [] : [[pop, key]];
  };
}

/** BLMOVE → LMOVE, BRPOPLPUSH → RPOPLPUSH (served later: the directions in capitals, as Redis). */
function blmoveEffect(ctx: EffectContext): string[][] {
  const [, source, destination, from, to] = ctx.argv as [string, string, string, string, string];
  return ctx.served
    ? [['LMOVE', source, destination, from.toUpperCase(), to.toUpperCase()]]
    : [['LMOVE', source, destination, from, to]];
}

function brpoplpushEffect(ctx: EffectContext): string[][] {
  return [['RPOPLPUSH', ctx.argv[1]!, ctx.argv[2]!]];
}

/**
 * LMPOP/BLMPOP/ZMPOP/BZMPOP → [LR]POP or ZPOP(MIN|MAX) key count, the count being how many were
 * popped. `numkeysAt` is where numkeys sits; the direction word follows the keys.
 */
function multiPopEffect(numkeysAt: number, first: string, second: string, firstWord: string): EffectRule {
  return (ctx) => {
    const reply = ctx.reply();
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) return [];
    const numkeys = Number(ctx.argv[numkeysAt]);
    const direction = ctx.argv[numkeysAt + 1 + numkeys]!.toLowerCase();
    return [[direction === firstWord ? first : second, reply[0], String(reply[1].length)]];
  };
}

const GEOADD_OPTIONS = new Set(['nx', 'xx', 'ch']);

/** GEOADD → zadd key [options] score member … with the geohash scores it stored (geo.c). */
function geoaddEffect(ctx: EffectContext): string[][] {
  const { argv } = ctx;
  const key = argv[1]!;
  const zset = ctx.db.stored(key)?.value as SortedSet | undefined;
  if (zset === undefined) return [];
  let first = 2;
  while (first < argv.length && GEOADD_OPTIONS.has(argv[first]!.toLowerCase())) first++;
  const rewritten = ['zadd', ...argv.slice(1, first)];
  for (let i = first; i + 2 < argv.length; i += 3) {
    const member = argv[i + 2]!;
    const score = zset.score(member);
    if (score !== undefined) rewritten.push(String(score), member);
  }
  return [rewritten];
}

/** RESTORE with a relative TTL → the absolute time and ABSTTL (cluster.c restoreCommand). */
function restoreEffect(ctx: EffectContext): string[][] {
  const { argv } = ctx;
  const key = argv[1]!;
  const absolute = argv.some((word, i) => i >= 4 && word.toLowerCase() === 'absttl');
  if (argv[2] === '0' || absolute) return [[...argv]];
  const at = expireAtText(ctx, key);
  if (at === null) return [['DEL', key]];
  const rewritten = [...argv];
  rewritten[2] = at;
  rewritten.push('ABSTTL');
  return [rewritten];
}

/** Where XADD/XTRIM trimming arguments sit (streamParseAddOrTrimArgsOrReply). */
interface TrimArgs {
  /** The argument after the options (XADD's ID). */
  end: number;
  /** The '~' argument when trimming is approximate, else -1. */
  approx: number;
  minid: boolean;
}

function trimArgs(argv: readonly string[]): TrimArgs {
  const args: TrimArgs = { end: argv.length, approx: -1, minid: false };
  let i = 2;
  while (i < argv.length) {
    const word = argv[i]!.toLowerCase();
    if (word === 'nomkstream') i++;
    else if (word === 'maxlen' || word === 'minid') {
      args.minid = word === 'minid';
      i++;
      if (argv[i] === '~') args.approx = i;
      if (argv[i] === '~' || argv[i] === '=') i++;
      i++;
    } else if (word === 'limit') i += 2;
    else break;
  }
  args.end = i;
  return args;
}

/**
 * MAXLEN/MINID ~ n → = with what the stream kept (its length, or its first ID), so trimming
 * replays exactly (t_stream.c streamRewriteTrimArgument).
 */
function rewriteApproxTrim(ctx: EffectContext, rewritten: string[], args: TrimArgs): void {
  if (args.approx < 0) return;
  const stream = ctx.db.stored(ctx.argv[1]!)?.value as Stream | undefined;
  if (stream === undefined) return;
  rewritten[args.approx] = '=';
  rewritten[args.approx + 1] = args.minid ? formatId(stream.edgeId(true)) : String(stream.length);
}

/** XADD → the ID it generated, and exact trimming. */
function xaddEffect(ctx: EffectContext): string[][] {
  const rewritten = [...ctx.argv];
  const args = trimArgs(ctx.argv);
  const id = ctx.reply();
  if (typeof id === 'string') rewritten[args.end] = id;
  rewriteApproxTrim(ctx, rewritten, args);
  return [rewritten];
}

function xtrimEffect(ctx: EffectContext): string[][] {
  const rewritten = [...ctx.argv];
  rewriteApproxTrim(ctx, rewritten, trimArgs(ctx.argv));
  return [rewritten];
}

/** Commands whose effect is not their argv, by full name. */
export const EFFECT_RULES: ReadonlyMap<string, EffectRule> = new Map<string, EffectRule>([
  ['set', setEffect],
  ['setex', setexEffect],
  ['psetex', setexEffect],
  ['getex', getexEffect],
  ['getdel', getdelEffect],
  ['getset', getsetEffect],
  ['expire', expireEffect],
  ['pexpire', expireEffect],
  ['expireat', expireEffect],
  ['pexpireat', expireEffect],
  ['incrbyfloat', incrbyfloatEffect],
  ['hincrbyfloat', hincrbyfloatEffect],
  ['spop', spopEffect],
  ['blpop', blockingPopEffect('LPOP')],
  ['brpop', blockingPopEffect('RPOP')],
  ['blmove', blmoveEffect],
  ['brpoplpush', brpoplpushEffect],
  ['lmpop', multiPopEffect(1, 'LPOP', 'RPOP', 'left')],
  ['blmpop', multiPopEffect(2, 'LPOP', 'RPOP', 'left')],
  ['zmpop', multiPopEffect(1, 'ZPOPMIN', 'ZPOPMAX', 'min')],
  ['bzmpop', multiPopEffect(2, 'ZPOPMIN', 'ZPOPMAX', 'min')],
  ['bzpopmin', blockingPopEffect('ZPOPMIN')],
  ['bzpopmax', blockingPopEffect('ZPOPMAX')],
  ['geoadd', geoaddEffect],
  ['restore', restoreEffect],
  ['restore-asking', restoreEffect],
  // MIGRATE propagates the DEL of the keys its target took itself (commands/migrate.ts).
  ['migrate', () => []],
  ['xadd', xaddEffect],
  ['xtrim', xtrimEffect],
]);
