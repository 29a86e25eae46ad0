import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { TestCertificates } from '../../../test/helpers/certs.js';
import { freePort } from '../../../test/helpers/ports.js';
import { SERVER_BIN, startTsredis, type RunningServer } from '../../../test/helpers/servers.js';

/**
 * TLS (issue 6, done-when #2): a throwaway CA signs the server's and a client's certificates;
 * a second CA signs a stranger's. ioredis and redis-cli connect with client certificates, a
 * client trusting the wrong CA or presenting no or a foreign certificate is refused.
 */

const certs = new TestCertificates();
const file = (name: string) => certs.file(name);
const identity = (name: string) => certs.identity(name);

/**
 * Connects with node:tls, sends PING and resolves the first reply line, or `refused` when the
 * handshake fails or the server closes first (bounded by `timeoutMs`).
 */
function tlsPing(port: number, options: ConnectionOptions, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', ...options });
    let received = '';
    const finish = (answer: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.once('secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n')) finish(received.slice(0, received.indexOf('\r\n')));
    });
    socket.on('error', () => finish('refused'));
    socket.on('close', () => finish('refused'));
  });
}

/** redis-cli over TLS with the given extra arguments (bounded). */
function tlsCli(port: number, tlsArgs: string[], command: string[]): { out: string; status: number | null } {
  const result = spawnSync('redis-cli', ['-p', String(port), '--tls', ...tlsArgs, ...command], {
    encoding: 'latin1',
    timeout: 15_000,
  });
  return { out: `${result.stdout}${result.stderr}`.trim(), status: result.status };
}

const cliIdentity = (name: string) => ['--cert', file(`${name}.crt`), '--key', file(`${name}.key`)];

/** Polls until a TLS port completes handshakes (the plain port may be up a moment before). */
async function waitForTls(port: number, options: ConnectionOptions): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await tlsPing(port, options, 1000)) === '+PONG') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`TLS port ${port} did not answer`);
}

