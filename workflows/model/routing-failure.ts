import { ActivityFailure, TimeoutFailure } from '@temporalio/workflow';
import { ErrorType } from '../../common/errors';
import { failureOf } from '../run/failures';

/** What a failed attempt means for the route: try the next candidate, one with a larger window, or stop. */
export type FailureAction = 'next' | 'larger-window' | 'resend' | 'stop';

export interface ClassifiedFailure {
  type: string;
  message: string;
  action: FailureAction;
}

/**
 * Decides from an attempt's failure alone. Retryable failures reach here only after the candidate's own retries ran
 * out, so they move on; a bad request would be as bad elsewhere, so it stops; an auth failure stops unless allowed.
 */
export function classifyFailure(error: unknown, policy: { failoverOnAuthError: boolean }): ClassifiedFailure {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (cause instanceof TimeoutFailure) {
    return {
      type: ErrorType.ModelTimeout,
      message: `timed out: ${cause.message || 'no answer in time'}`,
      action: 'next',
    };
  }
  const { type, message } = failureOf(error);
  switch (type) {
    case ErrorType.ContextOverflow:
      return { type, message, action: 'larger-window' };
    case ErrorType.ConversationMissing:
      return { type, message, action: 'resend' };
    case ErrorType.ModelAuthFailed:
    case ErrorType.SecretMissing:
      return { type, message, action: policy.failoverOnAuthError ? 'next' : 'stop' };
    case ErrorType.ModelBadRequest:
      return { type, message, action: 'stop' };
    default:
      return { type, message, action: 'next' };
  }
}
