import { ApplicationFailure } from '@temporalio/activity';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { ErrorType } from '../../common/errors';

/** Longest wait we accept from a provider's retry-after before treating it as "retry later via backoff". */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Reads `retry-after-ms`, then `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return Math.min(ms, MAX_RETRY_AFTER_MS);
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(seconds) && seconds >= 0)
    return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(date - now, 0), MAX_RETRY_AFTER_MS);
}

function typeForStatus(status: number): string {
  if (status === 429) return ErrorType.ModelRateLimited;
  if (status === 401 || status === 403) return ErrorType.ModelAuthFailed;
  if (status === 408 || status === 409 || status >= 500) return ErrorType.ModelServerError;
  return ErrorType.ModelBadRequest;
}

/**
 * Turns whatever the openai SDK threw into an ApplicationFailure with a stable type. Temporal owns the retries,
 * so the decision "retry or not" and "after how long" is made here from the provider's answer.
 */
export function toModelFailure(error: unknown, context: { provider: string; model: string }): ApplicationFailure {
  const where = `${context.provider} model ${context.model}`;
  if (error instanceof APIUserAbortError) {
    return ApplicationFailure.retryable(`request to ${where} was cancelled`, ErrorType.ModelConnectionError);
  }
  if (error instanceof APIConnectionError) {
    return ApplicationFailure.retryable(`${where} unreachable: ${error.message}`, ErrorType.ModelConnectionError);
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const type = typeForStatus(error.status);
    const shouldRetry = error.headers?.get('x-should-retry');
    const retryable =
      shouldRetry === 'true' ||
      (shouldRetry !== 'false' && type !== ErrorType.ModelBadRequest && type !== ErrorType.ModelAuthFailed);
    return ApplicationFailure.create({
      type,
      message: `${where} answered ${error.status}: ${error.message}`,
      nonRetryable: !retryable,
      nextRetryDelay: retryable ? retryAfterMs(error.headers) : undefined,
      details: [{ status: error.status, code: error.code ?? null, requestId: error.requestID ?? null }],
    });
  }
  // The SDK parses a 200 response's body itself: a body cut short or not JSON surfaces as the parser's SyntaxError
  // (possibly from another realm than this module's, so it is told by name rather than instanceof).
  if (isSyntaxError(error)) {
    return ApplicationFailure.retryable(
      `${where} answered with a body that is not valid JSON: ${String(error.message)}`,
      ErrorType.ModelResponseInvalid,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.retryable(`${where} failed: ${message}`, ErrorType.ModelConnectionError);
}

function isSyntaxError(error: unknown): error is { name: 'SyntaxError'; message: unknown } {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'SyntaxError';
}
