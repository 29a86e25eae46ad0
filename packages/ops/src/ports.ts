import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const MIN_PORT = 20000;

/**
 * The highest port the tools pick: its bus port (port + 10000) must stay below the kernel's
 * ephemeral range, or an outgoing connection may hold it (or leave it in TIME-WAIT, which blocks
 * a listener too) between the check and the node's start — frequent on a busy machine.
 */
function maxPort(): number {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    // Not Linux: the common default.
  }
  return Math.max(MIN_PORT + 1000, Math.min(55534, ephemeralLow - 10001));
}

/** A free port on `host` whose port + 10000 (the cluster bus) is free too; a bounded number of tries. */
export async function freeClusterPort(host = '127.0.0.1', taken: Set<number> = new Set()): Promise<number> {
  const max = maxPort();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = MIN_PORT + Math.floor(Math.random() * (max - MIN_PORT));
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

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Throws naming the first endpoint whose port or bus port (port + 10000) something listens on.
 * (A connection attempt, not a trial bind: a port left in TIME-WAIT by an old connection fails
 * a trial bind yet is fine for a server.)
 */
export async function assertClusterPortsFree(endpoints: Array<{ host: string; port: number }>): Promise<void> {
  for (const { host, port } of endpoints) {
    for (const candidate of [port, port + 10000]) {
      if (await isListening(host, candidate)) throw new Error(`${host}:${candidate} is already in use (a node needs its port and port + 10000)`);
    }
  }
}

function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
