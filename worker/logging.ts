import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { z } from 'zod';

export const LogLevelSchema = z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']);

/**
 * The worker's log level: REINS_LOG_LEVEL, else WARN. At INFO the SDK reports every workflow bundle build (a page of
 * webpack lines) and every worker state change, which buries what a person running a worker needs to see.
 */
export function workerLogLevel(env: NodeJS.ProcessEnv, verbose = false): LogLevel {
  if (verbose) return 'INFO';
  const parsed = LogLevelSchema.safeParse(env.REINS_LOG_LEVEL?.trim().toUpperCase() || 'WARN');
  if (!parsed.success) {
    throw new Error(
      `REINS_LOG_LEVEL must be one of ${LogLevelSchema.options.join(', ')}; got "${env.REINS_LOG_LEVEL}"`,
    );
  }
  return parsed.data;
}

/** Installs the SDK's logger once per process; a second call (the runtime already exists) changes nothing. */
export function installWorkerLogging(level: LogLevel): void {
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // The runtime was created earlier in this process (a test, an embedding application): its logger stays.
  }
}
