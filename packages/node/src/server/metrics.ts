/**
 * The built-in Prometheus endpoint (`metrics-port`, off at 0): GET /metrics in the text
 * exposition format, with the metric names, types and labels redis_exporter gives the same
 * figures. Like the exporter it reads INFO ALL (so the endpoint and INFO never disagree), the
 * maxmemory/maxclients settings, the slow log and LATENCY LATEST.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { infoText } from '../commands/info.js';
import { listenAll, type ListenAddress } from './listen.js';
import type { Server } from './server.js';

type MetricType = 'gauge' | 'counter' | 'summary';

/** redis_exporter's namespace. */
const PREFIX = 'redis_';

/** INFO fields redis_exporter exports as gauges, with its names for them (Redis 7.0 fields). */
const GAUGES: Readonly<Record<string, string>> = {
  uptime_in_seconds: 'uptime_in_seconds',
  process_id: 'process_id',
  io_threads_active: 'io_threads_active',
  connected_clients: 'connected_clients',
  blocked_clients: 'blocked_clients',
  maxclients: 'max_clients',
  tracking_clients: 'tracking_clients',
  clients_in_timeout_table: 'clients_in_timeout_table',
  client_recent_max_output_buffer: 'client_recent_max_output_buffer_bytes',
  client_recent_max_input_buffer: 'client_recent_max_input_buffer_bytes',
  allocator_active: 'allocator_active_bytes',
  allocator_allocated: 'allocator_allocated_bytes',
  allocator_resident: 'allocator_resident_bytes',
  allocator_frag_ratio: 'allocator_frag_ratio',
  allocator_frag_bytes: 'allocator_frag_bytes',
  allocator_rss_ratio: 'allocator_rss_ratio',
  allocator_rss_bytes: 'allocator_rss_bytes',
  used_memory: 'memory_used_bytes',
  used_memory_rss: 'memory_used_rss_bytes',
  used_memory_peak: 'memory_used_peak_bytes',
  used_memory_lua: 'memory_used_lua_bytes',
  used_memory_vm_eval: 'memory_used_vm_eval_bytes',
  used_memory_scripts_eval: 'memory_used_scripts_eval_bytes',
  used_memory_overhead: 'memory_used_overhead_bytes',
  used_memory_startup: 'memory_used_startup_bytes',
  used_memory_dataset: 'memory_used_dataset_bytes',
  number_of_cached_scripts: 'number_of_cached_scripts',
  number_of_functions: 'number_of_functions',
  number_of_libraries: 'number_of_libraries',
  used_memory_vm_functions: 'memory_used_vm_functions_bytes',
  used_memory_scripts: 'memory_used_scripts_bytes',
  used_memory_functions: 'memory_used_functions_bytes',
  used_memory_vm_total: 'memory_used_vm_total',
  maxmemory: 'memory_max_bytes',
  mem_fragmentation_ratio: 'mem_fragmentation_ratio',
  mem_fragmentation_bytes: 'mem_fragmentation_bytes',
  mem_clients_slaves: 'mem_clients_slaves',
  mem_clients_normal: 'mem_clients_normal',
  mem_cluster_links: 'mem_cluster_links_bytes',
  mem_aof_buffer: 'mem_aof_buffer_bytes',
  mem_replication_backlog: 'mem_replication_backlog_bytes',
  expired_stale_perc: 'expired_stale_percentage',
  mem_not_counted_for_evict: 'mem_not_counted_for_eviction_bytes',
  mem_total_replication_buffers: 'mem_total_replication_buffers_bytes',
  lazyfree_pending_objects: 'lazyfree_pending_objects',
  lazyfreed_objects: 'lazyfreed_objects',
  active_defrag_running: 'active_defrag_running',
  migrate_cached_sockets: 'migrate_cached_sockets_total',
  active_defrag_hits: 'defrag_hits',
  active_defrag_misses: 'defrag_misses',
  active_defrag_key_hits: 'defrag_key_hits',
  active_defrag_key_misses: 'defrag_key_misses',
  loading: 'loading_dump_file',
  async_loading: 'async_loading',
  rdb_changes_since_last_save: 'rdb_changes_since_last_save',
  rdb_bgsave_in_progress: 'rdb_bgsave_in_progress',
  rdb_last_save_time: 'rdb_last_save_timestamp_seconds',
  rdb_last_bgsave_status: 'rdb_last_bgsave_status',
  rdb_last_bgsave_time_sec: 'rdb_last_bgsave_duration_sec',
  rdb_current_bgsave_time_sec: 'rdb_current_bgsave_duration_sec',
  rdb_saves: 'rdb_saves_total',
  rdb_last_cow_size: 'rdb_last_cow_size_bytes',
  rdb_last_load_keys_expired: 'rdb_last_load_expired_keys',
  rdb_last_load_keys_loaded: 'rdb_last_load_loaded_keys',
  aof_enabled: 'aof_enabled',
  aof_rewrite_in_progress: 'aof_rewrite_in_progress',
  aof_rewrite_scheduled: 'aof_rewrite_scheduled',
  aof_last_rewrite_time_sec: 'aof_last_rewrite_duration_sec',
  aof_current_rewrite_time_sec: 'aof_current_rewrite_duration_sec',
  aof_last_cow_size: 'aof_last_cow_size_bytes',
  aof_current_size: 'aof_current_size_bytes',
  aof_base_size: 'aof_base_size_bytes',
  aof_pending_rewrite: 'aof_pending_rewrite',
  aof_buffer_length: 'aof_buffer_length',
  aof_rewrite_buffer_length: 'aof_rewrite_buffer_length',
  aof_pending_bio_fsync: 'aof_pending_bio_fsync',
  aof_delayed_fsync: 'aof_delayed_fsync',
  aof_last_bgrewrite_status: 'aof_last_bgrewrite_status',
  aof_last_write_status: 'aof_last_write_status',
  module_fork_in_progress: 'module_fork_in_progress',
  module_fork_last_cow_size: 'module_fork_last_cow_size',
  current_eviction_exceeded_time: 'current_eviction_exceeded_time_ms',
  pubsub_channels: 'pubsub_channels',
  pubsub_patterns: 'pubsub_patterns',
  pubsubshard_channels: 'pubsubshard_channels',
  tracking_total_keys: 'tracking_total_keys',
  tracking_total_items: 'tracking_total_items',
  tracking_total_prefixes: 'tracking_total_prefixes',
  connected_slaves: 'connected_slaves',
  repl_backlog_size: 'replication_backlog_bytes',
  repl_backlog_active: 'repl_backlog_is_active',
  repl_backlog_first_byte_offset: 'repl_backlog_first_byte_offset',
  repl_backlog_histlen: 'repl_backlog_history_bytes',
  master_repl_offset: 'master_repl_offset',
  second_repl_offset: 'second_repl_offset',
  slave_expires_tracked_keys: 'slave_expires_tracked_keys',
  slave_priority: 'slave_priority',
  sync_full: 'replica_resyncs_full',
  sync_partial_ok: 'replica_partial_resync_accepted',
  sync_partial_err: 'replica_partial_resync_denied',
};

