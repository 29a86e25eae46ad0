import { LUA_GLOBALSINDEX, type LuaVm } from './lua-vm.js';

/**
 * The `bit` library Redis bundles (LuaBitOp 1.0): operations on 32-bit integers, returned as
 * signed numbers. Arguments are normalised like LuaBitOp does: adding 2^52 + 2^51 to the double
 * and keeping the low 32 bits of its representation (round half to even, modulo 2^32).
 */

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
const TWO_52_PLUS_51 = 6755399441055744;

function bitArgument(vm: LuaVm, L: number, index: number): number {
  scratch[0] = vm.m._luaL_checknumber(L, index) + TWO_52_PLUS_51;
  return words[0]!; // little-endian: the low word
}

function pushBits(vm: LuaVm, L: number, bits: number): number {
  vm.m._lua_pushnumber(L, bits | 0);
  return 1;
}

/** band/bor/bxor: the first argument combined with every other one. */
function fold(vm: LuaVm, L: number, combine: (a: number, b: number) => number): number {
  let bits = bitArgument(vm, L, 1);
  for (let i = vm.m._lua_gettop(L); i > 1; i--) bits = combine(bits, bitArgument(vm, L, i));
  return pushBits(vm, L, bits);
}

function shift(vm: LuaVm, L: number, apply: (bits: number, n: number) => number): number {
  const bits = bitArgument(vm, L, 1);
  const n = bitArgument(vm, L, 2) & 31;
  return pushBits(vm, L, apply(bits, n));
}

function toHex(vm: LuaVm, L: number): number {
  let bits = bitArgument(vm, L, 1);
  let n = vm.m._lua_type(L, 2) === -1 ? 8 : bitArgument(vm, L, 2) | 0;
  let digits = '0123456789abcdef';
  if (n < 0) {
    n = -n;
    digits = '0123456789ABCDEF';
  }
  if (n > 8) n = 8;
  let text = '';
  for (let i = 0; i < n; i++) {
    text = digits[bits & 15]! + text;
    bits >>>= 4;
  }
  vm.pushString(L, text);
  return 1;
}

export function installBit(vm: LuaVm): void {
  const { m, L } = vm;
  m._lua_createtable(L, 0, 12);
  vm.setFunction('tobit', (s) => pushBits(vm, s, bitArgument(vm, s, 1)));
  vm.setFunction('bnot', (s) => pushBits(vm, s, ~bitArgument(vm, s, 1)));
  vm.setFunction('band', (s) => fold(vm, s, (a, b) => a & b));
  vm.setFunction('bor', (s) => fold(vm, s, (a, b) => a | b));
  vm.setFunction('bxor', (s) => fold(vm, s, (a, b) => a ^ b));
  vm.setFunction('lshift', (s) => shift(vm, s, (b, n) => b << n));
  vm.setFunction('rshift', (s) => shift(vm, s, (b, n) => b >>> n));
  vm.setFunction('arshift', (s) => shift(vm, s, (b, n) => (b | 0) >> n));
  vm.setFunction('rol', (s) => shift(vm, s, (b, n) => (b << n) | (b >>> (32 - n))));
  vm.setFunction('ror', (s) => shift(vm, s, (b, n) => (b >>> n) | (b << (32 - n))));
  vm.setFunction('bswap', (s) => {
    const b = bitArgument(vm, s, 1);
    return pushBits(vm, s, ((b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24)) >>> 0);
  });
  vm.setFunction('tohex', (s) => toHex(vm, s));
  m._lua_setfield(L, LUA_GLOBALSINDEX, vm.name('bit'));
}
