import { patched } from '@temporalio/workflow';

/**
 * The one marker a run of this version records, at its first activation, before any activity. It stands for every
 * change gated before it, so a new run asks no patch later on.
 *
 * Why: the earliest patches were asked right after a local activity returned, inside the same workflow task. A worker
 * that replays such a history (after a restart, or to answer a query) can meet the marker in a later task than the
 * one it is running, answer "not patched", and fail the replay. A patch asked before anything is awaited lands in the
 * first task's commands, where a replay always sees it.
 *
 * Levels: `reins-run-v2` stands for context fitting, platform policy, settled identity and resolved tool paths;
 * `reins-run-v3` adds approver notifications (NOTIFY_APPROVERS_CHANGE). A run asks v3 first, v2 only when v3 is
 * absent, and the older patches only when both are absent, so every history replays as it was recorded: a v3 run
 * records only the v3 marker, a v2 run's history answers v3 "no" and v2 "yes".
 */
export const CURRENT_RUN_PATCH = 'reins-run-v3';
const V2_RUN_PATCH = 'reins-run-v2';

/** Approvers hear of gates, reminders and escalations (activities and timers the run issues). */
export const NOTIFY_APPROVERS_CHANGE = 'notify-approvers';

/** Changes that exist only as levels: never asked as patches of their own. */
const LEVEL_CHANGES: ReadonlyMap<string, number> = new Map([[NOTIFY_APPROVERS_CHANGE, 3]]);

export class RunPatches {
  private constructor(private readonly level: 1 | 2 | 3) {}

  /** Call once, synchronously, in the workflow's first activation. */
  static atStart(): RunPatches {
    if (patched(CURRENT_RUN_PATCH)) return new RunPatches(3);
    return new RunPatches(patched(V2_RUN_PATCH) ? 2 : 1);
  }

  /** Every change applies, with no marker asked: for code that runs a workflow's parts outside one (unit tests). */
  static assumeCurrent(): RunPatches {
    return new RunPatches(3);
  }

  /** Whether the change `patchId` applies: always for a run of this version, as recorded for an older one. */
  has(patchId: string): boolean {
    const level = LEVEL_CHANGES.get(patchId);
    if (level !== undefined) return this.level >= level;
    return this.level >= 2 || patched(patchId);
  }
}
