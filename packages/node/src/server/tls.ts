/**
 * TLS: the node:tls options Redis's tls.c derives from the tls-* directives, the listeners on
 * tls-port (secured sockets go to the server's `accept`, the same handling as plain sockets),
 * the cluster bus listener under tls-cluster, and the connections the server opens itself
 * (to its master under tls-replication, to other nodes and MIGRATE targets under tls-cluster).
 */
import { constants, createPrivateKey, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSecureContext,
  createServer,
  DEFAULT_CIPHERS,
  type ConnectionOptions,
  type Server as TlsServer,
  type TLSSocket,
  type TlsOptions,
} from 'node:tls';
import type { Socket } from 'node:net';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { connectTls } from './tls-connect.js';

/** A TLS setting Redis refuses: the message is what Redis logs before "Failed to configure TLS". */
export class TlsConfigError extends Error {}

/** tls-protocols words (case-insensitive), oldest first, with the option that disables each. */
const PROTOCOLS = [
  { name: 'TLSv1', disable: constants.SSL_OP_NO_TLSv1 },
  { name: 'TLSv1.1', disable: constants.SSL_OP_NO_TLSv1_1 },
  { name: 'TLSv1.2', disable: constants.SSL_OP_NO_TLSv1_2 },
  { name: 'TLSv1.3', disable: constants.SSL_OP_NO_TLSv1_3 },
] as const;

type ProtocolName = (typeof PROTOCOLS)[number]['name'];

/** Redis's REDIS_TLS_PROTO_DEFAULT. */
const DEFAULT_PROTOCOLS = 'TLSv1.2 TLSv1.3';

export interface ProtocolRange {
  minVersion: ProtocolName;
  maxVersion: ProtocolName;
  /** SSL_OP_NO_* bits for versions inside the range that were not listed ("TLSv1 TLSv1.2"). */
  secureOptions: number;
}

/** parseProtocolsConfig: space-separated versions; anything else refuses the whole setting. */
export function parseProtocols(text: string): ProtocolRange {
  const listed = new Set<number>();
  for (const word of (text === '' ? DEFAULT_PROTOCOLS : text).split(' ')) {
    const index = PROTOCOLS.findIndex((protocol) => protocol.name.toLowerCase() === word.toLowerCase());
    if (index === -1) {
      throw new TlsConfigError("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
    }
    listed.add(index);
  }
  const min = Math.min(...listed);
  const max = Math.max(...listed);
  let secureOptions = 0;
  for (let i = min; i <= max; i++) if (!listed.has(i)) secureOptions |= PROTOCOLS[i]!.disable;
  return { minVersion: PROTOCOLS[min]!.name, maxVersion: PROTOCOLS[max]!.name, secureOptions };
}

/** node:tls takes TLS 1.3 suites and TLS 1.2 ciphers in one list; it tells them apart by the TLS_ prefix. */
const DEFAULT_SUITES = DEFAULT_CIPHERS.split(':').filter((name) => name.startsWith('TLS_')).join(':');
const DEFAULT_CIPHER_LIST = DEFAULT_CIPHERS.split(':').filter((name) => !name.startsWith('TLS_')).join(':');

/** tls-ciphers (TLS 1.2 and below) and tls-ciphersuites (TLS 1.3), each defaulting on its own. */
function cipherString(ciphers: string, suites: string): string {
  return `${suites === '' ? DEFAULT_SUITES : suites}:${ciphers === '' ? DEFAULT_CIPHER_LIST : ciphers}`;
}

/** OpenSSL's hashed certificate directory entries (`<subject hash>.<n>`, `.r<n>` for CRLs). */
const HASHED_NAME = /^[0-9a-f]{8}\.[0-9]+$/;

/**
 * Certificates from tls-ca-cert-file and tls-ca-cert-dir. Like OpenSSL's lookup directory,
 * only entries named by subject hash (made by `openssl rehash`) count in the directory.
 */
function loadCertificateAuthorities(file: string, dir: string): Buffer[] {
  const ca: Buffer[] = [];
  if (file !== '') ca.push(readFileSync(file));
  if (dir !== '') {
    for (const name of readdirSync(dir).sort()) if (HASHED_NAME.test(name)) ca.push(readFileSync(join(dir, name)));
  }
  return ca;
}

/** Runs a loading step; its failure becomes Redis's log line for that step. */
function step<T>(failure: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw new TlsConfigError(`${failure}: ${(error as Error).message}`);
  }
}

