/**
 * Runs `tsredis drill …` (the built CLI, as users run it) and returns its JSON report, and says
 * which servers the drills run on.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasRealRedis } from '../helpers/servers.js';

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

/**
 * The --server-bin values to drill: tsredis always; real Redis too with TSREDIS_DRILL_REAL=1, to
 * compare (it is not the product under test, and its restart-all cannot recover by design).
 */
export function drillServers(file: string): string[] {
  if (process.env.TSREDIS_DRILL_REAL !== '1') return ['tsredis'];
  if (hasRealRedis()) return ['redis-server', 'tsredis'];
  console.warn(`${file}: redis-server is not installed — the real-Redis comparison drills are SKIPPED`);
  return ['tsredis'];
}
