import { describe, expect, it } from 'vitest';
import { describeAgainstRealRedis } from '../helpers/compare.js';
import { startTsredis } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw.js';

/**
 * Scripts past busy-reply-threshold, against a real redis-server: other (already connected)
 * clients get BUSY except for the allow_busy commands, SCRIPT KILL / FUNCTION KILL stop a script
 * that has not written, and a script that wrote is UNKILLABLE. Replies compared byte for byte.
 */

const LOOP_FOREVER = 'local i = 0 while true do i = i + 1 end';
/** Long enough to pass the 100 ms threshold on either engine, short enough to wait for. */
const WRITE_THEN_LOOP = "redis.call('set', KEYS[1], '1') for i = 1, 40000000 do end return 'done'";
const LIBRARY = "#!lua name=busylib\nredis.register_function('spin', function() local i = 0 while true do i = i + 1 end end)";

/** Sends a script on `runner`, then `steps` on `other` once the script is busy; returns every reply. */
async function whileBusy(port: number, script: string[], steps: string[][]): Promise<string[]> {
  const [runner, other] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
  try {
    await other.call('CONFIG', 'SET', 'busy-reply-threshold', '100');
    await other.call('FLUSHALL');
    await other.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
    runner.command(...script);
    // Let the script start first: the two connections are not ordered otherwise.
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The first command waits until the script times out, then gets BUSY.
    const replies = [`GET x → ${await other.call('GET', 'x')}`];
    for (const step of steps) replies.push(`${step.join(' ')} → ${await other.call(...step)}`);
    replies.push(`script → ${await runner.reply(20_000)}`);
    replies.push(`after → ${await other.call('GET', 'x')}`);
    return replies;
  } finally {
    runner.destroy();
    other.destroy();
  }
}

const CASES: Record<string, { script: string[]; steps: string[][] }> = {
  'a read-only EVAL is refused around and stopped by SCRIPT KILL': {
    script: ['EVAL', LOOP_FOREVER, '0'],
    steps: [['PING'], ['MULTI'], ['SET', 'x', '1'], ['EXEC'], ['FUNCTION', 'KILL'], ['FUNCTION', 'STATS'], ['SCRIPT', 'KILL']],
  },
  'an EVAL that wrote is UNKILLABLE and runs to its end': {
    script: ['EVAL', WRITE_THEN_LOOP, '1', 'x'],
    steps: [['SCRIPT', 'KILL'], ['FUNCTION', 'KILL'], ['EVAL', 'return 1', '0']],
  },
  'a killed script cannot go on by catching the error with pcall': {
    script: ['EVAL', `while true do pcall(function() ${LOOP_FOREVER} end) end`, '0'],
    steps: [['SCRIPT', 'KILL']],
  },
  'a function is stopped by FUNCTION KILL, not SCRIPT KILL': {
    script: ['FCALL', 'spin', '0'],
    steps: [['SCRIPT', 'KILL'], ['FCALL', 'spin', '0'], ['FUNCTION', 'KILL']],
  },
};

describeAgainstRealRedis('test/scripting/busy.test.ts', 'busy scripts match Redis 7.0', (servers) => {
  for (const [name, { script, steps }] of Object.entries(CASES)) {
    it(name, async () => {
      const { ours, real } = servers();
      const expected = await whileBusy(real.port, script, steps);
      expect(expected[0]).toContain('BUSY');
      expect(await whileBusy(ours.port, script, steps)).toEqual(expected);
    });
  }
});

describe('a busy script and SHUTDOWN', () => {
  it('SHUTDOWN without NOSAVE gets BUSY; SHUTDOWN NOSAVE stops the server at once', async () => {
    const server = await startTsredis(['--busy-reply-threshold', '50']);
    const [runner, other] = await Promise.all([RawClient.connect(server.port), RawClient.connect(server.port)]);
    try {
      runner.command('EVAL', LOOP_FOREVER, '0');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await other.call('SHUTDOWN')).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
      other.command('SHUTDOWN', 'NOSAVE');
      expect(await other.waitClosed()).toBe(true);
      expect(await runner.waitClosed()).toBe(true);
      await new Promise<void>((resolve) => (server.process.exitCode !== null ? resolve() : server.process.once('exit', () => resolve())));
      expect(server.process.exitCode).toBe(0);
    } finally {
      runner.destroy();
      other.destroy();
      await server.stop();
    }
  });
});