beforeAll(() => {
  certs.selfSigned('ca');
  certs.selfSigned('otherca');
  certs.leaf('server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  certs.leaf('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  certs.leaf('stranger', 'otherca', 'extendedKeyUsage=clientAuth\n');
});

afterAll(() => {
  certs.remove();
});

const serverTlsArgs = () => certs.args('server', 'ca');

describe('TLS beside the plain port', () => {
  let server: RunningServer;
  let tlsPort: number;
  const trusted = () => ({ ca: readFileSync(file('ca.crt')), ...identity('client') });

  beforeAll(async () => {
    tlsPort = await freePort();
    server = await startTsredis(['--tls-port', String(tlsPort), ...serverTlsArgs()]);
    await waitForTls(tlsPort, trusted());
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('serves ioredis with a client certificate, sharing the dataset with the plain port', async () => {
    const secure = new Redis({ port: tlsPort, host: '127.0.0.1', tls: trusted(), maxRetriesPerRequest: 0 });
    const plain = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      expect(await secure.set('over-tls', 'yes')).toBe('OK');
      expect(await plain.get('over-tls')).toBe('yes');
      // A TLS client is an ordinary client in CLIENT LIST (Redis shows no TLS marker).
      const list = (await plain.client('LIST')) as string;
      const lines = list.trim().split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toMatch(/ flags=N db=0 .* cmd=\S+ user=default redir=-1 resp=2$/);
    } finally {
      secure.disconnect();
      plain.disconnect();
    }
  });

  it('serves redis-cli --tls --cacert --cert --key', () => {
    expect(tlsCli(tlsPort, ['--cacert', file('ca.crt'), ...cliIdentity('client')], ['ping'])).toEqual({ out: 'PONG', status: 0 });
    expect(tlsCli(tlsPort, ['--cacert', file('ca.crt'), ...cliIdentity('client')], ['set', 'k', 'v']).out).toBe('OK');
  });

  it('is refused by a client that trusts another CA', async () => {
    const cli = tlsCli(tlsPort, ['--cacert', file('otherca.crt'), ...cliIdentity('client')], ['ping']);
    expect(cli.out).toContain('certificate verify failed');
    expect(cli.status).not.toBe(0);
    expect(await tlsPing(tlsPort, { ca: readFileSync(file('otherca.crt')), ...identity('client') })).toBe('refused');
  });

  it('tls-auth-clients yes (the default) refuses a client without a certificate or with a foreign one', async () => {
    const noCert = tlsCli(tlsPort, ['--cacert', file('ca.crt')], ['ping']);
    expect(noCert.out).not.toContain('PONG');
    expect(noCert.status).not.toBe(0);
    expect(tlsCli(tlsPort, ['--cacert', file('ca.crt'), ...cliIdentity('stranger')], ['ping']).out).not.toContain('PONG');
    const ca = readFileSync(file('ca.crt'));
    expect(await tlsPing(tlsPort, { ca })).toBe('refused');
    expect(await tlsPing(tlsPort, { ca, ...identity('stranger') })).toBe('refused');
    const ioredis = new Redis({ port: tlsPort, host: '127.0.0.1', tls: { ca }, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    ioredis.on('error', () => {});
    try {
      await expect(ioredis.connect().then(() => ioredis.ping())).rejects.toThrow();
    } finally {
      ioredis.disconnect();
    }
  });

  it('tls-auth-clients optional and no apply to new connections at once', async () => {
    const ca = readFileSync(file('ca.crt'));
    const admin = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await admin.config('SET', 'tls-auth-clients', 'optional');
      expect(await tlsPing(tlsPort, { ca })).toBe('+PONG');
      expect(await tlsPing(tlsPort, { ca, ...identity('client') })).toBe('+PONG');
      // A certificate that is presented must still verify.
      expect(await tlsPing(tlsPort, { ca, ...identity('stranger') })).toBe('refused');
      await admin.config('SET', 'tls-auth-clients', 'no');
      expect(await tlsPing(tlsPort, { ca, ...identity('stranger') })).toBe('+PONG');
      expect(await tlsPing(tlsPort, { ca })).toBe('+PONG');
    } finally {
      await admin.config('SET', 'tls-auth-clients', 'yes');
      admin.disconnect();
    }
  });

  it('refuses plaintext on the TLS port', async () => {
    const result = spawnSync('redis-cli', ['-p', String(tlsPort), 'ping'], { encoding: 'latin1', timeout: 15_000 });
    expect(result.stdout).not.toContain('PONG');
  });

  it('delivers large pipelined replies intact (reply buffers handed to TLS sockets are not reused early)', async () => {
    const secure = new Redis({ port: tlsPort, host: '127.0.0.1', tls: trusted(), maxRetriesPerRequest: 0 });
    try {
      const big = Array.from({ length: 64 * 1024 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
      await secure.set('big', big);
      await secure.set('small', 'tiny');
      const pipeline = secure.pipeline();
      for (let i = 0; i < 200; i++) {
        pipeline.get(i % 3 === 0 ? 'small' : 'big');
        pipeline.echo(`marker-${i}`);
      }
      const results = (await pipeline.exec())!;
      for (let i = 0; i < 200; i++) {
        expect(results[2 * i]![1]).toBe(i % 3 === 0 ? 'tiny' : big);
        expect(results[2 * i + 1]![1]).toBe(`marker-${i}`);
      }
    } finally {
      secure.disconnect();
    }
  });

  it('resumes sessions by id from the session cache, unless tls-session-caching is no', async () => {
    // TLS 1.2 without tickets: only the server's session-id cache can resume.
    const options: ConnectionOptions = { ...trusted(), maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET };
    const handshake = (session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
        const socket = tlsConnect({ port: tlsPort, host: '127.0.0.1', ...options, session }, () => {
          const reused = socket.isSessionReused();
          socket.write('PING\r\n');
          socket.once('data', () => {
            resolve({ reused, session: socket.getSession() });
            socket.destroy();
          });
        });
        socket.on('error', reject);
      });
    const admin = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      const first = await handshake();
      expect(first.reused).toBe(false);
      expect((await handshake(first.session)).reused).toBe(true);
      await admin.config('SET', 'tls-session-caching', 'no');
      await new Promise((resolve) => setTimeout(resolve, 20));
      const uncached = await handshake();
      expect((await handshake(uncached.session)).reused).toBe(false);
    } finally {
      await admin.config('SET', 'tls-session-caching', 'yes');
      admin.disconnect();
    }
  });

  it('reloads the certificate on CONFIG SET and keeps the old one when the new setting fails', async () => {
    certs.leaf('server2', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    const admin = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const serialOf = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ port: tlsPort, host: '127.0.0.1', ...trusted() }, () => {
          resolve(socket.getPeerCertificate().serialNumber);
          socket.destroy();
        });
        socket.on('error', reject);
      });
    try {
      const before = await serialOf();
      await admin.config('SET', 'tls-cert-file', file('server2.crt'), 'tls-key-file', file('server2.key'));
      const after = await serialOf();
      expect(after).not.toBe(before);
      // A key that does not match the certificate is refused as Redis does; the running context
      // and the settings stay.
      await expect(admin.config('SET', 'tls-key-file', file('server.key'))).rejects.toThrow(
        "ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - Unable to update TLS configuration. Check server logs.",
      );
      expect(await admin.config('GET', 'tls-key-file')).toEqual(['tls-key-file', file('server2.key')]);
      expect(await serialOf()).toBe(after);
      for (let i = 0; i < 50 && !server.output().includes(`Failed to load private key: ${file('server.key')}`); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(server.output()).toContain(`Failed to load private key: ${file('server.key')}`);
    } finally {
      await admin.config('SET', 'tls-cert-file', file('server.crt'), 'tls-key-file', file('server.key'));
      admin.disconnect();
    }
  });
});

describe('TLS settings', () => {
  /** Runs the server to its exit (bounded) and returns its output: for settings it refuses. */
  function refusedStart(args: string[]): { status: number | null; output: string } {
    const result = spawnSync(process.execPath, [SERVER_BIN, '--bind', '127.0.0.1', '--save', '', '--dir', certs.dir, ...args], {
      encoding: 'latin1',
      timeout: 15_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it('refuses to start without a certificate, without a CA for client auth, or with unknown protocols', async () => {
    const tlsPort = String(await freePort());
    const port = String(await freePort());
    const missingCert = refusedStart(['--port', port, '--tls-port', tlsPort]);
    expect(missingCert.status).toBe(1);
    expect(missingCert.output).toContain('No tls-cert-file configured!');
    expect(missingCert.output).toContain('Failed to configure TLS. Check logs for more info.');
    const noCa = refusedStart(['--port', port, '--tls-port', tlsPort, '--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key')]);
    expect(noCa.output).toContain('Either tls-ca-cert-file or tls-ca-cert-dir must be specified');
    const badProtocols = refusedStart(['--port', port, '--tls-port', tlsPort, ...serverTlsArgs(), '--tls-protocols', 'TLSv1.2 SSLv3']);
    expect(badProtocols.output).toContain("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
    const wrongKey = refusedStart(['--port', port, '--tls-port', tlsPort, ...serverTlsArgs(), '--tls-key-file', file('client.key')]);
    expect(wrongKey.output).toContain(`Failed to load private key: ${file('client.key')}`);
  });

  it('port 0 serves TLS only; INFO tcp_port shows the TLS port; tls-protocols and tls-ca-cert-dir apply', async () => {
    // The CA found through an OpenSSL hashed directory, as tls-ca-cert-dir expects it.
    const caDir = file('cadir');
    mkdirSync(caDir);
    writeFileSync(join(caDir, 'ca.pem'), readFileSync(file('ca.crt')));
    certs.openssl('rehash', caDir);
    const tlsPort = await freePort();
    const args = [
      SERVER_BIN, '--port', '0', '--tls-port', String(tlsPort), '--bind', '127.0.0.1', '--save', '', '--dir', certs.dir,
      '--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key'), '--tls-ca-cert-dir', caDir,
      '--tls-protocols', 'TLSv1.3', '--tls-ciphersuites', 'TLS_AES_128_GCM_SHA256',
    ];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const options = { ca: readFileSync(file('ca.crt')), ...identity('client') };
      await waitForTls(tlsPort, options);
      const info = tlsCli(tlsPort, ['--cacert', file('ca.crt'), ...cliIdentity('client')], ['info', 'server']).out;
      expect(info).toContain(`tcp_port:${tlsPort}`);
      // TLS 1.2 is not among tls-protocols.
      expect(await tlsPing(tlsPort, { ...options, maxVersion: 'TLSv1.2' })).toBe('refused');
      const cipher = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ port: tlsPort, host: '127.0.0.1', ...options }, () => {
          resolve(socket.getCipher().name);
          socket.destroy();
        });
        socket.on('error', reject);
      });
      expect(cipher).toBe('TLS_AES_128_GCM_SHA256');
    } finally {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
  });
});
