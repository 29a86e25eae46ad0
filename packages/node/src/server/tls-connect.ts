import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/**
 * A TLS connection opened the way Redis's client context opens one: the peer's certificate must
 * verify against the CAs in `options`, but its name is not checked (Redis sets SSL_VERIFY_PEER
 * and no host name). Kept apart from tls.ts so that the MIGRATE worker thread can use it.
 */
export function connectTls(options: ConnectionOptions, host: string, port: number): TLSSocket {
  const socket = connect({ ...options, host, port, checkServerIdentity: acceptAnyName });
  socket.setNoDelay(true);
  return socket;
}

function acceptAnyName(): undefined {
  return undefined;
}
