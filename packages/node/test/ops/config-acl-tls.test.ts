import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { TestCertificates } from '../../../../test/helpers/certs.js';
import { freePort } from '../../../../test/helpers/ports.js';
import { spawnCaptured, terminate, waitForPort, type Spawned } from '../../../../test/helpers/process.js';
import { hasRealRedis, SERVER_BIN } from '../../../../test/helpers/servers.js';

/**
 * Issue 6 configuration edges, each run on tsredis and (when installed) on real Redis 7.0 with
 * the same config file: CONFIG REWRITE writes the ACL `user` lines (all users, unless an aclfile
 * holds them), and CONFIG SET of tls-* settings that cannot be used is refused with Redis's
 * error while the old settings stay in force.
 */

const REAL = hasRealRedis();
if (!REAL) console.warn('redis-server not installed: the CONFIG REWRITE / TLS comparisons with real Redis 7.0 are SKIPPED');

const scratch = mkdtempSync(join(tmpdir(), 'tsredis-ops-config-'));
const certs = new TestCertificates(scratch);
const running: Spawned[] = [];
afterAll(async () => {
  for (const spawned of running) await terminate(spawned);
  rmSync(scratch, { recursive: true, force: true });
});

type Kind = 'tsredis' | 'redis';
const KINDS: Kind[] = REAL ? ['tsredis', 'redis'] : ['tsredis'];

interface Started {
  port: number;
  redis: Redis;
  spawned: Spawned;
}

/** Starts a server on a config file (the file comes first, as both servers require). */
async function startWithFile(kind: Kind, file: string, extra: string[] = []): Promise<Started> {
  const port = await freePort();
  const args = [file, '--port', String(port), '--bind', '127.0.0.1', '--dir', scratch, '--save', '', ...extra];
  const spawned = kind === 'tsredis' ? spawnCaptured(process.execPath, [SERVER_BIN, ...args]) : spawnCaptured('redis-server', args);
  running.push(spawned);
  await waitForPort(port, { spawned, name: kind });
  const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  return { port, redis, spawned };
}

async function stop(started: Started): Promise<void> {
  started.redis.disconnect();
  await terminate(started.spawned);
}

const reply = (promise: Promise<unknown>) => promise.then(String, (error: Error) => error.message);

/** The `user` lines of a config file and the lines around them that matter here. */
function userLines(file: string): string[] {
  return readFileSync(file, 'latin1').split('\n').filter((line) => line.startsWith('user '));
}

