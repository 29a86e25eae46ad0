/**
 * Runs `tsredis drill …` (the built CLI, as users run it) and returns its JSON report, and says
 * which servers the drills run on: real Redis when installed, tsredis once its nodes form a
 * cluster (probed, so these tests switch themselves on when the cluster bus lands).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { hasRealRedis, startTsredis } from '../helpers/servers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OPS_CLI = join(root, 'packages', 'ops', 'dist', 'cli.js');

/** Short enough for tests, long enough for two busy cores (the issue suggests 1000–2000). */
export const TEST_NODE_TIMEOUT = 1500;

export interface DrillJson {
  drill: string;
  server: string;
  passed: boolean;
  median: Record<string, number | null>;
  runs: Array<{ passed: boolean; failures: string[]; metrics: Array<{ key: string; label: string; value: number | string | null }> }>;
}

export function metric(report: DrillJson, key: string): number | string | null | undefined {
  return report.runs[0]?.metrics.find((entry) => entry.key === key)?.value;
}

/** `tsredis drill KIND --json …`; resolves whatever the exit status (a failed drill still reports). */
export function runDrill(args: string[]): Promise<{ report: DrillJson; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [OPS_CLI, 'drill', ...args, '--json'], { timeout: 150_000, maxBuffer: 16 << 20, env: { ...process.env, TSREDIS_DEBUG: '1' } }, (error, stdout, stderr) => {
      const start = stdout.indexOf('{');
      if (start < 0) return reject(new Error(`no report (${error?.message ?? 'exit 0'}):\n${stderr}`));
      resolve({ report: JSON.parse(stdout.slice(start)) as DrillJson, stderr });
    });
  });
}

/** Whether a tsredis node started with cluster-enabled answers CLUSTER INFO (three tries: a busy machine is no verdict). */
async function tsredisClusters(): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) if (await probeTsredisCluster()) return true;
  return false;
}

async function probeTsredisCluster(): Promise<boolean> {
  const server = await startTsredis(['--cluster-enabled', 'yes']).catch(() => undefined);
  if (server === undefined) return false;
  const client = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableReadyCheck: false, lazyConnect: true });
  client.on('error', () => {});
  try {
    const info = (await client.call('CLUSTER', 'INFO')) as string;
    return info.includes('cluster_state:');
  } catch {
    return false;
  } finally {
    client.disconnect();
    await server.stop();
  }
}

/** The --server-bin values to drill, with a loud warning for each one skipped. */
export async function drillServers(file: string): Promise<string[]> {
  const servers: string[] = [];
  if (hasRealRedis()) servers.push('redis-server');
  else console.warn(`${file}: redis-server is not installed — the real-Redis drills are SKIPPED`);
  if (await tsredisClusters()) servers.push('tsredis');
  else console.warn(`${file}: tsredis nodes do not answer CLUSTER INFO yet — the tsredis drills are SKIPPED`);
  return servers;
}
