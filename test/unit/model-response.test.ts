import { ApplicationFailure } from '@temporalio/common';
import { MAX_TOOL_CALLS_PER_TURN, readCompletion, readSummaryCompletion } from '../../activities/model/model-response';
import { ErrorType } from '../../common/errors';
import { emptyUsage, type RunState } from '../../common/run-state';
import { MAX_CALL_TOKENS } from '../../common/token-usage';
import { recordModelCall } from '../../workflows/model/model-bill';

const context = { provider: 'p', model: 'asked-for', promptTokens: 321 };

function completion(message: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { id: 'c1', model: 'm', choices: [{ index: 0, message: { role: 'assistant', ...message } }], ...extra };
}

function refusal(raw: unknown): ApplicationFailure {
  try {
    readCompletion(raw, context);
  } catch (error) {
    if (error instanceof ApplicationFailure) return error;
    throw error;
  }
  throw new Error('the completion was accepted');
}

describe('a provider completion is read, never trusted', () => {
  test.each([
    ['negative', -20_000_000],
    ['a word', 'lots'],
    ['a numeric string', '12'],
    ['infinite-looking', 'Infinity'],
    ['null', null],
    ['an object', { n: 1 }],
    ['fractional and negative', -0.5],
  ])('a usage count that is %s is replaced by the worker count', (_what, value) => {
    const read = readCompletion(
      completion({ content: 'four words of output' }, { usage: { prompt_tokens: value, completion_tokens: value } }),
      context,
    );
    expect(read.usage.inputTokens).toBe(321);
    expect(read.usage.outputTokens).toBeGreaterThan(0);
    expect(read.usage.cachedInputTokens).toBe(0);
    for (const count of Object.values(read.usage)) expect(Number.isSafeInteger(count)).toBe(true);
    if (value !== null) expect(read.warnings.join()).toMatch(/not a count \(prompt_tokens, completion_tokens\)/);
  });

  test('usage that is missing or not an object is counted by the worker; huge counts are clamped', () => {
    for (const usage of [undefined, null, 'usage', 42, []]) {
      expect(readCompletion(completion({ content: 'x' }, { usage }), context).usage.inputTokens).toBe(321);
    }
    const huge = readCompletion(
      completion(
        { content: 'x' },
        { usage: { prompt_tokens: 1e300, completion_tokens: 7.9, prompt_tokens_details: { cached_tokens: 1e300 } } },
      ),
      context,
    );
    expect(huge.usage).toEqual({ inputTokens: MAX_CALL_TOKENS, outputTokens: 7, cachedInputTokens: MAX_CALL_TOKENS });
    const cached = readCompletion(
      completion({ content: 'x' }, { usage: { prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 50 } } }),
      context,
    );
    expect(cached.usage.cachedInputTokens).toBe(10);
  });

  test('tool call fields become strings; arguments of any JSON type are JSON text', () => {
    const read = readCompletion(
      completion({
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'list_files', arguments: '{"x":1}' } },
          { id: 7, type: 'function', function: { name: 'read_file', arguments: { path: 'a' } } },
          { type: 'function', function: { name: null, arguments: null } },
          { id: 'd', function: { name: 'n', arguments: 12 } },
          { id: 'e', type: 'function', function: { name: 'n', arguments: ['a'] } },
          { id: 'f', type: 'function', function: { name: 'n' } },
          { id: 'g', type: 'function', function: 'list_files' },
          { id: 'h', type: 'custom', custom: { name: 'x' } },
          5,
        ],
        finish_reason: 3,
      }),
      context,
    );
    expect(read.toolCalls).toEqual([
      { id: 'a', name: 'list_files', arguments: '{"x":1}' },
      { id: '7', name: 'read_file', arguments: '{"path":"a"}' },
      { id: 'call_3', name: 'null', arguments: 'null' },
      { id: 'd', name: 'n', arguments: '12' },
      { id: 'e', name: 'n', arguments: '["a"]' },
      { id: 'f', name: 'n', arguments: '{}' },
      { id: 'g', name: '', arguments: '{}' },
      { id: 'call_8', name: '', arguments: '{}' },
    ]);
    for (const call of read.toolCalls) for (const field of Object.values(call)) expect(typeof field).toBe('string');
    expect(read.finishReason).toBe('tool_calls');
  });

  test('an absurd number of tool calls is cut, with a warning saying so', () => {
    const calls = Array.from({ length: 5000 }, (_, i) => ({
      id: `c${i}`,
      type: 'function',
      function: { name: 'list_files', arguments: '{}' },
    }));
    const read = readCompletion(completion({ content: null, tool_calls: calls }), context);
    expect(read.toolCalls).toHaveLength(MAX_TOOL_CALLS_PER_TURN);
    expect(read.warnings).toContain(
      `p asked for 5000 tool calls in one response; only the first ${MAX_TOOL_CALLS_PER_TURN} were kept`,
    );
  });

  test('labels that are not strings fall back; long ones are cut', () => {
    const read = readCompletion({ id: 9, model: { x: 1 }, choices: [{ message: { content: 'hi' } }] }, context);
    expect(read).toMatchObject({ model: 'asked-for', finishReason: 'stop', content: 'hi' });
    expect(read.responseId).toBeUndefined();
    expect(readCompletion(completion({ content: 'x' }, { model: 'm'.repeat(10_000) }), context).model).toHaveLength(
      256,
    );
    expect(readCompletion(completion({ content: [{ type: 'text', text: 'a' }, { text: 'b' }] }), context).content).toBe(
      'ab',
    );
  });

  test.each([
    ['not an object', 'not json'],
    ['no choices', { choices: [] }],
    ['choices that are not a list', { choices: 'x' }],
    ['a choice without a message', { choices: [{ index: 0 }] }],
    ['content that is a number', completion({ content: 5 })],
    ['content that is an object', completion({ content: { text: 'x' } })],
    ['tool calls that are not a list', completion({ content: null, tool_calls: 'calls' })],
  ])('a completion with %s is ModelResponseInvalid, retryable', (_what, raw) => {
    const failure = refusal(raw);
    expect(failure.type).toBe(ErrorType.ModelResponseInvalid);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(/^p returned a completion that cannot be read: /);
  });

  test('summaries are read the same way', () => {
    const read = readSummaryCompletion(
      { choices: [{ message: { content: '  short  ' } }], usage: { prompt_tokens: -1, completion_tokens: 'x' } },
      context,
    );
    expect(read).toMatchObject({ summary: 'short', model: 'asked-for' });
    expect(read.usage.inputTokens).toBe(321);
    expect(read.usage.outputTokens).toBeGreaterThan(0);
    expect(() => readSummaryCompletion({ choices: [{ message: { content: 1 } }] }, context)).toThrow(/cannot be read/);
  });
});

