import { trimFraction } from '../protocol/format.js';
import { LUA_GLOBALSINDEX, LuaType, type LuaVm } from './lua-vm.js';

/**
 * The `cjson` library Redis bundles (lua-cjson 2.1 with Redis's defaults): encode and decode
 * with the same output (numbers as %.14g, '/' escaped, empty tables as {}, sparse-array and
 * nesting errors) and the same error messages. Strings are bytes: decoded \u escapes become
 * UTF-8 bytes, other bytes pass through unchanged.
 */

const MAX_DEPTH = 1000;
const SPARSE_RATIO = 2;
const SPARSE_SAFE = 10;

const ESCAPES: string[] = Array.from({ length: 256 }, (_, code) => {
  if (code < 0x20 || code === 0x7f) return `\\u${code.toString(16).padStart(4, '0')}`;
  return '';
});
ESCAPES[8] = '\\b';
ESCAPES[9] = '\\t';
ESCAPES[10] = '\\n';
ESCAPES[12] = '\\f';
ESCAPES[13] = '\\r';
ESCAPES[34] = '\\"';
ESCAPES[47] = '\\/';
ESCAPES[92] = '\\\\';

/**
 * `d.toExponential(precision - 1)` rounded as C's printf rounds: JS breaks exact ties upwards,
 * glibc to even (1.5 -> "2", 2.5 -> "2" with one digit).
 */
function exponentialHalfEven(d: number, precision: number): string {
  const rounded = d.toExponential(precision - 1);
  const longer = d.toExponential(Math.min(100, precision + 30));
  const e = longer.indexOf('e');
  const digits = longer.slice(0, e).replace('-', '').replace('.', '');
  const tie = digits[precision] === '5' && /^0*$/.test(digits.slice(precision + 1));
  if (!tie || Number(digits[precision - 1]) % 2 === 1) return rounded;
  const kept = digits.slice(0, precision);
  return `${d < 0 ? '-' : ''}${kept[0]}${precision > 1 ? `.${kept.slice(1)}` : ''}${longer.slice(e)}`;
}

/** C's %.<precision>g. */
export function formatG(d: number, precision: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const scientific = exponentialHalfEven(d, precision);
  const e = scientific.indexOf('e');
  const exponent = Number(scientific.slice(e + 1));
  const mantissa = scientific.slice(0, e);
  if (exponent < -4 || exponent >= precision) {
    const abs = Math.abs(exponent);
    return `${trimFraction(mantissa)}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  const sign = d < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const fixed = exponent >= 0 ? `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}` : `0.${'0'.repeat(-exponent - 1)}${digits}`;
  return sign + trimFraction(fixed);
}

class Encoder {
  out = '';
  constructor(
    private readonly vm: LuaVm,
    private readonly L: number,
  ) {}

  private fail(type: string, reason: string): never {
    return this.vm.raise(this.L, `Cannot serialise ${type}: ${reason}`);
  }

  private number(index: number): void {
    const n = this.vm.m._lua_tonumber(this.L, index);
    if (!Number.isFinite(n)) this.fail('number', 'must not be NaN or Inf');
    this.out += formatG(n, 14);
  }

  private string(index: number): void {
    const text = this.vm.toString(this.L, index)!;
    let escaped = '"';
    for (let i = 0; i < text.length; i++) {
      const escape = ESCAPES[text.charCodeAt(i)]!;
      escaped += escape === '' ? text[i] : escape;
    }
    this.out += `${escaped}"`;
  }

  /** The value at the top of the stack. */
  value(depth: number): void {
    const { vm, L } = this;
    const m = vm.m;
    switch (m._lua_type(L, -1)) {
      case LuaType.String:
        this.string(-1);
        return;
      case LuaType.Number:
        this.number(-1);
        return;
      case LuaType.Boolean:
        this.out += m._lua_toboolean(L, -1) !== 0 ? 'true' : 'false';
        return;
      case LuaType.Nil:
        this.out += 'null';
        return;
      case LuaType.LightUserdata:
        if (m._lua_topointer(L, -1) === 0) {
          this.out += 'null';
          return;
        }
        return this.fail('lightuserdata', 'type not supported');
      case LuaType.Table:
        if (depth + 1 > MAX_DEPTH) vm.raise(L, `Cannot serialise, excessive nesting (${depth + 1})`);
        this.table(depth + 1);
        return;
      default:
        this.fail(typeName(m._lua_type(L, -1)), 'type not supported');
    }
  }

  /** lua_array_length: the array size, or -1 for an object. */
  private arrayLength(): number {
    const { vm, L } = this;
    const m = vm.m;
    let max = 0;
    let items = 0;
    m._lua_pushnil(L);
    while (m._lua_next(L, -2) !== 0) {
      if (m._lua_type(L, -2) === LuaType.Number) {
        const k = m._lua_tonumber(L, -2);
        if (Math.floor(k) === k && k >= 1) {
          if (k > max) max = k;
          items++;
          vm.pop(L, 1);
          continue;
        }
      }
      vm.pop(L, 2);
      return -1;
    }
    if (max > items * SPARSE_RATIO && max > SPARSE_SAFE) this.fail('table', 'excessively sparse array');
    return max;
  }

  private table(depth: number): void {
    const { vm, L } = this;
    const m = vm.m;
    const length = this.arrayLength();
    if (length > 0) {
      this.out += '[';
      for (let i = 1; i <= length; i++) {
        if (i > 1) this.out += ',';
        m._lua_rawgeti(L, -1, i);
        this.value(depth);
        vm.pop(L, 1);
      }
      this.out += ']';
      return;
    }
    this.out += '{';
    let first = true;
    m._lua_pushnil(L);
    while (m._lua_next(L, -2) !== 0) {
      if (!first) this.out += ',';
      first = false;
      const keyType = m._lua_type(L, -2);
      if (keyType === LuaType.Number) {
        this.out += '"';
        this.number(-2);
        this.out += '":';
      } else if (keyType === LuaType.String) {
        this.string(-2);
        this.out += ':';
      } else this.fail('table', 'table key must be a number or string');
      this.value(depth);
      vm.pop(L, 1);
    }
    this.out += '}';
  }
}

