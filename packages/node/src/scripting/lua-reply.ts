import type { ReplyWriter } from '../protocol/writer.js';
import { LuaType, type LuaVm } from './lua-vm.js';

/**
 * The two conversions of Redis 7.0's script_lua.c: a command's RESP reply into a Lua value
 * (what redis.call returns) and a script's Lua return value into a reply.
 */

/**
 * Pushes the Lua value for the RESP reply in `bytes` (one complete reply, as the script client
 * wrote it). Returns true when the reply was an error, which redis.call raises.
 */
export function pushReply(vm: LuaVm, L: number, bytes: Buffer): boolean {
  const reader = new ReplyReader(vm, L, bytes);
  const isError = bytes[0] === 45; // '-'
  reader.push();
  return isError;
}

class ReplyReader {
  private at = 0;
  constructor(
    private readonly vm: LuaVm,
    private readonly L: number,
    private readonly bytes: Buffer,
  ) {}

  private line(): string {
    const end = this.bytes.indexOf(13, this.at);
    const text = this.bytes.latin1Slice(this.at + 1, end);
    this.at = end + 2;
    return text;
  }

  private bulkBody(length: number): string {
    const text = this.bytes.latin1Slice(this.at, this.at + length);
    this.at += length + 2;
    return text;
  }

  /** Pushes the next reply; with `skip` (attributes) parses it without pushing. */
  push(skip = false): void {
    const { vm, L } = this;
    const m = vm.m;
    const type = this.bytes[this.at];
    const header = this.line();
    switch (type) {
      case 43: // + status → {ok=...}
        if (skip) return;
        m._lua_createtable(L, 0, 1);
        vm.setStringField(L, 'ok', header);
        return;
      case 45: // - error → {err=..., ignore_error_stats_update=true}
        if (skip) return;
        pushErrorTable(vm, L, `-${header}`);
        m._lua_pushboolean(L, 1);
        m._lua_setfield(L, -2, vm.name('ignore_error_stats_update'));
        return;
      case 58: // : integer → number
        if (!skip) m._lua_pushnumber(L, Number(header));
        return;
      case 36: {
        // $ bulk → string, $-1 → false
        const length = Number(header);
        if (length < 0) {
          if (!skip) m._lua_pushboolean(L, 0);
          return;
        }
        const body = this.bulkBody(length);
        if (!skip) vm.pushString(L, body);
        return;
      }
      case 42: {
        // * array → table, *-1 → false
        const length = Number(header);
        if (length < 0) {
          if (!skip) m._lua_pushboolean(L, 0);
          return;
        }
        if (!skip) m._lua_createtable(L, length, 0);
        for (let i = 1; i <= length; i++) {
          this.push(skip);
          if (!skip) m._lua_rawseti(L, -2, i);
        }
        return;
      }
      case 37: // % map → {map={k=v...}}
        this.aggregate('map', Number(header), skip, true);
        return;
      case 126: // ~ set → {set={member=true...}}
        this.aggregate('set', Number(header), skip, false);
        return;
      case 95: // _ null → nil
        if (!skip) m._lua_pushnil(L);
        return;
      case 35: // # boolean
        if (!skip) m._lua_pushboolean(L, header === 't' ? 1 : 0);
        return;
      case 44: // , double → {double=n}
        if (skip) return;
        m._lua_createtable(L, 0, 1);
        m._lua_pushnumber(L, parseRespDouble(header));
        m._lua_setfield(L, -2, vm.name('double'));
        return;
      case 40: // ( big number → {big_number='...'}
        if (skip) return;
        m._lua_createtable(L, 0, 1);
        vm.setStringField(L, 'big_number', header);
        return;
      case 61: {
        // = verbatim → {verbatim_string={format='txt', string='...'}}
        const body = this.bulkBody(Number(header));
        if (skip) return;
        m._lua_createtable(L, 0, 1);
        m._lua_createtable(L, 0, 2);
        vm.setStringField(L, 'string', body.slice(4));
        vm.setStringField(L, 'format', body.slice(0, 3));
        m._lua_setfield(L, -2, vm.name('verbatim_string'));
        return;
      }
      case 124: {
        // | attribute: parsed and dropped, then the reply it decorates.
        const pairs = Number(header);
        for (let i = 0; i < pairs * 2; i++) this.push(true);
        this.push(skip);
        return;
      }
      default:
        throw new Error(`unexpected reply type ${String(type)} from a command run by a script`);
    }
  }