describe('the workflow books a call whatever its result says', () => {
  const state = () => ({ step: 1, usage: emptyUsage(), modelCalls: [], warnings: [] }) as unknown as RunState;
  const price = { input: 1, output: 10 };
  const requested = { model: 'm', price, maxOutputTokens: undefined };

  test('usage and cost only go up and stay finite', () => {
    const run = state();
    recordModelCall(
      run,
      { usage: { inputTokens: 100, outputTokens: 10, cachedInputTokens: 0 }, provider: 'p', model: 'm', latencyMs: 1 },
      requested,
    );
    const before = { ...run.usage };
    const hostile: unknown[] = [
      { inputTokens: -20_000_000, outputTokens: -5, cachedInputTokens: -1 },
      { inputTokens: 'lots', outputTokens: '12', cachedInputTokens: null },
      { inputTokens: Number.NaN, outputTokens: Number.POSITIVE_INFINITY, cachedInputTokens: 1e300 },
      undefined,
    ];
    for (const usage of hostile) {
      const cost = recordModelCall(
        run,
        { usage, provider: 5, model: null, latencyMs: -3, warnings: 'w' } as never,
        requested,
      );
      expect(cost).not.toBeNull();
      expect(Number.isFinite(cost)).toBe(true);
      expect(cost).toBeGreaterThanOrEqual(0);
    }
    for (const key of ['inputTokens', 'outputTokens', 'cachedInputTokens', 'totalTokens', 'costUsd'] as const) {
      expect(Number.isFinite(run.usage[key])).toBe(true);
      expect(run.usage[key]).toBeGreaterThanOrEqual(before[key]);
    }
    expect(run.usage.totalTokens).toBe(run.usage.inputTokens + run.usage.outputTokens);
    expect(run.usage.modelCalls).toBe(5);
    for (const call of run.modelCalls) {
      expect(typeof call.provider).toBe('string');
      expect(typeof call.responseModel).toBe('string');
      expect(call.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  test('warnings from the edge are kept once each', () => {
    const run = state();
    const call = {
      usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
      provider: 'p',
      model: 'm',
      latencyMs: 1,
      warnings: ['p reported token usage that is not a count (prompt_tokens); the worker counted instead'],
    };
    recordModelCall(run, call, requested);
    recordModelCall(run, call, requested);
    expect(run.warnings).toEqual(call.warnings);
  });
});
