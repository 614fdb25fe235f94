import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { AgentSpecSchema } from '../../common/agent-spec';
import { ProvidersFileSchema, type ProviderOutcome, type RoutingSnapshot } from '../../common/providers';
import { attemptFailureOf } from '../../workflows/run/failures';
import { classifyModelAttempt } from '../../workflows/model/routing-failure';
import {
  blendedPrice,
  circuitOpen,
  errorRate,
  largerWindowThan,
  observedLatencyMs,
  planRoute,
  resolveCandidates,
  type RouteCandidate,
} from '../../workflows/model/routing';

const candidate = (provider: string, extra: Partial<RouteCandidate> = {}): RouteCandidate => ({
  provider,
  model: 'm',
  contextWindow: 128_000,
  capabilities: { tools: true, jsonOutput: false },
  ...extra,
});
const circuit = { failures: 3, window: 10_000 };
const failed = (at: number): ProviderOutcome => ({ at, ok: false, errorType: 'ModelServerError' });
const ok = (at: number, latencyMs = 100): ProviderOutcome => ({ at, ok: true, latencyMs });

describe('circuit', () => {
  test('opens after N consecutive failures within the window and closes once the window has passed', () => {
    const outcomes = [ok(0), failed(1000), failed(2000), failed(3000)];
    expect(circuitOpen(outcomes, circuit, 4000)).toEqual({ open: true, untilMs: 13_000, failures: 3 });
    expect(circuitOpen(outcomes, circuit, 13_001)).toEqual({ open: false });
  });

  test('a success in between resets the count; failures older than the window do not count', () => {
    expect(circuitOpen([failed(1), failed(2), ok(3), failed(4)], circuit, 5).open).toBe(false);
    expect(circuitOpen([failed(1), failed(20_000), failed(21_000)], circuit, 22_000).open).toBe(false);
  });
});

describe('planRoute', () => {
  const options = { health: {}, circuit, requires: [] as Array<'tools' | 'jsonOutput'>, nowMs: 0 };

  test('failover keeps the spec order', () => {
    const plan = planRoute([candidate('a'), candidate('b')], 'failover', options);
    expect(plan.order.map((c) => c.provider)).toEqual(['a', 'b']);
  });

  test('cheapest ranks by blended price, unpriced last', () => {
    const plan = planRoute(
      [
        candidate('unpriced'),
        candidate('dear', { price: { input: 5, output: 15 } }),
        candidate('cheap', { price: { input: 0.1, output: 0.4 } }),
      ],
      'cheapest',
      options,
    );
    expect(plan.order.map((c) => c.provider)).toEqual(['cheap', 'dear', 'unpriced']);
    expect(blendedPrice(undefined)).toBe(Number.POSITIVE_INFINITY);
  });

  test('fastest ranks by observed latency, unmeasured providers first so they get measured', () => {
    const health = { slow: [ok(1, 900)], quick: [ok(1, 50)] };
    const plan = planRoute([candidate('slow'), candidate('quick'), candidate('new')], 'fastest', {
      ...options,
      health,
    });
    expect(plan.order.map((c) => c.provider)).toEqual(['new', 'quick', 'slow']);
  });

  test('skips open circuits and incapable models, saying why', () => {
    const plan = planRoute(
      [candidate('down'), candidate('notools', { capabilities: { tools: false, jsonOutput: false } }), candidate('up')],
      'failover',
      { ...options, requires: ['tools'], health: { down: [failed(1), failed(2), failed(3)] }, nowMs: 4 },
    );
    expect(plan.order.map((c) => c.provider)).toEqual(['up']);
    expect(plan.skipped.map((s) => [s.candidate.provider, s.why])).toEqual([
      ['down', expect.stringMatching(/^circuit open after 3 failures/)],
      ['notools', 'lacks tools'],
    ]);
  });

  test('latency and error rate come from recent outcomes', () => {
    expect(observedLatencyMs([ok(1, 100), failed(2), ok(3, 300)])).toBe(200);
    expect(observedLatencyMs([failed(1)])).toBeUndefined();
    expect(errorRate([ok(1), failed(2)])).toBe(0.5);
  });
});

