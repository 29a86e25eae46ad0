import { createServer } from 'node:net';

/** Ports the tools pick stay below this: a cluster node's bus listens on port + 10000. */
const MAX_PORT = 55534;

/** A free port on `host` whose port + 10000 (the cluster bus) is free too; a bounded number of tries. */
export async function freeClusterPort(host = '127.0.0.1', taken: Set<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * (MAX_PORT - 20000));
    if (taken.has(port)) continue;
    if ((await isFree(host, port)) && (await isFree(host, port + 10000))) return port;
  }
  throw new Error('no free port found after 200 attempts');
}

/** `count` distinct free cluster ports. */
export async function freeClusterPorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const taken = new Set<number>();
  for (let i = 0; i < count; i++) taken.add(await freeClusterPort(host, taken));
  return [...taken];
}

export function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Throws naming the first endpoint whose port or bus port (port + 10000) is taken. */
export async function assertClusterPortsFree(endpoints: Array<{ host: string; port: number }>): Promise<void> {
  for (const { host, port } of endpoints) {
    for (const candidate of [port, port + 10000]) {
      if (!(await isFree(host, candidate))) throw new Error(`${host}:${candidate} is already in use (a node needs its port and port + 10000)`);
    }
  }
}
