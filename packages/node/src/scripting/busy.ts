import { readSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { ClientFlag, type Client } from '../server/client.js';
import type { Server } from '../server/server.js';

/**
 * Serving other clients while a script runs past busy-reply-threshold (Redis's
 * processEventsWhileBlocked). The script holds the JS stack, so the event loop cannot run: the
 * Lua count hook calls this instead, which reads whatever input already-connected clients have
 * sent straight from their sockets (non-blocking reads of the file descriptor) and runs it
 * through the normal dispatch, where everything but the allow_busy commands gets BUSY. Replies
 * leave at once (libuv writes synchronously when a socket's queue is empty).
 *
 * Limits: new connections wait for the script to end (accepting needs the event loop), TLS
 * connections are not read (their bytes are encrypted), and neither are the replication links.
 */

const SKIPPED = ClientFlag.master | ClientFlag.replica | ClientFlag.blocked | ClientFlag.closeAsap | ClientFlag.closeAfterReply;
const buffer = Buffer.allocUnsafe(16 * 1024);

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

export function serveWhileBusy(server: Server, caller: Client): void {
  // The script keeps seeing the time it started at, as Redis freezes it for the whole run.
  const now = server.clock.ms;
  for (const client of [...server.clients.values()]) {
    // The script's own client is protected: its next commands wait for the script's reply.
    if (client === caller || (client.flags & SKIPPED) !== 0) continue;
    const fd = readableFd(client);
    if (fd === null) continue;
    let read: number;
    try {
      read = readSync(fd, buffer, 0, buffer.length, null);
    } catch {
      continue; // EAGAIN: nothing sent; anything else is left to the event loop
    }
    // 0 is the end of the stream: the event loop sees it too once the script is over.
    if (read > 0) server.handleData(client, Buffer.from(buffer.subarray(0, read)));
  }
  server.clock.ms = now;
}

/** The descriptor of a plain TCP connection whose input is being read, or null. */
function readableFd(client: Client): number | null {
  const socket = client.socket;
  if (socket === null || socket.destroyed || socket.isPaused() || (socket as TLSSocket).encrypted === true) return null;
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}
