/** Drill results: one set of metrics per run, their medians, a table for people and JSON for machines. */
import { formatTable } from '../cluster/health.js';

export interface Metric {
  /** JSON name. */
  key: string;
  /** Table label. */
  label: string;
  value: number | string | null;
}

export interface DrillRunResult {
  /** Every check of the drill held (e.g. no WAIT-acknowledged write lost, the cluster healed). */
  passed: boolean;
  /** Why not, when not. */
  failures: string[];
  metrics: Metric[];
  /** Anything else worth keeping in the JSON (errors by kind, lost key examples, problems). */
  details: Record<string, unknown>;
}

export interface DrillReport {
  drill: string;
  server: string;
  nodeTimeoutMs: number;
  method: string;
  passed: boolean;
  runs: DrillRunResult[];
  /** Median of each numeric metric over the runs (null when no run measured it). */
  median: Record<string, number | null>;
}

export function buildReport(header: Omit<DrillReport, 'passed' | 'runs' | 'median'>, runs: DrillRunResult[]): DrillReport {
  const median: Record<string, number | null> = {};
  for (const { key } of runs[0]?.metrics ?? []) {
    const values = runs.map((run) => run.metrics.find((metric) => metric.key === key)?.value);
    if (values.some((value) => typeof value === 'string')) continue;
    median[key] = medianOf(values.filter((value): value is number => typeof value === 'number'));
  }
  return { ...header, passed: runs.length > 0 && runs.every((run) => run.passed), runs, median };
}

export function medianOf(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Rows are metrics, columns are runs (plus the median when there are several runs). */
export function formatReport(report: DrillReport): string {
  const several = report.runs.length > 1;
  const header = ['metric', ...report.runs.map((_, i) => (several ? `run ${i + 1}` : 'value')), ...(several ? ['median'] : [])];
  const rows = [header];
  for (const [index, { key, label }] of (report.runs[0]?.metrics ?? []).entries()) {
    const cells = report.runs.map((run) => formatValue(run.metrics[index]?.value ?? null));
    rows.push([label, ...cells, ...(several ? [key in report.median ? formatValue(report.median[key] ?? null) : ''] : [])]);
  }
  const failures = report.runs.flatMap((run, i) => run.failures.map((failure) => `  run ${i + 1}: ${failure}`));
  return [
    `drill ${report.drill} on ${report.server} (node-timeout ${report.nodeTimeoutMs} ms, ${report.method})`,
    formatTable(rows),
    report.passed ? 'PASS' : `FAIL\n${failures.join('\n')}`,
  ].join('\n');
}

function formatValue(value: number | string | null): string {
  return value === null ? '-' : String(value);
}
