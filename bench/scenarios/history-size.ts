import type { History } from '@temporalio/common/lib/proto-utils';
import type { BenchEnv } from '../bench-env';
import { directoryBytes } from '../disk-usage';
import { eventCounts, fetchChain, historyBytes, phaseTimes } from '../history';
import type { BenchOptions } from '../options';
import { row, type Row, type ScenarioResult } from '../report';
import { finishReinsRun, startPlain, startReinsRun, uniqueId } from '../runs';

interface Snapshot {
  step: number;
  /** The execution running at that point. */
  currentBytes: number;
  /** The largest execution so far: what Temporal's history limits apply to. */
  largestBytes: number;
  /** Every execution of the run so far (a reins run continues as new): what the server stores. */
  chainBytes: number;
  executions: number;
  events: number;
}

function snapshot(step: number, chain: History[]): Snapshot {
  const sizes = chain.map(historyBytes);
  return {
    step,
    currentBytes: sizes[sizes.length - 1] ?? 0,
    largestBytes: Math.max(0, ...sizes),
    chainBytes: sizes.reduce((a, b) => a + b, 0),
    executions: chain.length,
    events: chain.reduce((sum, history) => sum + (history.events?.length ?? 0), 0),
  };
}

const KB = 1024;

/**
 * One reins run with tool outputs of `historyBytes` each, its histories read when the model receives the request
 * after step k (k steps done, the next model call already scheduled) for each checkpoint k; against plain workflows
 * of 2k no-op activities returning as many bytes, read when they finish.
 */
export async function historySize(env: BenchEnv, options: BenchOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const checkpoints = options.historySteps;
  const bytes = options.historyBytes;
  const last = checkpoints[checkpoints.length - 1]!;
  const runId = uniqueId('bench-history');
  let firstRunId = '';
  const reins: Snapshot[] = [];
  const snapshotErrors: string[] = [];
  env.benchModel.onTurn(runId, async (_plan, done) => {
    if (!checkpoints.includes(done) || reins.some((s) => s.step === done) || !firstRunId) return;
    try {
      reins.push(snapshot(done, await fetchChain(env.temporal, runId, firstRunId)));
    } catch (error) {
      // Failing here would fail the model call and change the run being measured; note it instead.
      snapshotErrors.push(`step ${done}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  let failure: string | undefined;
  const storedBefore = await directoryBytes(env.payloadDir);
  try {
    firstRunId = (await startReinsRun(env, { steps: last, bytes }, { runId })).executionId;
    await finishReinsRun(env, runId, { watch: true });
  } catch (error) {
    // A run the server cuts off (history too large) is a result here, not a crash of the bench.
    failure =
      error instanceof Error ? `${error.message}${error.cause ? `: ${String(error.cause)}` : ''}` : String(error);
  } finally {
    env.benchModel.offTurn(runId);
  }
  const finalChain = firstRunId ? await fetchChain(env.temporal, runId, firstRunId) : [];
  const final = snapshot(last, finalChain);
  // Payloads over the claim-check threshold (a continue-as-new carry, say) live beside history, not in it.
  const storedBytes = (await directoryBytes(env.payloadDir)) - storedBefore;

  const plain: Snapshot[] = [];
  for (const step of checkpoints) {
    const handle = await startPlain(env, 2 * step, bytes);
    await handle.result();
    plain.push(snapshot(step, [await handle.fetchHistory()]));
  }

  const rows: Row[] = [];
  for (const step of checkpoints) {
    const r = reins.find((s) => s.step === step);
    const p = plain.find((s) => s.step === step)!;
    const missing = r ? undefined : 'the run did not get this far';
    const chainNote = r && r.executions > 1 ? `${r.executions} executions (continue-as-new)` : undefined;
    rows.push(
      row(`step ${step}: largest execution's history`, 'KB', r && r.largestBytes / KB, p.largestBytes / KB, missing),
    );
    rows.push(row(`step ${step}: all executions so far`, 'KB', r && r.chainBytes / KB, p.chainBytes / KB, chainNote));
    rows.push(
      row(
        `step ${step}: bytes per step (all ÷ steps)`,
        'KB/step',
        r && r.chainBytes / KB / step,
        p.chainBytes / KB / step,
      ),
    );
  }
  const deepest = reins[reins.length - 1];
  const plainDeepest = plain.find((s) => s.step === deepest?.step);
  if (deepest && plainDeepest) {
    rows.push(
      row(
        `events per step at step ${deepest.step}`,
        'events',
        deepest.events / deepest.step,
        plainDeepest.events / deepest.step,
      ),
    );
  }
  rows.push(row('claim-checked payloads kept outside history, whole run', 'KB', storedBytes / KB, 0));
  if (failure) {
    const reached = phaseTimes(finalChain).activities.runTool?.count ?? 0;
    rows.push(
      row(
        `run cut off after step ${reached}, history then`,
        'KB',
        final.currentBytes / KB,
        undefined,
        failure.slice(0, 100),
      ),
    );
  }
  return {
    id: 4,
    name: 'history size',
    baseline: `plain workflow of 2 × steps no-op activities returning ${bytes} bytes each`,
    rows,
    params: { checkpoints, toolOutputBytes: bytes, measure: 'protobuf-encoded History bytes (History.encode)' },
    samples: {
      reins,
      plain,
      reinsFinal: { ...final, failure, claimCheckedBytes: storedBytes },
      reinsEventCounts: finalChain.map(eventCounts),
      snapshotErrors,
    },
    durationMs: Date.now() - started,
  };
}
