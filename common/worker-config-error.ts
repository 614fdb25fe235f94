/**
 * The worker's environment or config files are invalid; `message` names each bad setting. Here rather than in worker/
 * because the CLI maps it to an exit code without loading the worker.
 */
export class WorkerConfigError extends Error {
  override name = 'WorkerConfigError';
}
