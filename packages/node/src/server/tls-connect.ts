import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/**
 * TLS connections opened the way Redis's client context opens them: the peer's certificate must
 * verify against the CAs in the options, but its name is not checked (Redis sets SSL_VERIFY_PEER
 * and no host name). Kept apart from tls.ts so that the MIGRATE worker thread can use it.
 */
export function withoutNameCheck(options: ConnectionOptions): ConnectionOptions {
  return { ...options, checkServerIdentity: acceptAnyName };
}

export function connectTls(options: ConnectionOptions, host: string, port: number): TLSSocket {
  const socket = connect({ ...withoutNameCheck(options), host, port });
  socket.setNoDelay(true);
  return socket;
}

function acceptAnyName(): undefined {
  return undefined;
}
