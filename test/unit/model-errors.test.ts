import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIError } from 'openai';
import { retryAfterMs, toModelFailure } from '../../activities/model-errors';

const ctx = { provider: 'p', model: 'm' };
const apiError = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(status, { message: `status ${status}` }, undefined, new Headers(headers));

describe('provider errors become typed failures', () => {
  test.each([
    [429, 'ModelRateLimited', false],
    [500, 'ModelServerError', false],
    [503, 'ModelServerError', false],
    [408, 'ModelServerError', false],
    [409, 'ModelServerError', false],
    [400, 'ModelBadRequest', true],
    [404, 'ModelBadRequest', true],
    [422, 'ModelBadRequest', true],
    [401, 'ModelAuthFailed', true],
    [403, 'ModelAuthFailed', true],
  ])('%i → %s (non-retryable: %s)', (status, type, nonRetryable) => {
    const failure = toModelFailure(apiError(status), ctx);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
  });

  test('x-should-retry from the provider overrides the status rule', () => {
    expect(toModelFailure(apiError(500, { 'x-should-retry': 'false' }), ctx).nonRetryable).toBe(true);
    expect(toModelFailure(apiError(400, { 'x-should-retry': 'true' }), ctx).nonRetryable).toBe(false);
  });

  test('retry-after becomes the next retry delay', () => {
    expect(toModelFailure(apiError(429, { 'retry-after': '7' }), ctx).nextRetryDelay).toBe(7000);
    expect(toModelFailure(apiError(429, { 'retry-after-ms': '1500', 'retry-after': '9' }), ctx).nextRetryDelay).toBe(
      1500,
    );
  });

  test('connection errors are retryable', () => {
    const failure = toModelFailure(new APIConnectionError({ message: 'ECONNREFUSED' }), ctx);
    expect(failure).toMatchObject({ type: 'ModelConnectionError', nonRetryable: false });
  });

  test('retryAfterMs reads seconds, milliseconds and HTTP dates, and ignores garbage', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({}), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': '999999' }), now)).toBe(600_000);
  });
});
