import type { BenchEnv } from '../bench-env';
import type { BenchOptions } from '../options';
import { row, type ScenarioResult } from '../report';
import { finishReinsRun, startPlain, startReinsRun, uniqueId } from '../runs';
import { median, percentile, round } from '../stats';

/**
 * From the client's start call to the first request the model server receives (reins), against start to the first
 * activity running (plain workflow of one no-op). Runs go one at a time, each finished before the next.
 */
export async function startLatency(env: BenchEnv, options: BenchOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const reinsMs: number[] = [];
  const plainMs: number[] = [];
  env.timeline.start();
  try {
    for (let rep = 0; rep < options.startReps; rep++) {
      const runId = uniqueId('bench-start');
      const t0 = Date.now();
      await startReinsRun(env, { steps: 0, bytes: 0 }, { runId });
      reinsMs.push((await env.timeline.waitFor('model', runId, t0)) - t0);
      await finishReinsRun(env, runId);

      const workflowId = uniqueId('plain-start');
      const t1 = Date.now();
      const handle = await startPlain(env, 1, 0, workflowId);
      plainMs.push((await env.timeline.waitFor('activity', workflowId, t1)) - t1);
      await handle.result();
    }
  } finally {
    env.timeline.stop();
  }
  return {
    id: 5,
    name: 'start latency',
    baseline: 'plain workflow: start → its first activity running',
    rows: [
      row('start → first model request, median', 'ms', median(reinsMs), median(plainMs)),
      row('start → first model request, p90', 'ms', percentile(reinsMs, 90), percentile(plainMs, 90)),
    ],
    params: { reps: options.startReps },
    samples: { reinsMs: reinsMs.map((ms) => round(ms)), plainMs: plainMs.map((ms) => round(ms)) },
    durationMs: Date.now() - started,
  };
}