/** INFO fields redis_exporter exports as counters. */
const COUNTERS: Readonly<Record<string, string>> = {
  total_connections_received: 'connections_received_total',
  total_commands_processed: 'commands_processed_total',
  rejected_connections: 'rejected_connections_total',
  total_net_input_bytes: 'net_input_bytes_total',
  total_net_output_bytes: 'net_output_bytes_total',
  total_net_repl_input_bytes: 'net_repl_input_bytes_total',
  total_net_repl_output_bytes: 'net_repl_output_bytes_total',
  expired_keys: 'expired_keys_total',
  expired_time_cap_reached_count: 'expired_time_cap_reached_total',
  expire_cycle_cpu_milliseconds: 'expire_cycle_cpu_time_ms_total',
  evicted_keys: 'evicted_keys_total',
  evicted_clients: 'evicted_clients_total',
  total_eviction_exceeded_time: 'eviction_exceeded_time_ms_total',
  keyspace_hits: 'keyspace_hits_total',
  keyspace_misses: 'keyspace_misses_total',
  used_cpu_sys: 'cpu_sys_seconds_total',
  used_cpu_user: 'cpu_user_seconds_total',
  used_cpu_sys_children: 'cpu_sys_children_seconds_total',
  used_cpu_user_children: 'cpu_user_children_seconds_total',
  used_cpu_sys_main_thread: 'cpu_sys_main_thread_seconds_total',
  used_cpu_user_main_thread: 'cpu_user_main_thread_seconds_total',
  unexpected_error_replies: 'unexpected_error_replies',
  total_error_replies: 'total_error_replies',
  dump_payload_sanitizations: 'dump_payload_sanitizations',
  total_reads_processed: 'total_reads_processed',
  total_writes_processed: 'total_writes_processed',
  io_threaded_reads_processed: 'io_threaded_reads_processed',
  io_threaded_writes_processed: 'io_threaded_writes_processed',
  reply_buffer_shrinks: 'reply_buffer_shrinks_total',
  reply_buffer_expands: 'reply_buffer_expands_total',
};

