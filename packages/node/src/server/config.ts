/**
 * Configuration directives as Redis 7.0 defines them: a typed registry (bool, numeric, enum,
 * string, or a special codec), shared by the config file loader, CONFIG GET/SET and CONFIG
 * REWRITE. Values are kept parsed; a codec gives the CONFIG GET text and the rewrite lines.
 */
import { globMatch } from '../keyspace/glob.js';
import { LOADING_ERROR } from '../persistence/loading.js';
import { splitInlineArgs } from '../protocol/parser.js';

/** Numbers beyond 2^53 (LLONG_MAX bounds) are kept as bigint so CONFIG GET echoes them exactly. */
export type ConfigValue = boolean | number | bigint | string | readonly string[];

export interface DirectiveSpec {
  name: string;
  alias?: string;
  /** Default in config-file syntax (multi-argument directives: words separated by spaces). */
  default: string;
  /** Cannot be changed with CONFIG SET. */
  immutable?: boolean;
  /** Its CONFIG SET argument is redacted from the slowlog and MONITOR. */
  sensitive?: boolean;
  /** Listed by CONFIG GET only when asked for by its exact name. */
  hidden?: boolean;
  /** CONFIG SET refuses it unless enable-protected-configs allows the client. */
  protected?: boolean;
  /** CONFIG SET answers LOADING while the dataset loads (Redis's DENY_LOADING_CONFIG). */
  denyLoading?: boolean;
  codec: Codec;
  /**
   * CONFIG SET only: Redis's apply step (rebinding, resizing …) that may refuse a parsed
   * value; returns its error text or null.
   */
  applyCheck?: (value: ConfigValue) => string | null;
}

/** One line CONFIG REWRITE writes, and whether it must be written when the file lacks it. */
export type RewriteLine = readonly [line: string, force: boolean];

/** Parses the arguments of a directive, or returns an error text as Redis words it. */
export interface Codec {
  /** Takes several arguments (`save 3600 1 300 100`); others take exactly one. */
  multiArg?: boolean;
  parse(args: readonly string[], previous: ConfigValue | undefined): ConfigValue | ConfigError;
  /** The CONFIG GET text. */
  format(value: ConfigValue): string;
  /** CONFIG REWRITE lines; an empty list removes the directive from the file. */
  rewrite(name: string, value: ConfigValue, defaultValue: ConfigValue): RewriteLine[];
}

export class ConfigError {
  constructor(readonly message: string) {}
}

