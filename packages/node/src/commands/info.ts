/**
 * INFO: the sections and fields of Redis 7.0.15, in its order, with values from our state.
 * Fields about machinery tsredis does not have (jemalloc, forks, io-threads) report what an
 * idle Redis reports, so tools that parse INFO find every field they expect.
 */
import { machine, release, totalmem, type } from 'node:os';
import { resolve } from 'node:path';
import { ClientFlag } from '../server/client.js';
import { REDIS_VERSION } from '../server/config-file.js';
import { formatPercentile } from '../server/config-special.js';
import { memoryOverhead } from '../keyspace/memory.js';
import type { Server } from '../server/server.js';
import type { Command } from './table.js';

/** Sections INFO prints without arguments (and for "default"). */
const DEFAULT_SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats',
  'cluster', 'keyspace',
];

/** Expiring keys sampled per database to estimate avg_ttl. */
const TTL_SAMPLES = 20;

/** Redis's bytesToHuman: 1015.51K, 6.59M … */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let scaled = n / 1024;
  for (const unit of units) {
    if (scaled < 1024 || unit === 'P') return `${scaled.toFixed(2)}${unit}`;
    scaled /= 1024;
  }
  return `${n}B`;
}

/** Characters Redis replaces in names it prints (getSafeInfoString). */
function safeInfoName(name: string): string {
  return name.replace(/[#:\n\r]/g, '_');
}

/** Which sections a list of INFO arguments selects (genInfoSectionDict). */
export function selectSections(args: readonly string[]): { sections: Set<string>; all: boolean } {
  if (args.length === 0) return { sections: new Set(DEFAULT_SECTIONS), all: false };
  const sections = new Set<string>();
  let all = false;
  for (const arg of args) {
    const name = arg.toLowerCase();
    if (name === 'default') for (const section of DEFAULT_SECTIONS) sections.add(section);
    else if (name === 'all' || name === 'everything') all = true;
    else sections.add(name);
  }
  return { sections, all };
}

type Field = readonly [string, string | number];

/** seconds.microseconds as getrusage is printed (%ld.%06ld). */
function cpuSeconds(microseconds: number): string {
  return `${Math.floor(microseconds / 1e6)}.${String(microseconds % 1e6).padStart(6, '0')}`;
}

function serverSection(server: Server): Field[] {
  const uptime = Math.floor((Date.now() - server.startedAt) / 1000);
  const config = server.config;
  return [
    ['redis_version', REDIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', '0'],
    ['redis_mode', server.sentinelMode ? 'sentinel' : config.bool('cluster-enabled') ? 'cluster' : 'standalone'],
    ['os', `${type()} ${release()} ${machine()}`],
    ['arch_bits', 64],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', 'epoll'],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    ['tcp_port', server.boundPort()],
    ['server_time_usec', Date.now() * 1000],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', config.int('hz')],
    ['configured_hz', config.int('hz')],
    ['lru_clock', Math.floor(Date.now() / 1000) & 0xffffff],
    ['executable', process.argv[1] === undefined ? '' : resolve(process.argv[1])],
    ['config_file', config.file ?? ''],
    ['io_threads_active', 0],
  ];
}

function clientsSection(server: Server): Field[] {
  let connected = 0;
  let blocked = 0;
  let maxInput = 0;
  let maxOutput = 0;
  for (const client of server.clients.values()) {
    if (!client.has(ClientFlag.replica) || client.has(ClientFlag.monitor)) connected++;
    if (client.has(ClientFlag.blocked)) blocked++;
    maxInput = Math.max(maxInput, client.parser.bufferedBytes);
    maxOutput = Math.max(maxOutput, client.pendingBytes);
  }
  return [
    ['connected_clients', connected],
    // getClusterConnectionsCount: two links (in and out) per known peer.
    ['cluster_connections', server.cluster !== null ? (server.cluster.nodes.size - 1) * 2 : 0],
    ['maxclients', server.config.int('maxclients')],
    ['client_recent_max_input_buffer', maxInput],
    ['client_recent_max_output_buffer', maxOutput],
    ['blocked_clients', blocked],
    ['tracking_clients', server.tracking.clientCount],
    ['clients_in_timeout_table', 0],
  ];
}

function ratio(a: number, b: number): string {
  return (b === 0 ? 0 : a / b).toFixed(2);
}

function memorySection(server: Server): Field[] {
  const used = server.usedMemory;
  if (used > server.peakMemory) server.peakMemory = used;
  const peak = server.peakMemory;
  const overhead = memoryOverhead(used, server.clientsBytes, server.databases);
  const dataset = overhead.dataset;
  const startup = overhead.startup;
  const process_ = process.memoryUsage();
  const rss = process_.rss;
  const allocated = process_.heapUsed + process_.external;
  const active = process_.heapTotal + process_.external;
  const maxmemory = server.config.int('maxmemory');
  const system = totalmem();
  return [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', rss],
    ['used_memory_rss_human', bytesToHuman(rss)],
    ['used_memory_peak', peak],
    ['used_memory_peak_human', bytesToHuman(peak)],
    ['used_memory_peak_perc', `${((used * 100) / peak).toFixed(2)}%`],
    ['used_memory_overhead', overhead.total],
    ['used_memory_startup', startup],
    ['used_memory_dataset', dataset],
    ['used_memory_dataset_perc', `${((dataset * 100) / Math.max(1, used - startup)).toFixed(2)}%`],
    ['allocator_allocated', allocated],
    ['allocator_active', active],
    ['allocator_resident', rss],
    ['total_system_memory', system],
    ['total_system_memory_human', bytesToHuman(system)],
    ['used_memory_lua', 0],
    ['used_memory_vm_eval', 0],
    ['used_memory_lua_human', '0B'],
    ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0],
    ['used_memory_vm_total_human', '0B'],
    ['used_memory_functions', 0],
    ['used_memory_scripts', 0],
    ['used_memory_scripts_human', '0B'],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', server.config.str('maxmemory-policy')],
    ['allocator_frag_ratio', ratio(active, allocated)],
    ['allocator_frag_bytes', active - allocated],
    ['allocator_rss_ratio', ratio(rss, active)],
    ['allocator_rss_bytes', rss - active],
    ['rss_overhead_ratio', '1.00'],
    ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', ratio(rss, used)],
    ['mem_fragmentation_bytes', rss - used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', 0],
    ['mem_clients_normal', overhead.clients],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', 'libc'],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ];
}

function persistenceSection(server: Server): Field[] {
  const rdb = server.rdb;
  // A running snapshot plays the part of Redis's fork child in the current_* fields.
  const snapshot = server.snapshots.active;
  const processed = snapshot?.keysProcessed ?? 0;
  const total = snapshot?.keysTotal ?? 0;
  return [
    ['loading', rdb.loading.active ? 1 : 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', total === 0 ? '0.00' : ((processed / total) * 100).toFixed(2)],
    ['current_save_keys_processed', processed],
    ['current_save_keys_total', total],
    ['rdb_changes_since_last_save', server.dirty],
    ['rdb_bgsave_in_progress', rdb.bgsaveInProgress ? 1 : 0],
    ['rdb_last_save_time', server.lastSave],
    ['rdb_last_bgsave_status', rdb.lastBgsaveOk ? 'ok' : 'err'],
    ['rdb_last_bgsave_time_sec', rdb.lastBgsaveSeconds],
    ['rdb_current_bgsave_time_sec', rdb.bgsaveInProgress ? Math.round((Date.now() - rdb.bgsaveStartedAt) / 1000) : -1],
    ['rdb_saves', rdb.saves],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', rdb.lastLoad.keysExpired],
    ['rdb_last_load_keys_loaded', rdb.lastLoad.keysLoaded],
    ...server.aof.infoFields(),
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
    ...server.aof.enabledInfoFields(),
    ...rdb.loading.infoFields(),
  ];
}

function statsSection(server: Server): Field[] {
  const stats = server.stats;
  const replicas = server.replication.replication.replicas;
  const exceeded = server.evictor.exceededTimes();
  return [
    ['total_connections_received', stats.totalConnectionsReceived],
    ['total_commands_processed', stats.totalCommandsProcessed],
    ['instantaneous_ops_per_sec', Math.floor(stats.opsPerSecond.value)],
    ['total_net_input_bytes', stats.netInputBytes],
    ['total_net_output_bytes', stats.netOutputBytes],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', (Math.floor(stats.inputKbps.value) / 1024).toFixed(2)],
    ['instantaneous_output_kbps', (Math.floor(stats.outputKbps.value) / 1024).toFixed(2)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', stats.rejectedConnections],
    ['sync_full', replicas.syncFull],
    ['sync_partial_ok', replicas.syncPartialOk],
    ['sync_partial_err', replicas.syncPartialErr],
    ['expired_keys', stats.expiredKeys],
    ['expired_stale_perc', '0.00'],
    ['expired_time_cap_reached_count', 0],
    ['expire_cycle_cpu_milliseconds', 0],
    ['evicted_keys', stats.evictedKeys],
    ['evicted_clients', 0],
    ['total_eviction_exceeded_time', exceeded.totalMs],
    ['current_eviction_exceeded_time', exceeded.currentMs],
    ['keyspace_hits', stats.keyspaceHits],
    ['keyspace_misses', stats.keyspaceMisses],
    ['pubsub_channels', server.pubsub.channels.size],
    ['pubsub_patterns', server.pubsub.patterns.size],
    ['pubsubshard_channels', server.pubsub.shardChannels.size],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', server.migrateLink.cachedSockets],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', server.tracking.totalKeys],
    ['tracking_total_items', server.tracking.totalItems],
    ['tracking_total_prefixes', server.tracking.totalPrefixes],
    ['unexpected_error_replies', 0],
    ['total_error_replies', stats.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', stats.totalCommandsProcessed],
    ['total_writes_processed', stats.totalCommandsProcessed],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ];
}

function replicationSection(server: Server): Field[] {
  const config = server.config;
  return server.replication.replication.info(Date.now(), {
    priority: config.int('replica-priority'),
    readOnly: config.bool('replica-read-only'),
    announced: config.bool('replica-announced'),
    backlogSize: config.int('repl-backlog-size'),
    minReplicasToWrite: config.int('min-replicas-to-write'),
    minReplicasMaxLag: config.int('min-replicas-max-lag'),
  });
}

function cpuSection(): Field[] {
  const usage = process.cpuUsage();
  return [
    ['used_cpu_sys', cpuSeconds(usage.system)],
    ['used_cpu_user', cpuSeconds(usage.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', cpuSeconds(usage.system)],
    ['used_cpu_user_main_thread', cpuSeconds(usage.user)],
  ];
}

/** Every command and subcommand, containers before their subcommands. */
function* allCommands(server: Server): Generator<Command> {
  for (const command of server.commands.all()) {
    yield command;
    if (command.subcommands !== null) yield* command.subcommands.values();
  }
}

function commandStatsLines(server: Server): string[] {
  const lines: string[] = [];
  for (const command of allCommands(server)) {
    const { calls, microseconds, rejectedCalls, failedCalls } = command.stats;
    if (calls === 0 && rejectedCalls === 0 && failedCalls === 0) continue;
    // Redis divides as C floats.
    const perCall = calls === 0 ? 0 : Math.fround(Math.fround(microseconds) / Math.fround(calls));
    lines.push(
      `cmdstat_${safeInfoName(command.fullName)}:calls=${calls},usec=${microseconds},usec_per_call=${perCall.toFixed(2)}` +
        `,rejected_calls=${rejectedCalls},failed_calls=${failedCalls}`,
    );
  }
  return lines;
}

function errorStatsLines(server: Server): string[] {
  return [...server.stats.errors]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, count]) => `errorstat_${safeInfoName(code)}:count=${count}`);
}

function latencyStatsLines(server: Server): string[] {
  if (!server.config.bool('latency-tracking')) return [];
  const percentiles = server.config.list('latency-tracking-info-percentiles').map(Number);
  const lines: string[] = [];
  for (const command of allCommands(server)) {
    const histogram = server.commandLatencies.histograms.get(command);
    if (histogram === undefined) continue;
    const values = percentiles.map(
      (p) => `p${formatPercentile(p)}=${(histogram.valueAtPercentile(p) / 1000).toFixed(3)}`,
    );
    lines.push(`latency_percentiles_usec_${safeInfoName(command.fullName)}:${values.join(',')}`);
  }
  return lines;
}

/** Redis keeps a running estimate from its expiry sampling; we sample a few expiring keys. */
function averageTtl(server: Server, index: number): number {
  const db = server.databases[index]!;
  const now = server.clock.ms;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < TTL_SAMPLES && i < db.expiresCount; i++) {
    const entry = db.randomExpiring();
    if (entry === undefined) break;
    const ttl = entry.expireAt - now;
    if (ttl > 0) {
      sum += ttl;
      count++;
    }
  }
  return count === 0 ? 0 : Math.floor(sum / count);
}

function keyspaceLines(server: Server): string[] {
  const lines: string[] = [];
  server.databases.forEach((db, index) => {
    if (db.size === 0 && db.expiresCount === 0) return;
    lines.push(`db${index}:keys=${db.size},expires=${db.expiresCount},avg_ttl=${averageTtl(server, index)}`);
  });
  return lines;
}

/** The INFO text for the given arguments (genRedisInfoString). */
export function infoText(server: Server, args: readonly string[]): string {
  const { sections, all } = selectSections(args);
  const parts: string[] = [];
  const wants = (...names: string[]) => all || names.some((name) => sections.has(name));
  const fields = (title: string, list: Field[]) => `# ${title}\r\n${list.map(([k, v]) => `${k}:${v}\r\n`).join('')}`;
  const lines = (title: string, list: string[]) => `# ${title}\r\n${list.map((line) => `${line}\r\n`).join('')}`;
  if (wants('server')) parts.push(fields('Server', serverSection(server)));
  if (wants('clients')) parts.push(fields('Clients', clientsSection(server)));
  if (wants('memory')) parts.push(fields('Memory', memorySection(server)));
  if (wants('persistence')) parts.push(fields('Persistence', persistenceSection(server)));
  if (wants('stats')) parts.push(fields('Stats', statsSection(server)));
  if (wants('replication')) parts.push(fields('Replication', replicationSection(server)));
  if (wants('cpu')) parts.push(fields('CPU', cpuSection()));
  if (wants('module_list', 'modules')) parts.push(lines('Modules', []));
  if (wants('commandstats')) parts.push(lines('Commandstats', commandStatsLines(server)));
  if (wants('errorstats')) parts.push(lines('Errorstats', errorStatsLines(server)));
  if (wants('latencystats')) parts.push(lines('Latencystats', latencyStatsLines(server)));
  if (wants('cluster')) parts.push(fields('Cluster', [['cluster_enabled', server.config.bool('cluster-enabled') ? 1 : 0]]));
  if (wants('keyspace')) parts.push(lines('Keyspace', keyspaceLines(server)));
  return parts.join('\r\n');
}
