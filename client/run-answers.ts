import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type { RunResult } from '../common/run-state';
import {
  DecisionRefusedError,
  PayloadUnreadableError,
  RunEndedError,
  RunNotAnsweringError,
  RunNotFoundError,
} from './errors';
import { decodeFailureOf } from './read-guard';
import { isDeadlineExceeded, workflowPollers } from './task-queue-pollers';

// How a client tells the ways a run may not answer apart: missing, ended, no worker, an unreadable result.

/** How long a decision or a policy apply waits for the run to answer before the client says why it did not. */
const DEFAULT_UPDATE_TIMEOUT_MS = 15_000;

function endedHow(cause: Error | undefined): string | undefined {
  if (cause instanceof TerminatedFailure) return 'terminated';
  if (cause instanceof CancelledFailure) return 'cancelled';
  if (cause instanceof TimeoutFailure) return 'timed_out';
  return undefined;
}

/** Runs `call`, reporting a run Temporal does not know as RunNotFoundError. */
export async function notFoundAware<T>(runId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new RunNotFoundError(runId);
    throw error;
  }
}

/**
 * Temporal reports a closed run as not found to updates and signals; tell an ended run from a missing one. An ended
 * run refuses with the error the caller's message has (`refused`), saying what the run no longer does.
 */
export async function endedOrMissing(
  handle: WorkflowHandle,
  runId: string,
  notFound: RunNotFoundError,
  refused: (message: string) => Error = (message) => new DecisionRefusedError(message),
  noLonger = 'it takes no more decisions',
): Promise<Error> {
  const description = await handle.describe().catch(() => undefined);
  if (!description) return notFound;
  const status = description.status.name.toLowerCase();
  return refused(`run "${runId}" has already ended (${status}); ${noLonger}`);
}

/**
 * An update is answered by a worker running the workflow: with none polling, the server holds the request until the
 * caller gives up. Waits at most `timeoutMs`, then says whether any worker polls the run's task queue.
 */
export async function answeredWithin<T>(
  temporal: Client,
  handle: WorkflowHandle,
  timeoutMs: number | undefined,
  call: () => Promise<T>,
): Promise<T> {
  const runId = handle.workflowId;
  const deadline = Date.now() + (timeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS);
  try {
    return await notFoundAware(runId, () => temporal.connection.withDeadline(deadline, call));
  } catch (error) {
    if (!isDeadlineExceeded(error, deadline)) throw error;
    const description = await notFoundAware(runId, () => handle.describe());
    const pollers = await workflowPollers(temporal, description.taskQueue).catch(() => undefined);
    throw new RunNotAnsweringError(runId, description.taskQueue, timeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS, pollers);
  }
}

/**
 * Waits for the run to end. A failed run's result comes from its failure details, so nothing is lost; a run ended
 * from outside (terminated, timed out, cancelled) throws RunEndedError.
 */
export async function readResult(handle: WorkflowHandle, runId: string): Promise<RunResult> {
  try {
    return await notFoundAware(runId, () => handle.result() as Promise<RunResult>);
  } catch (error) {
    const unreadable = decodeFailureOf(error);
    if (unreadable !== undefined) {
      // The run's last event holds its result (or failure): name it, so it can be looked at in the history.
      const events = await handle
        .describe()
        .then((d) => d.historyLength)
        .catch(() => undefined);
      const where = events ? ` (history event ${events})` : '';
      throw new PayloadUnreadableError([{ what: `the result of run "${runId}"${where}`, error: unreadable }]);
    }
    if (error instanceof WorkflowFailedError) {
      const cause = error.cause;
      const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as RunResult | undefined) : undefined;
      if (details && typeof details === 'object' && 'status' in details) return details;
      const how = endedHow(cause);
      if (how) throw new RunEndedError(runId, how, cause?.message || how);
    }
    throw error;
  }
}
