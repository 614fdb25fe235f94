import type { BenchEnv } from '../bench-env';
import { fetchChain, phaseTimes, type PhaseTimes } from '../history';
import type { BenchOptions } from '../options';
import { row, type Row, type ScenarioResult } from '../report';
import { finishReinsRun, startReinsRun, timed } from '../runs';
import { median, round } from '../stats';
import { instrumentStore, takeTimings, type Timings } from '../store-timing';

/** The requirement: the PostgreSQL store adds at most this much per step over the filesystem store. */
export const STORE_CEILING = 0.15;

interface Side {
  runMs: number[];
  last: { runId: string; executionId: string };
}

interface Comparison {
  fs: Side;
  pg: Side;
  fsPhases: PhaseTimes;
  pgPhases: PhaseTimes;
  /** PostgreSQL store work during the PostgreSQL side's repetitions, from inside the worker. */
  timings: Timings;
}

/**
 * The same runs on two reins workers in this process, one on the filesystem store and one on a PostgreSQL store,
 * repetitions alternating which goes first.
 */
async function compare(
  env: BenchEnv,
  pgEnv: BenchEnv,
  plan: { steps: number; bytes: number; write: boolean },
  reps: number,
): Promise<Comparison> {
  const fs: Side = { runMs: [], last: { runId: '', executionId: '' } };
  const pg: Side = { runMs: [], last: { runId: '', executionId: '' } };
  const measure = async (on: BenchEnv, side: Side) =>
    side.runMs.push(
      await timed(async () => {
        side.last = await startReinsRun(on, plan);
        await finishReinsRun(on, side.last.runId);
      }),
    );
  takeTimings();
  for (let rep = 0; rep < reps; rep++) {
    if (rep % 2 === 0) {
      await measure(env, fs);
      await measure(pgEnv, pg);
    } else {
      await measure(pgEnv, pg);
      await measure(env, fs);
    }
  }
  const timings = takeTimings();
  const fsPhases = phaseTimes(await fetchChain(env.temporal, fs.last.runId, fs.last.executionId));
  const pgPhases = phaseTimes(await fetchChain(env.temporal, pg.last.runId, pg.last.executionId));
  return { fs, pg, fsPhases, pgPhases, timings };
}

function overhead(pg: number, fs: number): number {
  return pg / fs - 1;
}

function percent(value: number): string {
  return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
}

/** Per step: both sides' latency, the overhead and the ceiling; then where the difference sits. */
function comparisonRows(label: string, c: Comparison, steps: number, ceiling: boolean): Row[] {
  const fsStep = median(c.fs.runMs) / steps;
  const pgStep = median(c.pg.runMs) / steps;
  const extra = overhead(pgStep, fsStep);
  const verdict = extra <= STORE_CEILING ? 'met' : 'NOT MET';
  const note = ceiling
    ? `PostgreSQL ${percent(extra)}; ceiling +${STORE_CEILING * 100}%: ${verdict}`
    : `PostgreSQL ${percent(extra)}`;
  const activity = (phases: PhaseTimes, type: string) => phases.activities[type]?.runMs;
  const rows = [
    row(`${label}: per-step latency, median run`, 'ms', pgStep, fsStep, note),
    row(`${label}: whole run, ${steps} steps`, 'ms', median(c.pg.runMs), median(c.fs.runMs)),
    row(
      '  model activity running (started → completed)',
      'ms',
      activity(c.pgPhases, 'callModel'),
      activity(c.fsPhases, 'callModel'),
    ),
    row(
      '  tool activity running (started → completed)',
      'ms',
      activity(c.pgPhases, 'runTool'),
      activity(c.fsPhases, 'runTool'),
    ),
    row('  workflow task (completed → next scheduled)', 'ms', c.pgPhases.turnaroundMs, c.fsPhases.turnaroundMs),
  ];
  // The activities' own time is where the store works; the workflow tasks between them do not touch it. Their sum
  // per step, against the filesystem step, is the overhead with the workflow tasks' noise taken out.
  const pgActivities = (activity(c.pgPhases, 'callModel') ?? 0) + (activity(c.pgPhases, 'runTool') ?? 0);
  const fsActivities = (activity(c.fsPhases, 'callModel') ?? 0) + (activity(c.fsPhases, 'runTool') ?? 0);
  rows.push(
    row(
      '  model + tool activity running, per step',
      'ms',
      pgActivities,
      fsActivities,
      `+${(pgActivities - fsActivities).toFixed(1)} ms = ${percent((pgActivities - fsActivities) / fsStep)} of the fs step`,
    ),
  );
  // What the PostgreSQL worker spent in the store, per step (the model call and the tool call of one step together).
  const runs = c.pg.runMs.length;
  const perStep = (entry: { count: number; ms: number }) => entry.ms / (runs * steps);
  const entries = Object.entries(c.timings).sort((a, b) => b[1].ms - a[1].ms);
  for (const [what, entry] of entries) {
    rows.push(
      row(
        `  PG store: ${what}, per step`,
        'ms',
        perStep(entry),
        undefined,
        `${(entry.count / (runs * steps)).toFixed(1)} per step, ${(entry.ms / entry.count).toFixed(2)} ms each`,
      ),
    );
  }
  return rows;
}