  private aggregate(field: 'map' | 'set', length: number, skip: boolean, pairs: boolean): void {
    const { vm, L } = this;
    const m = vm.m;
    if (!skip) {
      m._lua_createtable(L, 0, 1);
      m._lua_createtable(L, 0, length);
    }
    for (let i = 0; i < length; i++) {
      this.push(skip);
      if (pairs) this.push(skip);
      else if (!skip) m._lua_pushboolean(L, 1);
      if (!skip) m._lua_settable(L, -3);
    }
    if (!skip) m._lua_setfield(L, -2, vm.name(field));
  }
}

function parseRespDouble(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return NaN;
  return Number(text);
}

/**
 * luaPushErrorBuff: pushes {err='CODE message'}. "-CODE message" keeps its code; text without
 * the '-' gets "ERR"; trailing CR/LF are trimmed.
 */
export function pushErrorTable(vm: LuaVm, L: number, text: string): void {
  let code = 'ERR';
  let message = text;
  if (text.startsWith('-')) {
    const space = text.indexOf(' ');
    if (space < 0) message = text.slice(1);
    else {
      code = text.slice(1, space);
      message = text.slice(space + 1);
    }
  }
  message = message.replace(/^[\r\n]+|[\r\n]+$/g, '');
  vm.m._lua_createtable(L, 0, 1);
  vm.setStringField(L, 'err', cString(`${code} ${message}`));
  // Stats were counted when the command replied; the script must not count the error again.
}

