import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { BenchOptions } from './options';
import { round } from './stats';

/** One line of the table. `ratio` is reins ÷ baseline; for a latency lower is better, for a rate higher is. */
export interface Row {
  metric: string;
  unit: string;
  reins?: number;
  baseline?: number;
  ratio?: number;
  note?: string;
}

export interface ScenarioResult {
  id: number;
  name: string;
  /** What the baseline column is, in a few words. */
  baseline: string;
  rows: Row[];
  params: Record<string, unknown>;
  /** Raw samples by name, as measured (milliseconds, bytes, counts). */
  samples: Record<string, unknown>;
  durationMs: number;
}

export function row(metric: string, unit: string, reins?: number, baseline?: number, note?: string): Row {
  const ratio = reins !== undefined && baseline !== undefined && baseline !== 0 ? reins / baseline : undefined;
  return { metric, unit, reins, baseline, ...(ratio !== undefined ? { ratio } : {}), ...(note ? { note } : {}) };
}

function formatNumber(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '';
  const abs = Math.abs(value);
  if (abs >= 10_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatTable(results: readonly ScenarioResult[]): string {
  const header = ['#', 'scenario', 'metric', 'reins', 'baseline', 'ratio', 'note'];
  const lines: string[][] = [header];
  for (const result of results) {
    result.rows.forEach((r, index) => {
      lines.push([
        index === 0 ? String(result.id) : '',
        index === 0 ? result.name : '',
        r.unit ? `${r.metric} (${r.unit})` : r.metric,
        formatNumber(r.reins),
        formatNumber(r.baseline),
        r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
        r.note ?? '',
      ]);
    });
  }
  const widths = header.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  const numeric = new Set([3, 4, 5]);
  const render = (line: string[]) =>
    line
      .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const baselines = results.map((r) => `  ${r.id}. baseline = ${r.baseline}`);
  return [render(header), rule, ...lines.slice(1).map(render), '', ...baselines].join('\n');
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((load) => round(load, 2)),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

export async function writeResults(
  file: string,
  content: {
    startedAt: Date;
    options: BenchOptions;
    server: Record<string, unknown>;
    results: ScenarioResult[];
    errors: string[];
  },
): Promise<void> {
  const { out: _out, ...parameters } = content.options;
  const body = {
    date: content.startedAt.toISOString(),
    durationMs: Math.round(Date.now() - content.startedAt.getTime()),
    machine: machine(),
    server: content.server,
    parameters,
    scenarios: content.results,
    errors: content.errors,
  };
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Formatted as the repository formats JSON, so a results file in the tree passes the format check.
  const json = JSON.stringify(body, null, 2);
  const text = await format(json, { ...(await resolveConfig(file)), parser: 'json' }).catch(() => `${json}\n`);
  await fs.writeFile(file, text);
}