describe('CONFIG REWRITE and ACL users', () => {
  it.each(KINDS)('writes every ACL user when users come from the config file (%s)', async (kind) => {
    const file = join(scratch, `users-${kind}.conf`);
    writeFileSync(file, '# users\nuser alice on >secret ~a* +get\nhz 10\n');
    const server = await startWithFile(kind, file);
    await server.redis.call('ACL', 'SETUSER', 'bob', 'on', '>pw', '~k*', '&chan', '+set', '+get');
    await server.redis.call('ACL', 'SETUSER', 'alice', '+del');
    const listed = (await server.redis.call('ACL', 'LIST')) as string[];
    expect(await server.redis.call('CONFIG', 'REWRITE')).toBe('OK');
    await stop(server);
    // Each user as ACL LIST describes it, the default user included.
    expect(userLines(file)).toEqual(listed);
    expect(listed.map((line) => line.split(' ')[1])).toEqual(['alice', 'bob', 'default']);
    // The rewritten file starts a server with the same users and permissions.
    const again = await startWithFile(kind, file);
    expect(await again.redis.call('ACL', 'USERS')).toEqual(['alice', 'bob', 'default']);
    expect(await again.redis.call('ACL', 'DRYRUN', 'alice', 'del', 'a1')).toBe('OK');
    expect(await again.redis.call('ACL', 'DRYRUN', 'bob', 'set', 'k1', 'v')).toBe('OK');
    expect(await reply(again.redis.call('ACL', 'DRYRUN', 'bob', 'del', 'k1'))).toContain('no permissions');
    expect(await reply(again.redis.call('AUTH', 'alice', 'secret'))).toBe('OK');
    await stop(again);
  });

  it.each(KINDS)('drops the file user lines when an aclfile holds the users (%s)', async (kind) => {
    const aclfile = join(scratch, `users-${kind}.acl`);
    writeFileSync(aclfile, 'user carol on nopass ~* +@all\nuser default on nopass ~* &* +@all\n');
    const file = join(scratch, `aclfile-${kind}.conf`);
    writeFileSync(file, `aclfile ${aclfile}\n`);
    const server = await startWithFile(kind, file);
    expect(await server.redis.call('CONFIG', 'REWRITE')).toBe('OK');
    await stop(server);
    expect(userLines(file)).toEqual([]);
  });

  it.skipIf(!REAL)('writes the same file as real Redis', async () => {
    const texts: string[] = [];
    for (const kind of KINDS) {
      const file = join(scratch, `same-${kind}.conf`);
      writeFileSync(file, 'user alice on >secret ~a* +get\n# kept\nuser extra off\n');
      const server = await startWithFile(kind, file);
      await server.redis.call('ACL', 'DELUSER', 'extra');
      await server.redis.call('ACL', 'SETUSER', 'zed', 'on', 'nopass', '%R~r*', '+@read');
      expect(await server.redis.call('CONFIG', 'REWRITE')).toBe('OK');
      await stop(server);
      // Where the user lines go (by user name) among the comments: the rest differs by defaults.
      const lines = readFileSync(file, 'latin1').split('\n');
      texts.push(lines.filter((line) => line.startsWith('user ') || line.startsWith('#')).map((line) => line.split(' ').slice(0, 2).join(' ')).join('\n'));
    }
    expect(texts[0]).toBe(texts[1]);
  });
});

/** A TLS PING with the given trusted certificate: "PONG" or the failure. */
function tlsPing(port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', ca: readFileSync(join(scratch, ca)), servername: 'localhost' });
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('secureConnect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk: Buffer) => {
      socket.destroy();
      resolve(chunk.toString('latin1').trim().replace(/^\+/, ''));
    });
    socket.once('error', (error) => resolve(error.message));
  });
}

describe('CONFIG SET of tls-* settings', () => {
  certs.selfSigned('first', 'localhost');
  certs.selfSigned('second', 'localhost');
  const file = join(scratch, 'empty.conf');
  writeFileSync(file, '');

  it.each(KINDS)('refuses unusable settings, keeping the old ones in force (%s)', async (kind) => {
    const tlsPort = await freePort();
    const server = await startWithFile(kind, file, [
      '--tls-port', String(tlsPort), '--tls-cert-file', join(scratch, 'first.crt'), '--tls-key-file', join(scratch, 'first.key'),
      '--tls-auth-clients', 'no',
    ]);
    await waitForPort(tlsPort);
    expect(await tlsPing(tlsPort, 'first.crt')).toBe('PONG');
    const refused = "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.";
    expect(await reply(server.redis.call('CONFIG', 'SET', 'tls-cert-file', join(scratch, 'missing.crt')))).toBe(refused);
    expect(await server.redis.call('CONFIG', 'GET', 'tls-cert-file')).toEqual(['tls-cert-file', join(scratch, 'first.crt')]);
    // A certificate that does not match the key is refused too, naming the first argument.
    const mismatch = await reply(server.redis.call('CONFIG', 'SET', 'tls-cert-file', join(scratch, 'second.crt'), 'hz', '11'));
    expect(mismatch).toBe(refused);
    expect(await server.redis.call('CONFIG', 'GET', 'hz')).toEqual(['hz', '10']);
    expect(await tlsPing(tlsPort, 'first.crt')).toBe('PONG');
    // A usable pair is taken, and new connections get the new certificate.
    expect(await server.redis.call('CONFIG', 'SET', 'tls-cert-file', join(scratch, 'second.crt'), 'tls-key-file', join(scratch, 'second.key'))).toBe('OK');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await tlsPing(tlsPort, 'second.crt')).toBe('PONG');
    expect(await tlsPing(tlsPort, 'first.crt')).not.toBe('PONG');
    await stop(server);
  });
});
