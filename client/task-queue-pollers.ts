import { isGrpcServiceError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** gRPC's status codes for a call that was cancelled, and for one that ran out of time. */
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;

/**
 * True for a call that ran out of its deadline (the server held it, or did not answer in time). A call the client
 * started or polled again as the deadline ran out may end as cancelled instead: past `deadlineMs`, that is the same.
 */
export function isDeadlineExceeded(error: unknown, deadlineMs?: number, nowMs = Date.now()): boolean {
  const pastDeadline = deadlineMs !== undefined && nowMs >= deadlineMs;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (isGrpcServiceError(cause) && cause.code === DEADLINE_EXCEEDED) return true;
    if (/deadline exceeded/i.test(cause.message)) return true;
    if (
      pastDeadline &&
      ((isGrpcServiceError(cause) && cause.code === CANCELLED) || /call cancelled/i.test(cause.message))
    ) {
      return true;
    }
  }
  return false;
}

/**
 * A worker polls continuously (each long poll lasts about a minute), so one whose last poll is older than this has
 * stopped; the server itself lists pollers for several minutes after they are gone.
 */
const ACTIVE_POLLER_MS = 90_000;

/** Identities of the workers polling a task queue for workflow tasks now. */
export async function workflowPollers(client: Client, taskQueue: string, nowMs = Date.now()): Promise<string[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? [])
    .filter((poller) => {
      const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
      return nowMs - seconds * 1000 <= ACTIVE_POLLER_MS;
    })
    .map((poller) => poller.identity ?? '(unnamed)');
}
