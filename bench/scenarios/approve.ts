import type { BenchEnv } from '../bench-env';
import { mapPool } from '../stats';
import type { MarkKind } from '../timeline';

export interface Approval {
  runId: string;
  /** Client clock when the approval call began. */
  sentAt: number;
  /** The approval call's round trip: until the update was accepted and handled. */
  updateMs: number;
  /** Per watched mark, in the order asked for: ms from sentAt until the run got there. */
  resumeMs: number[];
}

/**
 * Sends `approve(runId)` for each run with at most `concurrency` calls in flight, and times how long each run takes
 * to reach each of `marks` afterwards. With `waitForResume` a lane also waits for its run to get there before the
 * next approval, so a concurrency of 1 measures one approval on an otherwise idle system.
 */
export async function approveAll(
  env: BenchEnv,
  runIds: string[],
  options: {
    concurrency: number;
    waitForResume: boolean;
    marks: MarkKind[];
    approve: (runId: string) => Promise<unknown>;
  },
): Promise<Approval[]> {
  const pending = await mapPool(runIds, options.concurrency, async (runId) => {
    const sentAt = Date.now();
    const resumed = Promise.all(options.marks.map((kind) => env.timeline.waitFor(kind, runId, sentAt)));
    // Observed below; until then a rejection (timeout) must not count as unhandled.
    resumed.catch(() => undefined);
    await options.approve(runId);
    const updateMs = Date.now() - sentAt;
    if (options.waitForResume) await resumed;
    return { runId, sentAt, updateMs, resumed };
  });
  return Promise.all(
    pending.map(async ({ resumed, ...approval }) => ({
      ...approval,
      resumeMs: (await resumed).map((at) => at - approval.sentAt),
    })),
  );
}
