import { describe, expect, it } from 'vitest';
import { collectInfo, Exposition } from './metrics.js';

const INFO = [
  '# Server', 'redis_version:7.0.15', 'redis_mode:standalone', 'os:Linux "x"', 'tcp_port:6379', 'uptime_in_seconds:10', 'hz:10',
  '', '# Clients', 'connected_clients:3', 'maxclients:10000',
  '', '# Persistence', 'rdb_last_bgsave_status:err', 'aof_last_write_status:ok',
  '', '# Stats', 'keyspace_hits:7', 'instantaneous_input_kbps:0.25',
  '', '# Replication', 'role:master', 'connected_slaves:0',
  '', '# Commandstats', 'cmdstat_config|get:calls=2,usec=30,usec_per_call=15.00,rejected_calls=1,failed_calls=0',
  '', '# Errorstats', 'errorstat_WRONGTYPE:count=4',
  '', '# Latencystats', 'latency_percentiles_usec_config|get:p50=12.031,p99=18.047,p99.9=18.047',
  '', '# Cluster', 'cluster_enabled:0',
  '', '# Keyspace', 'db0:keys=5,expires=2,avg_ttl=1500',
].join('\r\n');

describe('collectInfo: INFO ALL as redis_exporter exports it', () => {
  const out = new Exposition();
  collectInfo(out, INFO, 1_000_000);
  const text = out.text();
  const lines = text.split('\n');

  it('maps fields to the exporter names and types; unmapped fields are left out', () => {
    expect(text).toContain('# HELP redis_connected_clients connected_clients metric\n# TYPE redis_connected_clients gauge\nredis_connected_clients 3\n');
    expect(text).toContain('# TYPE redis_keyspace_hits_total counter\nredis_keyspace_hits_total 7\n');
    expect(lines).toContain('redis_max_clients 10000');
    expect(lines).toContain('redis_connected_slaves 0');
    expect(lines).toContain('redis_cluster_enabled 0');
    expect(lines).toContain('redis_start_time_seconds 990');
    expect(text).not.toContain('instantaneous_input_kbps');
  });

  it('reads ok/err statuses as 1/0', () => {
    expect(lines).toContain('redis_rdb_last_bgsave_status 0');
    expect(lines).toContain('redis_aof_last_write_status 1');
  });

  it('labels commands, errors and databases', () => {
    expect(lines).toContain('redis_commands_total{cmd="config|get"} 2');
    expect(lines).toContain('redis_commands_duration_seconds_total{cmd="config|get"} 0.00003');
    expect(lines).toContain('redis_commands_rejected_calls_total{cmd="config|get"} 1');
    expect(lines).toContain('redis_errors_total{err="WRONGTYPE"} 4');
    expect(lines).toContain('redis_db_keys{db="db0"} 5');
    expect(lines).toContain('redis_db_keys_expiring{db="db0"} 2');
    expect(lines).toContain('redis_db_avg_ttl_seconds{db="db0"} 1.5');
  });

  it('turns latencystats into a summary with the commandstats count and sum', () => {
    expect(text).toContain(
      '# TYPE redis_latency_percentiles_usec summary\n' +
        'redis_latency_percentiles_usec{cmd="config|get",quantile="50"} 12.031\n' +
        'redis_latency_percentiles_usec{cmd="config|get",quantile="99"} 18.047\n' +
        'redis_latency_percentiles_usec{cmd="config|get",quantile="99.9"} 18.047\n' +
        'redis_latency_percentiles_usec_sum{cmd="config|get"} 30\n' +
        'redis_latency_percentiles_usec_count{cmd="config|get"} 2\n',
    );
  });

  it('labels replica links and replicas', () => {
    const replica = new Exposition();
    collectInfo(
      replica,
      ['# Replication', 'role:slave', 'master_host:10.0.0.1', 'master_port:6379', 'master_link_status:up',
        'master_last_io_seconds_ago:2', 'master_sync_in_progress:0', 'slave_repl_offset:420', 'slave_read_only:1',
        'connected_slaves:1', 'slave0:ip=10.0.0.2,port=6380,state=online,offset=400,lag=1'].join('\r\n'),
      0,
    );
    const got = replica.text().split('\n');
    const master = 'master_host="10.0.0.1",master_port="6379"';
    expect(got).toContain(`redis_master_link_up{${master}} 1`);
    expect(got).toContain(`redis_master_last_io_seconds_ago{${master}} 2`);
    expect(got).toContain(`redis_slave_repl_offset{${master}} 420`);
    expect(got).toContain(`redis_slave_info{${master},read_only="1"} 1`);
    expect(got).toContain('redis_connected_slave_offset_bytes{slave_ip="10.0.0.2",slave_port="6380",slave_state="online"} 400');
    expect(got).toContain('redis_connected_slave_lag_seconds{slave_ip="10.0.0.2",slave_port="6380",slave_state="online"} 1');
    expect(got).toContain('redis_connected_slaves 1');
  });

  it('labels instance_info with escaped values, and sorts families by name', () => {
    expect(lines).toContain(
      'redis_instance_info{role="master",redis_version="7.0.15",redis_build_id="",redis_mode="standalone",os="Linux \\"x\\"",' +
        'maxmemory_policy="",tcp_port="6379",run_id="",process_id="",master_replid=""} 1',
    );
    const families = lines.filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]!);
    expect(families).toEqual([...families].sort());
  });
});
