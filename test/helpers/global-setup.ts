import { hasRealRedis } from './servers.js';

const WARNING = [
  '',
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  '!!  WARNING: redis-server is not installed. Every comparison with real Redis  !!',
  '!!  (differential tester, protocol fuzz error bytes, …) is SKIPPED.           !!',
  '!!  Install it (apt-get install redis-server redis-tools) — .ci/run does.    !!',
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  '',
].join('\n');

/** vitest globalSetup: says loudly, before and after the run, when real-Redis tests are skipped. */
export default function setup(): (() => void) | undefined {
  if (hasRealRedis()) return undefined;
  console.warn(WARNING);
  return () => console.warn(WARNING);
}
