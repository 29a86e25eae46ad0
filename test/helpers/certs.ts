import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Throwaway certificates for TLS tests, made with `openssl` in a temporary directory. */
export class TestCertificates {
  constructor(readonly dir = mkdtempSync(join(tmpdir(), 'tsredis-certs-'))) {}

  file(name: string): string {
    return join(this.dir, name);
  }

  /** `openssl` one-shot in the directory, bounded; throws with its stderr when it fails. */
  openssl(...args: string[]): void {
    const result = spawnSync('openssl', args, { cwd: this.dir, encoding: 'latin1', timeout: 20_000 });
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  }

  /** A self-signed certificate `<name>.crt` with its key `<name>.key` (a CA, or a certificate trusted directly). */
  selfSigned(name: string, commonName = name): void {
    this.openssl('req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${commonName}`);
  }

  /** A certificate signed by the CA `ca`, with the given openssl extension lines. */
  leaf(name: string, ca: string, extensions: string): void {
    this.openssl('req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(this.file(`${name}.ext`), extensions);
    this.openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }

  /** The tls-* directives of a process presenting `identity` and trusting `ca`, as [name, value] pairs. */
  directives(identity: string, ca: string): [string, string][] {
    return [['tls-cert-file', this.file(`${identity}.crt`)], ['tls-key-file', this.file(`${identity}.key`)], ['tls-ca-cert-file', this.file(`${ca}.crt`)]];
  }

  /** The same directives as `--name value` command-line arguments. */
  args(identity: string, ca: string): string[] {
    return this.directives(identity, ca).flatMap(([name, value]) => [`--${name}`, value]);
  }

  /** A certificate and key as node:tls and ioredis take them. */
  identity(name: string): { cert: Buffer; key: Buffer } {
    return { cert: readFileSync(this.file(`${name}.crt`)), key: readFileSync(this.file(`${name}.key`)) };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