/** A certificate and its private key, checked as OpenSSL loads them (the key must match). */
function loadIdentity(certFile: string, keyFile: string, passphrase: string | undefined): { cert: Buffer; key: Buffer } {
  const cert = step(`Failed to load certificate: ${certFile}`, () => {
    const pem = readFileSync(certFile);
    new X509Certificate(pem);
    return pem;
  });
  const key = step(`Failed to load private key: ${keyFile}`, () => {
    const pem = readFileSync(keyFile);
    createPrivateKey({ key: pem, passphrase });
    createSecureContext({ cert, key: pem, passphrase });
    return pem;
  });
  return { cert, key };
}

/**
 * tlsConfigure: checks the tls-* directives as Redis does and returns the server options, or
 * throws TlsConfigError with the message Redis logs.
 */
export function tlsServerOptions(config: Config): TlsOptions {
  const certFile = config.str('tls-cert-file');
  const keyFile = config.str('tls-key-file');
  const caFile = config.str('tls-ca-cert-file');
  const caDir = config.str('tls-ca-cert-dir');
  if (certFile === '') throw new TlsConfigError('No tls-cert-file configured!');
  if (keyFile === '') throw new TlsConfigError('No tls-key-file configured!');
  const needsCa = config.str('tls-auth-clients') !== 'no' || config.bool('tls-cluster') || config.bool('tls-replication');
  if (needsCa && caFile === '' && caDir === '') {
    throw new TlsConfigError(
      'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
    );
  }
  const protocols = parseProtocols(config.str('tls-protocols'));
  const passphrase = config.str('tls-key-file-pass') || undefined;
  const { cert, key } = loadIdentity(certFile, keyFile, passphrase);
  const ca = step('Failed to configure CA certificate(s) file/directory', () => {
    const list = loadCertificateAuthorities(caFile, caDir);
    if (list.length > 0) createSecureContext({ ca: list });
    return list;
  });
  const ciphers = config.str('tls-ciphers');
  const suites = config.str('tls-ciphersuites');
  if (ciphers !== '') step(`Failed to configure ciphers: ${ciphers}`, () => createSecureContext({ ciphers: cipherString(ciphers, '') }));
  if (suites !== '') step(`Failed to configure ciphersuites: ${suites}`, () => createSecureContext({ ciphers: cipherString('', suites) }));
  const dhFile = config.str('tls-dh-params-file');
  const dhparam = dhFile === '' ? 'auto' : step(`Failed to load DH params file: ${dhFile}`, () => readFileSync(dhFile));
  return {
    cert,
    key,
    passphrase,
    ca: ca.length > 0 ? ca : undefined,
    ciphers: cipherString(ciphers, suites),
    minVersion: protocols.minVersion,
    maxVersion: protocols.maxVersion,
    secureOptions: protocols.secureOptions | constants.SSL_OP_NO_COMPRESSION | constants.SSL_OP_NO_RENEGOTIATION,
    honorCipherOrder: config.bool('tls-prefer-server-ciphers'),
    dhparam,
    sessionTimeout: config.int('tls-session-cache-timeout'),
    sessionIdContext: 'redis',
    ...clientAuthOptions(config.str('tls-auth-clients')),
  };
}

/**
 * Redis's client context, for the connections the server opens: tls-client-cert-file and
 * tls-client-key-file when set, else the server's own certificate, and the same CAs (used by
 * connectTls). Plain data, so that it can be posted to the MIGRATE worker.
 */