/** HELP texts redis_exporter gives its labelled and derived metrics ("<name> metric" otherwise). */
const HELP: Readonly<Record<string, string>> = {
  up: 'Information about the Redis instance',
  instance_info: 'Information about the Redis instance',
  start_time_seconds: 'Start time of the Redis instance since unix epoch in seconds.',
  commands_total: 'Total number of calls per command',
  commands_duration_seconds_total: 'Total amount of time in seconds spent per command',
  commands_rejected_calls_total: 'Total number of errors within command execution per command',
  commands_failed_calls_total: 'Total number of errors prior command execution per command',
  errors_total: 'Total number of errors per error type',
  db_keys: 'Total number of keys by DB',
  db_keys_expiring: 'Total number of expiring keys by DB',
  db_avg_ttl_seconds: 'Avg TTL in seconds',
  latency_percentiles_usec: 'A summary of latency percentile distribution per command',
  latency_spike_last: 'When the latency spike last occurred',
  latency_spike_duration_seconds: 'Length of the last latency spike in seconds',
  slowlog_length: 'Total slowlog',
  slowlog_last_id: 'Last id of slowlog',
  connected_slave_offset_bytes: 'Offset of connected slave',
  connected_slave_lag_seconds: 'Lag of connected slave',
  master_link_up: 'Master link status on Redis slave',
  master_last_io_seconds_ago: 'Master last io seconds ago',
  master_sync_in_progress: 'Master sync in progress',
  slave_repl_offset: 'Slave replication offset',
  slave_info: 'Information about the Redis slave',
  last_slow_execution_duration_seconds: 'The amount of time needed for last slow execution, in seconds',
};

/** INFO fields that label redis_instance_info, in the exporter's order. */
const INSTANCE_LABELS = [
  'role', 'redis_version', 'redis_build_id', 'redis_mode', 'os', 'maxmemory_policy', 'tcp_port', 'run_id', 'process_id',
  'master_replid',
] as const;

type Labels = Readonly<Record<string, string>>;

interface Family {
  type: MetricType;
  lines: string[];
}

/** Metric families being collected for one scrape, written out sorted by name as Go's registry does. */
export class Exposition {
  private readonly families = new Map<string, Family>();

  add(name: string, type: MetricType, value: number, labels: Labels = {}): void {
    this.sample(name, type, name, value, labels);
  }

  /** A sample of family `family` under its own name (a summary's _sum and _count). */
  sample(family: string, type: MetricType, name: string, value: number, labels: Labels): void {
    let entry = this.families.get(family);
    if (entry === undefined) {
      entry = { type, lines: [] };
      this.families.set(family, entry);
    }
    entry.lines.push(`${PREFIX}${name}${formatLabels(labels)} ${formatValue(value)}\n`);
  }

  text(): string {
    let out = '';
    for (const name of [...this.families.keys()].sort()) {
      const family = this.families.get(name)!;
      out += `# HELP ${PREFIX}${name} ${HELP[name] ?? `${name} metric`}\n# TYPE ${PREFIX}${name} ${family.type}\n`;
      out += family.lines.join('');
    }
    return out;
  }
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The exporter's reading of an INFO value: ok/true are 1, err/fail/false are 0, else a number. */
function infoNumber(text: string): number | null {
  if (text === 'ok' || text === 'true') return 1;
  if (text === 'err' || text === 'fail' || text === 'false') return 0;
  const value = Number(text);
  return text === '' || Number.isNaN(value) ? null : value;
}

/** `a=1,b=2` → {a: '1', b: '2'} (commandstats, keyspace and latencystats values). */
function fieldList(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) map.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return map;
}

