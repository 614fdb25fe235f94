import { ServerUnreachableError, TemporalConnectionConfigError } from '../common/temporal-connection-errors';
import { WorkerConfigError } from '../common/worker-config-error';
import { DEFAULT_SHUTDOWN_GRACE_MS, loadWorkerConfig } from './config';
import { createReinsWorker } from './create-worker';
import { installWorkerLogging, workerLogLevel } from './logging';
import { tracesEndpoint } from './tracing';

/** Process entry: validate the environment, connect, run until SIGINT/SIGTERM (the SDK handles both). */
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  config.shutdownGraceMs ??= DEFAULT_SHUTDOWN_GRACE_MS;
  installWorkerLogging(workerLogLevel(process.env));
  const worker = await createReinsWorker({ config });
  console.log(
    `reins worker on task queue "${config.taskQueue}" at ${config.temporalAddress}, namespace ${config.namespace}, ` +
      `${config.temporalConnection?.security ?? 'plaintext'} (model provider: ${config.model.provider})`,
  );
  const traces = tracesEndpoint();
  // The origin only: an endpoint URL may carry credentials.
  if (traces)
    console.log(
      `reins worker: traces over OTLP to ${URL.canParse(traces) ? new URL(traces).origin : 'the configured endpoint'}`,
    );
  await worker.run();
}

/** Errors that say what to fix in their message; a stack trace would only bury it. */
const explained = [WorkerConfigError, TemporalConnectionConfigError, ServerUnreachableError];

main().catch((error: unknown) => {
  console.error(explained.some((type) => error instanceof type) ? (error as Error).message : error);
  process.exit(1);
});