export function tlsClientOptions(config: Config, server: TlsOptions): ConnectionOptions {
  const certFile = config.str('tls-client-cert-file');
  const passphrase = certFile === '' ? server.passphrase : config.str('tls-client-key-file-pass') || undefined;
  const { cert, key } = certFile === '' ? server : loadIdentity(certFile, config.str('tls-client-key-file'), passphrase);
  return {
    cert,
    key,
    passphrase,
    ca: server.ca,
    ciphers: server.ciphers,
    minVersion: server.minVersion,
    maxVersion: server.maxVersion,
    secureOptions: server.secureOptions,
    rejectUnauthorized: true,
  };
}

/**
 * tls-auth-clients: yes requires a certificate the CA verifies, optional verifies one when the
 * client presents it (checked after the handshake, see `acceptsPeer`), no never asks.
 */
function clientAuthOptions(mode: string): { requestCert: boolean; rejectUnauthorized: boolean } {
  return { requestCert: mode !== 'no', rejectUnauthorized: mode === 'yes' };
}

/**
 * OpenSSL's server session cache as Redis sets it up: sessions by id, at most
 * tls-session-cache-size of them (0: no limit), the oldest dropped first. Off when
 * tls-session-caching is no. Expiry (tls-session-cache-timeout) is OpenSSL's, via sessionTimeout.
 */
export class SessionCache {
  private readonly sessions = new Map<string, Buffer>();
  enabled = true;
  capacity = 0;

  store(id: Buffer, data: Buffer): void {
    if (!this.enabled) return;
    const key = id.toString('hex');
    this.sessions.delete(key);
    this.sessions.set(key, data);
    if (this.capacity > 0 && this.sessions.size > this.capacity) {
      for (const oldest of this.sessions.keys()) {
        this.sessions.delete(oldest);
        if (this.sessions.size <= this.capacity) break;
      }
    }
  }

  find(id: Buffer): Buffer | null {
    return this.enabled ? (this.sessions.get(id.toString('hex')) ?? null) : null;
  }

  get size(): number {
    return this.sessions.size;
  }

  clear(): void {
    this.sessions.clear();
  }
}

/** Directives whose change rebuilds the TLS context (Redis's applyTlsCfg). */
const CONTEXT_DIRECTIVES = [
  'tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-protocols',
  'tls-ciphers', 'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-dh-params-file', 'tls-session-caching',
  'tls-session-cache-size', 'tls-session-cache-timeout', 'tls-replication', 'tls-cluster', 'tls-client-cert-file',
  'tls-client-key-file', 'tls-client-key-file-pass',
];

/** Whoever takes over secured sockets: the server, with the same handling as plain ones. */
export interface Acceptor {
  accept(socket: Socket): void;
}

type TlsListener = TlsServer & { endpoint: TlsEndpoint; acceptor: Acceptor };

/**
 * The TLS side of the server: one set of options and one session cache shared by the
 * listeners on every bind address, rebuilt when a tls-* directive changes.
 */
export class TlsEndpoint {
  private options: TlsOptions;
  private clientOptions: ConnectionOptions;
  private readonly listeners: TlsListener[] = [];
  private readonly busListeners: TlsServer[] = [];
  private reloadPending = false;
  readonly sessions = new SessionCache();