/** Sizes of the PostgreSQL side's last write run's snapshot (the store keeps only each workspace's latest). */
async function snapshotBytes(env: BenchEnv, runId: string): Promise<number | undefined> {
  const settings = env.postgres!.settings;
  const { Client } = await import('pg');
  const client = new Client({ connectionString: settings.url });
  await client.connect();
  try {
    const result = await client.query<{ bytes: string }>(
      `SELECT bytes FROM "${settings.schema}".workspace_snapshots WHERE workspace = $1`,
      [`run/${runId}`],
    );
    return result.rows[0] ? Number(result.rows[0].bytes) : undefined;
  } finally {
    await client.end();
  }
}

/**
 * Scenario 7: the PostgreSQL store against the filesystem store, same runs, same process. First the step-overhead
 * run (a model call and a read-class no-op per step: conversation and ledger records, no snapshot), checked against
 * the 15% ceiling; then a run whose tool writes a file into the workspace each step, which with the PostgreSQL store
 * archives and stores the workspace after every call.
 */
export async function storeOverhead(env: BenchEnv, options: BenchOptions): Promise<ScenarioResult> {
  const started = Date.now();
  if (!env.postgres) throw new Error('scenario 7 needs the PostgreSQL side of the bench environment');
  instrumentStore();
  const pgEnv: BenchEnv = { ...env, temporal: env.postgres.temporal, reins: env.postgres.reins };
  const { steps, storeReps: reps, storeFileBytes } = options;
  // The PostgreSQL worker has not run anything yet: its pool, its caches and the JIT warm up here, not in a sample.
  for (let i = 0; i < 2; i++) {
    for (const on of [env, pgEnv]) {
      await finishReinsRun(on, (await startReinsRun(on, { steps: 5, bytes: 0 })).runId);
      await finishReinsRun(on, (await startReinsRun(on, { steps: 5, bytes: storeFileBytes, write: true })).runId);
    }
  }
  const noop = await compare(env, pgEnv, { steps, bytes: 0, write: false }, reps);
  const write = await compare(env, pgEnv, { steps, bytes: storeFileBytes, write: true }, reps);
  const lastSnapshot = await snapshotBytes(env, write.pg.last.runId);
  const noopOverhead = overhead(median(noop.pg.runMs), median(noop.fs.runMs));
  const writeOverhead = overhead(median(write.pg.runMs), median(write.fs.runMs));
  return {
    id: 7,
    name: 'store: fs vs PostgreSQL',
    baseline: `the same runs on the filesystem store (reins column: the PostgreSQL store, ${env.postgres.source})`,
    rows: [
      ...comparisonRows('no-op tool', noop, steps, true),
      ...comparisonRows(`tool writes ${storeFileBytes} B/step`, write, steps, false),
      row(
        `  workspace snapshot at step ${steps} (tar.gz)`,
        'KB',
        lastSnapshot === undefined ? undefined : lastSnapshot / 1024,
        undefined,
        `${steps} files of ${storeFileBytes} B`,
      ),
    ],
    params: { steps, reps, fileBytes: storeFileBytes, ceiling: STORE_CEILING, schema: env.postgres.settings.schema },
    samples: {
      noop: { fsRunMs: noop.fs.runMs.map((ms) => round(ms)), pgRunMs: noop.pg.runMs.map((ms) => round(ms)) },
      write: { fsRunMs: write.fs.runMs.map((ms) => round(ms)), pgRunMs: write.pg.runMs.map((ms) => round(ms)) },
      noopOverhead: round(noopOverhead, 4),
      writeOverhead: round(writeOverhead, 4),
      ceilingMet: noopOverhead <= STORE_CEILING,
      noopTimings: noop.timings,
      writeTimings: write.timings,
      noopPhases: { fs: noop.fsPhases, pg: noop.pgPhases },
      writePhases: { fs: write.fsPhases, pg: write.pgPhases },
      lastSnapshotBytes: lastSnapshot,
    },
    durationMs: Date.now() - started,
  };
}
