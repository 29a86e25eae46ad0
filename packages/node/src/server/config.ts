/**
 * Configuration directives as Redis 7.0 defines them: a typed registry (bool, integer,
 * memory, enum, string, or a custom codec), shared by the config file loader, CONFIG GET/SET
 * and CONFIG REWRITE. Values are kept as parsed JS values; `format` gives the CONFIG GET text.
 */

export type ConfigValue = boolean | number | string | string[];

export interface DirectiveSpec {
  name: string;
  alias?: string;
  /** Default in config-file syntax. */
  default: string;
  /** Cannot be changed with CONFIG SET. */
  immutable?: boolean;
  /** Hidden from CONFIG REWRITE when unchanged; always listed by CONFIG GET. */
  sensitive?: boolean;
  codec: Codec;
}

/** Parses the arguments of a directive, or returns an error text as Redis words it. */
export interface Codec {
  /** Number of arguments a directive line takes in a config file (-1: any). */
  arity: number;
  parse(args: readonly string[]): ConfigValue | ConfigError;
  format(value: ConfigValue): string;
}

export class ConfigError {
  constructor(readonly message: string) {}
}

export const bool: Codec = {
  arity: 1,
  parse([text]) {
    const lower = text!.toLowerCase();
    if (lower === 'yes') return true;
    if (lower === 'no') return false;
    return new ConfigError("argument must be 'yes' or 'no'");
  },
  format: (value) => (value ? 'yes' : 'no'),
};

/** Parses an integer the way Redis's string2ll does (no spaces, no '+', no leading zeros). */
export function parseInteger(text: string): number | null {
  if (!/^-?(0|[1-9][0-9]{0,18})$/.test(text) || text === '-0') return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3,
};

/** Parses `256mb`, `1gb`, `100` … as Redis's memtoull. Returns null when malformed. */
export function parseMemory(text: string): number | null {
  const match = /^([0-9]+)([a-zA-Z]*)$/.exec(text);
  if (match === null) return null;
  const unit = MEMORY_UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return null;
  return Number(match[1]) * unit;
}

function inRange(value: number, min: number, max: number): ConfigError | null {
  if (value < min || value > max) return new ConfigError(`argument must be between ${min} and ${max} inclusive`);
  return null;
}

export function integer(min: number, max: number): Codec {
  return {
    arity: 1,
    parse([text]) {
      const value = parseInteger(text!);
      if (value === null) return new ConfigError("argument couldn't be parsed into an integer");
      return inRange(value, min, max) ?? value;
    },
    format: (value) => String(value),
  };
}

export function memory(min: number, max: number): Codec {
  return {
    arity: 1,
    parse([text]) {
      const value = parseMemory(text!);
      if (value === null) return new ConfigError('argument must be a memory value');
      return inRange(value, min, max) ?? value;
    },
    format: (value) => String(value),
  };
}

export function oneOf(...choices: string[]): Codec {
  return {
    arity: 1,
    parse([text]) {
      const lower = text!.toLowerCase();
      if (choices.includes(lower)) return lower;
      return new ConfigError(`argument(s) must be one of the following: ${choices.join(', ')}`);
    },
    format: (value) => String(value),
  };
}

export const text: Codec = {
  arity: 1,
  parse: ([value]) => value!,
  format: (value) => String(value),
};

/** A list of words on one line (`bind 127.0.0.1 ::1`); CONFIG GET joins them with spaces. */
export const words: Codec = {
  arity: -1,
  parse: (args) => [...args],
  format: (value) => (value as string[]).join(' '),
};

export type ChangeListener = (value: ConfigValue) => void;

export class Config {
  private readonly specs = new Map<string, DirectiveSpec>();
  private readonly values = new Map<string, ConfigValue>();
  private readonly listeners = new Map<string, ChangeListener[]>();
  /** Directives as given in the file / command line, for CONFIG REWRITE. */
  readonly explicitlySet = new Set<string>();
  /** The config file path when one was given (CONFIG REWRITE writes it). */
  file: string | null = null;

  constructor(directives: readonly DirectiveSpec[]) {
    for (const spec of directives) {
      this.specs.set(spec.name, spec);
      if (spec.alias) this.specs.set(spec.alias, spec);
      const value = spec.codec.parse(splitDefault(spec));
      if (value instanceof ConfigError) throw new Error(`bad default for ${spec.name}: ${value.message}`);
      this.values.set(spec.name, value);
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

  int(name: string): number {
    return this.get(name) as number;
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  str(name: string): string {
    return this.get(name) as string;
  }

  list(name: string): string[] {
    return this.get(name) as string[];
  }

  /** The CONFIG GET text of a directive. */
  format(spec: DirectiveSpec): string {
    return spec.codec.format(this.values.get(spec.name)!);
  }

  /**
   * Parses and stores a directive. Returns an error text (Redis's wording) or null.
   * `fromFile` allows immutable directives, which only the config file and flags may set.
   */
  set(name: string, args: readonly string[], fromFile: boolean): string | null {
    const spec = this.specs.get(name.toLowerCase());
    if (spec === undefined) return 'Bad directive or wrong number of arguments';
    if (spec.codec.arity !== -1 && args.length !== spec.codec.arity) {
      return 'wrong number of arguments';
    }
    if (!fromFile && spec.immutable) return "can't set immutable config";
    const value = spec.codec.parse(args);
    if (value instanceof ConfigError) return value.message;
    this.values.set(spec.name, value);
    if (fromFile) this.explicitlySet.add(spec.name);
    for (const listener of this.listeners.get(spec.name) ?? []) listener(value);
    return null;
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

function splitDefault(spec: DirectiveSpec): string[] {
  if (spec.codec.arity === 1) return [spec.default];
  return spec.default === '' ? [] : spec.default.split(' ');
}
