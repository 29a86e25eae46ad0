import type { LuaVm } from './lua-vm.js';

/** REDIS_LRAND48_MAX: random values are taken modulo INT32_MAX. */
const LRAND48_MAX = 2147483647;
const MULTIPLIER = 0x5deece66dn;
const MASK48 = (1n << 48n) - 1n;

/**
 * math.random / math.randomseed as Redis replaces them: Lua's own algorithm on top of Redis's
 * portable lrand48 (rand.c), so a seeded script draws the same numbers on every platform.
 */
export class LuaRandom {
  /** The 48-bit lrand48 state; Redis seeds it once at startup (never per script). */
  private state = 0x1234abcd330en;

  private next(): number {
    this.state = (this.state * MULTIPLIER + 0xbn) & MASK48;
    return Number(this.state >> 17n);
  }

  seed(value: number): void {
    const low = value & 0xffff;
    const high = (value >> 16) & 0xffff;
    this.state = (BigInt(high) << 32n) | (BigInt(low) << 16n) | 0x330en;
  }

  luaRandom(vm: LuaVm, L: number, running: boolean): number {
    const m = vm.m;
    if (!running) return vm.raise(L, 'math.random can only be called inside a script invocation');
    const r = (this.next() % LRAND48_MAX) / LRAND48_MAX;
    switch (m._lua_gettop(L)) {
      case 0:
        m._lua_pushnumber(L, r);
        return 1;
      case 1: {
        const upper = m._luaL_checkinteger(L, 1);
        if (upper < 1) m._luaL_argerror(L, 1, vm.name('interval is empty'));
        m._lua_pushnumber(L, Math.floor(r * upper) + 1);
        return 1;
      }
      case 2: {
        const lower = m._luaL_checkinteger(L, 1);
        const upper = m._luaL_checkinteger(L, 2);
        if (lower > upper) m._luaL_argerror(L, 2, vm.name('interval is empty'));
        m._lua_pushnumber(L, Math.floor(r * (upper - lower + 1)) + lower);
        return 1;
      }
      default:
        return vm.raise(L, 'wrong number of arguments');
    }
  }

  luaRandomSeed(vm: LuaVm, L: number, running: boolean): number {
    if (!running) return vm.raise(L, 'math.randomseed can only be called inside a script invocation');
    this.seed(vm.m._luaL_checkinteger(L, 1));
    return 0;
  }
}
