import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { WorkerConfig } from './config';
import { ReinsPlugin } from './reins-plugin';
import { connectWorker } from './temporal-connect';
import type { ReinsSetupOptions } from './reins-setup';

export { createModelClient } from './reins-setup';

export interface ReinsWorkerOptions extends Omit<ReinsSetupOptions, 'config'> {
  config: WorkerConfig;
  /** Reuse an open connection (tests share one); otherwise one is opened as `config` says (address, TLS, API key). */
  connection?: NativeConnection;
  /** A prebuilt workflow bundle; without it the workflows are bundled at start (a few seconds). */
  workflowBundle?: { code: string };
  /** Passed through to the Temporal worker (e.g. shutdownGraceTime); its plugins run after reins'. */
  workerOptions?: Partial<WorkerOptions>;
}

/**
 * The batteries-included worker: a Temporal worker that runs only reins, on the connection, namespace, task queue and
 * concurrency of `config`. Everything reins adds comes from ReinsPlugin, as on a worker a user builds.
 */
export async function createReinsWorker(options: ReinsWorkerOptions): Promise<Worker> {
  const { config, connection: given, workflowBundle, workerOptions, ...setup } = options;
  const plugin = await ReinsPlugin.create({ ...setup, config });
  const connection = given ?? (await connectWorker(config));
  return Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    // A bundle built ahead carries its interceptor modules (REINS_BUNDLE_OPTIONS); without one, reins' workflows.
    ...(workflowBundle ? { workflowBundle } : {}),
    ...(config.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities } : {}),
    ...(config.maxConcurrentWorkflowTasks
      ? { maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks }
      : {}),
    ...(config.shutdownGraceMs !== undefined ? { shutdownGraceTime: config.shutdownGraceMs } : {}),
    ...workerOptions,
    plugins: [plugin, ...(workerOptions?.plugins ?? [])],
  });
}
