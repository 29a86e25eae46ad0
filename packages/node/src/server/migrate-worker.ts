/**
 * The thread that talks to MIGRATE targets. Redis's MIGRATE is synchronous — the server does
 * nothing else until the target answered — which is what keeps the keys it moves untouched
 * between the dump and the delete. The main thread keeps that guarantee by waiting on an Atomics
 * cell while this thread does the socket work (migrate-link.ts), and this thread owns Redis's
 * cache of connections to targets (at most 64, closed after 10 s unused).
 */
import { connect, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { workerData, type MessagePort } from 'node:worker_threads';
import type { MigrateExchange, MigrateOutcome, MigrateRequest, MigrateSignal } from './migrate-link.js';
import { connectTls } from './tls-connect.js';

const CACHE_ITEMS = 64;
const CACHE_TTL_MS = 10_000;

const { requests, answers, signal } = workerData as { requests: MessagePort; answers: MessagePort; signal: SharedArrayBuffer };
const cells = new Int32Array(signal);

interface CachedLink {
  socket: Socket;
  /** The database the target has selected for us; -1 when unknown (SELECT is sent then). */
  lastDb: number;
  lastUse: number;
  /** Received bytes not yet consumed as lines. */
  input: string;
  closed: boolean;
  /** The reader waiting for a line, woken by data or close. */
  wake: (() => void) | null;
}

const cache = new Map<string, CachedLink>();

requests.on('message', (message: MigrateSignal) => {
  if (message.type === 'migrate') void exchange(message).then((outcome) => answer(message.id, outcome));
  else if (message.type === 'close') forget(message.name);
  else {
    const link = cache.get(message.name);
    if (link !== undefined) link.lastDb = message.db;
  }
});

setInterval(closeIdleLinks, 1000).unref();

function answer(id: number, outcome: MigrateOutcome): void {
  answers.postMessage({ id, outcome } satisfies MigrateExchange);
  Atomics.store(cells, 0, id);
  Atomics.notify(cells, 0);
}

async function exchange(request: MigrateRequest): Promise<MigrateOutcome> {
  let link = cache.get(request.name);
  if (link === undefined) {
    if (cache.size >= CACHE_ITEMS) forget([...cache.keys()][(Math.random() * cache.size) | 0]!);
    const socket = await open(request.host, request.port, request.tls, request.timeout);
    if (socket === 'address') return { kind: 'connect' };
    if (typeof socket === 'string') return { kind: 'io', select: false, lines: [], writeFailed: true, timedOut: socket === 'timeout' };
    link = watch(socket);
    cache.set(request.name, link);
    Atomics.store(cells, 1, cache.size);
  }
  link.lastUse = Date.now();
  const select = link.lastDb !== request.db;
  const selectCommand = select ? `*2\r\n$6\r\nSELECT\r\n$${String(request.db).length}\r\n${request.db}\r\n` : '';
  const bytes = Buffer.from(request.auth + selectCommand + request.body, 'latin1');
  const written = await send(link, bytes, request.timeout);
  if (written !== 'ok') return { kind: 'io', select, lines: [], writeFailed: true, timedOut: written === 'timeout' };
  const expected = (request.auth === '' ? 0 : 1) + (select ? 1 : 0) + request.count;
  const lines: string[] = [];
  let timedOut = false;
  while (lines.length < expected) {
    const line = await readLine(link, request.timeout);
    if (line === null || line === 'timeout') {
      timedOut = line === 'timeout';
      break;
    }
    lines.push(line);
  }
  return { kind: 'io', select, lines, writeFailed: false, timedOut };
}

/** Errors a connection attempt reports before trying (Redis's anetTcpNonBlockConnect failing). */
const UNREACHABLE_ADDRESS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EINVAL', 'ERR_SOCKET_BAD_PORT', 'ERR_INVALID_ARG_TYPE']);

/**
 * A connected socket; 'address' when the address cannot be used at all; 'refused' or 'timeout'
 * otherwise. Like Redis's non-blocking connect, only the first is an error of connecting: a
 * refused or slow connection shows up as a failed write.
 */
function open(host: string, port: number, tls: ConnectionOptions | null, timeout: number): Promise<Socket | 'address' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    let socket: Socket;
    try {
      socket = tls === null ? connect({ host, port, noDelay: true }) : connectTls(tls, host, port);
    } catch {
      resolve('address');
      return;
    }
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeout);
    // Over TLS the connection is usable once the handshake (and the peer's certificate) passed.
    socket.once(tls === null ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(UNREACHABLE_ADDRESS.has(error.code ?? '') ? 'address' : 'refused');
    });
  });
}

function watch(socket: Socket): CachedLink {
  const link: CachedLink = { socket, lastDb: -1, lastUse: Date.now(), input: '', closed: false, wake: null };
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    link.input += chunk;
    link.wake?.();
  });
  const closed = (): void => {
    link.closed = true;
    link.wake?.();
  };
  socket.on('close', closed);
  socket.on('error', closed);
  return link;
}

function send(link: CachedLink, bytes: Buffer, timeout: number): Promise<'ok' | 'error' | 'timeout'> {
  if (link.closed) return Promise.resolve('error');
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeout);
    link.socket.write(bytes, (error) => {
      clearTimeout(timer);
      resolve(error ? 'error' : 'ok');
    });
  });
}

/** The next reply line without its CRLF; null when the link closed, 'timeout' after `timeout` ms. */
async function readLine(link: CachedLink, timeout: number): Promise<string | null | 'timeout'> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const end = link.input.indexOf('\n');
    if (end !== -1) {
      const line = link.input.slice(0, end > 0 && link.input.charCodeAt(end - 1) === 13 ? end - 1 : end);
      link.input = link.input.slice(end + 1);
      return line;
    }
    if (link.closed) return null;
    const left = deadline - Date.now();
    if (left <= 0) return 'timeout';
    const woken = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), left);
      link.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    link.wake = null;
    if (!woken) return 'timeout';
  }
}

function forget(name: string): void {
  const link = cache.get(name);
  if (link === undefined) return;
  link.socket.destroy();
  cache.delete(name);
  Atomics.store(cells, 1, cache.size);
}

function closeIdleLinks(): void {
  const now = Date.now();
  for (const [name, link] of cache) if (now - link.lastUse > CACHE_TTL_MS) forget(name);
}