/** What C code sees of a string: everything before the first NUL. */
export function cString(text: string): string {
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/** Error details a failed script leaves in its error table (luaExtractErrorInformation). */
export interface ScriptErrorInfo {
  message: string;
  source: string | null;
  line: string | null;
  ignoreStats: boolean;
}

/** Reads the error object at the top of the stack (a string or an {err=, source=, line=} table). */
export function errorInformation(vm: LuaVm, L: number): ScriptErrorInfo {
  const m = vm.m;
  const info: ScriptErrorInfo = { message: '', source: null, line: null, ignoreStats: false };
  const type = m._lua_type(L, -1);
  if (type === LuaType.String || type === LuaType.Number) {
    info.message = `ERR ${vm.toCString(L, -1) ?? ''}`;
    return info;
  }
  if (type !== LuaType.Table) return info;
  info.message = vm.stringField(L, -1, 'err') ?? '';
  info.source = vm.stringField(L, -1, 'source');
  info.line = vm.stringField(L, -1, 'line');
  m._lua_getfield(L, -1, vm.name('ignore_error_stats_update'));
  if (m._lua_type(L, -1) === LuaType.Boolean) info.ignoreStats = m._lua_toboolean(L, -1) !== 0;
  vm.pop(L, 1);
  return info;
}

/** Error lines are one protocol line: addReplyErrorFormat trims CR/LF at the end, maps the rest to spaces. */
export function errorLine(text: string): string {
  return text.replace(/[\r\n]+$/, '').replace(/[\r\n]/g, ' ');
}

/**
 * luaReplyToRedisReply: writes the value at the top of the stack as a reply and pops it.
 * `scriptResp` is the protocol the script chose with redis.setresp (booleans depend on it).
 */
export function writeLuaValue(vm: LuaVm, L: number, out: ReplyWriter, scriptResp: 2 | 3): void {
  const m = vm.m;
  switch (m._lua_type(L, -1)) {
    case LuaType.String:
      out.bulk(vm.toString(L, -1)!);
      break;
    case LuaType.Boolean:
      if (scriptResp === 2) {
        if (m._lua_toboolean(L, -1) !== 0) out.integer(1);
        else out.nullBulk();
      } else out.boolean(m._lua_toboolean(L, -1) !== 0);
      break;
    case LuaType.Number:
      out.integer(truncateToInteger(m._lua_tonumber(L, -1)));
      break;
    case LuaType.Table:
      writeTable(vm, L, out, scriptResp);
      return; // writeTable pops
    default:
      out.nullBulk();
  }
  vm.pop(L, 1);
}

/** (long long) cast of a Lua number, as C converts it (out-of-range saturates like x86's cvttsd2si). */
function truncateToInteger(n: number): number | bigint {
  if (Number.isNaN(n)) return -9223372036854775808n;
  const t = Math.trunc(n);
  if (Number.isSafeInteger(t)) return t;
  if (t >= 9223372036854775807 || t < -9223372036854775808) return -9223372036854775808n;
  return BigInt(t);
}

function fieldType(vm: LuaVm, L: number, name: string): LuaType {
  vm.pushString(L, name);
  vm.m._lua_rawget(L, -2);
  return vm.m._lua_type(L, -1) as LuaType;
}

function writeTable(vm: LuaVm, L: number, out: ReplyWriter, scriptResp: 2 | 3): void {
  const m = vm.m;
  if (fieldType(vm, L, 'err') === LuaType.String) {
    vm.pop(L, 1);
    const info = errorInformation(vm, L);
    out.error(errorLine(info.message));
    vm.pop(L, 1);
    return;
  }
  vm.pop(L, 1);
  if (fieldType(vm, L, 'ok') === LuaType.String) {
    // sdsmapchars: every CR and LF becomes a space (nothing is trimmed, unlike errors).
    out.simple(vm.toCString(L, -1)!.replace(/[\r\n]/g, ' '));
    vm.pop(L, 2);
    return;
  }
  vm.pop(L, 1);
  if (fieldType(vm, L, 'double') === LuaType.Number) {
    out.double(m._lua_tonumber(L, -1));
    vm.pop(L, 2);
    return;
  }
  vm.pop(L, 1);
  if (fieldType(vm, L, 'big_number') === LuaType.String) {
    const text = errorLine(vm.toString(L, -1)!);
    if (out.resp === 3) out.rawText(`(${text}\r\n`);
    else out.bulk(text);
    vm.pop(L, 2);
    return;
  }
  vm.pop(L, 1);
  if (fieldType(vm, L, 'verbatim_string') === LuaType.Table) {
    if (fieldType(vm, L, 'format') === LuaType.String) {
      const format = vm.toCString(L, -1)!;
      vm.pop(L, 1);
      if (fieldType(vm, L, 'string') === LuaType.String) {
        out.verbatim(vm.toString(L, -1)!, format.slice(0, 3));
        vm.pop(L, 3);
        return;
      }
      vm.pop(L, 1);
    } else vm.pop(L, 1);
  }
  vm.pop(L, 1);
  if (fieldType(vm, L, 'map') === LuaType.Table) {
    out.mapLength(countPairs(vm, L));
    m._lua_pushnil(L);
    while (m._lua_next(L, -2) !== 0) {
      m._lua_pushvalue(L, -2);
      writeLuaValue(vm, L, out, scriptResp); // key
      writeLuaValue(vm, L, out, scriptResp); // value
    }
    vm.pop(L, 2);
    return;
  }
  vm.pop(L, 1);
  if (fieldType(vm, L, 'set') === LuaType.Table) {
    out.setLength(countPairs(vm, L));
    m._lua_pushnil(L);
    while (m._lua_next(L, -2) !== 0) {
      vm.pop(L, 1);
      m._lua_pushvalue(L, -1);
      writeLuaValue(vm, L, out, scriptResp);
    }
    vm.pop(L, 2);
    return;
  }
  vm.pop(L, 1);
  // An array: elements 1, 2, … up to the first nil.
  let length = 0;
  for (;;) {
    m._lua_rawgeti(L, -1, length + 1);
    const end = m._lua_type(L, -1) === LuaType.Nil;
    vm.pop(L, 1);
    if (end) break;
    length++;
  }
  out.arrayLength(length);
  for (let i = 1; i <= length; i++) {
    m._lua_rawgeti(L, -1, i);
    writeLuaValue(vm, L, out, scriptResp);
  }
  vm.pop(L, 1);
}

function countPairs(vm: LuaVm, L: number): number {
  const m = vm.m;
  let count = 0;
  m._lua_pushnil(L);
  while (m._lua_next(L, -2) !== 0) {
    vm.pop(L, 1);
    count++;
  }
  return count;
}
