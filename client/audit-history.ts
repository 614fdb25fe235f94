import type { Client, WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex, ExternalStorageRunner } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { UnreadablePart } from './errors';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** One activity of the run as its history tells it: what ran, how many attempts it took, how it ended. */
export interface ActivityTrail {
  activityType: string;
  activityId: string;
  scheduledAt: number;
  startedAt?: number;
  endedAt?: number;
  /** The attempt that ended it (Temporal records the last attempt only). */
  attempt?: number;
  outcome: 'completed' | 'failed' | 'timed_out' | 'cancelled' | 'pending';
  failure?: string;
  /** The activity's first argument, decoded with the client's data converter; undefined if it could not be. */
  input?: unknown;
  /** Why the input could not be decoded, naming its history event (wrong keys, claim-check file missing...). */
  inputError?: string;
  execution: string;
}

/** Every execution of the run's continue-as-new chain, first to last. */
async function chainHistories(client: Client, runId: string): Promise<{ execution: string; events: HistoryEvent[] }[]> {
  const latest = await client.workflow.getHandle(runId).fetchHistory();
  const first = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId;
  const chain: { execution: string; events: HistoryEvent[] }[] = [];
  let next: string | undefined = first ?? undefined;
  // A bound on the chain guards against a loop if the server ever answered oddly.
  for (let hops = 0; next && hops < 10_000; hops += 1) {
    const history = await client.workflow.getHandle(runId, next).fetchHistory();
    const events = history.events ?? [];
    chain.push({ execution: next, events });
    const last = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    next = last?.newExecutionRunId ?? undefined;
  }
  return chain.length > 0 ? chain : [{ execution: runId, events: latest.events ?? [] }];
}

const num = (value: unknown) => (value === null || value === undefined ? undefined : Number(value));

/**
 * The activities of a run, in the order they were scheduled, across continue-as-new. Inputs that cannot be decoded
 * are added to `unreadable`, naming their history event.
 */
export async function activityTrails(
  client: Client,
  runId: string,
  unreadable?: UnreadablePart[],
): Promise<ActivityTrail[]> {
  const converter = client.options.loadedDataConverter;
  // History holds large payloads as claims: fetch them from the store before decoding, as the SDK does for results.
  const storage = converter.externalStorage ? new ExternalStorageRunner(converter.externalStorage) : undefined;
  const trails: ActivityTrail[] = [];
  for (const { execution, events } of await chainHistories(client, runId)) {
    const byScheduled = new Map<number, ActivityTrail>();
    for (const event of events) {
      const at = optionalTsToMs(event.eventTime) ?? 0;
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) {
        const activityType = scheduled.activityType?.name ?? 'unknown';
        const activityId = scheduled.activityId ?? '';
        let input: unknown;
        let inputError: string | undefined;
        try {
          const payloads = scheduled.input?.payloads ?? [];
          input = await decodeFromPayloadsAtIndex(converter, 0, storage ? await storage.retrieve(payloads) : payloads);
        } catch (error) {
          inputError = error instanceof Error ? error.message : String(error);
          unreadable?.push({
            what: `history event ${num(event.eventId)} of execution ${execution} (input of ${activityType} ${activityId})`,
            error: inputError,
          });
        }
        const trail: ActivityTrail = {
          activityType,
          activityId,
          scheduledAt: at,
          outcome: 'pending',
          input,
          ...(inputError !== undefined ? { inputError: `history event ${num(event.eventId)}: ${inputError}` } : {}),
          execution,
        };
        byScheduled.set(num(event.eventId)!, trail);
        trails.push(trail);
        continue;
      }
      const started = event.activityTaskStartedEventAttributes;
      if (started) {
        const trail = byScheduled.get(num(started.scheduledEventId)!);
        if (trail) Object.assign(trail, { startedAt: at, attempt: started.attempt ?? undefined });
        continue;
      }
      const ended =
        (event.activityTaskCompletedEventAttributes && {
          outcome: 'completed' as const,
          attrs: event.activityTaskCompletedEventAttributes,
        }) ||
        (event.activityTaskFailedEventAttributes && {
          outcome: 'failed' as const,
          attrs: event.activityTaskFailedEventAttributes,
        }) ||
        (event.activityTaskTimedOutEventAttributes && {
          outcome: 'timed_out' as const,
          attrs: event.activityTaskTimedOutEventAttributes,
        }) ||
        (event.activityTaskCanceledEventAttributes && {
          outcome: 'cancelled' as const,
          attrs: event.activityTaskCanceledEventAttributes,
        });
      if (ended) {
        const trail = byScheduled.get(num(ended.attrs.scheduledEventId)!);
        if (!trail) continue;
        trail.outcome = ended.outcome;
        trail.endedAt = at;
        const failure = (ended.attrs as { failure?: { message?: string | null } | null }).failure;
        if (failure?.message) trail.failure = failure.message;
      }
    }
  }
  return trails;
}
