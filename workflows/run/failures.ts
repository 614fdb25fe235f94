import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { ErrorType } from '../../common/errors';
import type { AttemptFailure } from '../model/routing-failure';

/** The stable type and message of whatever an activity failed with, for state and for the model. */
export function failureOf(error: unknown): { type: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}

/** A model attempt's failure as plain data for the routing decision: a timeout, or the activity's type and message. */
export function attemptFailureOf(error: unknown): AttemptFailure {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (cause instanceof TimeoutFailure)
    return { type: ErrorType.ModelTimeout, message: cause.message, timeout: cause.message };
  return failureOf(error);
}

/**
 * The exact token counts of the messages a refused prompt carried, when the model activity reported them
 * (ContextOverflow details); whatever else the failure holds is ignored.
 */
export function overflowCounts(error: unknown): unknown[] | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (!(cause instanceof ApplicationFailure)) return undefined;
  const detail: unknown = cause.details?.[0];
  if (typeof detail !== 'object' || detail === null || !Object.hasOwn(detail, 'newMessageTokens')) return undefined;
  const counts = (detail as { newMessageTokens?: unknown }).newMessageTokens;
  return Array.isArray(counts) ? (counts as unknown[]) : undefined;
}
