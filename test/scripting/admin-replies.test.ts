import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRealRedis, startPair, type RunningServer } from '../helpers/servers.js';
import { replayScript } from '../helpers/raw.js';

/**
 * MODULE (no module can be loaded: LIST is empty, LOAD/LOADEX/UNLOAD fail as in Redis) and
 * SCRIPT DEBUG's replies, byte-compared with Redis 7.0 with enable-module-command on and off.
 */

const MODULE_SCRIPT = [
  ['MODULE', 'LIST'],
  ['MODULE', 'LOAD', '/nonexistent/module.so'],
  ['MODULE', 'LOAD', '/nonexistent/module.so', 'arg1', 'arg2'],
  ['MODULE', 'LOADEX', '/nonexistent/module.so'],
  ['MODULE', 'LOADEX', '/nonexistent/module.so', 'CONFIG', 'name', 'value', 'ARGS', 'a'],
  ['MODULE', 'UNLOAD', 'nosuchmodule'],
  ['MODULE', 'UNLOAD'],
  ['MODULE', 'LIST', 'extra'],
  ['MODULE', 'BOGUS'],
  ['MODULE'],
  ['MULTI'],
  ['MODULE', 'LIST'],
  ['EXEC'],
];

const SCRIPT_DEBUG_SCRIPT = [
  ['SCRIPT', 'DEBUG', 'no'],
  ['SCRIPT', 'DEBUG', 'yes'],
  ['SCRIPT', 'DEBUG', 'SYNC'],
  ['SCRIPT', 'DEBUG', 'NO'],
  ['SCRIPT', 'DEBUG', 'maybe'],
  ['SCRIPT', 'DEBUG'],
  ['SCRIPT', 'DEBUG', 'no', 'extra'],
  ['MULTI'],
  ['SCRIPT', 'DEBUG', 'no'],
  ['EXEC'],
  ['EVAL', "return redis.call('ping')", '0'],
];

const available = hasRealRedis();
if (!available) console.warn('test/scripting/admin-replies.test.ts: redis-server is not installed — SKIPPING the MODULE / SCRIPT DEBUG comparisons');

for (const moduleCommand of ['yes', 'no']) {
  describe.skipIf(!available)(`MODULE and SCRIPT DEBUG match Redis 7.0 (enable-module-command ${moduleCommand})`, () => {
    let ours: RunningServer;
    let real: RunningServer;

    beforeAll(async () => {
      const args = ['--enable-module-command', moduleCommand];
      [ours, real] = await startPair(args, args);
    });

    afterAll(async () => {
      await Promise.all([ours?.stop(), real?.stop()]);
    });

    for (const resp of [2, 3] as const) {
      it(`MODULE (RESP${resp})`, async () => {
        expect(await replayScript(ours.port, resp, MODULE_SCRIPT)).toEqual(await replayScript(real.port, resp, MODULE_SCRIPT));
      });

      it(`SCRIPT DEBUG (RESP${resp})`, async () => {
        expect(await replayScript(ours.port, resp, SCRIPT_DEBUG_SCRIPT)).toEqual(await replayScript(real.port, resp, SCRIPT_DEBUG_SCRIPT));
      });
    }
  });
}