function typeName(type: number): string {
  return ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'][type] ?? 'no value';
}

/** Token names lua-cjson prints in its parse errors. */
type Found = 'T_OBJ_BEGIN' | 'T_OBJ_END' | 'T_ARR_BEGIN' | 'T_ARR_END' | 'T_STRING' | 'T_NUMBER' | 'T_BOOLEAN' | 'T_NULL' | 'T_COLON' | 'T_COMMA' | 'T_END' | string;

class Decoder {
  private at = 0;
  constructor(
    private readonly vm: LuaVm,
    private readonly L: number,
    private readonly text: string,
  ) {}

  private fail(expected: string, found: Found, position: number): never {
    return this.vm.raise(this.L, `Expected ${expected} but found ${found} at character ${position + 1}`);
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.at < text.length) {
      const c = text.charCodeAt(this.at);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      this.at++;
    }
  }

  /** Names the token at the current position without consuming it (for error messages). */
  private tokenName(): Found {
    const c = this.text[this.at];
    switch (c) {
      case undefined:
        return 'T_END';
      case '{':
        return 'T_OBJ_BEGIN';
      case '}':
        return 'T_OBJ_END';
      case '[':
        return 'T_ARR_BEGIN';
      case ']':
        return 'T_ARR_END';
      case ':':
        return 'T_COLON';
      case ',':
        return 'T_COMMA';
      case '"':
        return 'T_STRING';
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return 'T_NUMBER';
        if (this.text.startsWith('true', this.at) || this.text.startsWith('false', this.at)) return 'T_BOOLEAN';
        if (this.text.startsWith('null', this.at)) return 'T_NULL';
        return 'invalid token';
    }
  }

  decode(): void {
    this.value(0);
    this.skipSpace();
    if (this.at < this.text.length) this.fail('the end', this.tokenName(), this.at);
  }

  private value(depth: number): void {
    const { vm, L, text } = this;
    const m = vm.m;
    this.skipSpace();
    const start = this.at;
    const c = text[this.at];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') {
      vm.pushString(L, this.string());
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const match = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(this.at, this.at + 400));
      if (match === null) this.fail('value', 'invalid number', start);
      this.at += match[0].length;
      m._lua_pushnumber(L, Number(match[0]));
      return;
    }
    for (const [word, push] of [
      ['true', () => m._lua_pushboolean(L, 1)],
      ['false', () => m._lua_pushboolean(L, 0)],
      ['null', () => m._lua_pushlightuserdata(L, 0)],
    ] as const) {
      if (text.startsWith(word, this.at)) {
        this.at += word.length;
        push();
        return;
      }
    }
    this.fail('value', this.tokenName(), start);
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_DEPTH) this.vm.raise(this.L, `Found too many nested data structures (${depth}) at character ${this.at + 1}`);
  }

  /** Consumes the opening bracket and pushes a new table; true when the container is empty (closer consumed too). */
  private open(depth: number, closer: string): boolean {
    this.checkDepth(depth);
    this.at++;
    this.vm.m._lua_createtable(this.L, 0, 0);
    this.skipSpace();
    if (this.text[this.at] !== closer) return false;
    this.at++;
    return true;
  }

  /** After a member: consumes the closer (true) or a comma (false); anything else is an error. */
  private closed(closer: string, expected: string): boolean {
    this.skipSpace();
    const c = this.text[this.at];
    if (c !== closer && c !== ',') this.fail(expected, this.tokenName(), this.at);
    this.at++;
    return c === closer;
  }

  private object(depth: number): void {
    if (this.open(depth, '}')) return;
    const { vm, L } = this;
    do {
      this.skipSpace();
      if (this.text[this.at] !== '"') this.fail('object key string', this.tokenName(), this.at);
      vm.pushString(L, this.string());
      this.skipSpace();
      if (this.text[this.at] !== ':') this.fail('colon', this.tokenName(), this.at);
      this.at++;
      this.value(depth);
      vm.m._lua_rawset(L, -3);
    } while (!this.closed('}', 'comma or object end'));
  }

  private array(depth: number): void {
    if (this.open(depth, ']')) return;
    const { vm, L } = this;
    let i = 1;
    do {
      this.value(depth);
      vm.m._lua_rawseti(L, -2, i++);
    } while (!this.closed(']', 'comma or array end'));
  }

  /** A JSON string starting at the opening quote; \u escapes become UTF-8 bytes. */
  private string(): string {
    const text = this.text;
    const start = this.at;
    this.at++;
    let out = '';
    for (;;) {
      const c = text[this.at];
      if (c === undefined) this.fail('value', 'unexpected end of string', start);
      this.at++;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[this.at++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          out += this.unicodeEscape(start);
          break;
        default:
          this.fail('value', 'invalid escape code', start);
      }
    }
  }

  private hex4(start: number): number {
    const digits = this.text.slice(this.at, this.at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('value', 'invalid unicode escape code', start);
    this.at += 4;
    return parseInt(digits, 16);
  }

  private unicodeEscape(start: number): string {
    let code = this.hex4(start);
    if (code >= 0xd800 && code <= 0xdbff) {
      if (this.text.slice(this.at, this.at + 2) !== '\\u') this.fail('value', 'invalid unicode escape code', start);
      this.at += 2;
      const low = this.hex4(start);
      if (low < 0xdc00 || low > 0xdfff) this.fail('value', 'invalid unicode escape code', start);
      code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
    } else if (code >= 0xdc00 && code <= 0xdfff) this.fail('value', 'invalid unicode escape code', start);
    return Buffer.from(String.fromCodePoint(code), 'utf8').toString('latin1');
  }
}

export function installCjson(vm: LuaVm): void {
  const { m, L } = vm;
  m._lua_createtable(L, 0, 4);
  vm.setFunction('encode', (state) => {
    if (m._lua_gettop(state) !== 1) m._luaL_argerror(state, 1, vm.name('expected 1 argument'));
    const encoder = new Encoder(vm, state);
    encoder.value(0);
    vm.pushString(state, encoder.out);
    return 1;
  });
  vm.setFunction('decode', (state) => {
    if (m._lua_gettop(state) !== 1) m._luaL_argerror(state, 1, vm.name('expected 1 argument'));
    m._luaL_checklstring(state, 1, 0); // raises "string expected" like lua-cjson
    const text = vm.toString(state, 1)!;
    new Decoder(vm, state, text).decode();
    return 1;
  });
  m._lua_pushlightuserdata(L, 0);
  m._lua_setfield(L, -2, vm.name('null'));
  vm.setStringField(L, '_NAME', 'cjson');
  vm.setStringField(L, '_VERSION', '2.1.0');
  m._lua_setfield(L, LUA_GLOBALSINDEX, vm.name('cjson'));
}