/** Turns INFO ALL text into metrics the way redis_exporter's extractInfoMetrics does. */
export function collectInfo(out: Exposition, info: string, now: number): void {
  const values = new Map<string, string>();
  let section = '';
  for (const raw of info.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('# ')) {
      section = line.slice(2);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    values.set(key, value);
    switch (section) {
      case 'Server':
        if (key === 'uptime_in_seconds') out.add('start_time_seconds', 'gauge', Math.floor(now / 1000) - Number(value));
        if (key === 'hz' || key === 'configured_hz') out.add(key, 'gauge', Number(value));
        break;
      case 'Commandstats':
        collectCommandStats(out, key, value);
        continue;
      case 'Latencystats':
        collectLatencyStats(out, key, value, values);
        continue;
      case 'Errorstats':
        if (key.startsWith('errorstat_')) out.add('errors_total', 'counter', Number(fieldList(value).get('count')), { err: key.slice(10) });
        continue;
      case 'Keyspace':
        if (collectKeyspace(out, key, value)) continue;
        break;
      case 'Replication':
        if (collectReplication(out, key, value, values)) continue;
        break;
    }
    collectField(out, key, value);
  }
  const labels: Record<string, string> = {};
  for (const name of INSTANCE_LABELS) labels[name] = values.get(name) ?? '';
  out.add('instance_info', 'gauge', 1, labels);
  if (values.get('role') === 'slave') {
    const master = { master_host: values.get('master_host') ?? '', master_port: values.get('master_port') ?? '' };
    out.add('slave_info', 'gauge', 1, { ...master, read_only: values.get('slave_read_only') ?? '' });
  }
}

/**
 * Replication fields the exporter labels: a replica's link to its master (master_host and
 * master_port come first in INFO), and a master's `slaveN:ip=…,port=…,state=…,offset=…,lag=…`.
 */
function collectReplication(out: Exposition, key: string, text: string, values: Map<string, string>): boolean {
  const master = { master_host: values.get('master_host') ?? '', master_port: values.get('master_port') ?? '' };
  if (key === 'master_link_status') {
    out.add('master_link_up', 'gauge', text === 'up' ? 1 : 0, master);
    return true;
  }
  if (key === 'master_last_io_seconds_ago' || key === 'master_sync_in_progress' || key === 'slave_repl_offset') {
    out.add(key, 'gauge', Number.parseInt(text, 10) || 0, master);
    return true;
  }
  if (!/^slave\d+$/.test(key)) return false;
  const fields = fieldList(text);
  const offset = Number(fields.get('offset'));
  if (Number.isNaN(offset)) return false;
  const replica = { slave_ip: fields.get('ip') ?? '', slave_port: fields.get('port') ?? '', slave_state: fields.get('state') ?? '' };
  out.add('connected_slave_offset_bytes', 'gauge', offset, replica);
  const lag = fields.get('lag');
  if (lag !== undefined) out.add('connected_slave_lag_seconds', 'gauge', Number(lag), replica);
  return true;
}

/** A plain INFO field: mapped to the exporter's name, or kept for db* and cluster_* fields. */
function collectField(out: Exposition, key: string, text: string): void {
  const counter = COUNTERS[key];
  const name = counter ?? GAUGES[key] ?? (key.startsWith('db') || key.startsWith('cluster_') ? key.replace(/[^a-zA-Z0-9_]/g, '_') : undefined);
  if (name === undefined) return;
  const value = infoNumber(text);
  if (value === null) return;
  out.add(name, counter === undefined ? 'gauge' : 'counter', value);
}

/** cmdstat_get:calls=21,usec=175,usec_per_call=8.33,rejected_calls=0,failed_calls=0 */
function collectCommandStats(out: Exposition, key: string, text: string): void {
  if (!key.startsWith('cmdstat_')) return;
  const cmd = { cmd: key.slice(8) };
  const fields = fieldList(text);
  out.add('commands_total', 'counter', Number(fields.get('calls')), cmd);
  out.add('commands_duration_seconds_total', 'counter', Number(fields.get('usec')) / 1e6, cmd);
  out.add('commands_rejected_calls_total', 'counter', Number(fields.get('rejected_calls')), cmd);
  out.add('commands_failed_calls_total', 'counter', Number(fields.get('failed_calls')), cmd);
}

/**
 * latency_percentiles_usec_get:p50=1.003,p99=… as a summary with the command's calls and
 * microseconds (commandstats comes before latencystats in INFO ALL).
 */