/** Redis's sdscatrepr: a double-quoted string with C escapes, so a rewritten file reads back the same bytes. */
export function quoteRepr(word: string): string {
  let out = '"';
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    const code = word.charCodeAt(i);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (code < 32 || code > 126) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export const bool: Codec = {
  parse([text]) {
    const lower = text!.toLowerCase();
    if (lower === 'yes') return true;
    if (lower === 'no') return false;
    return new ConfigError("argument must be 'yes' or 'no'");
  },
  format: (value) => (value ? 'yes' : 'no'),
  rewrite: (name, value, defaultValue) => [[`${name} ${value ? 'yes' : 'no'}`, value !== defaultValue]],
};

const LLONG_MIN = -(2n ** 63n);
const LLONG_MAX = 2n ** 63n - 1n;
const ULLONG_MAX = 2n ** 64n - 1n;

/** string2ll over the full 64-bit range. */
export function parseLongLong(text: string): bigint | null {
  if (!/^-?(0|[1-9][0-9]*)$/.test(text) || text === '-0') return null;
  const value = BigInt(text);
  return value < LLONG_MIN || value > LLONG_MAX ? null : value;
}

/**
 * C's strtoll (base 10 unless given): leading blanks, a sign, digits; saturates on overflow.
 * `complete` says whether the whole text was consumed (Redis checks `*endptr == '\0'`).
 */
export function strtoll(text: string, base = 10): { value: bigint; complete: boolean } {
  const match = (base === 8 ? /^[ \t\n\v\f\r]*([+-]?)([0-7]+)/ : /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/).exec(text);
  // No digits: C leaves endptr at the start, so only the empty string counts as consumed.
  if (match === null) return { value: 0n, complete: text.length === 0 };
  let value = BigInt(base === 8 ? `0o${match[2]}` : match[2]!);
  if (match[1] === '-') value = -value;
  if (value > LLONG_MAX) value = LLONG_MAX;
  if (value < LLONG_MIN) value = LLONG_MIN;
  return { value, complete: match[0].length === text.length };
}

const MEMORY_UNITS: Record<string, bigint> = {
  '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n,
};

/** Redis's memtoull: digits plus an optional unit (k, kb, m, mb, g, gb, b); null when malformed. */
export function parseMemoryBig(text: string): bigint | null {
  if (text.startsWith('-')) return null;
  let digitsEnd = 0;
  while (digitsEnd < text.length && text.charCodeAt(digitsEnd) >= 48 && text.charCodeAt(digitsEnd) <= 57) digitsEnd++;
  const unit = MEMORY_UNITS[text.slice(digitsEnd).toLowerCase()];
  if (unit === undefined || digitsEnd >= 128) return null;
  let value = digitsEnd === 0 ? 0n : BigInt(text.slice(0, digitsEnd));
  if (value > ULLONG_MAX) value = ULLONG_MAX; // strtoull saturates
  return BigInt.asUintN(64, value * unit);
}

/** Stores a bigint as a number when exact, so callers mostly see plain numbers. */
function toValue(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** rewriteConfigFormatMemory: 1gb, 64mb, 10kb or plain bytes. */
export function formatMemoryForFile(bytes: bigint): string {
  const gb = 1024n ** 3n;
  const mb = 1024n ** 2n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % 1024n === 0n) return `${bytes / 1024n}kb`;
  return String(bytes);
}

export interface NumericOptions {
  min: bigint | number;
  max: bigint | number;
  /** C unsigned storage (unsigned int, size_t, unsigned long long): bounds compare unsigned. */
  unsigned?: boolean;
  /** Accepts 1gb, 64mb … */
  memory?: boolean;
  /** Accepts `N%`, stored negative (maxmemory-clients). */
  percent?: boolean;
  /** Parsed and printed in octal (unixsocketperm). */
  octal?: boolean;
  /** Accepted range is min..max, then clamped to this range (hz). */
  clamp?: readonly [number, number];
}

/** A numeric directive with Redis's parse order (memory, percent, octal, plain) and bound messages. */
export function numeric(options: NumericOptions): Codec {
  const min = BigInt(options.min);
  const max = BigInt(options.max);
  const hasFlags = options.memory === true || options.percent === true || options.octal === true;
  const parseError =
    options.memory && options.percent ? 'argument must be a memory or percent value'
    : options.memory ? 'argument must be a memory value'
    : options.octal ? "argument couldn't be parsed as an octal number"
    : "argument couldn't be parsed into an integer";

  function parseText(text: string): bigint | null {
    if (options.memory) {
      const value = parseMemoryBig(text);
      if (value !== null) return BigInt.asIntN(64, value);
    }
    if (options.percent && text.length > 1 && text.endsWith('%')) {
      const value = parseLongLong(text.slice(0, -1));
      if (value !== null && value >= 0n) return -value;
    }
    if (options.octal) {
      const { value, complete } = strtoll(text, 8);
      if (complete && value !== LLONG_MAX && value !== LLONG_MIN) return value;
    }
    return hasFlags ? null : parseLongLong(text);
  }

  function boundsError(value: bigint): ConfigError | null {
    if (options.unsigned) {
      const unsigned = BigInt.asUintN(64, value);
      if (unsigned <= max && unsigned >= min) return null;
      const show = (n: bigint) => (options.octal ? n.toString(8) : String(n));
      return new ConfigError(`argument must be between ${show(min)} and ${show(max)} inclusive`);
    }
    if (options.percent && value < 0n) {
      return value < min ? new ConfigError(`percentage argument must be less or equal to ${-min}`) : null;
    }
    if (value > max || value < min) return new ConfigError(`argument must be between ${min} and ${max} inclusive`);
    return null;
  }

  function format(value: ConfigValue): string {
    const n = BigInt(value as number | bigint);
    if (options.percent && n < 0n) return `${-n}%`;
    if (options.memory) return String(BigInt.asUintN(64, n));
    if (options.octal) return n.toString(8);
    return String(n);
  }

  return {
    parse([text]) {
      const value = parseText(text!);
      if (value === null) return new ConfigError(parseError);
      const error = boundsError(value);
      if (error !== null) return error;
      if (options.clamp) {
        const [low, high] = options.clamp;
        return Math.min(Math.max(Number(value), low), high);
      }
      return toValue(value);
    },
    format,
    rewrite(name, value, defaultValue) {
      const n = BigInt(value as number | bigint);
      const force = n !== BigInt(defaultValue as number | bigint);
      if (options.percent && n < 0n) return [[`${name} ${-n}%`, force]];
      if (options.memory) return [[`${name} ${formatMemoryForFile(n)}`, force]];
      return [[`${name} ${format(value)}`, force]];
    },
  };
}

/**
 * An enum directive. `choices` are Redis's name/value pairs; several names may share a value
 * (`yes`/`relative`), and CONFIG GET shows the first. With `bitflags`, several names combine.
 */
export function enumeration(
  choices: readonly (readonly [string, number])[],
  options: { bitflags?: boolean; validate?: (value: number) => string | null } = {},
): Codec {
  const bitflags = options.bitflags === true;
  const error = new ConfigError(`argument(s) must be one of the following: ${choices.map(([name]) => name).join(', ')}`);

  function valueOf(args: readonly string[]): number | null {
    if (args.length === 0 || (!bitflags && args.length !== 1)) return null;
    let value = 0;
    for (const arg of args) {
      const lower = arg.toLowerCase();
      const found = choices.filter(([name]) => name === lower);
      if (found.length === 0) return null;
      for (const [, bits] of found) value |= bits;
    }
    return value;
  }

  function nameOf(value: number): string {
    const names: string[] = [];
    let unmatched = value;
    for (const [name, bits] of choices) {
      if (bits === value) return name;
      if (bitflags && bits !== 0 && (unmatched & bits) === bits) {
        names.push(name);
        unmatched &= ~bits;
      }
    }
    return names.length === 0 || unmatched !== 0 ? 'unknown' : names.join(' ');
  }

  return {
    multiArg: bitflags,
    parse(args) {
      const value = valueOf(args);
      if (value === null) return error;
      const invalid = options.validate?.(value) ?? null;
      return invalid === null ? nameOf(value) : new ConfigError(invalid);
    },
    format: (value) => String(value),
    rewrite: (name, value, defaultValue) => [[`${name} ${String(value)}`, value !== defaultValue]],
  };
}

export interface StringOptions {
  /** Redis's EMPTY_STRING_IS_NULL: an empty value means "unset" and is not rewritten. */
  emptyIsNull?: boolean;
  /** Returns Redis's error text for a value it refuses. */
  validate?: (value: string) => string | null;
}

/** A free-text directive (pidfile, masterauth, dbfilename …). */
export function string(options: StringOptions = {}): Codec {
  return {
    parse([value]) {
      const invalid = options.validate?.(value!) ?? null;
      return invalid === null ? value! : new ConfigError(invalid);
    },
    format: (value) => String(value),
    rewrite(name, value, defaultValue) {
      if (options.emptyIsNull && value === '') return [];
      const isDefault = !(options.emptyIsNull && defaultValue === '') && value === defaultValue;
      return [[`${name} ${quoteRepr(String(value))}`, !isDefault]];
    },
  };
}

export type ChangeListener = (value: ConfigValue) => void;
/** Redis's apply function of a directive: null when the new settings work, else the error text. */
export type ApplyFunction = () => string | null;

/** A CONFIG GET match: the name as the client typed it (exact) or as registered (pattern). */
export interface ConfigMatch {
  name: string;
  spec: DirectiveSpec;
}

export class Config {
  /** Registered names (aliases included), lower case, in registration order. */
  private readonly specs = new Map<string, DirectiveSpec>();
  private readonly values = new Map<string, ConfigValue>();
  private readonly defaults = new Map<string, ConfigValue>();
  private readonly listeners = new Map<string, ChangeListener[]>();
  private readonly appliers = new Map<string, ApplyFunction>();
  /** The config file path when one was given (CONFIG REWRITE writes it), made absolute. */
  file: string | null = null;
  /** The dataset is loading (startup): `denyLoading` directives cannot be set. */
  loading = false;
  /** Config-file-only lines kept for the subsystems that own them (ACL users, renames, modules). */
  readonly fileOnly: { users: string[][]; renames: [string, string][]; modules: string[][] } = {
    users: [],
    renames: [],
    modules: [],
  };

  constructor(directives: readonly DirectiveSpec[]) {
    for (const spec of directives) {
      this.specs.set(spec.name, spec);
      if (spec.alias) this.specs.set(spec.alias, spec);
      const value = spec.codec.parse(splitDefault(spec), undefined);
      if (value instanceof ConfigError) throw new Error(`bad default for ${spec.name}: ${value.message}`);
      this.values.set(spec.name, value);
      this.defaults.set(spec.name, value);
    }
  }

  spec(name: string): DirectiveSpec | undefined {
    return this.specs.get(name.toLowerCase());
  }

  /** Every directive once (aliases excluded), in registration order. */
  directives(): DirectiveSpec[] {
    return [...new Set(this.specs.values())];
  }

  get(name: string): ConfigValue {
    const spec = this.specs.get(name);
    if (spec === undefined) throw new Error(`no such directive '${name}'`);
    return this.values.get(spec.name)!;
  }

  defaultOf(spec: DirectiveSpec): ConfigValue {
    return this.defaults.get(spec.name)!;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  str(name: string): string {
    return this.get(name) as string;
  }

  list(name: string): readonly string[] {
    return this.get(name) as readonly string[];
  }

  /** The CONFIG GET text of a directive. */
  format(spec: DirectiveSpec): string {
    return spec.codec.format(this.values.get(spec.name)!);
  }

  /** CONFIG GET: exact names (case-insensitive, echoed as typed) and patterns; hidden ones only by exact name. */
  match(patterns: readonly string[]): ConfigMatch[] {
    const seenNames = new Set<string>();
    const result: ConfigMatch[] = [];
    const add = (name: string, spec: DirectiveSpec) => {
      if (seenNames.has(name.toLowerCase())) return;
      seenNames.add(name.toLowerCase());
      result.push({ name, spec });
    };
    for (const pattern of patterns) {
      if (!/[[*?]/.test(pattern)) {
        const spec = this.spec(pattern);
        if (spec !== undefined) add(pattern, spec);
        continue;
      }
      for (const [name, spec] of this.specs) {
        if (!spec.hidden && globMatch(pattern, name, true)) add(name, spec);
      }
    }
    return result;
  }

  /**
   * Parses and stores one directive from the config file or the command line (where
   * immutable directives are allowed). Returns an error text (Redis's wording) or null.
   */
  set(name: string, args: readonly string[], fromFile: boolean): string | null {
    const spec = this.specs.get(name.toLowerCase());
    if (spec === undefined) return 'Bad directive or wrong number of arguments';
    if (!fromFile && spec.immutable) return "can't set immutable config";
    let values = args;
    if (!spec.codec.multiArg && args.length !== 1) return 'wrong number of arguments';
    // `--save "3600 1 300 100"`: a lone non-empty argument of a multi-argument directive is split.
    if (spec.codec.multiArg && args.length === 1 && args[0] !== '') values = splitInlineArgs(args[0]!) ?? [];
    const value = spec.codec.parse(values, this.values.get(spec.name));
    if (value instanceof ConfigError) return value.message;
    this.store(spec, value);
    return null;
  }

  /**
   * CONFIG SET with Redis 7.0's all-or-nothing semantics. Returns null on success, else the
   * error line. `canSetProtected` reflects enable-protected-configs for this client.
   */
  setMany(pairs: readonly (readonly [string, string])[], canSetProtected: boolean): string | null {
    const specs: DirectiveSpec[] = [];
    // An alias and its primary name are distinct entries for Redis: only a repeated name is a duplicate.
    const names: string[] = [];
    let errorArg: string | null = null;
    let errorText: string | null = null;
    for (const [name] of pairs) {
      const spec = this.spec(name);
      if (spec === undefined) return `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
      if (spec.immutable || (spec.protected && !canSetProtected)) {
        errorText = spec.immutable ? "can't set immutable config" : "can't set protected config";
        errorArg = name;
        break;
      }
      if (this.loading && spec.denyLoading) return LOADING_ERROR;
      if (names.includes(name.toLowerCase())) {
        errorText = 'duplicate parameter';
        errorArg = name;
        break;
      }
      specs.push(spec);
      names.push(name.toLowerCase());
    }
    if (errorText !== null) {
      // Redis keeps scanning for unknown names only until the first error: an earlier error wins.
      return `ERR CONFIG SET failed (possibly related to argument '${errorArg}') - ${errorText}`;
    }
    const parsed: ConfigValue[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const spec = specs[i]!;
      const value = spec.codec.parse(splitSetValue(spec, pairs[i]![1]), this.values.get(spec.name));
      if (value instanceof ConfigError) {
        this.undoSideEffects(specs.slice(0, i + 1));
        const shown = pairs[i]![0].toLowerCase();
        return `ERR CONFIG SET failed (possibly related to argument '${shown}') - ${value.message}`;
      }
      parsed.push(value);
    }
    for (let i = 0; i < specs.length; i++) {
      const failure = specs[i]!.applyCheck?.(parsed[i]!) ?? null;
      if (failure !== null) {
        this.undoSideEffects(specs);
        return `ERR CONFIG SET failed (possibly related to argument '${specs[i]!.name}') - ${failure}`;
      }
    }
    // Redis's apply step: all new values in place, each apply function once; a refusal restores all.
    const previous = specs.map((spec) => this.values.get(spec.name)!);
    specs.forEach((spec, i) => this.values.set(spec.name, parsed[i]!));
    const applied = new Set<ApplyFunction>();
    for (const spec of specs) {
      const apply = this.appliers.get(spec.name);
      if (apply === undefined || applied.has(apply)) continue;
      applied.add(apply);
      const failure = apply();
      if (failure !== null) {
        specs.forEach((restored, i) => this.values.set(restored.name, previous[i]!));
        this.undoSideEffects(specs);
        return `ERR CONFIG SET failed (possibly related to argument '${spec.name}') - ${failure}`;
      }
    }
    for (const spec of specs) this.notify(spec);
    return null;
  }

  /**
   * Registers Redis's apply function of directives: CONFIG SET runs it (once) with all the new
   * values in place; its error text refuses the whole CONFIG SET and restores the old values.
   */
  addApply(names: readonly string[], apply: ApplyFunction): void {
    for (const name of names) this.appliers.set(this.specs.get(name)!.name, apply);
  }

  /** Re-parses current values for codecs whose parse acts on the process (dir → chdir). */
  private undoSideEffects(specs: readonly DirectiveSpec[]): void {
    for (const spec of specs) {
      const current = this.values.get(spec.name)!;
      spec.codec.parse(splitSetValue(spec, spec.codec.format(current)), current);
    }
  }

  private store(spec: DirectiveSpec, value: ConfigValue): void {
    this.values.set(spec.name, value);
    this.notify(spec);
  }

  private notify(spec: DirectiveSpec): void {
    const value = this.values.get(spec.name)!;
    for (const listener of this.listeners.get(spec.name) ?? []) listener(value);
  }

  /** Calls `listener` now and whenever the directive changes (keeps hot values in fields). */
  watch(name: string, listener: ChangeListener): void {
    const spec = this.specs.get(name);
    if (spec === undefined) throw new Error(`no such directive '${name}'`);
    const list = this.listeners.get(spec.name) ?? [];
    list.push(listener);
    this.listeners.set(spec.name, list);
    listener(this.values.get(spec.name)!);
  }
}

/** CONFIG SET splits multi-argument values on single spaces (sdssplitlen), unlike the file. */
function splitSetValue(spec: DirectiveSpec, value: string): string[] {
  if (!spec.codec.multiArg) return [value];
  return value === '' ? [] : value.split(' ');
}

function splitDefault(spec: DirectiveSpec): string[] {
  if (!spec.codec.multiArg) return [spec.default];
  return spec.default === '' ? [] : spec.default.split(' ');
}
