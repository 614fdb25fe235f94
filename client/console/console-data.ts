import type { ApprovalRequest, RunState } from '../../common/run-state';
import type { ReinsClient } from '../reins-client';
import type { RunSummary } from '../run-queries';
import { decideRefusal } from './authz';
import type { ConsoleIdentity } from './identity';

export interface PendingItem {
  run: RunSummary;
  state: RunState;
  request: ApprovalRequest;
}

export interface PendingView {
  /** Requests the signed-in person may decide now. */
  items: PendingItem[];
  /** Runs whose state could not be read (no worker answering), with why. */
  unavailable: Array<{ runId: string; error: string }>;
}

/** Every open run with undecided requests, each run's state read once. */
export async function readPending(
  reins: ReinsClient,
  timeoutMs = 5_000,
): Promise<{ all: PendingItem[]; unavailable: PendingView['unavailable'] }> {
  const runs = await reins.listRuns({ pendingOnly: true, limit: 200 });
  const all: PendingItem[] = [];
  const unavailable: PendingView['unavailable'] = [];
  await Promise.all(
    runs.map(async (run) => {
      try {
        const state = await reins.getState(run.runId, { timeoutMs });
        for (const request of state.pendingApprovals) all.push({ run, state, request });
      } catch (error) {
        unavailable.push({ runId: run.runId, error: error instanceof Error ? error.message : String(error) });
      }
    }),
  );
  all.sort((a, b) => a.request.requestedAt.localeCompare(b.request.requestedAt));
  return { all, unavailable };
}

/** What the person may decide, from everything pending. */
export function pendingFor(all: PendingItem[], identity: ConsoleIdentity): PendingItem[] {
  return all.filter((item) => decideRefusal(item.request, identity) === undefined);
}

/** A short fingerprint of what is pending: when it changes, pages looking at it refresh. */
export function pendingFingerprint(all: PendingItem[]): string {
  return all
    .map((item) => `${item.run.runId}\u0000${item.request.requestId}\u0000${item.request.approvals?.length ?? 0}`)
    .sort()
    .join('\u0001');
}
