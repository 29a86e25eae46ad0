import { strtoll } from '../server/config.js';
import type { KeyReference } from './keys.js';
import type { KeyFinder } from './table.js';

/**
 * Key finders for the commands whose key specs cannot always name their keys (Redis's
 * getkeys_proc functions): the spec is incomplete or unknown (SORT STORE, MIGRATE KEYS), the
 * key flags depend on the arguments (SET ... GET, BITFIELD), or the specs fail on unusual
 * arguments and Redis falls back to these looser parsers (a key count such as "+1").
 * keys.ts consults them only where Redis does, so their answers, flags included, are Redis's.
 * They are facts of each command's syntax, so they live here rather than with the handlers.
 */

const NO_FLAGS: readonly string[] = [];
const READ: readonly string[] = ['RO', 'access'];
const OVERWRITE: readonly string[] = ['OW', 'update'];
const READ_WRITE: readonly string[] = ['RW', 'access', 'update'];
const MOVE_AWAY: readonly string[] = ['RW', 'access', 'delete'];

/** C's atoi as glibc implements it: strtol, then truncated to an int. */
function atoi(text: string): number {
  return Number(BigInt.asIntN(32, strtoll(text).value));
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b;
}

/**
 * `[dest] numkeys key [key ...] options`: the keys (flags unknown) then the destination,
 * nothing when the count is not a positive number of keys present.
 */
function countedKeys(destination: number, countAt: number, firstKey: number): KeyFinder {
  return (argv) => {
    const count = atoi(argv[countAt] ?? '');
    if (count < 1 || count > argv.length - firstKey) return [];
    const keys: KeyReference[] = [];
    for (let i = 0; i < count; i++) keys.push({ position: firstKey + i, flags: NO_FLAGS });
    if (destination !== 0) keys.push({ position: destination, flags: NO_FLAGS });
    return keys;
  };
}

/** SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA] [STORE dest]: the last STORE wins. */
function sortKeys(argv: readonly string[]): KeyReference[] {
  const keys: KeyReference[] = [{ position: 1, flags: READ }];
  let store = 0;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    if (arg === 'limit') i += 2;
    else if (arg === 'store' && i + 1 < argv.length) store = i + 1;
    else if (arg === 'get' || arg === 'by') i += 1;
  }
  if (store !== 0) keys.push({ position: store, flags: OVERWRITE });
  return keys;
}

function sortReadOnlyKeys(): KeyReference[] {
  return [{ position: 1, flags: READ }];
}

/** MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key ...]. */
function migrateKeys(argv: readonly string[]): KeyReference[] {
  let first = 3;
  let count = 1;
  for (let i = 6; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    if (arg === 'keys') {
      // KEYS with a non-empty key argument is a syntax error MIGRATE reports itself.
      if (argv[3]!.length > 0) count = 0;
      else {
        first = i + 1;
        count = argv.length - first;
      }
      break;
    }
    if (arg === 'auth') i += 1;
    else if (arg === 'auth2') i += 2;
  }
  const keys: KeyReference[] = [];
  for (let i = 0; i < count; i++) keys.push({ position: first + i, flags: MOVE_AWAY });
  return keys;
}

/** GEORADIUS[BYMEMBER] key ... [STORE key] [STOREDIST key]: the last store option wins. */
function georadiusKeys(argv: readonly string[]): KeyReference[] {
  const keys: KeyReference[] = [{ position: 1, flags: NO_FLAGS }];
  let stored = 0;
  for (let i = 5; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    if ((arg === 'store' || arg === 'storedist') && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  if (stored !== 0) keys.push({ position: stored, flags: NO_FLAGS });
  return keys;
}

/** XREAD/XREADGROUP options then STREAMS key [key ...] id [id ...]. */
function xreadKeys(argv: readonly string[]): KeyReference[] {
  let streams = -1;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    if (arg === 'block' || arg === 'count') i += 1;
    else if (arg === 'group') i += 2;
    else if (arg === 'streams') {
      streams = i;
      break;
    } else if (arg !== 'noack') break;
  }
  const pairs = argv.length - streams - 1;
  if (streams === -1 || pairs === 0 || pairs % 2 !== 0) return [];
  const keys: KeyReference[] = [];
  for (let i = streams + 1; i < argv.length - pairs / 2; i++) keys.push({ position: i, flags: NO_FLAGS });
  return keys;
}

/** SET key value [...] — reads the old value too when GET is given. */
function setKeys(argv: readonly string[]): KeyReference[] {
  for (let i = 3; i < argv.length; i++) {
    if (same(argv[i]!, 'get')) return [{ position: 1, flags: READ_WRITE }];
  }
  return [{ position: 1, flags: OVERWRITE }];
}

/** BITFIELD key [GET ...] [SET ...] [INCRBY ...] [OVERFLOW ...] — read-only when it only GETs. */
function bitfieldKeys(argv: readonly string[]): KeyReference[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remaining = argv.length - i - 1;
    const arg = argv[i]!.toLowerCase();
    if (arg === 'get' && remaining >= 2) i += 2;
    else if (arg === 'overflow' && remaining >= 1) i += 1;
    else {
      // SET/INCRBY write; anything else is a syntax error, assumed to write.
      readonly = false;
      break;
    }
  }
  return [{ position: 1, flags: readonly ? READ : READ_WRITE }];
}

const unionLike = countedKeys(0, 1, 2);
const unionStoreLike = countedKeys(1, 2, 3);
const scriptLike = countedKeys(0, 2, 3);

/** Keyed by full command name, as Redis 7.0 assigns its getkeys functions. */
export const REDIS_KEY_FINDERS: ReadonlyMap<string, KeyFinder> = new Map([
  ['bitfield', bitfieldKeys],
  ['migrate', migrateKeys],
  ['sort', sortKeys],
  ['sort_ro', sortReadOnlyKeys],
  ['georadius', georadiusKeys],
  ['georadiusbymember', georadiusKeys],
  ['lmpop', unionLike],
  ['blmpop', scriptLike],
  ['zmpop', unionLike],
  ['bzmpop', scriptLike],
  ['sintercard', unionLike],
  ['zunion', unionLike],
  ['zinter', unionLike],
  ['zdiff', unionLike],
  ['zintercard', unionLike],
  ['zunionstore', unionStoreLike],
  ['zinterstore', unionStoreLike],
  ['zdiffstore', unionStoreLike],
  ['eval', scriptLike],
  ['evalsha', scriptLike],
  ['eval_ro', scriptLike],
  ['evalsha_ro', scriptLike],
  ['fcall', scriptLike],
  ['fcall_ro', scriptLike],
  ['xread', xreadKeys],
  ['xreadgroup', xreadKeys],
  ['set', setKeys],
]);
