/**
 * Container health check for a reins worker: healthy when Temporal lists a poller from this host on the worker's task
 * queue, i.e. the worker is connected and taking work. Exit 0 healthy, 1 not. Reads TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE and REINS_TASK_QUEUE like the worker does.
 *
 *   node dist/scripts/worker-health.js   (compiled; `npx tsx scripts/worker-health.ts` from source)
 */
import os from 'node:os';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../common/task-queues';

async function main(): Promise<number> {
  const address = process.env.TEMPORAL_ADDRESS || DEFAULT_TEMPORAL_ADDRESS;
  const namespace = process.env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE;
  const taskQueue = process.env.REINS_TASK_QUEUE || DEFAULT_TASK_QUEUE;
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    // The SDK's default identity is `<pid>@<hostname>`; a container's hostname is its own.
    const host = os.hostname();
    const mine = (pollers ?? []).filter((poller) => poller.identity?.endsWith(`@${host}`));
    if (mine.length > 0) return 0;
    console.error(`no poller from ${host} on task queue ${taskQueue} (namespace ${namespace}) at ${address}`);
    return 1;
  } finally {
    await connection.close();
  }
}

// exitCode rather than exit(): the process ends once its output is flushed.
main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`health check failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
