import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadWorkerConfig, ReinsPlugin } from 'reins/worker';
import * as activities from './activities';
import { openTicket } from './tools/open-ticket';

export const TASK_QUEUE = process.env.REINS_TASK_QUEUE ?? 'support-desk';

/**
 * The team's worker as it would be without reins (its connection, task queue, workflows and activities), plus one
 * plugin. The connection follows the standard Temporal settings: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_*, or a profile of the Temporal config file.
 */
export async function createWorker(): Promise<Worker> {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const connection = await NativeConnection.connect(connectionOptions);
  // reins' own settings (the model endpoint, data directory, sandbox...) come from its REINS_* and OPENAI_* variables.
  const reins = await ReinsPlugin.create({
    config: { ...loadWorkerConfig(), taskQueue: TASK_QUEUE },
    extraTools: [openTicket],
  });
  return Worker.create({
    connection,
    namespace: namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities,
    maxConcurrentActivityTaskExecutions: 20,
    plugins: [reins],
  });
}

if (require.main === module) {
  createWorker()
    .then((worker) => worker.run())
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
