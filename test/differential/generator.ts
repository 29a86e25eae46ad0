/**
 * Seeded generator of random commands for the differential tester. Commands come from the
 * implemented families (strings, bitmaps, keys, TTL) and deliberately include wrong types, wrong
 * arity, bad options, negative indexes, empty keys, huge numbers and binary bytes. Everything
 * it produces has a deterministic reply on both servers (see `Check` for the two relaxations).
 */

import { createHash } from 'node:crypto';
import { SCRIPT_CORPUS } from '../../packages/node/test/commands/scripting-corpus.js';

/** A small fast PRNG (mulberry32): the same seed gives the same commands on every machine. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * How replies are compared: 'exact' byte for byte; 'sorted' after sorting top-level elements
 * (Redis leaves their order unspecified); 'ttl' allows a positive integer to differ by a
 * little, since the two servers run the command a few milliseconds apart.
 */
export type Check = 'exact' | 'sorted' | 'ttl';

export interface GeneratedCommand {
  /** Position in the seed's stream (stable whatever is skipped). */
  index: number;
  family: Family;
  args: string[];
  check: Check;
  /**
   * Set on the commands of a blocking episode (family 'blocking'): the connection it runs on
   * and the episode it belongs to (the index of the episode's first command). See episode.ts.
   */
  episode?: { id: number; on: EpisodeConnection; unblock?: UnblockMode };
}

/** Connections of a blocking episode: two clients that block, one that writes. */
export type EpisodeConnection = 'B1' | 'B2' | 'W';
/**
 * How the runner ends a blocker's wait that nothing served (timeout 0): CLIENT UNBLOCK, whose
 * default gives the same reply as a timeout, or with ERROR the -UNBLOCKED error.
 */
export type UnblockMode = 'TIMEOUT' | 'ERROR';

export type Family = 'string' | 'bitmap' | 'keys' | 'ttl' | 'wrongtype' | 'hash' | 'set' | 'hyperloglog' | 'stream' | 'list' | 'zset' | 'pubsub' | 'scripting' | 'geo' | 'transaction' | 'blocking';

/** Keys shared by all families so commands meet each other's values (and types). */
const KEYS = ['k1', 'k2', 'k3', 'n1', 'n2', 'f1', 'b1', 'b2', '', 'bin\x00\xff\r\n', '{t}k'];
/** Keys that `wrongtype` fills with non-string values. */
const TYPED_KEYS = ['list1', 'hash1', 'set1', 'zset1'];

const INTEGERS = [
  '0', '1', '-1', '2', '10', '42', '-42', '100', '9223372036854775807', '-9223372036854775808',
  '9223372036854775808', '-9223372036854775809', '99999999999999999999', '007', '+1', ' 1', '1 ',
  '1e3', '0x1f', '', '1.0', '-0', '4294967296', '2147483648',
];
const FLOATS = [
  '1.5', '-0', '0.1', '3', '-2.25', '1e308', '1.7976931348623157e308', '-1e308', '1e-5', 'inf',
  '-inf', '+inf', 'nan', '3.0e-5', '.5', '5.', '0x10', '1,5', '', ' 2', '1e400', '5e-324',
];

function word(r: Rng): string {
  const length = r.int(0, 12);
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(r.int(97, 122));
  return out;
}

function binary(r: Rng): string {
  const length = r.int(1, 10);
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(r.int(0, 255));
  return out;
}

function key(r: Rng): string {
  if (r.chance(0.05)) return r.pick(TYPED_KEYS);
  return r.pick(KEYS);
}

function integer(r: Rng): string {
  if (r.chance(0.6)) return String(r.int(-1000, 1000));
  return r.pick(INTEGERS);
}

function smallIndex(r: Rng): string {
  if (r.chance(0.1)) return r.pick(INTEGERS);
  return String(r.int(-30, 30));
}

function float(r: Rng): string {
  if (r.chance(0.4)) return String(Math.round((r.next() - 0.5) * 2000000) / 1000);
  return r.pick(FLOATS);
}

function value(r: Rng): string {
  const roll = r.next();
  if (roll < 0.35) return word(r);
  if (roll < 0.55) return integer(r);
  if (roll < 0.65) return float(r);
  if (roll < 0.8) return binary(r);
  if (roll < 0.9) return '';
  return 'x'.repeat(r.int(20, 1000));
}

/** Relative expire times that are either already past or far in the future (never racy). */
function seconds(r: Rng): string {
  const roll = r.next();
  if (roll < 0.6) return String(r.int(1000, 100000));
  if (roll < 0.75) return String(-r.int(0, 100));
  if (roll < 0.8) return '0';
  return r.pick(['9223372036854775807', '-9223372036854775808', '9223372036854775', 'abc', '1.5', '', '100000000000000']);
}

function milliseconds(r: Rng): string {
  const roll = r.next();
  if (roll < 0.6) return String(r.int(1_000_000, 100_000_000));
  if (roll < 0.75) return String(-r.int(0, 100));
  return r.pick(['9223372036854775807', '-9223372036854775808', 'x', '0', '1e3']);
}

/** Absolute unix times, far past or far future. */
function unixSeconds(r: Rng): string {
  return r.chance(0.3) ? String(r.int(1, 1_000_000)) : String(r.int(4_000_000_000, 4_100_000_000));
}

function unixMilliseconds(r: Rng): string {
  return r.chance(0.3) ? String(r.int(1, 1_000_000_000)) : String(r.int(4_000_000_000_000, 4_100_000_000_000));
}

function someKeys(r: Rng, min: number, max: number): string[] {
  return Array.from({ length: r.int(min, max) }, () => key(r));
}

/** SET options: valid combinations, conflicting ones and garbage. */
function setOptions(r: Rng): string[] {
  const out: string[] = [];
  const count = r.int(0, 3);
  for (let i = 0; i < count; i++) {
    switch (r.int(0, 9)) {
      case 0: out.push(r.pick(['EX', 'ex']), seconds(r)); break;
      case 1: out.push('PX', milliseconds(r)); break;
      case 2: out.push('EXAT', unixSeconds(r)); break;
      case 3: out.push('PXAT', unixMilliseconds(r)); break;
      case 4: out.push(r.pick(['NX', 'nx'])); break;
      case 5: out.push('XX'); break;
      case 6: out.push('KEEPTTL'); break;
      case 7: out.push('GET'); break;
      case 8: out.push(r.pick(['EX', 'PX'])); break; // missing its argument
      default: out.push(r.pick(['BOGUS', 'EXX', 'PERSIST']));
    }
  }
  return out;
}

function getexOptions(r: Rng): string[] {
  switch (r.int(0, 7)) {
    case 0: return ['EX', seconds(r)];
    case 1: return ['PX', milliseconds(r)];
    case 2: return ['EXAT', unixSeconds(r)];
    case 3: return ['PXAT', unixMilliseconds(r)];
    case 4: return ['PERSIST'];
    case 5: return ['EX', seconds(r), 'PERSIST'];
    case 6: return [r.pick(['EX', 'BOGUS', 'KEEPTTL'])];
    default: return [];
  }
}

type Builder = (r: Rng) => string[];

