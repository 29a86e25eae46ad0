import { describe, expect, it } from 'vitest';
import { Config, formatMemoryForFile, parseMemoryBig, strtoll } from './config.js';
import { notifyFlagsFromString, notifyFlagsToString } from './config-special.js';
import { DIRECTIVES } from './directives.js';

const fresh = () => new Config(DIRECTIVES);

describe('Config', () => {
  it('registers every Redis 7.0 name CONFIG GET * lists (aliases included, hidden ones excluded)', () => {
    expect(fresh().match(['*'])).toHaveLength(192);
    expect(fresh().match(['rdb-key-save-delay'])).toHaveLength(1);
  });

  it('echoes exact names as typed and matches patterns case-insensitively', () => {
    const config = fresh();
    expect(config.match(['HZ']).map((m) => m.name)).toEqual(['HZ']);
    expect(config.match(['Hz*', 'hz']).map((m) => m.name)).toEqual(['hz']);
  });

  it('sets several directives atomically', () => {
    const config = fresh();
    expect(config.setMany([['maxmemory', '1gb'], ['hz', 'abc']], false)).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
    );
    expect(config.int('maxmemory')).toBe(0);
    expect(config.setMany([['maxmemory', '1gb'], ['hz', '1000']], false)).toBeNull();
    expect(config.int('maxmemory')).toBe(1024 ** 3);
    expect(config.int('hz')).toBe(500);
  });

  it("runs apply functions once with every new value in place; a refusal restores all (Redis's apply step)", () => {
    const config = fresh();
    const seen: string[] = [];
    const changes: unknown[] = [];
    config.watch('tls-cert-file', (value) => changes.push(value));
    config.addApply(['tls-cert-file', 'tls-key-file'], () => {
      seen.push(`${config.str('tls-cert-file')}+${config.str('tls-key-file')}`);
      return config.str('tls-key-file') === 'bad' ? 'Unable to update TLS configuration. Check server logs.' : null;
    });
    expect(config.setMany([['tls-cert-file', 'a.crt'], ['hz', '20'], ['tls-key-file', 'bad']], false)).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.",
    );
    expect([config.str('tls-cert-file'), config.int('hz'), config.str('tls-key-file')]).toEqual(['', 10, '']);
    expect(config.setMany([['tls-cert-file', 'a.crt'], ['tls-key-file', 'a.key']], false)).toBeNull();
    expect(seen).toEqual(['a.crt+bad', 'a.crt+a.key']);
    // Watchers hear only of what was kept.
    expect(changes).toEqual(['', 'a.crt']);
  });

  it('answers LOADING for directives Redis does not change while loading', () => {
    const config = fresh();
    config.loading = true;
    expect(config.setMany([['appendonly', 'yes']], false)).toBe('LOADING Redis is loading the dataset in memory');
    expect(config.setMany([['hz', '20']], false)).toBeNull();
    config.loading = false;
    expect(config.setMany([['appendonly', 'yes']], false)).toBeNull();
  });

  it('words errors as Redis: unknown, immutable, duplicate, protected', () => {
    const config = fresh();
    expect(config.setMany([['hz', 'x'], ['foo', '1']], false)).toBe(
      "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
    );
    expect(config.setMany([['daemonize', 'no']], false)).toContain("'daemonize') - can't set immutable config");
    expect(config.setMany([['HZ', '1'], ['hz', '2']], false)).toContain("'hz') - duplicate parameter");
    expect(config.setMany([['dir', '/tmp']], false)).toContain("'dir') - can't set protected config");
    // An alias and its primary name are separate entries for Redis.
    expect(config.setMany([['replica-priority', '5'], ['slave-priority', '6']], false)).toBeNull();
  });

  it('keeps values beyond 2^53 exact', () => {
    const config = fresh();
    expect(config.setMany([['slowlog-log-slower-than', '9223372036854775807']], false)).toBeNull();
    expect(config.format(config.spec('slowlog-log-slower-than')!)).toBe('9223372036854775807');
  });

  it('normalises enums, bitflag enums and keyspace event flags', () => {
    const config = fresh();
    config.setMany([['oom-score-adj', 'relative'], ['shutdown-on-sigint', 'now save']], false);
    expect(config.str('oom-score-adj')).toBe('yes');
    expect(config.str('shutdown-on-sigint')).toBe('save now');
    expect(notifyFlagsToString(notifyFlagsFromString('Exgz$lshtdnm'))).toBe('g$lshzxtdnEm');
    expect(notifyFlagsToString(notifyFlagsFromString('KEA'))).toBe('AKE');
    expect(notifyFlagsFromString('Q')).toBe(-1);
  });

  it('updates only the named client-output-buffer-limit classes', () => {
    const config = fresh();
    expect(config.setMany([['client-output-buffer-limit', 'pubsub 1mb 2 3']], false)).toBeNull();
    expect(config.list('client-output-buffer-limit').join(' ')).toBe(
      'normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2 3',
    );
  });
});

describe('number parsing helpers', () => {
  it('memtoull units and failures', () => {
    expect(parseMemoryBig('1gb')).toBe(1024n ** 3n);
    expect(parseMemoryBig('10k')).toBe(10000n);
    expect(parseMemoryBig('-1')).toBeNull();
    expect(parseMemoryBig('1x')).toBeNull();
  });

  it('strtoll consumption rules', () => {
    expect(strtoll(' 12')).toEqual({ value: 12n, complete: true });
    expect(strtoll('12a')).toEqual({ value: 12n, complete: false });
    expect(strtoll('')).toEqual({ value: 0n, complete: true });
  });

  it('writes memory for the file with gb/mb/kb', () => {
    expect(formatMemoryForFile(1024n ** 3n)).toBe('1gb');
    expect(formatMemoryForFile(3n * 1024n)).toBe('3kb');
    expect(formatMemoryForFile(1000n)).toBe('1000');
  });
});
