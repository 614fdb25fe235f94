import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The stable type and message of whatever an activity failed with, for state and for the model. */
export function failureOf(error: unknown): { type: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}
