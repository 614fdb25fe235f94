import type { BenchEnv } from '../bench-env';
import { plainApproveUpdate } from '../plain-messages';
import { finishReinsRun, startReinsRun } from '../runs';
import { mapPool, sleep } from '../stats';
import type { MarkKind } from '../timeline';

/** One kind of paused run: how to start it, see it waiting, approve it and see it finish. */
export interface PausedSide {
  name: 'reins' | 'plain';
  idPrefix: string;
  start(runId: string): Promise<unknown>;
  waitAllPaused(runIds: string[], timeoutMs: number): Promise<void>;
  approve(runId: string): Promise<unknown>;
  finish(runId: string): Promise<unknown>;
  /** What "resumed" means: the first mark is the run's first action after the approval. */
  resumeMarks: MarkKind[];
}

/** A reins run stopped at its first call of the no-op tool, whose approval is `always`. */
export function reinsSide(env: BenchEnv): PausedSide {
  return {
    name: 'reins',
    idPrefix: 'bench-paused',
    start: (runId) => startReinsRun(env, { steps: 1, bytes: 0 }, { runId, approval: 'always' }),
    async waitAllPaused(runIds, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const query = `WorkflowType = 'agentRun' AND TaskQueue = '${env.reins.taskQueue}' AND ReinsStatus = 'awaiting_approval'`;
      while (Date.now() < deadline) {
        let paused: number;
        try {
          paused = (await env.temporal.workflow.count(query)).count;
        } catch {
          // A server whose visibility cannot answer: ask each run instead.
          const states = await mapPool(runIds, 50, (id) => env.reins.getState(id));
          paused = states.filter((state) => state.status === 'awaiting_approval').length;
        }
        if (paused >= runIds.length) return;
        await sleep(500);
      }
      throw new Error(`not all ${runIds.length} reins runs reached awaiting_approval within ${timeoutMs} ms`);
    },
    approve: (runId) => env.reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'bench' }),
    finish: (runId) => finishReinsRun(env, runId),
    // The tool runs first after the approval, then the model is asked again.
    resumeMarks: ['tool', 'model'],
  };
}

/** A plain workflow waiting on an update, then running one no-op activity. */
export function plainSide(env: BenchEnv): PausedSide {
  const handle = (runId: string) => env.temporal.workflow.getHandle(runId);
  return {
    name: 'plain',
    idPrefix: 'plain-paused',
    start: (runId) =>
      env.temporal.workflow.start('plainGate', { taskQueue: env.plainQueue, workflowId: runId, args: [0] }),
    async waitAllPaused(runIds, timeoutMs) {
      // Waiting = its first workflow task completed and none is pending. Describe answers from the server alone;
      // a query would need the worker and times out while 1,000 first tasks are still queued.
      const deadline = Date.now() + timeoutMs;
      let remaining = runIds;
      while (remaining.length > 0) {
        if (Date.now() > deadline) throw new Error(`${remaining.length} plain runs not waiting after ${timeoutMs} ms`);
        const waiting = await mapPool(remaining, 20, async (runId) => {
          const description = await handle(runId).describe();
          return description.historyLength >= 4 && !description.raw.pendingWorkflowTask;
        });
        remaining = remaining.filter((_, index) => !waiting[index]);
        if (remaining.length > 0) await sleep(500);
      }
    },
    approve: (runId) => handle(runId).executeUpdate(plainApproveUpdate),
    finish: (runId) => handle(runId).result(),
    resumeMarks: ['activity'],
  };
}
