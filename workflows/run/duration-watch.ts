import { condition } from '@temporalio/workflow';
import type { RunState } from '../../common/run-state';

/**
 * Resolves once the run has been going for its maxDuration (from its first start, across continue-as-new). Re-arms
 * when the limit changes (an operator applied a new policy); a run without the limit starts no timer until it gets
 * one. Rejects when the run itself is cancelled.
 */
export async function durationElapsed(state: Pick<RunState, 'limits' | 'startedAt'>): Promise<void> {
  for (;;) {
    const limit = state.limits.maxDuration;
    if (limit === undefined) {
      await condition(() => state.limits.maxDuration !== undefined);
      continue;
    }
    const remaining = Date.parse(state.startedAt) + limit - Date.now();
    const ends = { summary: 'the run reaches its maxDuration' };
    if (!(await condition(() => state.limits.maxDuration !== limit, Math.max(remaining, 1), ends))) return;
  }
}
