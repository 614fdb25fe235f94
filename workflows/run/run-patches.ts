import { patched } from '@temporalio/workflow';

/**
 * The one marker a run of this version records, at its first activation, before any activity. It stands for every
 * change gated before it (context fitting, platform policy, settled identity, resolved tool paths), so a new run
 * asks no patch later on.
 *
 * Why: the earlier patches were asked right after a local activity returned, inside the same workflow task. A worker
 * that replays such a history (after a restart, or to answer a query) can meet the marker in a later task than the
 * one it is running, answer "not patched", and fail the replay. A patch asked before anything is awaited lands in the
 * first task's commands, where a replay always sees it. Histories recorded before this marker take the old path, as
 * they were recorded.
 */
export const CURRENT_RUN_PATCH = 'reins-run-v2';

export class RunPatches {
  private constructor(private readonly current: boolean) {}

  /** Call once, synchronously, in the workflow's first activation. */
  static atStart(): RunPatches {
    return new RunPatches(patched(CURRENT_RUN_PATCH));
  }

  /** Every change applies, with no marker asked: for code that runs a workflow's parts outside one (unit tests). */
  static assumeCurrent(): RunPatches {
    return new RunPatches(true);
  }

  /** Whether the change `patchId` applies: always for a run of this version, as recorded for an older one. */
  has(patchId: string): boolean {
    return this.current || patched(patchId);
  }
}
