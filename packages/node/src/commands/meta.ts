/**
 * Command metadata: the facts of COMMAND INFO and COMMAND DOCS for every command, captured from
 * redis-server 7.0 by scripts/capture-command-meta.mjs into meta.json (next to this module;
 * tsconfig's include copies it into dist). Summaries, history notes and worded complexities are
 * our own text; everything else is kept exactly as Redis replies.
 *
 * Field order in meta.json is the order Redis emits the fields, COMMAND INFO's first, then
 * COMMAND DOCS' (subcommands last), so a renderer can walk each object in order. RESP3 types
 * of the replies, for rendering:
 * - COMMAND INFO row (array of 10): name blob, arity integer, flags set of simple strings,
 *   first/last/step integers, ACL categories set of simple strings with '@' (stored without),
 *   tips set of blob strings, key specs set of maps, subcommands array of rows — an empty set
 *   when there are none.
 * - Key spec (map): notes blob (optional), flags set of simple strings, begin_search and
 *   find_keys maps of { type: blob, spec: map of blob/integer values (empty for unknown) }.
 * - COMMAND DOCS entry (map, each field only when present): summary, since, group (always),
 *   complexity blobs; doc_flags set of simple strings; deprecated_since, replaced_by blobs;
 *   history set of [version blob, text blob] arrays; arguments array of maps; subcommands map
 *   keyed by full name.
 * - Argument (map): name, type blobs; key_spec_index integer; token, summary, since,
 *   deprecated_since blobs; flags set of simple strings; arguments array of maps (oneof/block).
 */
import { readFileSync } from 'node:fs';

export interface CommandMeta {
  /** 'get', or 'config|get' for a subcommand. */
  name: string;
  /** Negative means "at least -arity arguments", argv[0] included. */
  arity: number;
  /** COMMAND INFO flags in Redis's order: 'write', 'readonly', 'denyoom', … */
  flags: string[];
  /** Legacy key range derived from the key specs (0, 0, 0 when there is none). */
  firstKey: number;
  lastKey: number;
  step: number;
  /** ACL categories without the '@', in Redis's order. */
  acl: string[];
  tips: string[];
  keySpecs: KeySpec[];
  /** Our own one-line description. */
  summary: string;
  since: string;
  group: string;
  /** Big-O text; worded in our own terms where it is more than a formula. */
  complexity?: string;
  /** 'deprecated', 'syscmd'. */
  docFlags?: string[];
  deprecatedSince?: string;
  replacedBy?: string;
  /** [version, our own description of what changed]. */
  history?: [string, string][];
  arguments?: Arg[];
  /** Keyed by full name ('config|get'). */
  subcommands?: Record<string, CommandMeta>;
}

export interface KeySpec {
  notes?: string;
  /** 'RO', 'RW', 'OW', 'RM', 'access', 'update', 'insert', 'delete', 'not_key', 'incomplete', 'variable_flags'. */
  flags: string[];
  beginSearch:
    | { type: 'index'; index: number }
    | { type: 'keyword'; keyword: string; startFrom: number }
    | { type: 'unknown' };
  findKeys:
    | { type: 'range'; lastKey: number; keyStep: number; limit: number }
    | { type: 'keynum'; keyNumIdx: number; firstKey: number; keyStep: number }
    | { type: 'unknown' };
}

export interface Arg {
  name: string;
  /** 'string', 'integer', 'double', 'key', 'pattern', 'unix-time', 'pure-token', 'oneof', 'block'. */
  type: string;
  keySpecIndex?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecatedSince?: string;
  /** 'optional', 'multiple', 'multiple_token'. */
  flags?: string[];
  display?: string;
  value?: string;
  arguments?: Arg[];
}

/** Every command's metadata, keyed by lower-case top-level name. Reads meta.json each call. */
export function loadCommandMeta(): Record<string, CommandMeta> {
  return JSON.parse(readFileSync(new URL('./meta.json', import.meta.url), 'utf8')) as Record<string, CommandMeta>;
}
