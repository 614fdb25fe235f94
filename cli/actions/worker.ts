import { describeStore } from '../../shared/store/store-settings';
import { z } from 'zod';
import { DEFAULT_SHUTDOWN_GRACE_MS, loadWorkerConfig } from '../../worker/config';
import type { createReinsWorker as CreateReinsWorker } from '../../worker/create-worker';
import type * as WorkerLogging from '../../worker/logging';
import type * as WorkerConnect from '../../worker/temporal-connect';
import type { Handler } from '../context';
import { parseFlags } from '../flags';

/** Loading the worker (native runtime, bundler, model SDK) takes seconds; only `reins worker` pays for it. */
function loadWorkerModules(): {
  connectWorker: typeof WorkerConnect.connectWorker;
  createReinsWorker: typeof CreateReinsWorker;
  logging: typeof WorkerLogging;
} {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { connectWorker } = require('../../worker/temporal-connect') as typeof WorkerConnect;
  const { createReinsWorker } = require('../../worker/create-worker') as {
    createReinsWorker: typeof CreateReinsWorker;
  };
  const logging = require('../../worker/logging') as typeof WorkerLogging;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { connectWorker, createReinsWorker, logging };
}

const WorkerFlagsSchema = z.strictObject({
  maxConcurrentActivities: z.coerce.number().int().positive().optional(),
  maxConcurrentWorkflowTasks: z.coerce.number().int().positive().optional(),
  verbose: z.boolean().optional(),
});

export const worker: Handler = async (ctx, _args, options) => {
  const flags = parseFlags(WorkerFlagsSchema, options);
  const { taskQueue } = ctx.options;
  // The same connection settings as every other command: flags over TEMPORAL_* over the profile.
  const { env, ...temporal } = ctx.temporalSource();
  const config = loadWorkerConfig({ ...env, REINS_TASK_QUEUE: taskQueue }, temporal);
  config.maxConcurrentActivities = flags.maxConcurrentActivities ?? config.maxConcurrentActivities;
  config.maxConcurrentWorkflowTasks = flags.maxConcurrentWorkflowTasks ?? config.maxConcurrentWorkflowTasks;
  config.shutdownGraceMs ??= DEFAULT_SHUTDOWN_GRACE_MS;
  const { connectWorker, createReinsWorker, logging } = loadWorkerModules();
  logging.installWorkerLogging(logging.workerLogLevel(ctx.io.env, flags.verbose === true));
  const connection = await connectWorker(config);
  try {
    const worker = await createReinsWorker({ config, connection });
    ctx.out.note(
      `reins worker on task queue "${taskQueue}" at ${config.temporalAddress}, namespace ${config.namespace}, ` +
        `${config.temporalConnection?.security ?? 'plaintext'} ` +
        `(model provider: ${config.model.provider}, data: ${config.dataDir}, store: ${describeStore(
          config.store ?? { kind: 'fs', dataDir: config.dataDir, payloadDir: config.payloadDir ?? config.dataDir },
        )}). Ctrl-C stops it.`,
    );
    // The SDK shuts the worker down on SIGINT/SIGTERM; run() returns once in-flight tasks are handed back.
    await worker.run();
    ctx.out.note('reins worker stopped; its runs carry on with the next worker on the task queue.');
  } finally {
    await connection.close();
  }
};
