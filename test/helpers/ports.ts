import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Highest port a test may use: a cluster node's bus listens on port + 10000. */
export const MAX_TEST_PORT = 55534;

/** Lowest test port: below it sit well-known services. */
const MIN_TEST_PORT = 10000;

/**
 * The first port the kernel hands out for outgoing connections. Test ports stay below it: a port
 * in that range may be taken by some connection's local end between one test run and the next,
 * and a node restarted on its old port would then fail with EADDRINUSE.
 */
function ephemeralPortStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > MIN_TEST_PORT) return low;
  } catch {
    // Not Linux: keep the IANA default below.
  }
  return 49152;
}

/**
 * Test files run in parallel workers (vitest's VITEST_POOL_ID, 1 to TSREDIS_TEST_WORKERS). Each
 * draws its ports from its own blocks of BLOCK ports, so two workers never pick the same port in
 * the moment between the check here and their server's bind. BLOCK divides 10000, so a cluster
 * node's bus port (+10000) falls in its own worker's blocks too (when the worker count divides 20).
 */
const BLOCK = 500;
const WORKERS = Number(process.env['TSREDIS_TEST_WORKERS'] ?? 1);
const WORKER = (Number(process.env['VITEST_POOL_ID'] ?? 1) - 1) % WORKERS;

/** A random port of this worker's blocks in [MIN_TEST_PORT, highest). */
function candidatePort(highest: number): number {
  const blocks = Math.ceil((highest - MIN_TEST_PORT) / BLOCK);
  const mine = Math.max(1, Math.ceil((blocks - WORKER) / WORKERS));
  const block = WORKER + WORKERS * Math.floor(Math.random() * mine);
  return MIN_TEST_PORT + block * BLOCK + Math.floor(Math.random() * BLOCK);
}

/**
 * A free TCP port on 127.0.0.1 below MAX_TEST_PORT and below the ephemeral range (with every
 * `alsoFree` offset, e.g. 10000 for a cluster bus, also free and below it). Tries random ports in a
 * bounded loop; never assumes 6379 or 7000–7005 are free.
 */
export async function freePort(alsoFree: number[] = []): Promise<number> {
  const highest = Math.min(MAX_TEST_PORT, ephemeralPortStart() - 1) - Math.max(0, ...alsoFree);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = candidatePort(highest);
    if (port >= highest || !(await isFree(port))) continue;
    let all = true;
    for (const offset of alsoFree) if (!(await isFree(port + offset))) all = false;
    if (all) return port;
  }
  throw new Error('no free port found after 200 attempts');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