  /** Throws TlsConfigError when the configuration is unusable (the server must not start). */
  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.options = tlsServerOptions(config);
    this.clientOptions = tlsClientOptions(config, this.options);
    this.configureSessions();
    for (const name of CONTEXT_DIRECTIVES) config.watch(name, () => this.scheduleReload());
    config.addApply(CONTEXT_DIRECTIVES, () => this.applyCheck());
    // Checked per connection in Redis: new connections follow it, no context rebuild.
    config.watch('tls-auth-clients', (mode) => {
      const auth = clientAuthOptions(mode as string);
      for (const listener of this.listeners) Object.assign(listener, auth);
    });
  }

  /** A listener handing its secured (and, for tls-auth-clients optional, verified) sockets to `acceptor`. */
  createListener(acceptor: Acceptor): TlsServer {
    const listener = createServer({ ...this.options, noDelay: true, keepAlive: false }, onSecureConnection) as TlsListener;
    listener.endpoint = this;
    listener.acceptor = acceptor;
    listener.on('newSession', onNewSession);
    listener.on('resumeSession', onResumeSession);
    listener.on('tlsClientError', onClientError);
    this.listeners.push(listener);
    return listener;
  }

  /**
   * The cluster bus listener under tls-cluster: like Redis, a peer must present a certificate
   * the CAs verify, whatever tls-auth-clients says about clients.
   */
  createBusListener(onSocket: (socket: Socket) => void): TlsServer {
    const listener = createServer({ ...this.options, requestCert: true, rejectUnauthorized: true, noDelay: true }, onSocket);
    listener.on('tlsClientError', (error: Error, socket: Socket) => this.clientError(error, socket));
    this.busListeners.push(listener);
    return listener;
  }

  /** The client side's options (for the MIGRATE worker, which connects on its own). */
  get peerOptions(): ConnectionOptions {
    return this.clientOptions;
  }

  /** A connection the server opens itself (to its master, another node). */
  connect(host: string, port: number): TLSSocket {
    return connectTls(this.clientOptions, host, port);
  }

  private configureSessions(): void {
    this.sessions.enabled = this.config.bool('tls-session-caching');
    this.sessions.capacity = this.config.int('tls-session-cache-size');
    if (!this.sessions.enabled) this.sessions.clear();
  }

  /**
   * One CONFIG SET may change several tls-* directives (a certificate and its key): rebuild once,
   * after all of them are stored.
   */
  private scheduleReload(): void {
    // Watchers run once at registration: the constructor already built the options.
    if (this.listeners.length === 0 || this.reloadPending) return;
    this.reloadPending = true;
    queueMicrotask(() => this.reload());
  }

  /** applyTlsCfg: CONFIG SET of tls-* settings that cannot be used is refused (the old ones stay). */
  private applyCheck(): string | null {
    try {
      tlsClientOptions(this.config, tlsServerOptions(this.config));
      return null;
    } catch (error) {
      if (!(error instanceof TlsConfigError)) throw error;
      this.log.warn(error.message);
      return 'Unable to update TLS configuration. Check server logs.';
    }
  }

  /** Applies changed tls-* directives; a failing setting keeps the current context (logged). */
  private reload(): void {
    this.reloadPending = false;
    try {
      const options = tlsServerOptions(this.config);
      this.clientOptions = tlsClientOptions(this.config, options);
      this.options = options;
    } catch (error) {
      this.log.warn((error as Error).message);
      this.log.warn('Unable to update TLS configuration. Check server logs.');
      return;
    }
    this.configureSessions();
    // The per-connection settings (requestCert, rejectUnauthorized) stay: tls-auth-clients has its own watcher.
    for (const listener of [...this.listeners, ...this.busListeners]) listener.setSecureContext(this.options);
  }

  clientError(error: Error, socket: Socket): void {
    // Like Redis (verbose level): the peer is named when the socket still knows it.
    const client = socket.remoteAddress === undefined ? undefined : `${socket.remoteAddress}:${socket.remotePort}`;
    this.log.debug({ client }, `Error accepting a client connection: ${error.message}`);
  }
}

function onSecureConnection(this: TlsListener, socket: TLSSocket): void {
  if (acceptsPeer(socket)) this.acceptor.accept(socket);
  else socket.destroy();
}

function onNewSession(this: TlsListener, id: Buffer, data: Buffer, done: () => void): void {
  this.endpoint.sessions.store(id, data);
  done();
}

function onResumeSession(this: TlsListener, id: Buffer, done: (error: Error | null, data: Buffer | null) => void): void {
  done(null, this.endpoint.sessions.find(id));
}

function onClientError(this: TlsListener, error: Error, socket: Socket): void {
  this.endpoint.clientError(error, socket);
}

/**
 * tls-auth-clients optional: a certificate is not required, but one that is presented must
 * verify (OpenSSL fails such a handshake; node reports it after the handshake instead).
 */
function acceptsPeer(socket: TLSSocket): boolean {
  return socket.authorized || Object.keys(socket.getPeerCertificate()).length === 0;
}
