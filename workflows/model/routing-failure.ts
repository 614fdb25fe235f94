import { ErrorType } from '../../common/errors';

/** What a failed attempt means for the route: try the next candidate, one with a larger window, or stop. */
export type FailureAction = 'next' | 'larger-window' | 'resend' | 'stop';

/** A failed model attempt as plain data: the activity's failure type and message, or the timeout that ended it. */
export interface AttemptFailure {
  type: string;
  message: string;
  /** Set when the attempt ran out of time (Temporal's timeout, not an error the provider sent). */
  timeout?: string;
}

export interface ClassifiedFailure {
  type: string;
  message: string;
  action: FailureAction;
}

/**
 * Decides from an attempt's failure alone. Retryable failures reach here only after the candidate's own retries ran
 * out, so they move on; a bad request would be as bad elsewhere, so it stops; an auth failure stops unless allowed.
 */
export function classifyModelAttempt(
  failure: AttemptFailure,
  policy: { failoverOnAuthError: boolean },
): ClassifiedFailure {
  if (failure.timeout !== undefined) {
    return {
      type: ErrorType.ModelTimeout,
      message: `timed out: ${failure.timeout || 'no answer in time'}`,
      action: 'next',
    };
  }
  const { type, message } = failure;
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
