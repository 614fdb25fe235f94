import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { optionalTsToMs } from '@temporalio/common/lib/time';
// The SDK's own protobuf classes (installed with @temporalio/client): the encoded size is what the server stores.
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;

/**
 * Every execution of a workflow id from its first run on: a reins run continues as new every so many steps, and its
 * cost is the whole chain, not the last link.
 */
export async function fetchChain(client: Client, workflowId: string, firstRunId: string): Promise<History[]> {
  const chain: History[] = [];
  for (let runId: string | undefined = firstRunId; runId;) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    chain.push(history);
    const last = history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return chain;
}

/** Size of a history as protobuf bytes, the form it is stored and sent in. */
export function historyBytes(history: History): number {
  return temporal.api.history.v1.History.encode(history).finish().length;
}

/**
 * For each accepted update in a history: the ms from its UpdateAccepted event to the next ActivityTaskScheduled event,
 * and that event's server time (to compare with the client's clock on the same machine).
 */
export function updateToNextActivity(history: History): Array<{ acceptedAt: number; scheduledAt: number }> {
  const events = history.events ?? [];
  const found: Array<{ acceptedAt: number; scheduledAt: number }> = [];
  events.forEach((event, index) => {
    if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) return;
    const acceptedAt = optionalTsToMs(event.eventTime);
    const next = events
      .slice(index + 1)
      .find((later) => later.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    const scheduledAt = optionalTsToMs(next?.eventTime);
    if (acceptedAt !== undefined && scheduledAt !== undefined) found.push({ acceptedAt, scheduledAt });
  });
  return found;
}

/** How many events of each type, by their short name (e.g. ACTIVITY_TASK_SCHEDULED). */
export function eventCounts(history: History): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const name = (EventType[event.eventType ?? 0] ?? 'UNKNOWN').replace(/^EVENT_TYPE_/, '');
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

export interface PhaseTimes {
  /** Per activity type: how many, mean ms queued (scheduled → started) and running (started → completed). */
  activities: Record<string, { count: number; queueMs: number; runMs: number }>;
  /** Every run time (started → completed) per activity type, in history order: shows costs that grow with the run. */
  runs: Record<string, number[]>;
  /** Mean ms from an activity's completion to the next activity being scheduled: one workflow task round trip. */
  turnaroundMs: number;
  events: number;
}

/** Where a run's time goes, read from its histories (server timestamps), all executions of a chain together. */
export function phaseTimes(histories: History[]): PhaseTimes {
  const sums: Record<string, { count: number; queueMs: number; runMs: number }> = {};
  const runs: Record<string, number[]> = {};
  const turnarounds: number[] = [];
  for (const history of histories) addPhases(history.events ?? [], { sums, runs, turnarounds });
  const activities: PhaseTimes['activities'] = {};
  for (const [type, sum] of Object.entries(sums)) {
    activities[type] = { count: sum.count, queueMs: sum.queueMs / sum.count, runMs: sum.runMs / sum.count };
  }
  const turnaroundMs = turnarounds.reduce((a, b) => a + b, 0) / Math.max(1, turnarounds.length);
  const events = histories.reduce((sum, history) => sum + (history.events?.length ?? 0), 0);
  return { activities, runs, turnaroundMs, events };
}

type HistoryEvent = NonNullable<History['events']>[number];

function addPhases(
  events: HistoryEvent[],
  into: Pick<PhaseTimes, 'runs'> & { sums: PhaseTimes['activities']; turnarounds: number[] },
): void {
  const { sums, runs, turnarounds } = into;
  const scheduled = new Map<string, { type: string; at: number; startedAt?: number }>();
  events.forEach((event, index) => {
    const at = optionalTsToMs(event.eventTime) ?? 0;
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const type = event.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown';
      scheduled.set(String(event.eventId), { type, at });
    } else if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const entry = scheduled.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId));
      if (entry) entry.startedAt = at;
    } else if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const entry = scheduled.get(String(event.activityTaskCompletedEventAttributes?.scheduledEventId));
      if (!entry || entry.startedAt === undefined) return;
      const sum = (sums[entry.type] ??= { count: 0, queueMs: 0, runMs: 0 });
      sum.count += 1;
      sum.queueMs += entry.startedAt - entry.at;
      sum.runMs += at - entry.startedAt;
      (runs[entry.type] ??= []).push(at - entry.startedAt);
      const next = events
        .slice(index + 1)
        .find((later) => later.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
      const nextAt = optionalTsToMs(next?.eventTime);
      if (nextAt !== undefined) turnarounds.push(nextAt - at);
    }
  });
}
