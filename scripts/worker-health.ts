/**
 * Container health check for a reins worker: healthy when Temporal lists a poller from this host on the worker's task
 * queue, i.e. the worker is connected and taking work, and, with a PostgreSQL store (REINS_STORE), the store answers.
 * Exit 0 healthy, 1 not. Reads the Temporal settings (TEMPORAL_* and a profile: TLS, API key) and REINS_TASK_QUEUE
 * as the worker does.
 *
 *   node dist/scripts/worker-health.js   (compiled; `npx tsx scripts/worker-health.ts` from source)
 */
import os from 'node:os';
import { temporal } from '@temporalio/proto';
import { connectTemporal } from '../client/temporal-connect';
import { DEFAULT_TASK_QUEUE } from '../common/task-queues';
import { closePostgresStores, postgresStore } from '../shared/store/postgres/pg-store';
import { describeStore, storeSettingsFromEnv } from '../shared/store/store-settings';

async function main(): Promise<number> {
  const taskQueue = process.env.REINS_TASK_QUEUE || DEFAULT_TASK_QUEUE;
  const store = storeSettingsFromEnv();
  if (store.kind === 'postgres') {
    try {
      await postgresStore(store.url, store.schema).query('SELECT 1');
    } catch (error) {
      console.error(`the store does not answer (${describeStore(store)}): ${(error as Error).message}`);
      return 1;
    } finally {
      await closePostgresStores();
    }
  }
  const { connection, namespace } = await connectTemporal({ connectTimeoutMs: 5_000 });
  const address = connection.options.address;
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