describe('candidates', () => {
  const snapshot: RoutingSnapshot = {
    providers: {
      local: {
        provider: 'local',
        known: true,
        taskQueue: 'reins-model-local',
        models: {
          llama: {
            contextWindow: 8192,
            prices: { input: 0, output: 0 },
            capabilities: { tools: false, jsonOutput: true },
          },
        },
        health: [],
      },
    },
  };

  test('windows, prices, capabilities and queues come from the spec, the run prices and the provider file', () => {
    const [fromFile, fromSpec] = resolveCandidates(
      [
        { provider: 'local', model: 'llama' },
        { provider: 'default', model: 'gpt-4o-mini', contextWindow: 64_000 },
      ],
      snapshot,
      { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },
      128_000,
    );
    expect(fromFile).toEqual({
      provider: 'local',
      model: 'llama',
      contextWindow: 8192,
      price: { input: 0, output: 0 },
      capabilities: { tools: false, jsonOutput: true },
      taskQueue: 'reins-model-local',
    });
    expect(fromSpec).toMatchObject({ contextWindow: 64_000, price: { input: 0.15, output: 0.6 } });
  });

  test('after a context-length error only larger windows remain, in order', () => {
    const rest = [candidate('same', { contextWindow: 8192 }), candidate('big', { contextWindow: 200_000 })];
    expect(largerWindowThan(rest, 8192).map((c) => c.provider)).toEqual(['big']);
  });
});

describe('classifyModelAttempt', () => {
  const classifyFailure = (error: unknown, policy: { failoverOnAuthError: boolean }) =>
    classifyModelAttempt(attemptFailureOf(error), policy);
  const activityFailure = (cause: Error) =>
    new ActivityFailure('failed', 'callModel', '1', RetryState.MAXIMUM_ATTEMPTS_REACHED, undefined, cause);
  const app = (type: string) => activityFailure(ApplicationFailure.create({ type, message: type }));
  const strict = { failoverOnAuthError: false };

  test('retryable provider failures and timeouts move on; bad requests stop; overflow wants a larger window', () => {
    expect(classifyFailure(app('ModelServerError'), strict).action).toBe('next');
    expect(classifyFailure(app('ModelRateLimited'), strict).action).toBe('next');
    expect(classifyFailure(app('ModelBadRequest'), strict).action).toBe('stop');
    expect(classifyFailure(app('ContextOverflow'), strict).action).toBe('larger-window');
    expect(classifyFailure(app('ConversationMissing'), strict).action).toBe('resend');
    const timeout = classifyFailure(
      activityFailure(new TimeoutFailure('activity StartToClose timeout', undefined, TimeoutType.START_TO_CLOSE)),
      strict,
    );
    expect(timeout).toMatchObject({ type: 'ModelTimeout', action: 'next' });
  });

  test('auth failures stop unless the policy allows failover', () => {
    expect(classifyFailure(app('ModelAuthFailed'), strict).action).toBe('stop');
    expect(classifyFailure(app('SecretMissing'), strict).action).toBe('stop');
    expect(classifyFailure(app('ModelAuthFailed'), { failoverOnAuthError: true }).action).toBe('next');
  });
});

describe('schemas', () => {
  test('a spec with only `model` still validates; a `models` policy gets its defaults', () => {
    const base = { name: 'a', instructions: 'x', model: { name: 'gpt-4o-mini' } };
    expect(AgentSpecSchema.parse(base).models).toBeUndefined();
    const spec = AgentSpecSchema.parse({ ...base, models: { candidates: [{ model: 'gpt-4o-mini' }] } });
    expect(spec.models).toMatchObject({
      candidates: [{ provider: 'default', model: 'gpt-4o-mini' }],
      strategy: 'failover',
      maxAttemptsPerCandidate: 3,
      failoverOnAuthError: false,
      circuit: { failures: 5, window: 60_000 },
    });
  });

  test('provider file errors name the field', () => {
    const result = ProvidersFileSchema.safeParse({
      providers: [
        { name: 'ok', baseURL: 'http://localhost:11434/v1' },
        { name: 'ok', baseURL: 'not a url', apiKeyEnv: 'A', apiKeySecret: 'B' },
      ],
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['providers.1.baseURL', 'providers.1.apiKeySecret', 'providers.1.name']),
    );
  });
});
