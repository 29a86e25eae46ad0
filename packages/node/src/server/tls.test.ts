import { constants } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseProtocols, SessionCache, TlsConfigError } from './tls.js';

describe('parseProtocols (tls-protocols)', () => {
  it('defaults to TLSv1.2 and TLSv1.3 like REDIS_TLS_PROTO_DEFAULT', () => {
    expect(parseProtocols('')).toEqual({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', secureOptions: 0 });
  });

  it('takes versions in any order and case', () => {
    expect(parseProtocols('tlsv1.3')).toEqual({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', secureOptions: 0 });
    expect(parseProtocols('TLSV1.3 tlsv1.1')).toEqual({
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.3',
      secureOptions: constants.SSL_OP_NO_TLSv1_2,
    });
  });

  it('disables the versions missing inside the range', () => {
    const range = parseProtocols('TLSv1 TLSv1.3');
    expect(range.minVersion).toBe('TLSv1');
    expect(range.maxVersion).toBe('TLSv1.3');
    expect(range.secureOptions).toBe(constants.SSL_OP_NO_TLSv1_1 | constants.SSL_OP_NO_TLSv1_2);
  });

  it('refuses unknown words and empty words (double spaces), as sdssplitlen leaves them', () => {
    expect(() => parseProtocols('TLSv1.2 SSLv3')).toThrow(TlsConfigError);
    expect(() => parseProtocols('TLSv1.2  TLSv1.3')).toThrow(/Invalid tls-protocols specified/);
  });
});

describe('SessionCache (tls-session-caching, tls-session-cache-size)', () => {
  const id = (n: number) => Buffer.from([n]);

  it('keeps at most `capacity` sessions, dropping the oldest', () => {
    const cache = new SessionCache();
    cache.capacity = 2;
    for (let n = 1; n <= 3; n++) cache.store(id(n), Buffer.from(`s${n}`));
    expect(cache.size).toBe(2);
    expect(cache.find(id(1))).toBeNull();
    expect(cache.find(id(3))?.toString()).toBe('s3');
  });

  it('is unbounded at capacity 0 and stores nothing when disabled', () => {
    const cache = new SessionCache();
    for (let n = 0; n < 100; n++) cache.store(id(n), Buffer.from('s'));
    expect(cache.size).toBe(100);
    cache.enabled = false;
    expect(cache.find(id(1))).toBeNull();
    cache.store(id(200), Buffer.from('s'));
    expect(cache.size).toBe(100);
  });
});