const STRING: Builder[] = [
  (r) => ['SET', key(r), value(r), ...setOptions(r)],
  (r) => ['SET', key(r), value(r)],
  (r) => ['GET', key(r)],
  (r) => ['GET', key(r)],
  (r) => ['SETNX', key(r), value(r)],
  (r) => ['SETEX', key(r), seconds(r), value(r)],
  (r) => ['PSETEX', key(r), milliseconds(r), value(r)],
  (r) => ['MSET', ...Array.from({ length: r.int(1, 3) }, () => [key(r), value(r)]).flat()],
  (r) => ['MSET', key(r), value(r), key(r)], // odd number of arguments
  (r) => ['MSETNX', ...Array.from({ length: r.int(1, 3) }, () => [key(r), value(r)]).flat()],
  (r) => ['MGET', ...someKeys(r, 1, 5)],
  (r) => ['GETSET', key(r), value(r)],
  (r) => ['GETDEL', key(r)],
  (r) => ['GETEX', key(r), ...getexOptions(r)],
  (r) => ['APPEND', key(r), value(r)],
  (r) => ['STRLEN', key(r)],
  (r) => ['INCR', key(r)],
  (r) => ['DECR', key(r)],
  (r) => ['INCRBY', key(r), integer(r)],
  (r) => ['DECRBY', key(r), integer(r)],
  (r) => ['INCRBYFLOAT', key(r), float(r)],
  (r) => ['SET', r.pick(['n1', 'n2']), integer(r)],
  (r) => ['SET', 'f1', float(r)],
  (r) => ['INCRBY', r.pick(['n1', 'n2']), integer(r)],
  (r) => ['INCRBYFLOAT', r.pick(['f1', 'n1']), float(r)],
  (r) => ['GETRANGE', key(r), smallIndex(r), smallIndex(r)],
  (r) => ['SUBSTR', key(r), smallIndex(r), smallIndex(r)],
  (r) => ['SETRANGE', key(r), r.chance(0.9) ? String(r.int(0, 40)) : r.pick(['-1', '536870912', '9223372036854775807', 'x']), value(r)],
  (r) => ['LCS', key(r), key(r), ...r.pick([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', String(r.int(-1, 4))], ['LEN', 'IDX'], ['BOGUS'], ['IDX', 'MINMATCHLEN']])],
];

const BIT_OFFSETS = ['-1', '4294967296', 'x', '18446744073709551616'];

function bitOffset(r: Rng): string {
  return r.chance(0.92) ? String(r.int(0, r.chance(0.9) ? 64 : 20000)) : r.pick(BIT_OFFSETS);
}

function bitfieldType(r: Rng): string {
  return r.chance(0.85) ? `${r.pick(['i', 'u'])}${r.int(1, 16)}` : r.pick(['i64', 'u63', 'u64', 'i65', 'i0', 'x8', 'I8']);
}

function bitfieldOps(r: Rng, readOnly: boolean): string[] {
  const out: string[] = [];
  const count = r.int(1, 4);
  for (let i = 0; i < count; i++) {
    const offset = r.chance(0.3) ? `#${r.int(0, 5)}` : r.chance(0.95) ? String(r.int(0, 100)) : r.pick(['-1', 'x', '#-1']);
    const op = readOnly ? (r.chance(0.9) ? 0 : 4) : r.int(0, 4);
    if (op === 0) out.push('GET', bitfieldType(r), offset);
    else if (op === 1) out.push('SET', bitfieldType(r), offset, integer(r));
    else if (op === 2) out.push('INCRBY', bitfieldType(r), offset, integer(r));
    else if (op === 3) out.push('OVERFLOW', r.pick(['WRAP', 'SAT', 'FAIL', 'sat', 'BAD']));
    else out.push(r.pick(['BOGUS', 'GET', 'SET']));
  }
  return out;
}

const BITMAP: Builder[] = [
  (r) => ['SETBIT', r.pick(['b1', 'b2', 'k1']), bitOffset(r), r.chance(0.9) ? r.pick(['0', '1']) : r.pick(['2', '-1', 'x', ''])],
  (r) => ['SETBIT', r.pick(['b1', 'b2']), String(r.int(0, 40)), '1'],
  (r) => ['GETBIT', key(r), bitOffset(r)],
  (r) => ['BITCOUNT', key(r)],
  (r) => ['BITCOUNT', key(r), smallIndex(r), smallIndex(r), ...r.pick([[], ['BYTE'], ['BIT'], ['bit'], ['BOGUS']])],
  (r) => ['BITCOUNT', key(r), smallIndex(r)],
  (r) => ['BITPOS', key(r), r.pick(['0', '1', '2'])],
  (r) => ['BITPOS', key(r), r.pick(['0', '1']), smallIndex(r), ...r.pick([[], [smallIndex(r)], [smallIndex(r), 'BIT'], [smallIndex(r), 'BYTE'], [smallIndex(r), 'X']])],
  (r) => ['BITOP', r.pick(['AND', 'OR', 'XOR', 'and', 'NOT', 'NAND']), r.pick(['b1', 'b2', 'k3']), ...someKeys(r, 1, 3)],
  (r) => ['BITOP', 'NOT', r.pick(['b1', 'b2', 'k3']), key(r)],
  (r) => ['BITFIELD', r.pick(['b1', 'b2', 'k1']), ...bitfieldOps(r, false)],
  (r) => ['BITFIELD', r.pick(['b1', 'b2'])],
  (r) => ['BITFIELD_RO', r.pick(['b1', 'b2', 'k1']), ...bitfieldOps(r, true)],
];

const KEYS_FAMILY: Builder[] = [
  (r) => ['DEL', ...someKeys(r, 1, 3)],
  (r) => ['UNLINK', ...someKeys(r, 1, 3)],
  (r) => ['EXISTS', ...someKeys(r, 1, 4)],
  (r) => ['TYPE', key(r)],
  (r) => ['RENAME', key(r), key(r)],
  (r) => ['RENAMENX', key(r), key(r)],
  (r) => ['COPY', key(r), key(r), ...r.pick([[], ['REPLACE'], ['DB', '0'], ['DB', '1', 'REPLACE'], ['DB', '16'], ['DB', 'x'], ['BOGUS']])],
  (r) => ['TOUCH', ...someKeys(r, 1, 3)],
  (r) => ['DBSIZE'],
  (r) => ['KEYS', r.pick(['*', 'k*', '?1', '[kn]1', 'b[12]', '*\\*', 'nomatch*', '{t}*'])],
  (r) => ['OBJECT', 'ENCODING', key(r)],
  (r) => ['OBJECT', r.pick(['REFCOUNT', 'FREQ', 'BOGUS']), key(r)],
  (r) => ['MOVE', key(r), r.pick(['1', '1', '0', '16', 'x', '-1'])],
  (r) => ['SELECT', '1'],
  (r) => ['SELECT', '0'],
  (r) => ['SWAPDB', r.pick(['0', '1']), r.pick(['0', '1', '16', 'x'])],
  (r) => (r.chance(0.2) ? ['FLUSHDB'] : ['EXISTS', key(r)]),
  (r) => ['ECHO', value(r)],
];

const EXPIRE_FLAGS = [[], [], ['NX'], ['XX'], ['GT'], ['LT'], ['nx'], ['NX', 'XX'], ['GT', 'LT'], ['GT', 'NX'], ['XX', 'GT'], ['BOGUS']];

const TTL_FAMILY: Builder[] = [
  (r) => ['EXPIRE', key(r), seconds(r), ...r.pick(EXPIRE_FLAGS)],
  (r) => ['PEXPIRE', key(r), milliseconds(r), ...r.pick(EXPIRE_FLAGS)],
  (r) => ['EXPIREAT', key(r), unixSeconds(r), ...r.pick(EXPIRE_FLAGS)],
  (r) => ['PEXPIREAT', key(r), unixMilliseconds(r), ...r.pick(EXPIRE_FLAGS)],
  (r) => ['PERSIST', key(r)],
  (r) => ['TTL', key(r)],
  (r) => ['PTTL', key(r)],
  (r) => ['EXPIRETIME', key(r)],
  (r) => ['PEXPIRETIME', key(r)],
];

/** Fills the typed keys (only when the server under test has these commands). */
const WRONGTYPE: Builder[] = [
  (r) => ['RPUSH', 'list1', value(r)],
  (r) => ['HSET', 'hash1', word(r), value(r)],
  (r) => ['SADD', 'set1', value(r)],
  (r) => ['ZADD', 'zset1', String(r.int(0, 10)), word(r)],
];

// ---- hash family: small fields and values, so hashes stay listpack-encoded and keep Redis's order
const HASH_KEYS = ['h1', 'h2', 'h3'];
const FIELDS = ['f', 'g', 'name', 'n', 'x1', '', '\x00\xff', '7', '-3'];
const HASH_FLOATS = ['1.5', '-0', '0.1', '3', '-2.25', '1e-5', 'inf', '-inf', 'nan', '.5', '5.', '0x10', '', ' 2', '1e5000', '10.5'];

function hashKey(r: Rng): string {
  return r.chance(0.9) ? r.pick(HASH_KEYS) : r.pick(KEYS);
}

function field(r: Rng): string {
  return r.chance(0.85) ? r.pick(FIELDS) : word(r);
}

function hashValue(r: Rng): string {
  const roll = r.next();
  if (roll < 0.4) return word(r);
  if (roll < 0.75) return integer(r);
  if (roll < 0.85) return r.pick(HASH_FLOATS);
  return binary(r);
}

function pairs(r: Rng, min: number, max: number): string[] {
  return Array.from({ length: r.int(min, max) }, () => [field(r), hashValue(r)]).flat();
}

const HASH: Builder[] = [
  (r) => ['HSET', hashKey(r), ...pairs(r, 1, 4)],
  (r) => ['HSET', hashKey(r), field(r), hashValue(r)],
  (r) => ['HSET', hashKey(r), field(r)], // odd number of arguments
  (r) => ['HMSET', hashKey(r), ...pairs(r, 1, 3)],
  (r) => ['HSETNX', hashKey(r), field(r), hashValue(r)],
  (r) => ['HGET', hashKey(r), field(r)],
  (r) => ['HMGET', hashKey(r), ...Array.from({ length: r.int(1, 4) }, () => field(r))],
  (r) => ['HDEL', hashKey(r), ...Array.from({ length: r.int(1, 3) }, () => field(r))],
  (r) => ['HLEN', hashKey(r)],
  (r) => ['HSTRLEN', hashKey(r), field(r)],
  (r) => ['HEXISTS', hashKey(r), field(r)],
  (r) => ['HKEYS', hashKey(r)],
  (r) => ['HVALS', hashKey(r)],
  (r) => ['HGETALL', hashKey(r)],
  (r) => ['HINCRBY', hashKey(r), field(r), r.chance(0.8) ? String(r.int(-100, 100)) : r.pick(INTEGERS)],
  (r) => ['HINCRBYFLOAT', hashKey(r), field(r), r.chance(0.6) ? String(r.int(-1000, 1000) / 8) : r.pick(HASH_FLOATS)],
  // Only HRANDFIELD forms whose reply is not random: errors, empty replies, the whole hash.
  (r) => ['HRANDFIELD', hashKey(r), r.pick(['0', '1000', 'x', '-9223372036854775808', '4611686018427387904', '']), ...r.pick([[], ['WITHVALUES'], ['withvalues'], ['BOGUS'], ['WITHVALUES', 'x']])],
  (r) => ['HRANDFIELD', 'nohash'],
  (r) => ['HSCAN', r.pick(HASH_KEYS), r.pick(['0', '0', '7', 'x', '-1']), ...r.pick([[], ['MATCH', r.pick(['*', 'f*', '?', 'n[a-z]*'])], ['COUNT', r.pick(['1', '10', '0', 'x'])], ['TYPE', 'hash'], ['MATCH'], ['COUNT', '2', 'MATCH', '*a*']])],
];

// ---- list family: short elements that repeat (so LPOS/LREM/LINSERT find them); the blocking
// commands only with a short timeout or on keys that may hold data, so they never wait long
const LIST_KEYS = ['l1', 'l2', 'l3'];
const ELEMENTS = ['a', 'b', 'c', '1', '2', '10', '-3', '', '\x00\xff', '2.5'];
const END = ['LEFT', 'RIGHT', 'left', 'right', 'middle'];
const LIST_INDEXES = ['0', '1', '-1', '2', '-2', '5', '-100', '100', 'x', '9223372036854775807', '-9223372036854775808'];

function listKey(r: Rng): string {
  return r.chance(0.9) ? r.pick(LIST_KEYS) : r.pick(KEYS);
}

function element(r: Rng): string {
  return r.chance(0.85) ? r.pick(ELEMENTS) : word(r);
}

function elements(r: Rng, min: number, max: number): string[] {
  return Array.from({ length: r.int(min, max) }, () => element(r));
}

function listKeys(r: Rng): string[] {
  return Array.from({ length: r.int(1, 3) }, () => listKey(r));
}

const SHORT_TIMEOUT = ['0.01', '0.001'];

const LIST: Builder[] = [
  (r) => [r.pick(['LPUSH', 'RPUSH']), listKey(r), ...elements(r, 1, 5)],
  (r) => [r.pick(['LPUSHX', 'RPUSHX']), listKey(r), ...elements(r, 1, 3)],
  (r) => [r.pick(['LPOP', 'RPOP']), listKey(r), ...r.pick([[], [], [r.pick(['0', '1', '2', '10', '-1', 'x'])]])],
  (r) => ['LLEN', listKey(r)],
  (r) => ['LRANGE', listKey(r), r.pick(LIST_INDEXES), r.pick(LIST_INDEXES)],
  (r) => ['LINDEX', listKey(r), r.pick(LIST_INDEXES)],
  (r) => ['LSET', listKey(r), r.pick(LIST_INDEXES), element(r)],
  (r) => ['LINSERT', listKey(r), r.pick(['BEFORE', 'AFTER', 'after', 'x']), element(r), element(r)],
  (r) => ['LREM', listKey(r), r.pick(['0', '1', '-1', '2', '-2', 'x']), element(r)],
  (r) => ['LTRIM', listKey(r), r.pick(LIST_INDEXES), r.pick(LIST_INDEXES)],
  (r) => ['LPOS', listKey(r), element(r), ...r.pick([[], ['RANK', r.pick(['1', '-1', '2', '-2', '0', 'x'])], ['COUNT', r.pick(['0', '1', '2', '-1'])], ['MAXLEN', r.pick(['0', '1', '3', '-1'])], ['RANK', '-1', 'COUNT', '0', 'MAXLEN', '4'], ['RANK'], ['BOGUS', '1']])],
  (r) => ['LMOVE', listKey(r), listKey(r), r.pick(END), r.pick(END)],
  (r) => ['RPOPLPUSH', listKey(r), listKey(r)],
  (r) => ['LMPOP', r.pick(['1', '2', '3', '0', 'x']), ...listKeys(r), r.pick(END), ...r.pick([[], ['COUNT', r.pick(['1', '3', '0', 'x'])], ['COUNT']])],
  (r) => [r.pick(['BLPOP', 'BRPOP']), ...listKeys(r), r.pick([...SHORT_TIMEOUT, '-1', 'x'])],
  (r) => ['BLMOVE', listKey(r), listKey(r), r.pick(END), r.pick(END), r.pick(SHORT_TIMEOUT)],
  (r) => ['BRPOPLPUSH', listKey(r), listKey(r), r.pick(SHORT_TIMEOUT)],
  (r) => ['BLMPOP', r.pick(SHORT_TIMEOUT), r.pick(['1', '2', '0']), ...listKeys(r), r.pick(END), ...r.pick([[], ['COUNT', '2']])],
  (r) => ['SORT', listKey(r), ...r.pick([[], ['ALPHA'], ['DESC'], ['ALPHA', 'DESC', 'LIMIT', '1', '2'], ['BY', 'nosort'], ['BY', 'nosort', 'DESC'], ['GET', '#', 'GET', 'k*'], ['BY', 'k*', 'ALPHA'], ['LIMIT', 'x', '1'], ['STORE', listKey(r)]])],
  (r) => ['SORT_RO', listKey(r), ...r.pick([[], ['ALPHA'], ['STORE', 'l1']])],
  (r) => ['OBJECT', 'ENCODING', listKey(r)],
];

// ---- set family: 'si1' only ever holds integers (an intset, whose order is deterministic)
const SET_KEYS = ['s1', 's2', 's3', 'si1'];
const MEMBERS = ['a', 'b', 'c', 'hello', '', '\x00\xff', '01', '-0', '1.5', '9223372036854775807', '-9223372036854775808', '9223372036854775808'];

function setKey(r: Rng): string {
  return r.chance(0.88) ? r.pick(SET_KEYS.slice(0, 3)) : r.pick(KEYS);
}

/** A key to read: any set key including the intset one. */
function readSetKey(r: Rng): string {
  return r.chance(0.9) ? r.pick(SET_KEYS) : r.pick(KEYS);
}

function member(r: Rng): string {
  return r.chance(0.6) ? String(r.int(-5, 25)) : r.pick(MEMBERS);
}

function members(r: Rng, min: number, max: number): string[] {
  return Array.from({ length: r.int(min, max) }, () => member(r));
}

function setKeys(r: Rng, min: number, max: number): string[] {
  return Array.from({ length: r.int(min, max) }, () => readSetKey(r));
}

const SET: Builder[] = [
  (r) => ['SADD', setKey(r), ...members(r, 1, 5)],
  (r) => ['SADD', 'si1', ...Array.from({ length: r.int(1, 4) }, () => String(r.int(-50, 50)))],
  (r) => ['SREM', setKey(r), ...members(r, 1, 3)],
  (r) => ['SREM', 'si1', String(r.int(-50, 50))],
  (r) => ['SCARD', readSetKey(r)],
  (r) => ['SISMEMBER', readSetKey(r), member(r)],
  (r) => ['SMISMEMBER', readSetKey(r), ...members(r, 1, 4)],
  (r) => ['SMEMBERS', readSetKey(r)],
  (r) => ['SMOVE', readSetKey(r), setKey(r), member(r)],
  (r) => ['SINTER', ...setKeys(r, 1, 3)],
  (r) => ['SUNION', ...setKeys(r, 1, 3)],
  (r) => ['SDIFF', ...setKeys(r, 1, 4)],
  (r) => ['SINTERSTORE', setKey(r), ...setKeys(r, 1, 3)],
  (r) => ['SUNIONSTORE', setKey(r), ...setKeys(r, 1, 3)],
  (r) => ['SDIFFSTORE', setKey(r), ...setKeys(r, 1, 4)],
  (r) => {
    const keys = setKeys(r, 1, 3);
    const numkeys = r.chance(0.85) ? String(keys.length) : r.pick(['0', '-1', 'x', '5']);
    const options = r.pick([[], [], ['LIMIT', r.pick(['0', '1', '2', '-1', 'x'])], ['LIMIT'], ['BOGUS', '1'], ['limit', '1', 'LIMIT', '3']]);
    return ['SINTERCARD', numkeys, ...keys, ...options];
  },
  // Only SPOP/SRANDMEMBER forms whose reply is not random: errors, empty replies, the whole set.
  (r) => ['SPOP', r.pick(['noset', 'k1', ...SET_KEYS.slice(0, 3)]), r.pick(['0', '1000', '-1', 'x'])],
  (r) => ['SPOP', 'noset', ...r.pick([[], ['1', '2']])],
  (r) => ['SRANDMEMBER', readSetKey(r), r.pick(['0', 'x', '-9223372036854775808', '9223372036854775807'])],
  (r) => ['SRANDMEMBER', 'si1', '1000'],
  (r) => ['SRANDMEMBER', 'noset', ...r.pick([[], ['-3'], ['1', '2']])],
  (r) => ['SSCAN', 'si1', r.pick(['0', '0', '9', 'x']), ...r.pick([[], ['MATCH', r.pick(['*', '1*', '-?'])], ['COUNT', r.pick(['1', '0', 'x'])], ['TYPE', 'set'], ['COUNT']])],
  (r) => ['SSCAN', r.pick(['noset', 'h1']), '0', ...r.pick([[], ['BOGUS']])],
];

// ---- hyperloglog family: HLL values are strings, so GET compares the registers byte for byte
const HLL_KEYS = ['hll1', 'hll2', 'hll3'];
/** Sparse values Redis rejects as corrupted (opcodes covering too few or too many registers). */
const BROKEN_HLLS = [
  'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe',
  'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x00',
  'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80',
  'HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff',
];

function hllKey(r: Rng): string {
  return r.chance(0.88) ? r.pick(HLL_KEYS) : key(r);
}

function hllKeys(r: Rng, min: number, max: number): string[] {
  return Array.from({ length: r.int(min, max) }, () => hllKey(r));
}

/** Elements from a small pool (repeats leave registers unchanged) or fresh ones. */
function hllElements(r: Rng, min: number, max: number): string[] {
  return Array.from({ length: r.int(min, max) }, () => (r.chance(0.5) ? String(r.int(0, 40)) : value(r)));
}

const HYPERLOGLOG: Builder[] = [
  (r) => ['PFADD', hllKey(r), ...hllElements(r, 0, 6)],
  (r) => ['PFADD', hllKey(r), ...hllElements(r, 1, 3)],
  // Enough distinct elements to push a sparse HLL past hll-sparse-max-bytes into dense.
  (r) => ['PFADD', r.pick(HLL_KEYS), ...Array.from({ length: r.int(50, 400) }, () => `e${r.int(0, 1_000_000)}`)],
  (r) => ['PFCOUNT', hllKey(r)],
  (r) => ['PFCOUNT', ...hllKeys(r, 1, 4)],
  (r) => ['PFMERGE', hllKey(r), ...hllKeys(r, 0, 3)],
  (r) => ['GET', r.pick(HLL_KEYS)],
  (r) => ['GET', r.pick(HLL_KEYS)],
  (r) => ['PFDEBUG', r.pick(['ENCODING', 'DECODE', 'TODENSE', 'encoding', 'BOGUS']), hllKey(r)],
  (r) => (r.chance(0.1) ? ['PFDEBUG', 'GETREG', hllKey(r)] : ['STRLEN', r.pick(HLL_KEYS)]),
  (r) => ['OBJECT', 'ENCODING', r.pick(HLL_KEYS)],
  (r) => (r.chance(0.3) ? ['SET', r.pick(HLL_KEYS), r.pick(BROKEN_HLLS)] : ['APPEND', r.pick(HLL_KEYS), 'x']),
  (r) => ['CONFIG', 'SET', 'hll-sparse-max-bytes', r.pick(['3000', '3000', '3000', '200', '40'])],
];

// Streams: explicit IDs only (auto IDs follow each server's clock), and no reply that shows an
// idle or delivery time (extended XPENDING only with a huge IDLE, no XINFO CONSUMERS/FULL).

const STREAM_KEYS = ['x1', 'x2', 'x3'];
const STREAM_GROUPS = ['g1', 'g2', 'nogroup'];
const STREAM_CONSUMERS = ['alice', 'bob', 'carol'];

function streamKey(r: Rng): string {
  return r.chance(0.05) ? key(r) : r.pick(STREAM_KEYS);
}

/** IDs around the ones the family adds (ms 1..60), plus the special and malformed forms. */
function streamId(r: Rng): string {
  if (r.chance(0.85)) return r.chance(0.3) ? String(r.int(0, 60)) : `${r.int(0, 60)}-${r.int(0, 3)}`;
  return r.pick(['-', '+', '0-0', '18446744073709551615-18446744073709551615', '18446744073709551616', 'abc', '-1', '1-x', '(5', '']);
}

function rangeId(r: Rng): string {
  return r.chance(0.2) ? `(${streamId(r)}` : streamId(r);
}

function streamFields(r: Rng): string[] {
  const fields: string[] = [];
  const count = r.int(1, 3);
  for (let i = 0; i < count; i++) fields.push(r.pick(['f', 'g', 'h', word(r)]), value(r));
  return fields;
}

function trimOption(r: Rng): string[] {
  switch (r.int(0, 7)) {
    case 0: return ['MAXLEN', String(r.int(0, 20))];
    case 1: return ['MAXLEN', '~', String(r.int(0, 20))];
    case 2: return ['MINID', '=', `${r.int(0, 60)}-0`];
    case 3: return ['MINID', '~', `${r.int(0, 60)}`, 'LIMIT', String(r.int(0, 5))];
    case 4: return ['MAXLEN', '=', String(r.int(-2, 5)), 'LIMIT', '1'];
    case 5: return ['LIMIT', String(r.int(0, 3))];
    case 6: return ['MAXLEN', '3', 'MINID', '5'];
    default: return [];
  }
}

const STREAM: Builder[] = [
  (r) => ['XADD', streamKey(r), `${r.int(0, 60)}-${r.chance(0.3) ? '*' : String(r.int(0, 3))}`, ...streamFields(r)],
  (r) => ['XADD', streamKey(r), ...trimOption(r), ...(r.chance(0.2) ? ['NOMKSTREAM'] : []), streamId(r), ...streamFields(r)],
  (r) => ['XADD', r.pick(STREAM_KEYS), `${r.int(0, 60)}-*`, 'f', value(r)],
  (r) => ['XLEN', streamKey(r)],
  (r) => ['XRANGE', streamKey(r), rangeId(r), rangeId(r), ...(r.chance(0.4) ? ['COUNT', String(r.int(-1, 5))] : [])],
  (r) => ['XREVRANGE', streamKey(r), rangeId(r), rangeId(r), ...(r.chance(0.4) ? ['COUNT', String(r.int(-1, 5))] : [])],
  (r) => ['XDEL', streamKey(r), ...Array.from({ length: r.int(1, 3) }, () => streamId(r))],
  (r) => ['XTRIM', streamKey(r), ...trimOption(r)],
  (r) => ['XREAD', ...(r.chance(0.3) ? ['COUNT', String(r.int(0, 3))] : []), 'STREAMS', streamKey(r), r.chance(0.2) ? '$' : streamId(r)],
  (r) => ['XREAD', 'STREAMS', r.pick(STREAM_KEYS), r.pick(STREAM_KEYS), streamId(r), streamId(r)],
  (r) => ['XGROUP', 'CREATE', streamKey(r), r.pick(STREAM_GROUPS), r.chance(0.3) ? '$' : streamId(r), ...r.pick([[], ['MKSTREAM'], ['ENTRIESREAD', String(r.int(-2, 10))], ['BOGUS']])],
  (r) => ['XGROUP', 'SETID', streamKey(r), r.pick(STREAM_GROUPS), r.chance(0.3) ? '$' : streamId(r), ...r.pick([[], ['ENTRIESREAD', String(r.int(-1, 10))]])],
  (r) => ['XGROUP', r.pick(['CREATECONSUMER', 'DELCONSUMER']), streamKey(r), r.pick(STREAM_GROUPS), r.pick(STREAM_CONSUMERS)],
  (r) => (r.chance(0.2) ? ['XGROUP', 'DESTROY', streamKey(r), r.pick(STREAM_GROUPS)] : ['XINFO', 'GROUPS', streamKey(r)]),
  (r) => ['XREADGROUP', 'GROUP', r.pick(STREAM_GROUPS), r.pick(STREAM_CONSUMERS), ...(r.chance(0.3) ? ['COUNT', String(r.int(0, 3))] : []), ...(r.chance(0.2) ? ['NOACK'] : []), 'STREAMS', streamKey(r), r.chance(0.6) ? '>' : streamId(r)],
  (r) => ['XACK', streamKey(r), r.pick(STREAM_GROUPS), ...Array.from({ length: r.int(1, 3) }, () => streamId(r))],
  (r) => ['XPENDING', streamKey(r), r.pick(STREAM_GROUPS)],
  (r) => ['XPENDING', streamKey(r), r.pick(STREAM_GROUPS), 'IDLE', '100000000', rangeId(r), rangeId(r), String(r.int(-1, 5)), ...(r.chance(0.3) ? [r.pick(STREAM_CONSUMERS)] : [])],
  (r) => ['XCLAIM', streamKey(r), r.pick(STREAM_GROUPS), r.pick(STREAM_CONSUMERS), r.pick(['0', '100000000', 'x']), ...Array.from({ length: r.int(1, 3) }, () => streamId(r)), ...r.pick([[], ['JUSTID'], ['FORCE'], ['FORCE', 'JUSTID', 'RETRYCOUNT', '3'], ['LASTID', streamId(r)], ['IDLE', 'x'], ['BOGUS']])],
  (r) => ['XAUTOCLAIM', streamKey(r), r.pick(STREAM_GROUPS), r.pick(STREAM_CONSUMERS), r.pick(['0', '100000000']), rangeId(r), ...r.pick([[], ['COUNT', String(r.int(0, 3))], ['JUSTID'], ['COUNT', 'x']])],
  (r) => ['XINFO', 'STREAM', streamKey(r)],
  (r) => ['XINFO', 'CONSUMERS', streamKey(r), 'missing'],
  (r) => ['XSETID', streamKey(r), streamId(r), ...r.pick([[], ['ENTRIESADDED', String(r.int(-1, 100))], ['MAXDELETEDID', streamId(r)]])],
];

// Sorted sets: a few keys, few short members (so z1 and z2 stay listpacks: ZSCAN order and lex
// ranges over mixed scores are then fixed), scores that collide, exclusive and infinite bounds.
// Results of the *STORE commands (which may read long members from set1) only go to z3, and
// ZRANDMEMBER only reads keys with at most one member, so every reply is deterministic.
const ZKEYS = ['z1', 'z2', 'z3'];
const ZLISTPACK_KEYS = ['z1', 'z2'];
const ZMEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', '', '1', '10', '-1', 'bin\x00\xff'];
const ZSCORE_BOUNDS = ['-inf', '+inf', 'inf', '(1', '(-1', '0', '1', '2.5', '(2.5', '5', 'abc', '', '(', 'nan', '1e400', ' 3'];
const LEX_BOUNDS = ['-', '+', '[a', '(a', '[c', '(d', '[', '(', 'a', '+x', '[bin\x00', '[g'];

function zkey(r: Rng): string {
  return r.chance(0.08) ? key(r) : r.pick(ZKEYS);
}

function zmember(r: Rng): string {
  return r.chance(0.97) ? r.pick(ZMEMBERS) : word(r);
}

function zscore(r: Rng): string {
  return r.chance(0.7) ? String(r.int(-3, 6)) : float(r);
}

function zpairs(r: Rng): string[] {
  return Array.from({ length: r.int(1, 4) }, () => [zscore(r), zmember(r)]).flat();
}

const ZADD_FLAGS = [[], [], ['NX'], ['XX'], ['CH'], ['INCR'], ['GT'], ['LT'], ['GT', 'CH'], ['XX', 'LT'], ['NX', 'XX'], ['GT', 'LT'], ['NX', 'GT'], ['INCR', 'XX'], ['INCR', 'NX']];

function zlimit(r: Rng): string[] {
  return r.chance(0.6) ? [] : ['LIMIT', String(r.int(-1, 4)), String(r.int(-1, 4))];
}

function zkeys(r: Rng): string[] {
  const keys = Array.from({ length: r.int(1, 3) }, () => (r.chance(0.1) ? r.pick(['set1', 'nokey']) : r.pick(ZKEYS)));
  return [String(r.chance(0.95) ? keys.length : r.pick([0, -1, keys.length + 1])), ...keys];
}

function zsetOpOptions(r: Rng, keyCount: number): string[] {
  const out: string[] = [];
  if (r.chance(0.3)) out.push('WEIGHTS', ...Array.from({ length: keyCount }, () => r.pick(['1', '2', '-1', '0', '0.5', 'inf', 'x'])));
  if (r.chance(0.3)) out.push('AGGREGATE', r.pick(['SUM', 'MIN', 'MAX', 'max', 'AVG']));
  return out;
}

const ZSET: Builder[] = [
  (r) => ['ZADD', zkey(r), ...r.pick(ZADD_FLAGS), ...zpairs(r)],
  (r) => ['ZADD', zkey(r), ...zpairs(r)],
  (r) => ['ZINCRBY', zkey(r), zscore(r), zmember(r)],
  (r) => ['ZREM', zkey(r), zmember(r), ...(r.chance(0.5) ? [zmember(r)] : [])],
  (r) => ['ZCARD', zkey(r)],
  (r) => ['ZSCORE', zkey(r), zmember(r)],
  (r) => ['ZMSCORE', zkey(r), zmember(r), zmember(r)],
  (r) => [r.pick(['ZRANK', 'ZREVRANK']), zkey(r), zmember(r)],
  (r) => ['ZCOUNT', zkey(r), r.pick(ZSCORE_BOUNDS), r.pick(ZSCORE_BOUNDS)],
  (r) => ['ZLEXCOUNT', r.pick(ZLISTPACK_KEYS), r.pick(LEX_BOUNDS), r.pick(LEX_BOUNDS)],
  (r) => ['ZRANGE', zkey(r), smallIndex(r), smallIndex(r), ...r.pick([[], ['WITHSCORES'], ['REV'], ['REV', 'WITHSCORES'], ['LIMIT', '0', '1']])],
  (r) => ['ZRANGE', zkey(r), r.pick(ZSCORE_BOUNDS), r.pick(ZSCORE_BOUNDS), 'BYSCORE', ...r.pick([[], ['REV'], ['WITHSCORES']]), ...zlimit(r)],
  (r) => ['ZRANGE', r.pick(ZLISTPACK_KEYS), r.pick(LEX_BOUNDS), r.pick(LEX_BOUNDS), 'BYLEX', ...r.pick([[], ['REV'], ['WITHSCORES'], ['BYSCORE']]), ...zlimit(r)],
  (r) => ['ZRANGESTORE', 'z3', zkey(r), smallIndex(r), smallIndex(r), ...r.pick([[], ['REV'], ['WITHSCORES']])],
  (r) => ['ZRANGESTORE', 'z3', zkey(r), r.pick(ZSCORE_BOUNDS), r.pick(ZSCORE_BOUNDS), 'BYSCORE', ...zlimit(r)],
  (r) => ['ZREVRANGE', zkey(r), smallIndex(r), smallIndex(r), ...r.pick([[], ['WITHSCORES']])],
  (r) => [r.pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), zkey(r), r.pick(ZSCORE_BOUNDS), r.pick(ZSCORE_BOUNDS), ...r.pick([[], ['WITHSCORES']]), ...zlimit(r)],
  (r) => [r.pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']), r.pick(ZLISTPACK_KEYS), r.pick(LEX_BOUNDS), r.pick(LEX_BOUNDS), ...zlimit(r)],
  (r) => ['ZREMRANGEBYRANK', zkey(r), smallIndex(r), smallIndex(r)],
  (r) => ['ZREMRANGEBYSCORE', zkey(r), r.pick(ZSCORE_BOUNDS), r.pick(ZSCORE_BOUNDS)],
  (r) => ['ZREMRANGEBYLEX', r.pick(ZLISTPACK_KEYS), r.pick(LEX_BOUNDS), r.pick(LEX_BOUNDS)],
  (r) => [r.pick(['ZPOPMIN', 'ZPOPMAX']), zkey(r), ...r.pick([[], ['1'], ['2'], ['0'], ['-1'], ['x']])],
  (r) => [r.pick(['BZPOPMIN', 'BZPOPMAX']), zkey(r), zkey(r), r.pick(['0.01', '-1', 'x'])],
  (r) => ['ZMPOP', ...zkeys(r), r.pick(['MIN', 'MAX', 'min', 'MID']), ...r.pick([[], ['COUNT', String(r.int(-1, 3))], ['COUNT']])],
  (r) => ['BZMPOP', r.pick(['0.01', '-1']), ...zkeys(r), r.pick(['MIN', 'MAX']), ...r.pick([[], ['COUNT', String(r.int(0, 3))]])],
  (r) => ['ZADD', 'zr', ...r.pick([[], ['XX'], ['CH'], ['INCR']]), zscore(r), 'only'],
  (r) => ['ZRANDMEMBER', r.pick(['nokey', 'zr']), ...r.pick([[], ['1000'], ['-3', 'WITHSCORES'], ['0'], ['x'], ['5', 'BOGUS'], ['-9223372036854775808']])],
  (r) => {
    const keys = zkeys(r);
    return [r.pick(['ZUNION', 'ZINTER', 'ZDIFF']), ...keys, ...zsetOpOptions(r, keys.length - 1), ...(r.chance(0.5) ? ['WITHSCORES'] : [])];
  },
  (r) => {
    const keys = zkeys(r);
    return [r.pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), 'z3', ...keys, ...zsetOpOptions(r, keys.length - 1)];
  },
  (r) => ['ZINTERCARD', ...zkeys(r), ...r.pick([[], ['LIMIT', String(r.int(-1, 2))], ['WITHSCORES']])],
  (r) => ['ZSCAN', r.pick(ZLISTPACK_KEYS), r.pick(['0', 'x']), ...r.pick([[], ['COUNT', '1000'], ['MATCH', '*a*'], ['COUNT', '0'], ['BOGUS']])],
];

// Pub/Sub on one connection: each command must answer exactly once. So the connection only
// ever subscribes to one channel, one pattern and one shard channel (an UNSUBSCRIBE without
// arguments then confirms at most one), these commands are never mutated, and PUBLISH never
// targets them (a RESP3 subscriber would get its own message as an extra push). In RESP2 the
// subscribed context refuses the other families' commands until the UNSUBSCRIBEs come.
const SUBSCRIBED_CHANNEL = 'dchan';
const SUBSCRIBED_PATTERN = 'dpat*';
const SUBSCRIBED_SHARD = 'dshard';
const PUBLISH_CHANNELS = ['news', '', 'bin\x00\xff', 'dpa', 'x:1'];

const PUBSUB: Builder[] = [
  (r) => [r.pick(['PUBLISH', 'SPUBLISH']), r.pick(PUBLISH_CHANNELS), value(r)],
  () => ['SUBSCRIBE', SUBSCRIBED_CHANNEL],
  (r) => ['UNSUBSCRIBE', ...r.pick([[], [SUBSCRIBED_CHANNEL], ['other']])],
  () => ['PSUBSCRIBE', SUBSCRIBED_PATTERN],
  (r) => ['PUNSUBSCRIBE', ...r.pick([[], [SUBSCRIBED_PATTERN], ['d*']])],
  () => ['SSUBSCRIBE', SUBSCRIBED_SHARD],
  (r) => ['SUNSUBSCRIBE', ...r.pick([[], [SUBSCRIBED_SHARD]])],
  (r) => ['PUBSUB', r.pick(['NUMSUB', 'SHARDNUMSUB']), ...r.pick([[], [SUBSCRIBED_CHANNEL], [SUBSCRIBED_SHARD, 'x']])],
  (r) => ['PUBSUB', r.pick(['CHANNELS', 'SHARDCHANNELS']), ...r.pick([[], ['d*'], ['*x'], ['a', 'b']])],
  (r) => ['PUBSUB', r.pick(['NUMPAT', 'numpat', 'HELP', 'BOGUS'])],
  (r) => ['PING', ...r.pick([[], ['hello']])],
];

// ---- scripting family: EVAL of the scripting corpus (deterministic scripts, error cases
// included), EVALSHA/EVAL_RO of the same scripts, and the script cache commands.
const CORPUS_EVALS = SCRIPT_CORPUS.map(({ script, keys = [], args = [] }) => [script, String(keys.length), ...keys, ...args]);

const SCRIPTING: Builder[] = [
  (r) => ['EVAL', ...r.pick(CORPUS_EVALS)],
  (r) => ['EVAL', ...r.pick(CORPUS_EVALS)],
  (r) => ['EVAL_RO', ...r.pick(CORPUS_EVALS)],
  (r) => {
    const [script, ...rest] = r.pick(CORPUS_EVALS);
    return ['EVALSHA', createHash('sha1').update(script!, 'latin1').digest('hex'), ...rest];
  },
  (r) => ['SCRIPT', 'EXISTS', createHash('sha1').update(r.pick(CORPUS_EVALS)[0]!, 'latin1').digest('hex'), 'ffffffffffffffffffffffffffffffffffffffff'],
  (r) => ['SCRIPT', 'LOAD', r.pick(CORPUS_EVALS)[0]!],
  (r) => ['EVAL', 'return {KEYS[1], ARGV[1]}', r.pick(['0', '1', '2', '-1', 'x']), ...r.pick([[], ['a'], ['a', 'b']])],
  (r) => ['SCRIPT', 'FLUSH', ...r.pick([[], ['SYNC'], ['ASYNC']])],
];

// Geo: positions in g1/g2 (clustered around Sicily so searches find several, plus the edges of
// the valid ranges and invalid coordinates). Search results stored by distance go to g3 only:
// a distance's 17th digit may differ from glibc's (types/trig.ts), so g3 is read only through
// geo commands, whose replies never show a stored distance at full precision.
const GEO_KEYS = ['g1', 'g2', 'g3'];
const GEO_MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', '', 'bin\x00\xff'];
const GEO_LONGITUDES = ['13.361389', '15.087269', '0', '-0', '180', '-180', '179.9999', '-73.985', 'abc', '181', 'inf', '1e400', ''];
const GEO_LATITUDES = ['38.115556', '37.502669', '0', '85.05112878', '-85.05112878', '85.05112879', '40.748', '-33.86', 'nan', '100'];
const GEO_UNITS = ['m', 'km', 'km', 'ft', 'mi', 'KM', 'yd'];
const GEO_DISTANCES = ['0', '1', '50', '100', '200', '500', '5000', '20000', '1e7', '-1', 'x', 'inf', '12.5'];

function geoKey(r: Rng): string {
  return r.chance(0.05) ? r.pick(['zset1', 'set1', 'k1', 'nokey', 'z1']) : r.pick(GEO_KEYS);
}

function geoMember(r: Rng): string {
  return r.chance(0.85) ? r.pick(['a', 'b', 'c', 'd']) : r.pick(GEO_MEMBERS);
}

function lonLat(r: Rng): string[] {
  if (r.chance(0.75)) return [(12 + 4 * r.next()).toFixed(r.int(0, 7)), (36.5 + 2 * r.next()).toFixed(r.int(0, 7))];
  return [r.pick(GEO_LONGITUDES), r.pick(GEO_LATITUDES)];
}

function geoSearchOptions(r: Rng, withReplies: boolean): string[] {
  const out: string[] = [];
  if (withReplies) for (const option of ['WITHDIST', 'WITHCOORD', 'WITHHASH']) if (r.chance(0.3)) out.push(option);
  out.push(...r.pick([[], [], ['ASC'], ['DESC'], ['asc']]));
  if (r.chance(0.4)) out.push('COUNT', r.pick(['1', '2', '3', '10', '0', '-1', 'x']), ...(r.chance(0.3) ? ['ANY'] : []));
  else if (r.chance(0.03)) out.push(r.pick(['ANY', 'COUNT', 'BOGUS', 'STOREDIST']));
  return out;
}

function geoFrom(r: Rng): string[] {
  return r.chance(0.5) ? ['FROMMEMBER', geoMember(r)] : ['FROMLONLAT', ...lonLat(r)];
}

function geoBy(r: Rng): string[] {
  return r.chance(0.5)
    ? ['BYRADIUS', r.pick(GEO_DISTANCES), r.pick(GEO_UNITS)]
    : ['BYBOX', r.pick(GEO_DISTANCES), r.pick(GEO_DISTANCES), r.pick(GEO_UNITS)];
}

const GEO: Builder[] = [
  (r) => [
    'GEOADD',
    r.pick(['g1', 'g2', 'g1', 'g2', 'g3', 'zset1', 'k1']),
    ...r.pick([[], [], ['NX'], ['XX'], ['CH'], ['XX', 'CH'], ['NX', 'XX'], ['GT']]),
    ...Array.from({ length: r.int(1, 3) }, () => [...lonLat(r), geoMember(r)]).flat(),
  ],
  (r) => [r.pick(['GEOPOS', 'GEOHASH']), geoKey(r), geoMember(r), ...(r.chance(0.5) ? [geoMember(r)] : [])],
  (r) => ['GEODIST', geoKey(r), geoMember(r), geoMember(r), ...(r.chance(0.6) ? [r.pick(GEO_UNITS)] : [])],
  (r) => [r.pick(['GEORADIUS', 'GEORADIUS_RO']), geoKey(r), ...lonLat(r), r.pick(GEO_DISTANCES), r.pick(GEO_UNITS), ...geoSearchOptions(r, true)],
  (r) => [r.pick(['GEORADIUSBYMEMBER', 'GEORADIUSBYMEMBER_RO']), geoKey(r), geoMember(r), r.pick(GEO_DISTANCES), r.pick(GEO_UNITS), ...geoSearchOptions(r, true)],
  (r) => ['GEOSEARCH', geoKey(r), ...geoFrom(r), ...geoBy(r), ...geoSearchOptions(r, true)],
  (r) => ['GEOSEARCHSTORE', 'g3', geoKey(r), ...geoFrom(r), ...geoBy(r), ...geoSearchOptions(r, r.chance(0.05)), ...(r.chance(0.5) ? ['STOREDIST'] : [])],
  (r) => [
    r.pick(['GEORADIUS', 'GEORADIUS_RO']),
    geoKey(r),
    ...lonLat(r),
    r.pick(GEO_DISTANCES),
    r.pick(GEO_UNITS),
    r.pick(['STORE', 'STOREDIST']),
    'g3',
    ...geoSearchOptions(r, r.chance(0.05)),
  ],
  (r) => ['GEORADIUSBYMEMBER', geoKey(r), geoMember(r), r.pick(GEO_DISTANCES), r.pick(GEO_UNITS), r.pick(['STORE', 'STOREDIST']), 'g3'],
];

// ---- transaction family: MULTI … EXEC/DISCARD blocks around commands of the other families,
// WATCH (invalidated by the connection's own writes: the runner has one connection per server),
// and the misuse errors (EXEC/DISCARD without MULTI, nested MULTI, WATCH inside MULTI, a
// queued command refused → EXECABORT). A block is several commands, each compared on its own.
type SingleFamily = Exclude<Family, 'transaction' | 'blocking'>;
/** Families whose commands go inside blocks: not pubsub (pushes inside EXEC) nor wrongtype. */
const QUEUED_FAMILIES: readonly SingleFamily[] = ['string', 'bitmap', 'keys', 'ttl', 'hash', 'set', 'list', 'zset', 'scripting', 'hyperloglog', 'geo', 'stream'];

/** One command for a block, mutated now and then; never one whose reply is compared loosely. */
function queuedCommand(r: Rng): string[] {
  for (let tries = 0; tries < 20; tries++) {
    let args = r.pick(BUILDERS[r.pick(QUEUED_FAMILIES)])(r);
    if (!UNMUTATED.has(args[0]!) && r.chance(1 / 12)) args = mutate(r, args);
    if (CHECKS[args[0]!.toLowerCase()] === undefined) return args;
  }
  return ['GET', key(r)];
}

function queuedCommands(r: Rng, low: number, high: number): string[][] {
  return Array.from({ length: r.int(low, high) }, () => queuedCommand(r));
}

function transactionBlock(r: Rng): string[][] {
  const roll = r.next();
  if (roll < 0.35) return [['MULTI'], ...queuedCommands(r, 1, 4), ['EXEC']];
  if (roll < 0.45) return [['MULTI'], ...queuedCommands(r, 0, 3), [r.pick(['DISCARD', 'discard'])]];
  if (roll < 0.7) {
    const watched = [key(r), ...(r.chance(0.3) ? [key(r)] : [])];
    // Half the time the connection itself changes a watched key (or not) before MULTI.
    const touch = r.chance(0.5) ? queuedCommands(r, 1, 2) : [];
    return [['WATCH', ...watched], ...touch, ['MULTI'], ...queuedCommands(r, 1, 3), ['EXEC']];
  }
  if (roll < 0.78) return [['WATCH', key(r)], ['UNWATCH'], ['SET', key(r), value(r)], ['MULTI'], queuedCommand(r), ['EXEC']];
  if (roll < 0.86) return [['MULTI'], queuedCommand(r), r.pick([['WATCH', key(r)], ['MULTI'], ['BOGUSCMD', 'x'], ['GET'], ['SET', 'k1']]), queuedCommand(r), ['EXEC']];
  return [r.pick([['EXEC'], ['DISCARD'], ['UNWATCH'], ['WATCH'], ['MULTI', 'x'], ['EXEC', 'x']])];
}

// ---- blocking family: episodes on extra connections (episode.ts runs them). One or two
// clients block (B1 then B2: Redis serves them in that order), then the writer W pushes to the
// keys they wait on, to other keys, pushes and pops inside MULTI (blocked clients are served
// after EXEC, so nothing is left for them), changes a waited key's type or deletes it — or
// writes nothing. A wait of 0 that nothing served is ended by the runner's CLIENT UNBLOCK;
// short timeouts only in episodes where W writes nothing (else which comes first is a race).
interface EpisodeStep {
  args: string[];
  on: EpisodeConnection;
  unblock?: UnblockMode;
}

type BlockingKind = 'list' | 'zset' | 'stream';

/** A blocking command: its arguments and the keys it waits on. */
interface Waiter {
  args: string[];
  keys: string[];
}

const SHORT_WAITS = ['0.01', '0.05', '0.1'];
const BAD_WAITS = ['-1', 'x', '-0.5'];
const SIDES = ['LEFT', 'RIGHT', 'LEFT', 'RIGHT', 'left'];

function distinctKeys(r: Rng, pool: readonly string[], max: number): string[] {
  return [...new Set(Array.from({ length: r.int(1, max) }, () => r.pick(pool)))];
}

const PUSHING_SCRIPTS = [
  "redis.call('RPUSH', KEYS[1], ARGV[1]); return redis.call('LPOP', KEYS[1])",
  "redis.call('RPUSH', KEYS[1], ARGV[1], ARGV[1]); return redis.call('LLEN', KEYS[1])",
];

/** The blocking command of one client; `wait` in seconds ('0' = until served or unblocked). */
function waiter(r: Rng, kind: BlockingKind, wait: string): Waiter {
  if (kind === 'list') {
    const keys = distinctKeys(r, LIST_KEYS, 3);
    switch (r.int(0, 3)) {
      case 0: return { args: [r.pick(['BLPOP', 'BRPOP']), ...keys, wait], keys };
      case 1: return { args: ['BLMOVE', keys[0]!, r.pick(LIST_KEYS), r.pick(SIDES), r.pick(SIDES), wait], keys: keys.slice(0, 1) };
      case 2: return { args: ['BRPOPLPUSH', keys[0]!, r.pick(LIST_KEYS), wait], keys: keys.slice(0, 1) };
      default: return { args: ['BLMPOP', wait, String(keys.length), ...keys, r.pick(SIDES), ...r.pick([[], ['COUNT', String(r.int(1, 3))]])], keys };
    }
  }
  if (kind === 'zset') {
    const keys = distinctKeys(r, ZKEYS, 3);
    if (r.chance(0.5)) return { args: [r.pick(['BZPOPMIN', 'BZPOPMAX']), ...keys, wait], keys };
    return { args: ['BZMPOP', wait, String(keys.length), ...keys, r.pick(['MIN', 'MAX', 'max']), ...r.pick([[], ['COUNT', String(r.int(1, 3))]])], keys };
  }
  const keys = distinctKeys(r, STREAM_KEYS, 2);
  const ms = /^\d+(\.\d+)?$/.test(wait) ? String(Math.round(Number(wait) * 1000)) : wait;
  const count = r.chance(0.3) ? ['COUNT', String(r.int(1, 3))] : [];
  if (r.chance(0.5)) {
    const ids = keys.map(() => (r.chance(0.7) ? '$' : `${r.int(40, 60)}-${r.int(0, 3)}`));
    return { args: ['XREAD', ...count, 'BLOCK', ms, 'STREAMS', ...keys, ...ids], keys };
  }
  const group = ['GROUP', r.pick(['g1', 'g2']), r.pick(STREAM_CONSUMERS)];
  return { args: ['XREADGROUP', ...group, ...count, ...(r.chance(0.2) ? ['NOACK'] : []), 'BLOCK', ms, 'STREAMS', ...keys, ...keys.map(() => '>')], keys };
}

/** Writes of W that may serve (or fail to serve) clients waiting on `keys`. */
function episodeWrite(r: Rng, kind: BlockingKind, keys: readonly string[]): string[][] {
  const waited = r.pick(keys);
  // Waited keys now hold db 1's values (served from them as if pushed), then db 0's again.
  // Only with one waited key: SWAPDB readies the waited keys in the order of Redis's
  // blocking_keys hash table (scanDatabaseForReadyKeys), which is random per process.
  if (new Set(keys).size === 1 && r.chance(0.06)) return [['SWAPDB', '0', '1'], ['SWAPDB', '1', '0']];
  const roll = r.next();
  if (kind === 'list') {
    if (roll < 0.45) return [[r.pick(['LPUSH', 'RPUSH']), waited, ...elements(r, 1, 3)]];
    if (roll < 0.55) return [['RPUSH', r.pick(LIST_KEYS), element(r)]];
    if (roll < 0.65) return [['MULTI'], ['RPUSH', waited, element(r)], [r.pick(['LPOP', 'RPOP']), waited], ['EXEC']];
    if (roll < 0.75) return [['MULTI'], ['LPUSH', waited, ...elements(r, 1, 2)], ['RPUSH', r.pick(keys), element(r)], ['EXEC']];
    if (roll < 0.82) return [['LMOVE', r.pick(LIST_KEYS), waited, r.pick(SIDES), r.pick(SIDES)]];
    // A script's pushes serve waiting clients after the script, like EXEC.
    if (roll < 0.88) return [['EVAL', r.pick(PUSHING_SCRIPTS), '1', waited, element(r)]];
    if (roll < 0.93) return [['SET', waited, value(r)], ['DEL', waited]];
    return [['SET', waited, value(r)], ['LPUSH', waited, element(r)], ['DEL', waited]];
  }
  if (kind === 'zset') {
    if (roll < 0.45) return [['ZADD', waited, ...zpairs(r)]];
    if (roll < 0.55) return [['ZADD', r.pick(ZKEYS), zscore(r), zmember(r)]];
    if (roll < 0.65) {
      const m = zmember(r);
      return [['MULTI'], ['ZADD', waited, zscore(r), m], ['ZREM', waited, m], ['EXEC']];
    }
    if (roll < 0.75) return [['MULTI'], ['ZADD', waited, zscore(r), zmember(r)], ['ZINCRBY', r.pick(keys), zscore(r), zmember(r)], ['EXEC']];
    if (roll < 0.85) return [['ZUNIONSTORE', waited, '2', r.pick(ZKEYS), r.pick(ZKEYS)]];
    return [['SET', waited, value(r)], ['DEL', waited]];
  }
  const id = `${r.int(0, 60)}-${r.chance(0.5) ? '*' : String(r.int(0, 3))}`;
  if (roll < 0.5) return [['XADD', waited, id, 'f', value(r)]];
  if (roll < 0.6) return [['MULTI'], ['XADD', waited, id, 'f', value(r)], ['XTRIM', waited, 'MAXLEN', '0'], ['EXEC']];
  if (roll < 0.7) return [['XADD', waited, id, ...streamFields(r)], ['XADD', r.pick(STREAM_KEYS), `${r.int(0, 60)}-*`, 'g', value(r)]];
  if (roll < 0.8) return [['XGROUP', r.pick(['DESTROY', 'CREATE']), waited, r.pick(['g1', 'g2']), ...(r.chance(0.5) ? ['$'] : [])]];
  if (roll < 0.9) return [['DEL', waited]];
  return [['XGROUP', 'SETID', waited, r.pick(['g1', 'g2']), r.pick(['0', '$'])]];
}

/** One episode: optional setup by W, one or two blocked clients, W's writes (or none). */
function blockingEpisode(r: Rng): EpisodeStep[] {
  const kind = r.pick<BlockingKind>(['list', 'list', 'zset', 'stream']);
  const steps: EpisodeStep[] = [];
  if (kind === 'stream' && r.chance(0.5)) steps.push({ on: 'W', args: ['XGROUP', 'CREATE', r.pick(STREAM_KEYS), r.pick(['g1', 'g2']), r.pick(['$', '0']), 'MKSTREAM'] });
  const writes = r.chance(0.25) ? 0 : r.int(1, 3);
  const waited: string[] = [];
  for (const on of r.chance(0.3) ? (['B1', 'B2'] as const) : (['B1'] as const)) {
    const roll = r.next();
    const wait = roll < 0.05 ? r.pick(BAD_WAITS) : writes === 0 && roll < 0.6 ? r.pick(SHORT_WAITS) : '0';
    const { args, keys } = waiter(r, kind, wait);
    waited.push(...keys);
    steps.push({ on, args, ...(wait === '0' ? { unblock: r.chance(0.25) ? 'ERROR' : 'TIMEOUT' } : {}) });
  }
  for (let i = 0; i < writes; i++) for (const args of episodeWrite(r, kind, waited)) steps.push({ on: 'W', args });
  return steps;
}

const BUILDERS: Record<SingleFamily, Builder[]> = {
  string: STRING,
  bitmap: BITMAP,
  keys: KEYS_FAMILY,
  ttl: TTL_FAMILY,
  wrongtype: WRONGTYPE,
  hash: HASH,
  set: SET,
  hyperloglog: HYPERLOGLOG,
  stream: STREAM,
  list: LIST,
  zset: ZSET,
  pubsub: PUBSUB,
  scripting: SCRIPTING,
  geo: GEO,
};

/** Relative weights of the families in a run. */
const WEIGHTS: Record<Family, number> = { string: 45, bitmap: 20, keys: 18, ttl: 14, wrongtype: 3, hash: 20, set: 20, hyperloglog: 12, stream: 25, list: 25, zset: 30, pubsub: 6, scripting: 12, geo: 15, transaction: 4, blocking: 4 };

export const ALL_FAMILIES: readonly Family[] = [...(Object.keys(BUILDERS) as SingleFamily[]), 'transaction', 'blocking'];

/** Replies compared with a tolerance or sorted, by command name. */
const CHECKS: Record<string, Check> = {
  ttl: 'ttl', pttl: 'ttl', expiretime: 'ttl', pexpiretime: 'ttl', keys: 'sorted',
  // Hash and set replies whose order depends on the encoding (hashtable order is unspecified).
  hgetall: 'sorted', hkeys: 'sorted', hvals: 'sorted', hrandfield: 'sorted', smembers: 'sorted', sinter: 'sorted',
  sunion: 'sorted', sdiff: 'sorted', spop: 'sorted', srandmember: 'sorted',
};

/**
 * Commands never mutated: shortened, SPOP/SRANDMEMBER/HRANDFIELD reply at random; lengthened,
 * a hash write may get a long value, or the intset key a non-integer member, making hashtables
 * whose HSCAN/SSCAN pages are not Redis's.
 */
const UNMUTATED = new Set([
  'SPOP', 'SRANDMEMBER', 'HRANDFIELD', 'HSET', 'HMSET', 'HSETNX',
  // An extra channel would add a second confirmation (one reply per command is assumed).
  'SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'SSUBSCRIBE', 'SUNSUBSCRIBE',
]);

/** Commands whose last argument is a timeout, so an extra argument becomes the timeout. */
const TIMEOUT_LAST = new Set(['BLPOP', 'BRPOP', 'BZPOPMIN', 'BZPOPMAX']);

/** Commands whose argument count a mutation may break (all of them; arity errors are cheap). */
function mutate(r: Rng, args: string[]): string[] {
  const roll = r.next();
  if (roll < 0.4) return args.slice(0, r.int(1, Math.max(1, args.length - 1))); // too few
  // Too many (or an unexpected option); after a timeout, another short one (a random value as
  // the timeout could block the main connection for minutes).
  if (roll < 0.7) return [...args, TIMEOUT_LAST.has(args[0]!) ? r.pick(SHORT_TIMEOUT) : value(r)];
  if (roll < 0.85) return [args[0]!.toLowerCase(), ...args.slice(1)];
  return [r.pick(['GETT', 'SETBITS', 'EXPIRES', 'OBJECT|ENCODING']), ...args.slice(1)];
}

/**
 * The seeded stream of commands: `count` commands from `families`, the same for the same seed.
 * About one in twelve is mutated (wrong arity, case, unknown name). A transaction block counts
 * as its commands (the last block may be cut short by `count`).
 */
export function generateCommands(seed: number, count: number, families: readonly Family[]): GeneratedCommand[] {
  const r = new Rng(seed);
  const total = families.reduce((sum, f) => sum + WEIGHTS[f], 0);
  const out: GeneratedCommand[] = [];
  while (out.length < count) {
    let roll = r.next() * total;
    let family = families[0]!;
    for (const f of families) {
      roll -= WEIGHTS[f];
      if (roll < 0) {
        family = f;
        break;
      }
    }
    if (family === 'transaction') {
      for (const args of transactionBlock(r)) out.push({ index: out.length, family, args, check: 'exact' });
      continue;
    }
    if (family === 'blocking') {
      const id = out.length;
      for (const step of blockingEpisode(r)) out.push({ index: out.length, family, args: step.args, check: 'exact', episode: { id, on: step.on, unblock: step.unblock } });
      continue;
    }
    let args = r.pick(BUILDERS[family])(r);
    if (family !== 'wrongtype' && !UNMUTATED.has(args[0]!) && args[1] !== 'si1' && r.chance(1 / 12)) args = mutate(r, args);
    out.push({ index: out.length, family, args, check: CHECKS[args[0]!.toLowerCase()] ?? 'exact' });
  }
  return out.slice(0, count);
}
