// Chooses tsredis's Lua engine: runs the same three workloads (a trivial script, ten
// redis.call SET/GET, KEYS/ARGV conversion) and a set of Lua 5.1-isms on every candidate.
// Usage: node scripts/lua-engine-bench.mjs [dir containing node_modules with the candidates]
// Candidates (npm): wasmoon-lua5.1 (Lua 5.1 in wasm), wasmoon (Lua 5.4 in wasm), fengari (Lua 5.3 in JS).
import { createRequire } from 'node:module';
import path from 'node:path';

const base = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'packages', 'node'));
const require = createRequire(path.join(base, 'package.json'));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);

const SCRIPTS = {
  trivial: 'return 1',
  tenCalls:
    "for i = 1, 5 do redis.call('SET', KEYS[1], ARGV[1]) end " +
    "local v for i = 1, 5 do v = redis.call('GET', KEYS[1]) end return v",
  keysArgv: 'return {KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3], ARGV[4], #KEYS, #ARGV}',
};
const KEYS = ['k1', 'k2', 'k3', 'k4'];
const ARGV = ['a\u0000\u00ff1', 'v2', 'value-3', '4'];

/** Lua 5.1 behaviour Redis scripts rely on: [name, script, expected JS value of the result]. */
const FIVE_ONE = [
  ['unpack global', 'return unpack({1,2,3})', 1],
  ['table.getn', 'return table.getn({1,2,3})', 3],
  ['math.pow', 'return math.pow(2, 10)', 1024],
  ['loadstring', "return loadstring('return 7')()", 7],
  ['10/2 prints as 5', 'return tostring(10/2)', '5'],
  ['3 prints as 3 after arithmetic', 'return tostring(1.5*2)', '3'],
  ['large integer as double', 'return tostring(2^53)', '9.007199254741e+15'],
  ['# on a table', 'return #{1,2,3,nil}', 3],
  ['byte strings', "return string.len('\\255\\000\\128')", 3],
  ['string.format %d of float', "return string.format('%d', 3.7)", '3'],
  ['getfenv exists', 'return type(getfenv)', 'function'],
  ['integer division absent', 'return tostring(7 // 2)', 'syntax error'],
];

class FakeKeyspace {
  map = new Map();
  call(argv) {
    const name = argv[0].toLowerCase();
    if (name === 'set') { this.map.set(argv[1], argv[2]); return { ok: 'OK' }; }
    if (name === 'get') return this.map.get(argv[1]) ?? null;
    return { err: 'ERR unknown command' };
  }
}

