import type { NativeConnection as NativeConnectionType } from '@temporalio/worker';
import { z } from 'zod';
import { loadWorkerConfig } from '../../worker/config';
import type { createReinsWorker as CreateReinsWorker } from '../../worker/create-worker';
import type * as WorkerLogging from '../../worker/logging';
import { ServerUnreachableError } from '../../client/errors';
import type { Handler } from '../context';
import { parseFlags } from '../flags';

/** Loading the worker (native runtime, bundler, model SDK) takes seconds; only `reins worker` pays for it. */
function loadWorkerModules(): {
  NativeConnection: typeof NativeConnectionType;
  createReinsWorker: typeof CreateReinsWorker;
  logging: typeof WorkerLogging;
} {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NativeConnection } = require('@temporalio/worker') as {
    NativeConnection: typeof NativeConnectionType;
  };
  const { createReinsWorker } = require('../../worker/create-worker') as {
    createReinsWorker: typeof CreateReinsWorker;
  };
  const logging = require('../../worker/logging') as typeof WorkerLogging;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { NativeConnection, createReinsWorker, logging };
}

const WorkerFlagsSchema = z.strictObject({
  maxConcurrentActivities: z.coerce.number().int().positive().optional(),
  maxConcurrentWorkflowTasks: z.coerce.number().int().positive().optional(),
  verbose: z.boolean().optional(),
});

export const worker: Handler = async (ctx, _args, options) => {
  const flags = parseFlags(WorkerFlagsSchema, options);
  const { address, namespace, taskQueue } = ctx.options;
  const config = loadWorkerConfig({
    ...ctx.io.env,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    REINS_TASK_QUEUE: taskQueue,
  });
  config.maxConcurrentActivities = flags.maxConcurrentActivities ?? config.maxConcurrentActivities;
  config.maxConcurrentWorkflowTasks = flags.maxConcurrentWorkflowTasks ?? config.maxConcurrentWorkflowTasks;
  const { NativeConnection, createReinsWorker, logging } = loadWorkerModules();
  logging.installWorkerLogging(logging.workerLogLevel(ctx.io.env, flags.verbose === true));
  let connection: NativeConnectionType;
  try {
    connection = await NativeConnection.connect({ address });
  } catch (error) {
    throw new ServerUnreachableError(address, error);
  }
  try {
    const worker = await createReinsWorker({ config, connection });
    ctx.out.note(
      `reins worker on task queue "${taskQueue}" at ${address}, namespace ${namespace} ` +
        `(model provider: ${config.model.provider}, data: ${config.dataDir}). Ctrl-C stops it.`,
    );
    // The SDK shuts the worker down on SIGINT/SIGTERM; run() returns once in-flight tasks are handed back.
    await worker.run();
    ctx.out.note('reins worker stopped; its runs carry on with the next worker on the task queue.');
  } finally {
    await connection.close();
  }
};
