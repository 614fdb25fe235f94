import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIError } from 'openai';
import { retryAfterMs, toModelFailure } from '../../activities/model/model-errors';

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

describe('a 200 response whose body is not a whole JSON document', () => {
  test('is ModelResponseInvalid (retryable), as the SDK reports it through the real client', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"chatcmpl-1","choices":[{"message":{"role":"assi');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'k', maxRetries: 0 });
      const error = await client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const failure = toModelFailure(error, { provider: 'p', model: 'm' });
      expect(failure.type).toBe('ModelResponseInvalid');
      expect(failure.nonRetryable).toBe(false);
      expect(failure.message).toMatch(/^p model m answered with a body that is not valid JSON/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