function collectLatencyStats(out: Exposition, key: string, text: string, values: Map<string, string>): void {
  const prefix = 'latency_percentiles_usec_';
  if (!key.startsWith(prefix)) return;
  const cmd = key.slice(prefix.length);
  const stats = values.get(`cmdstat_${cmd}`);
  if (stats === undefined) return;
  const family = 'latency_percentiles_usec';
  for (const [percentile, value] of fieldList(text)) {
    out.sample(family, 'summary', family, Number(value), { cmd, quantile: percentile.slice(1) });
  }
  const fields = fieldList(stats);
  out.sample(family, 'summary', `${family}_sum`, Number(fields.get('usec')), { cmd });
  out.sample(family, 'summary', `${family}_count`, Number(fields.get('calls')), { cmd });
}

/** db0:keys=1,expires=0,avg_ttl=0 */
function collectKeyspace(out: Exposition, key: string, text: string): boolean {
  if (!key.startsWith('db')) return false;
  const fields = fieldList(text);
  const keys = fields.get('keys');
  const expires = fields.get('expires');
  if (keys === undefined || expires === undefined) return false;
  const db = { db: key };
  out.add('db_keys', 'gauge', Number(keys), db);
  out.add('db_keys_expiring', 'gauge', Number(expires), db);
  const avgTtl = fields.get('avg_ttl');
  if (avgTtl !== undefined) out.add('db_avg_ttl_seconds', 'gauge', Number(avgTtl) / 1000, db);
  return true;
}

/** What the exporter reads besides INFO: CONFIG maxmemory/maxclients, SLOWLOG, LATENCY LATEST. */
function collectServerState(out: Exposition, server: Server): void {
  out.add('config_maxmemory', 'gauge', Number(server.config.int('maxmemory')));
  out.add('config_maxclients', 'gauge', server.config.int('maxclients'));
  const newest = server.slowlog.newest(1)[0];
  out.add('slowlog_length', 'gauge', server.slowlog.length);
  out.add('slowlog_last_id', 'gauge', newest?.id ?? 0);
  out.add('last_slow_execution_duration_seconds', 'gauge', (newest?.microseconds ?? 0) / 1e6);
  for (const [event, series] of server.latency.events) {
    const latest = series.latest();
    out.add('latency_spike_last', 'gauge', latest.time, { event_name: event });
    out.add('latency_spike_duration_seconds', 'gauge', latest.milliseconds / 1000, { event_name: event });
  }
}

/** The whole /metrics body for the server's current state. */
export function metricsText(server: Server): string {
  const out = new Exposition();
  out.add('up', 'gauge', 1);
  collectInfo(out, infoText(server, ['all']), Date.now());
  collectServerState(out, server);
  return out.text();
}


type MetricsListener = HttpServer & { owner: Server };

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The HTTP listeners on metrics-port (one per bind address). CONFIG SET metrics-port moves
 * them; 0 closes them.
 */
export class MetricsEndpoint {
  private listeners: HttpServer[] = [];
  private addresses: readonly ListenAddress[] = [];
  private started = false;

  constructor(private readonly server: Server) {
    server.config.watch('metrics-port', () => {
      if (this.started) void this.rebind();
    });
  }

  /** Binds metrics-port (when not 0) on the addresses; rejects when a required one fails. */
  async start(addresses: readonly ListenAddress[]): Promise<void> {
    this.addresses = addresses;
    this.started = true;
    await this.bind();
  }

  /** The port actually bound (metrics-port), 0 when off. */
  boundPort(): number {
    const address = this.listeners[0]?.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  stop(): void {
    this.started = false;
    this.close();
  }

  private async bind(): Promise<void> {
    const port = this.server.config.int('metrics-port');
    if (port === 0) return;
    const create = () => {
      const listener = createServer(onRequest) as MetricsListener;
      listener.owner = this.server;
      return listener;
    };
    this.listeners = (await listenAll(create, this.addresses, port, this.server.config.int('tcp-backlog'))) as HttpServer[];
    this.server.log.info({ port }, 'Serving Prometheus metrics on /metrics');
  }

  private async rebind(): Promise<void> {
    this.close();
    try {
      await this.bind();
    } catch (error) {
      this.server.log.warn({ err: error }, `Could not listen on metrics-port: ${(error as Error).message}`);
    }
  }

  private close(): void {
    for (const listener of this.listeners) listener.close();
    this.listeners = [];
  }
}

function onRequest(this: MetricsListener, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/metrics') {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const body = metricsText(this.owner);
  response.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
  response.end(request.method === 'HEAD' ? undefined : body);
}