/** Thin binding over the raw C API of an emscripten Lua build (both wasmoon builds). */
class WasmLua {
  constructor(module, version) {
    this.m = module;
    this.v = version;
    const m = module;
    this.L = m._luaL_newstate();
    m._luaL_openlibs(this.L);
    this.lenPtr = m._malloc(8);
    this.scratch = m._malloc(1 << 16);
    this.scratchSize = 1 << 16;
    this.keyspace = new FakeKeyspace();
    const call = m.addFunction((L) => this.redisCall(L), 'ii');
    this.run('redis = {}');
    m._lua_getfield(this.L, this.globals(), this.cstr('redis'));
    m._lua_pushcclosure(this.L, call, 0);
    m._lua_setfield(this.L, -2, this.cstr('call'));
    m._lua_settop(this.L, 0);
  }
  globals() { return this.v === 51 ? -10002 : (this.m._lua_rawgeti(this.L, -1001000, this.int(2)), -1); }
  /** Lua 5.4's lua_Integer is 64-bit: the wasm build takes it as a BigInt. */
  int(n) { return this.v === 51 ? n : BigInt(n); }
  cstr(s) { // static names only, kept forever
    this.names ??= new Map();
    let p = this.names.get(s);
    if (p === undefined) { p = this.m._malloc(s.length + 1); this.m.HEAPU8.set(Buffer.from(s + '\0', 'latin1'), p); this.names.set(s, p); }
    return p;
  }
  pushString(s) {
    const n = s.length;
    if (n > this.scratchSize) { this.m._free(this.scratch); this.scratch = this.m._malloc(n); this.scratchSize = n; }
    const heap = this.m.HEAPU8;
    for (let i = 0; i < n; i++) heap[this.scratch + i] = s.charCodeAt(i);
    this.m._lua_pushlstring(this.L, this.scratch, n);
  }
  toString(L, idx) {
    const p = this.m._lua_tolstring(L, idx, this.lenPtr);
    const n = this.m.HEAP32[this.lenPtr >> 2];
    return Buffer.from(this.m.HEAPU8.buffer, p, n).toString('latin1');
  }
  redisCall(L) {
    const m = this.m;
    const argc = m._lua_gettop(L);
    const argv = new Array(argc);
    for (let i = 0; i < argc; i++) argv[i] = this.toString(L, i + 1);
    const r = this.keyspace.call(argv);
    if (r === null) m._lua_pushboolean(L, 0);
    else if (typeof r === 'string') this.pushString(r);
    else { m._lua_createtable(L, 0, 1); this.pushString(r.ok ?? r.err); m._lua_setfield(L, -2, this.cstr(r.ok ? 'ok' : 'err')); }
    return 1;
  }
  load(code) {
    const buf = Buffer.from(code, 'latin1');
    const p = this.m._malloc(buf.length + 1);
    this.m.HEAPU8.set(buf, p);
    const status = this.v === 51
      ? this.m._luaL_loadbuffer(this.L, p, buf.length, this.cstr('@user_script'))
      : this.m._luaL_loadbufferx(this.L, p, buf.length, this.cstr('@user_script'), 0);
    this.m._free(p);
    if (status !== 0) { const e = this.toString(this.L, -1); this.m._lua_settop(this.L, 0); throw new Error(e); }
    return this.m._luaL_ref(this.L, this.v === 51 ? -10000 : -1001000);
  }
  run(code) { const ref = this.load(code); return this.invoke(ref, [], []); }
  setArray(name, values) {
    const m = this.m, L = this.L;
    m._lua_createtable(L, values.length, 0);
    for (let i = 0; i < values.length; i++) { this.pushString(values[i]); m._lua_rawseti(L, -2, this.int(i + 1)); }
    if (this.v === 51) m._lua_setfield(L, -10002, this.cstr(name)); else m._lua_setglobal(L, this.cstr(name));
  }
  invoke(ref, keys, argv) {
    const m = this.m, L = this.L;
    this.setArray('KEYS', keys);
    this.setArray('ARGV', argv);
    m._lua_rawgeti(L, this.v === 51 ? -10000 : -1001000, this.int(ref));
    const status = this.v === 51 ? m._lua_pcall(L, 0, 1, 0) : m._lua_pcallk(L, 0, 1, 0, 0, 0);
    const value = status === 0 ? this.value(-1) : new Error(this.toString(L, -1));
    m._lua_settop(L, 0);
    return value;
  }
  value(idx) {
    const m = this.m, L = this.L;
    switch (m._lua_type(L, idx)) {
      case 1: return m._lua_toboolean(L, idx) !== 0;
      case 3: return this.v === 51 ? m._lua_tonumber(L, idx) : m._lua_tonumberx(L, idx, 0);
      case 4: return this.toString(L, idx);
      case 5: {
        const out = [];
        for (let i = 1; ; i++) {
          m._lua_rawgeti(L, idx, this.int(i));
          if (m._lua_type(L, -1) === 0) { m._lua_settop(L, -2); break; }
          out.push(this.value(-1));
          m._lua_settop(L, -2);
        }
        return out;
      }
      default: return null;
    }
  }
}

