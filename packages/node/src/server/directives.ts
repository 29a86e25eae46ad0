import { isIP } from 'node:net';
import { bool, enumeration, numeric, string, type Codec, type ConfigValue, type DirectiveSpec } from './config.js';
import {
  bind, clientOutputBufferLimit, dir, latencyPercentiles, notifyKeyspaceEvents, oomScoreAdjValues, replicaof, save,
} from './config-special.js';

/**
 * Every directive of Redis 7.0.15 (src/config.c's standardConfig table, TLS build), with its
 * names, flags, bounds, enum values and defaults. tsredis stores and reports the ones it does
 * not act on yet, so any stock redis.conf loads and CONFIG GET * lists the same names.
 */

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const UINT_MAX = 4294967295;
const LONG_MAX = 2n ** 63n - 1n;
const ULLONG_MAX = 2n ** 64n - 1n;

const int = (min: number | bigint, max: number | bigint): Codec => numeric({ min, max });
/** unsigned int / size_t / unsigned long long storage: bounds compare unsigned. */
const uint = (min: number | bigint, max: number | bigint): Codec => numeric({ min, max, unsigned: true });
const mem = (min: number | bigint, max: number | bigint): Codec => numeric({ min, max, memory: true });
const umem = (min: number | bigint, max: number | bigint): Codec => numeric({ min, max, memory: true, unsigned: true });
/** An enum whose names have distinct values, in Redis's order. */
const names = (...list: string[]): Codec => enumeration(list.map((name, i) => [name, i] as const));
/** String configs: ALLOW_EMPTY_STRING keeps "" as a value, EMPTY_STRING_IS_NULL treats it as unset. */
const str = string();
const nullableStr = string({ emptyIsNull: true });

/** pathIsBaseName */
const baseName = (what: string, kind = 'filename') => (value: string) =>
  value.includes('/') || value.includes('\\') ? `${what} can't be a path, just a ${kind}` : null;

const notEmptyBaseName = (what: string, kind: string) => (value: string) =>
  value === '' ? `${what} can't be empty` : baseName(what, kind)(value);

const PROC_TITLE_VARS = new Set(['{title}', '{listen-addr}', '{server-mode}', '{port}', '{tls-port}', '{unixsocket}', '{config-file}']);

function validProcTitle(value: string): string | null {
  const stripped = value.replace(/\{[^{}]*\}/g, (variable) => (PROC_TITLE_VARS.has(variable) ? '' : '\0'));
  const ok = !stripped.includes('\0') && !stripped.includes('{') && !stripped.includes('}') && value.includes('{title}');
  return ok ? null : 'template format is invalid or contains unknown variables';
}

function validHostname(value: string): string | null {
  if (value.length >= 256) return 'Hostnames must be less than 256 characters';
  return /^[A-Za-z0-9.-]*$/.test(value) ? null : 'Hostnames may only contain alphanumeric characters, hyphens or dots';
}

/** CONFIG SET bind rebinds at once; addresses that are not IPs cannot be bound. */
function bindableAddresses(value: ConfigValue): string | null {
  const ok = (value as string[]).every((word) => {
    const address = word.startsWith('-') ? word.slice(1) : word;
    return address === '*' || address === '::*' || isIP(address) !== 0;
  });
  return ok ? null : 'Failed to bind to specified addresses.';
}

const SHUTDOWN_SAVE = 1;
const SHUTDOWN_NOSAVE = 2;
const shutdownOnSignal = enumeration(
  [['default', 0], ['save', SHUTDOWN_SAVE], ['nosave', SHUTDOWN_NOSAVE], ['now', 4], ['force', 8]],
  {
    bitflags: true,
    validate: (value) =>
      (value & SHUTDOWN_SAVE) !== 0 && (value & SHUTDOWN_NOSAVE) !== 0
        ? "shutdown options SAVE and NOSAVE can't be used simultaneously"
        : null,
  },
);
const protectedAction = names('no', 'yes', 'local');

