import { Worker, type NativeConnection } from '@temporalio/worker';
import type { ReinsParts } from './reins-setup';

/** Where the main worker polls; its provider queues' workers poll the same server and namespace. */
export interface WorkerTarget {
  connection?: NativeConnection;
  namespace?: string;
}

/**
 * A rate-limited provider's calls have a queue of their own whose rate the server enforces across all workers; these
 * workers run only reins' activities there, with the same data converter.
 */
export function createProviderWorkers(parts: ReinsParts, target: WorkerTarget): Promise<Worker[]> {
  return Promise.all(
    parts.providers.rateLimited().map((queue) =>
      Worker.create({
        ...(target.connection ? { connection: target.connection } : {}),
        ...(target.namespace ? { namespace: target.namespace } : {}),
        dataConverter: parts.dataConverter('worker'),
        taskQueue: queue.taskQueue,
        activities: parts.activities,
        maxTaskQueueActivitiesPerSecond: queue.perSecond,
      }),
    ),
  );
}

/** Runs the provider queues' workers for as long as the main worker runs. */
export async function runAlongside(runMain: () => Promise<void>, others: Worker[]): Promise<void> {
  const running = others.map((other) =>
    other.run().catch((error: unknown) => console.warn(`reins: a provider queue worker stopped: ${String(error)}`)),
  );
  try {
    await runMain();
  } finally {
    for (const other of others) if (other.getState() === 'RUNNING') other.shutdown();
    await Promise.all(running);
  }
}