/** The same binding over fengari's JS implementation of the C API. */
class FengariLua {
  constructor(fengari) {
    const { lua, lauxlib, lualib } = fengari;
    this.lua = lua; this.lauxlib = lauxlib;
    this.L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(this.L);
    this.keyspace = new FakeKeyspace();
    lua.lua_newtable(this.L);
    lua.lua_pushcfunction(this.L, (L) => this.redisCall(L));
    lua.lua_setfield(this.L, -2, this.bytes('call'));
    lua.lua_setglobal(this.L, this.bytes('redis'));
  }
  bytes(s) { const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; }
  toString(L, idx) { return Buffer.from(this.lua.lua_tolstring(L, idx)).toString('latin1'); }
  redisCall(L) {
    const lua = this.lua;
    const argc = lua.lua_gettop(L);
    const argv = new Array(argc);
    for (let i = 0; i < argc; i++) argv[i] = this.toString(L, i + 1);
    const r = this.keyspace.call(argv);
    if (r === null) lua.lua_pushboolean(L, false);
    else if (typeof r === 'string') lua.lua_pushlstring(L, this.bytes(r), r.length);
    else { lua.lua_createtable(L, 0, 1); lua.lua_pushstring(L, this.bytes(r.ok ?? r.err)); lua.lua_setfield(L, -2, this.bytes(r.ok ? 'ok' : 'err')); }
    return 1;
  }
  load(code) {
    const status = this.lauxlib.luaL_loadbuffer(this.L, this.bytes(code), null, this.bytes('@user_script'));
    if (status !== 0) { const e = this.toString(this.L, -1); this.lua.lua_settop(this.L, 0); throw new Error(e); }
    return this.lauxlib.luaL_ref(this.L, this.lua.LUA_REGISTRYINDEX);
  }
  setArray(name, values) {
    const lua = this.lua, L = this.L;
    lua.lua_createtable(L, values.length, 0);
    for (let i = 0; i < values.length; i++) { lua.lua_pushlstring(L, this.bytes(values[i]), values[i].length); lua.lua_rawseti(L, -2, i + 1); }
    lua.lua_setglobal(L, this.bytes(name));
  }
  invoke(ref, keys, argv) {
    const lua = this.lua, L = this.L;
    this.setArray('KEYS', keys);
    this.setArray('ARGV', argv);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    const status = lua.lua_pcall(L, 0, 1, 0);
    const value = status === 0 ? this.value(-1) : new Error(this.toString(L, -1));
    lua.lua_settop(L, 0);
    return value;
  }
  value(idx) {
    const lua = this.lua, L = this.L;
    switch (lua.lua_type(L, idx)) {
      case 1: return lua.lua_toboolean(L, idx);
      case 3: return lua.lua_tonumber(L, idx);
      case 4: return this.toString(L, idx);
      case 5: {
        const out = [];
        for (let i = 1; ; i++) {
          lua.lua_rawgeti(L, idx, i);
          if (lua.lua_type(L, -1) === 0) { lua.lua_settop(L, -2); break; }
          out.push(this.value(-1));
          lua.lua_settop(L, -2);
        }
        return out;
      }
      default: return null;
    }
  }
}

async function wasmEngine(pkg, version) {
  const lib = require(pkg);
  const api = version === 51 ? await lib.LuaApi.initialize() : await (await import('node:module')).createRequire(require.resolve(pkg))(pkg);
  if (version === 51) return new WasmLua(api.module, 51);
  // wasmoon 5.4: reach its emscripten module through the factory's C bindings.
  const wasm = await new api.LuaFactory().getLuaModule();
  return new WasmLua(wasm.module, 54);
}

const CANDIDATES = [
  ['wasmoon-lua5.1', () => wasmEngine('wasmoon-lua5.1', 51)],
  ['wasmoon (5.4)', () => wasmEngine('wasmoon', 54)],
  ['fengari (5.3)', async () => new FengariLua(require('fengari'))],
];

function measure(engine, script, keys, argv) {
  const ref = engine.load(script);
  const first = engine.invoke(ref, keys, argv);
  let calls = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 200; i++) engine.invoke(ref, keys, argv);
    calls += 200;
  }
  return { perSecond: Math.round(calls / SECONDS), first };
}

function sameValue(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

for (const [name, create] of CANDIDATES) {
  let engine;
  try { engine = await create(); } catch (error) { console.log(`${name}: unavailable (${error.message})`); continue; }
  console.log(`\n== ${name}`);
  for (const [label, script] of Object.entries(SCRIPTS)) {
    const { perSecond, first } = measure(engine, script, KEYS, ARGV);
    console.log(`  ${label.padEnd(10)} ${String(perSecond).padStart(9)} calls/s   result ${JSON.stringify(first)}`);
  }
  const binary = engine.invoke(engine.load('return ARGV[1]'), [], ['\u0000\u00ff\u0080\u00e9']);
  let passed = 0;
  const failures = [];
  for (const [label, script, expected] of FIVE_ONE) {
    let got;
    try { got = engine.invoke(engine.load(script), [], []); } catch (error) { got = /near|unexpected symbol/.test(error.message) ? 'syntax error' : error.message; }
    if (got instanceof Error) got = got.message;
    if (sameValue(got, expected)) passed++; else failures.push(`${label} (got ${JSON.stringify(got)})`);
  }
  console.log(`  binary-safe strings: ${binary === '\u0000\u00ff\u0080\u00e9' ? 'yes' : 'NO ' + JSON.stringify(binary)}`);
  console.log(`  Lua 5.1-isms: ${passed}/${FIVE_ONE.length}${failures.length ? '  failing: ' + failures.join('; ') : ''}`);
}
