import { bool, integer, memory, oneOf, text, words, type DirectiveSpec } from './config.js';

const INT_MAX = 2147483647;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

/** The directives tsredis understands, with Redis 7.0's names, bounds and defaults. */
export const DIRECTIVES: readonly DirectiveSpec[] = [
  { name: 'port', default: '6379', codec: integer(0, 65535) },
  { name: 'bind', default: '* -::*', codec: words },
  { name: 'protected-mode', default: 'yes', codec: bool },
  { name: 'requirepass', default: '', codec: text, sensitive: true },
  { name: 'maxclients', default: '10000', codec: integer(1, INT_MAX) },
  { name: 'timeout', default: '0', codec: integer(0, INT_MAX) },
  { name: 'databases', default: '16', codec: integer(1, INT_MAX), immutable: true },
  { name: 'dir', default: '.', codec: text },
  { name: 'logfile', default: '', codec: text, immutable: true },
  { name: 'loglevel', default: 'notice', codec: oneOf('debug', 'verbose', 'notice', 'warning') },
  { name: 'hz', default: '10', codec: integer(0, INT_MAX) },
  { name: 'pidfile', default: '', codec: text, immutable: true },
  { name: 'tcp-keepalive', default: '300', codec: integer(0, INT_MAX) },
  { name: 'tcp-backlog', default: '511', codec: integer(0, INT_MAX), immutable: true },
  { name: 'proto-max-bulk-len', default: '536870912', codec: memory(1024 * 1024, LONG_MAX) },
  { name: 'client-query-buffer-limit', default: '1073741824', codec: memory(1024 * 1024, LONG_MAX) },
  { name: 'daemonize', default: 'no', codec: bool, immutable: true },
  { name: 'save', default: '3600 1 300 100 60 10000', codec: words },
  { name: 'appendonly', default: 'no', codec: bool },
  { name: 'dbfilename', default: 'dump.rdb', codec: text },
  { name: 'notify-keyspace-events', default: '', codec: text },
  { name: 'slowlog-log-slower-than', default: '10000', codec: integer(-1, LONG_MAX) },
  { name: 'slowlog-max-len', default: '128', codec: integer(0, LONG_MAX) },
  { name: 'latency-monitor-threshold', default: '0', codec: integer(0, LONG_MAX) },
  { name: 'maxmemory', default: '0', codec: memory(0, LONG_MAX) },
  { name: 'maxmemory-policy', default: 'noeviction', codec: oneOf('volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction') },
  { name: 'maxmemory-samples', default: '5', codec: integer(1, 64) },
  { name: 'lazyfree-lazy-user-flush', default: 'no', codec: bool },
];
