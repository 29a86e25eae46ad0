import { createServer } from 'node:net';

/** Highest port a test may use: a cluster node's bus listens on port + 10000. */
export const MAX_TEST_PORT = 55534;

/**
 * A free TCP port on 127.0.0.1 below MAX_TEST_PORT. Tries random ports in a bounded loop
 * (never assumes 6379 or 7000–7005 are free); `alsoFree` adds port+offset checks (cluster bus).
 */
export async function freePort(alsoFree: number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * (MAX_TEST_PORT - 20000));
    if (!(await isFree(port))) continue;
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
