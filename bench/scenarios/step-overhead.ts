import type { BenchEnv } from '../bench-env';
import type { BenchOptions } from '../options';
import { row, type ScenarioResult } from '../report';
import { fetchChain, phaseTimes, type PhaseTimes } from '../history';
import { finishReinsRun, startPlain, startReinsRun, timed } from '../runs';
import { median, round } from '../stats';

/** The per-step overhead reins aims for: at most this factor of a plain workflow's per-step time. */
export const STEP_TARGET_RATIO = 1.2;

/**
 * One reins run of `steps` steps (model call + no-op tool each, then the final answer) against a plain workflow
 * running 2 × `steps` no-op activities. Per-step = wall time from start to result ÷ steps, so each side's start and
 * finish are in its figure. Repetitions alternate which side goes first, so drift on a shared machine hits both.
 */
export async function stepOverhead(env: BenchEnv, options: BenchOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const { steps, reps } = options;
  const reinsMs: number[] = [];
  const plainMs: number[] = [];
  let reinsRun = { runId: '', executionId: '' };
  let plainId = '';
  const measureReins = async () =>
    reinsMs.push(
      await timed(async () => {
        reinsRun = await startReinsRun(env, { steps, bytes: 0 });
        // No watchdog here: its describe calls would load the reins side only.
        await finishReinsRun(env, reinsRun.runId);
      }),
    );
  const measurePlain = async () =>
    plainMs.push(
      await timed(async () => {
        const handle = await startPlain(env, 2 * steps, 0);
        plainId = handle.workflowId;
        await handle.result();
      }),
    );
  for (let rep = 0; rep < reps; rep++) {
    if (rep % 2 === 0) {
      await measureReins();
      await measurePlain();
    } else {
      await measurePlain();
      await measureReins();
    }
  }
  // Where the time goes, from the last run of each side: the server's own timestamps, phase by phase.
  const reinsPhases = phaseTimes(await fetchChain(env.temporal, reinsRun.runId, reinsRun.executionId));
  const plainPhases = phaseTimes([await env.temporal.workflow.getHandle(plainId).fetchHistory()]);
  const reinsStep = median(reinsMs) / steps;
  const plainStep = median(plainMs) / steps;
  const ratio = reinsStep / plainStep;
  const verdict = ratio <= STEP_TARGET_RATIO ? 'met' : 'not met';
  return {
    id: 1,
    name: 'step overhead',
    baseline: `plain workflow, ${2 * steps} no-op activities in sequence (2 per step)`,
    rows: [
      row('per-step latency, median run', 'ms', reinsStep, plainStep, `target ≤ ${STEP_TARGET_RATIO}×: ${verdict}`),
      row(`whole run, ${steps} steps`, 'ms', median(reinsMs), median(plainMs)),
      ...breakdownRows(reinsPhases, plainPhases),
    ],
    params: { steps, reps, plainActivities: 2 * steps },
    samples: {
      reinsPhases,
      plainPhases,
      reinsRunMs: reinsMs.map((ms) => round(ms)),
      plainRunMs: plainMs.map((ms) => round(ms)),
    },
    durationMs: Date.now() - started,
  };
}

/** Mean per activity: reins' model and tool calls each against the plain no-op, then the workflow task between. */
function breakdownRows(reins: PhaseTimes, plain: PhaseTimes) {
  const noop = plain.activities.noop;
  const model = reins.activities.callModel;
  const tool = reins.activities.runTool;
  const queued = (phases: PhaseTimes) => {
    const all = Object.values(phases.activities);
    const count = all.reduce((sum, a) => sum + a.count, 0);
    return all.reduce((sum, a) => sum + a.queueMs * a.count, 0) / Math.max(1, count);
  };
  // The first and last tenth of the run apart: a cost that grows with the conversation shows here.
  const modelRuns = reins.runs.callModel ?? [];
  const tenth = Math.max(1, Math.floor(modelRuns.length / 10));
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const early = mean(modelRuns.slice(0, tenth));
  const late = mean(modelRuns.slice(-tenth));
  return [
    row('  model activity running (started → completed)', 'ms', model?.runMs, noop?.runMs, 'vs plain no-op'),
    row(
      `  model activity running, last ${tenth} steps`,
      'ms',
      late,
      undefined,
      `first ${tenth} steps: ${early.toFixed(1)} ms`,
    ),
    row('  tool activity running (started → completed)', 'ms', tool?.runMs, noop?.runMs, 'vs plain no-op'),
    row('  activity queued (scheduled → started)', 'ms', queued(reins), queued(plain)),
    row('  workflow task (completed → next scheduled)', 'ms', reins.turnaroundMs, plain.turnaroundMs),
    row(
      '  history events per step',
      'events',
      reins.events / (model?.count ?? 1),
      plain.events / ((noop?.count ?? 2) / 2),
    ),
  ];
}