export const DIRECTIVES: readonly DirectiveSpec[] = [
  // Bool configs
  { name: 'rdbchecksum', default: 'yes', codec: bool, immutable: true },
  { name: 'daemonize', default: 'no', codec: bool, immutable: true },
  { name: 'io-threads-do-reads', default: 'no', codec: bool, immutable: true },
  { name: 'always-show-logo', default: 'no', codec: bool, immutable: true },
  { name: 'protected-mode', default: 'yes', codec: bool },
  { name: 'rdbcompression', default: 'yes', codec: bool },
  { name: 'rdb-del-sync-files', default: 'no', codec: bool },
  { name: 'activerehashing', default: 'yes', codec: bool },
  { name: 'stop-writes-on-bgsave-error', default: 'yes', codec: bool },
  { name: 'set-proc-title', default: 'yes', codec: bool, immutable: true },
  { name: 'dynamic-hz', default: 'yes', codec: bool },
  { name: 'lazyfree-lazy-eviction', default: 'no', codec: bool },
  { name: 'lazyfree-lazy-expire', default: 'no', codec: bool },
  { name: 'lazyfree-lazy-server-del', default: 'no', codec: bool },
  { name: 'lazyfree-lazy-user-del', default: 'no', codec: bool },
  { name: 'lazyfree-lazy-user-flush', default: 'no', codec: bool },
  { name: 'repl-disable-tcp-nodelay', default: 'no', codec: bool },
  { name: 'repl-diskless-sync', default: 'yes', codec: bool },
  { name: 'aof-rewrite-incremental-fsync', default: 'yes', codec: bool },
  { name: 'no-appendfsync-on-rewrite', default: 'no', codec: bool },
  { name: 'cluster-require-full-coverage', default: 'yes', codec: bool },
  { name: 'rdb-save-incremental-fsync', default: 'yes', codec: bool },
  { name: 'aof-load-truncated', default: 'yes', codec: bool },
  { name: 'aof-use-rdb-preamble', default: 'yes', codec: bool },
  { name: 'aof-timestamp-enabled', default: 'no', codec: bool },
  { name: 'cluster-replica-no-failover', alias: 'cluster-slave-no-failover', default: 'no', codec: bool },
  { name: 'replica-lazy-flush', alias: 'slave-lazy-flush', default: 'no', codec: bool },
  { name: 'replica-serve-stale-data', alias: 'slave-serve-stale-data', default: 'yes', codec: bool },
  { name: 'replica-read-only', alias: 'slave-read-only', default: 'yes', codec: bool },
  { name: 'replica-ignore-maxmemory', alias: 'slave-ignore-maxmemory', default: 'yes', codec: bool },
  { name: 'jemalloc-bg-thread', default: 'yes', codec: bool },
  { name: 'activedefrag', default: 'no', codec: bool },
  { name: 'syslog-enabled', default: 'no', codec: bool, immutable: true },
  { name: 'cluster-enabled', default: 'no', codec: bool, immutable: true },
  { name: 'appendonly', default: 'no', codec: bool, denyLoading: true },
  { name: 'cluster-allow-reads-when-down', default: 'no', codec: bool },
  { name: 'cluster-allow-pubsubshard-when-down', default: 'yes', codec: bool },
  { name: 'crash-log-enabled', default: 'yes', codec: bool },
  { name: 'crash-memcheck-enabled', default: 'yes', codec: bool },
  { name: 'use-exit-on-panic', default: 'no', codec: bool, hidden: true },
  { name: 'disable-thp', default: 'yes', codec: bool, immutable: true },
  { name: 'cluster-allow-replica-migration', default: 'yes', codec: bool },
  { name: 'replica-announced', default: 'yes', codec: bool },
  { name: 'latency-tracking', default: 'yes', codec: bool },
  { name: 'aof-disable-auto-gc', default: 'no', codec: bool },
  { name: 'replica-ignore-disk-write-errors', default: 'no', codec: bool },

  // String configs
  { name: 'aclfile', default: '', codec: str, immutable: true },
  { name: 'unixsocket', default: '', codec: nullableStr, immutable: true },
  { name: 'pidfile', default: '', codec: nullableStr, immutable: true },
  { name: 'replica-announce-ip', alias: 'slave-announce-ip', default: '', codec: nullableStr },
  { name: 'masteruser', default: '', codec: nullableStr, sensitive: true },
  { name: 'cluster-announce-ip', default: '', codec: nullableStr },
  { name: 'cluster-config-file', default: 'nodes.conf', codec: str, immutable: true },
  { name: 'cluster-announce-hostname', default: '', codec: string({ emptyIsNull: true, validate: validHostname }) },
  { name: 'syslog-ident', default: 'redis', codec: str, immutable: true },
  { name: 'dbfilename', default: 'dump.rdb', codec: string({ validate: baseName('dbfilename') }), protected: true },
  { name: 'appendfilename', default: 'appendonly.aof', codec: string({ validate: notEmptyBaseName('appendfilename', 'filename') }), immutable: true },
  { name: 'appenddirname', default: 'appendonlydir', codec: string({ validate: notEmptyBaseName('appenddirname', 'dirname') }), immutable: true },
  { name: 'server_cpulist', default: '', codec: nullableStr, immutable: true },
  { name: 'bio_cpulist', default: '', codec: nullableStr, immutable: true },
  { name: 'aof_rewrite_cpulist', default: '', codec: nullableStr, immutable: true },
  { name: 'bgsave_cpulist', default: '', codec: nullableStr, immutable: true },
  { name: 'ignore-warnings', default: '', codec: str },
  { name: 'proc-title-template', default: '{title} {listen-addr} {server-mode}', codec: string({ validate: validProcTitle }) },
  { name: 'bind-source-addr', default: '', codec: nullableStr },
  { name: 'logfile', default: '', codec: str, immutable: true },

  // SDS configs
  { name: 'masterauth', default: '', codec: nullableStr, sensitive: true },
  { name: 'requirepass', default: '', codec: nullableStr, sensitive: true },

  // Enum configs
  { name: 'supervised', default: 'no', codec: enumeration([['upstart', 3], ['systemd', 2], ['auto', 1], ['no', 0]]), immutable: true },
  { name: 'syslog-facility', default: 'local0', codec: names('user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'), immutable: true },
  { name: 'repl-diskless-load', default: 'disabled', codec: names('disabled', 'on-empty-db', 'swapdb'), denyLoading: true },
  { name: 'loglevel', default: 'notice', codec: names('debug', 'verbose', 'notice', 'warning') },
  { name: 'maxmemory-policy', default: 'noeviction', codec: names('volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction') },
  { name: 'appendfsync', default: 'everysec', codec: enumeration([['everysec', 2], ['always', 1], ['no', 0]]) },
  { name: 'oom-score-adj', default: 'no', codec: enumeration([['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]]) },
  { name: 'acl-pubsub-default', default: 'resetchannels', codec: enumeration([['allchannels', 8], ['resetchannels', 0]]) },
  { name: 'sanitize-dump-payload', default: 'no', codec: names('no', 'yes', 'clients') },
  { name: 'enable-protected-configs', default: 'no', codec: protectedAction, immutable: true },
  { name: 'enable-debug-command', default: 'no', codec: protectedAction, immutable: true },
  { name: 'enable-module-command', default: 'no', codec: protectedAction, immutable: true },
  { name: 'cluster-preferred-endpoint-type', default: 'ip', codec: names('ip', 'hostname', 'unknown-endpoint') },
  { name: 'propagation-error-behavior', default: 'ignore', codec: names('ignore', 'panic', 'panic-on-replicas') },
  { name: 'shutdown-on-sigint', default: 'default', codec: shutdownOnSignal },
  { name: 'shutdown-on-sigterm', default: 'default', codec: shutdownOnSignal },

  // Integer configs
  { name: 'databases', default: '16', codec: int(1, INT_MAX), immutable: true },
  { name: 'port', default: '6379', codec: int(0, 65535) },
  { name: 'io-threads', default: '1', codec: int(1, 128), immutable: true },
  { name: 'auto-aof-rewrite-percentage', default: '100', codec: int(0, INT_MAX) },
  { name: 'cluster-replica-validity-factor', alias: 'cluster-slave-validity-factor', default: '10', codec: int(0, INT_MAX) },
  { name: 'list-max-listpack-size', alias: 'list-max-ziplist-size', default: '-2', codec: int(INT_MIN, INT_MAX) },
  { name: 'tcp-keepalive', default: '300', codec: int(0, INT_MAX) },
  { name: 'cluster-migration-barrier', default: '1', codec: int(0, INT_MAX) },
  { name: 'active-defrag-cycle-min', default: '1', codec: int(1, 99) },
  { name: 'active-defrag-cycle-max', default: '25', codec: int(1, 99) },
  { name: 'active-defrag-threshold-lower', default: '10', codec: int(0, 1000) },
  { name: 'active-defrag-threshold-upper', default: '100', codec: int(0, 1000) },
  { name: 'lfu-log-factor', default: '10', codec: int(0, INT_MAX) },
  { name: 'lfu-decay-time', default: '1', codec: int(0, INT_MAX) },
  { name: 'replica-priority', alias: 'slave-priority', default: '100', codec: int(0, INT_MAX) },
  { name: 'repl-diskless-sync-delay', default: '5', codec: int(0, INT_MAX) },
  { name: 'maxmemory-samples', default: '5', codec: int(1, INT_MAX) },
  { name: 'maxmemory-eviction-tenacity', default: '10', codec: int(0, 100) },
  { name: 'timeout', default: '0', codec: int(0, INT_MAX) },
  { name: 'replica-announce-port', alias: 'slave-announce-port', default: '0', codec: int(0, 65535) },
  { name: 'tcp-backlog', default: '511', codec: int(0, INT_MAX), immutable: true },
  { name: 'cluster-port', default: '0', codec: int(0, 65535), immutable: true },
  { name: 'cluster-announce-bus-port', default: '0', codec: int(0, 65535) },
  { name: 'cluster-announce-port', default: '0', codec: int(0, 65535) },
  { name: 'cluster-announce-tls-port', default: '0', codec: int(0, 65535) },
  { name: 'repl-timeout', default: '60', codec: int(1, INT_MAX) },
  { name: 'repl-ping-replica-period', alias: 'repl-ping-slave-period', default: '10', codec: int(1, INT_MAX) },
  { name: 'list-compress-depth', default: '0', codec: int(0, INT_MAX) },
  { name: 'rdb-key-save-delay', default: '0', codec: int(INT_MIN, INT_MAX), hidden: true },
  { name: 'key-load-delay', default: '0', codec: int(INT_MIN, INT_MAX), hidden: true },
  { name: 'active-expire-effort', default: '1', codec: int(1, 10) },
  // Out-of-range values are accepted and capped to 1..500 (Redis's CONFIG_MIN_HZ/MAX_HZ).
  { name: 'hz', default: '10', codec: numeric({ min: 0, max: INT_MAX, clamp: [1, 500] }) },
  { name: 'min-replicas-to-write', alias: 'min-slaves-to-write', default: '0', codec: int(0, INT_MAX) },
  { name: 'min-replicas-max-lag', alias: 'min-slaves-max-lag', default: '10', codec: int(0, INT_MAX) },
  { name: 'watchdog-period', default: '0', codec: int(0, INT_MAX), hidden: true },
  { name: 'shutdown-timeout', default: '10', codec: int(0, INT_MAX) },
  { name: 'repl-diskless-sync-max-replicas', default: '0', codec: int(0, INT_MAX) },

  // Unsigned int configs
  { name: 'maxclients', default: '10000', codec: uint(1, UINT_MAX) },
  { name: 'unixsocketperm', default: '0', codec: numeric({ min: 0, max: 0o777, unsigned: true, octal: true }), immutable: true },
  { name: 'socket-mark-id', default: '0', codec: uint(0, UINT_MAX), immutable: true },

  // Unsigned long configs (signed bounds in Redis's check)
  { name: 'active-defrag-max-scan-fields', default: '1000', codec: int(1, LONG_MAX) },
  { name: 'slowlog-max-len', default: '128', codec: int(0, LONG_MAX) },
  { name: 'acllog-max-len', default: '128', codec: int(0, LONG_MAX) },

  // Long long configs
  { name: 'busy-reply-threshold', alias: 'lua-time-limit', default: '5000', codec: int(0, LONG_MAX) },
  { name: 'cluster-node-timeout', default: '15000', codec: int(0, LONG_MAX) },
  { name: 'slowlog-log-slower-than', default: '10000', codec: int(-1, LONG_MAX) },
  { name: 'latency-monitor-threshold', default: '0', codec: int(0, LONG_MAX) },
  { name: 'proto-max-bulk-len', default: '536870912', codec: mem(1024 * 1024, LONG_MAX) },
  { name: 'stream-node-max-entries', default: '100', codec: int(0, LONG_MAX) },
  { name: 'repl-backlog-size', default: '1048576', codec: mem(1, LONG_MAX) },

  // Unsigned long long configs
  { name: 'maxmemory', default: '0', codec: umem(0, ULLONG_MAX) },
  { name: 'cluster-link-sendbuf-limit', default: '0', codec: umem(0, ULLONG_MAX) },

  // size_t configs
  { name: 'hash-max-listpack-entries', alias: 'hash-max-ziplist-entries', default: '512', codec: uint(0, LONG_MAX) },
  { name: 'set-max-intset-entries', default: '512', codec: uint(0, LONG_MAX) },
  { name: 'zset-max-listpack-entries', alias: 'zset-max-ziplist-entries', default: '128', codec: uint(0, LONG_MAX) },
  { name: 'active-defrag-ignore-bytes', default: '104857600', codec: umem(1, LONG_MAX) },
  { name: 'hash-max-listpack-value', alias: 'hash-max-ziplist-value', default: '64', codec: umem(0, LONG_MAX) },
  { name: 'stream-node-max-bytes', default: '4096', codec: umem(0, LONG_MAX) },
  { name: 'zset-max-listpack-value', alias: 'zset-max-ziplist-value', default: '64', codec: umem(0, LONG_MAX) },
  { name: 'hll-sparse-max-bytes', default: '3000', codec: umem(0, LONG_MAX) },
  { name: 'tracking-table-max-keys', default: '1000000', codec: uint(0, LONG_MAX) },
  { name: 'client-query-buffer-limit', default: '1073741824', codec: umem(1024 * 1024, LONG_MAX) },
  { name: 'maxmemory-clients', default: '0', codec: numeric({ min: -100, max: LONG_MAX, memory: true, percent: true }) },

  // Other numeric configs (time_t, off_t)
  { name: 'repl-backlog-ttl', default: '3600', codec: int(0, LONG_MAX) },
  { name: 'auto-aof-rewrite-min-size', default: '67108864', codec: mem(0, LONG_MAX) },
  { name: 'loading-process-events-interval-bytes', default: '2097152', codec: int(1024, INT_MAX), hidden: true },

  // TLS configs (Redis built with TLS, as distribution packages are)
  { name: 'tls-port', default: '0', codec: int(0, 65535) },
  { name: 'tls-session-cache-size', default: '20480', codec: int(0, INT_MAX) },
  { name: 'tls-session-cache-timeout', default: '300', codec: int(0, INT_MAX) },
  { name: 'tls-cluster', default: 'no', codec: bool },
  { name: 'tls-replication', default: 'no', codec: bool },
  { name: 'tls-auth-clients', default: 'yes', codec: names('no', 'yes', 'optional') },
  { name: 'tls-prefer-server-ciphers', default: 'no', codec: bool },
  { name: 'tls-session-caching', default: 'yes', codec: bool },
  { name: 'tls-cert-file', default: '', codec: nullableStr },
  { name: 'tls-key-file', default: '', codec: nullableStr },
  { name: 'tls-key-file-pass', default: '', codec: nullableStr },
  { name: 'tls-client-cert-file', default: '', codec: nullableStr },
  { name: 'tls-client-key-file', default: '', codec: nullableStr },
  { name: 'tls-client-key-file-pass', default: '', codec: nullableStr },
  { name: 'tls-dh-params-file', default: '', codec: nullableStr },
  { name: 'tls-ca-cert-file', default: '', codec: nullableStr },
  { name: 'tls-ca-cert-dir', default: '', codec: nullableStr },
  { name: 'tls-protocols', default: '', codec: nullableStr },
  { name: 'tls-ciphers', default: '', codec: nullableStr },
  { name: 'tls-ciphersuites', default: '', codec: nullableStr },

  // tsredis's own (hidden: CONFIG GET * lists exactly Redis's directives)
  // Prometheus text endpoint on this port (0: off), see metrics.ts.
  { name: 'metrics-port', default: '0', codec: int(0, 65535), hidden: true },
  // Log a warning when used memory crosses this share of maxmemory (0: never), see memory-warning.ts.
  { name: 'maxmemory-warning-percent', default: '75', codec: int(0, 100), hidden: true },

  // Special configs
  { name: 'dir', default: '.', codec: dir, protected: true, denyLoading: true },
  { name: 'save', default: '3600 1 300 100 60 10000', codec: save },
  { name: 'client-output-buffer-limit', default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', codec: clientOutputBufferLimit },
  { name: 'oom-score-adj-values', default: '0 200 800', codec: oomScoreAdjValues },
  { name: 'notify-keyspace-events', default: '', codec: notifyKeyspaceEvents },
  { name: 'bind', default: '* -::*', codec: bind, applyCheck: bindableAddresses },
  { name: 'replicaof', alias: 'slaveof', default: 'no one', codec: replicaof, immutable: true },
  { name: 'latency-tracking-info-percentiles', default: '50 99 99.9', codec: latencyPercentiles },
];
