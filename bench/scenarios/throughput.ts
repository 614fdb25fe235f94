import type { BenchEnv } from '../bench-env';
import type { BenchOptions } from '../options';
import { row, type ScenarioResult } from '../report';
import { finishReinsRun, startPlain, startReinsRun, timed } from '../runs';
import { median, round } from '../stats';

/**
 * `concurrentRuns` runs of `concurrentSteps` steps started at once, against as many plain workflows of 2 × steps
 * no-op activities. Steps per second = all steps ÷ wall time from the first start to the last result.
 */
export async function throughput(env: BenchEnv, options: BenchOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const { concurrentRuns: runs, concurrentSteps: steps, throughputReps: reps } = options;
  const total = runs * steps;
  const reinsRate: number[] = [];
  const plainRate: number[] = [];
  const indices = Array.from({ length: runs }, (_, i) => i);

  const measureReins = async () => {
    const ms = await timed(async () => {
      const ids = await Promise.all(indices.map(() => startReinsRun(env, { steps, bytes: 0 })));
      await Promise.all(ids.map((started) => finishReinsRun(env, started.runId)));
    });
    reinsRate.push(total / (ms / 1000));
  };
  const measurePlain = async () => {
    const ms = await timed(async () => {
      const handles = await Promise.all(indices.map(() => startPlain(env, 2 * steps, 0)));
      await Promise.all(handles.map((handle) => handle.result()));
    });
    plainRate.push(total / (ms / 1000));
  };
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? [measureReins, measurePlain] : [measurePlain, measureReins];
    for (const measure of order) await measure();
  }
  return {
    id: 2,
    name: 'throughput',
    baseline: `${runs} concurrent plain workflows of ${2 * steps} no-op activities`,
    rows: [row(`steps per second, ${runs} runs × ${steps} steps`, 'steps/s', median(reinsRate), median(plainRate))],
    params: { runs, steps, reps },
    samples: {
      reinsStepsPerSecond: reinsRate.map((rate) => round(rate)),
      plainStepsPerSecond: plainRate.map((rate) => round(rate)),
    },
    durationMs: Date.now() - started,
  };
}
