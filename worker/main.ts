import { loadWorkerConfig, WorkerConfigError } from './config';
import { createReinsWorker } from './create-worker';

/** Process entry: validate the environment, connect, run until SIGINT/SIGTERM (the SDK handles both). */
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const worker = await createReinsWorker({ config });
  console.log(
    `reins worker on task queue "${config.taskQueue}" at ${config.temporalAddress} (model provider: ${config.model.provider})`,
  );
  await worker.run();
}

main().catch((error: unknown) => {
  console.error(error instanceof WorkerConfigError ? error.message : error);
  process.exit(1);
});
