import { randomUUID } from 'node:crypto';
import type { StartedRun } from '../client';
import type { AgentSpecInput } from '../common/agent-spec';
import type { RunResult } from '../common/run-state';
import type { BenchEnv } from './bench-env';
import { BENCH_TOOL, BENCH_WRITE_TOOL } from './bench-tool';
import { benchPrompt, type RunPlan } from './model-script';
import { sleep } from './stats';

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * One tool, the bench no-op; `approval: 'always'` turns each of its calls into a pause. `write` gives the run the
 * file-writing tool instead.
 */
export function benchSpec(steps: number, approval: 'default' | 'always' = 'default', write = false): AgentSpecInput {
  return {
    name: 'bench',
    instructions: 'Call the no-op tool until told otherwise.',
    model: { name: 'scripted-bench' },
    tools: [write ? { name: BENCH_WRITE_TOOL, approval: 'never' } : { name: BENCH_TOOL, approval }],
    // The final answer is a model call too; a little headroom keeps the budget out of the measurement.
    maxSteps: steps + 2,
  };
}

export async function startReinsRun(
  env: BenchEnv,
  plan: Omit<RunPlan, 'runId'>,
  options: { runId?: string; approval?: 'default' | 'always' } = {},
): Promise<StartedRun> {
  const runId = options.runId ?? uniqueId('bench');
  return env.reins.startRun(
    {
      spec: benchSpec(plan.steps, options.approval, plan.write),
      prompt: benchPrompt({ runId, ...plan }),
      userId: 'bench',
    },
    { runId },
  );
}

/** Why a run makes no progress: the last workflow task failure in its current history, if any. */
async function stuckReason(env: BenchEnv, runId: string): Promise<string> {
  const history = await env.temporal.workflow.getHandle(runId).fetchHistory();
  const failed = [...(history.events ?? [])].reverse().find((event) => event.workflowTaskFailedEventAttributes);
  const message = failed?.workflowTaskFailedEventAttributes?.failure?.message;
  return message ? `its workflow task keeps failing: ${message}` : 'no failure recorded';
}

export const RUN_TIMEOUT_MS = 10 * 60_000;
const WATCH_EVERY_MS = 5_000;

/** Resolves 'stuck' once the run's pending workflow task has failed a few times in a row. */
async function watchWorkflowTask(env: BenchEnv, runId: string, until: { done: boolean }): Promise<'stuck'> {
  for (;;) {
    await sleep(WATCH_EVERY_MS);
    if (until.done) return new Promise<never>(() => undefined);
    const description = await env.temporal.workflow
      .getHandle(runId)
      .describe()
      .catch(() => undefined);
    if ((description?.raw.pendingWorkflowTask?.attempt ?? 0) >= 3) return 'stuck';
  }
}

/**
 * Waits for a run and insists it completed: a benchmark over failed runs would measure the wrong thing. A failing
 * workflow task is retried forever and never ends a run, so a run that is not done in time, or (with `watch`, for
 * single runs: it costs a describe call every few seconds) whose workflow task keeps failing, is terminated, so
 * nothing outlives the bench, and reported with the reason.
 */
export async function finishReinsRun(
  env: BenchEnv,
  runId: string,
  options: { timeoutMs?: number; watch?: boolean } = {},
): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? RUN_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const until = { done: false };
  const waits: Array<Promise<RunResult | 'timeout' | 'stuck'>> = [
    env.reins.result(runId),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ];
  if (options.watch) waits.push(watchWorkflowTask(env, runId, until));
  const outcome = await Promise.race(waits).finally(() => {
    clearTimeout(timer);
    until.done = true;
  });
  if (outcome === 'timeout' || outcome === 'stuck') {
    const reason = await stuckReason(env, runId).catch(() => 'unknown');
    await env.temporal.workflow.getHandle(runId).terminate(`bench: run ${outcome === 'stuck' ? 'stuck' : 'timed out'}`);
    const why = outcome === 'stuck' ? 'made no progress' : `did not finish within ${timeoutMs / 1000} s`;
    throw new Error(`run ${runId} ${why}; ${reason}`);
  }
  const result = outcome;
  if (result.status !== 'completed') {
    throw new Error(`run ${runId} ended ${result.status}: ${result.reason ?? result.lastError?.message ?? ''}`);
  }
  return result;
}

export async function runReins(env: BenchEnv, plan: Omit<RunPlan, 'runId'>): Promise<RunResult> {
  return finishReinsRun(env, (await startReinsRun(env, plan)).runId);
}

export async function startPlain(env: BenchEnv, n: number, payloadBytes: number, workflowId = uniqueId('plain')) {
  return env.temporal.workflow.start('plainSteps', {
    taskQueue: env.plainQueue,
    workflowId,
    args: [n, payloadBytes],
  });
}

export async function runPlain(env: BenchEnv, n: number, payloadBytes: number): Promise<number> {
  const handle = await startPlain(env, n, payloadBytes);
  return (await handle.result()) as number;
}

/** Wall time of `fn` in milliseconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
