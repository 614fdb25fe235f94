import type { ModelAttemptRecord } from '../../common/run-state';
import { FailoverAttempts } from '../../workflows/model/failover-attempts';
import type { ClassifiedFailure } from '../../workflows/model/routing-failure';
import type { RouteCandidate } from '../../workflows/model/routing';

const candidate = (provider: string, contextWindow = 8192): RouteCandidate => ({
  provider,
  model: `m-${provider}`,
  contextWindow,
  capabilities: { tools: true, jsonOutput: false },
});
const failure = (type: string, action: ClassifiedFailure['action']): ClassifiedFailure => ({
  type,
  message: `${type} happened`,
  action,
});

function attemptsOver(order: RouteCandidate[], skipped: RouteCandidate[] = []) {
  const recorded: ModelAttemptRecord[] = [];
  const attempts = new FailoverAttempts(
    'step',
    4,
    { order, skipped: skipped.map((c) => ({ candidate: c, why: 'circuit open' })) },
    1_000,
    (entry) => recorded.push(entry),
  );
  return { attempts, recorded };
}

describe('FailoverAttempts', () => {
  test('records skipped candidates first, then numbers attempts from 1 and records the answer', () => {
    const [a, b] = [candidate('a'), candidate('b')];
    const { attempts, recorded } = attemptsOver([a, b], [candidate('c')]);
    expect(recorded).toEqual([
      expect.objectContaining({ provider: 'c', attempt: 0, outcome: 'skipped', message: 'circuit open' }),
    ]);
    const first = attempts.next()!;
    expect(first).toEqual({ candidate: a, attempt: 1 });
    expect(attempts.failed(a, failure('ModelServerError', 'next'), 2_000)).toBe('try-next');
    const second = attempts.next()!;
    expect(second.attempt).toBe(2);
    attempts.succeeded(b, 150, 3_000);
    expect(recorded.map((r) => [r.provider, r.attempt, r.outcome, r.at])).toEqual([
      ['c', 0, 'skipped', new Date(1_000).toISOString()],
      ['a', 1, 'failed', new Date(2_000).toISOString()],
      ['b', 2, 'ok', new Date(3_000).toISOString()],
    ]);
    expect(attempts.outcomes).toEqual([
      { provider: 'a', at: 2_000, ok: false, errorType: 'ModelServerError' },
      { provider: 'b', at: 3_000, ok: true, latencyMs: 150 },
    ]);
    expect(attempts.next()).toBeUndefined();
  });

  test('a bad request or a lost conversation stops the route and does not count against the provider', () => {
    for (const action of ['stop', 'resend'] as const) {
      const a = candidate('a');
      const { attempts } = attemptsOver([a, candidate('b')]);
      attempts.next();
      expect(attempts.failed(a, failure('ModelBadRequest', action), 1)).toBe('rethrow');
      expect(attempts.outcomes).toEqual([]);
    }
  });

  test('an unknown provider is tried past without marking it unhealthy', () => {
    const a = candidate('a');
    const { attempts } = attemptsOver([a, candidate('b')]);
    attempts.next();
    expect(attempts.failed(a, failure('ProviderUnknown', 'next'), 1)).toBe('try-next');
    expect(attempts.outcomes).toEqual([]);
  });

  test('a prompt too long keeps only larger windows, and gives up when there is none', () => {
    const small = candidate('small', 8192);
    const same = candidate('same', 8192);
    const big = candidate('big', 200_000);
    const { attempts } = attemptsOver([small, same, big]);
    attempts.next();
    expect(attempts.failed(small, failure('ContextOverflow', 'larger-window'), 1)).toBe('try-next');
    expect(attempts.next()?.candidate.provider).toBe('big');
    expect(attempts.failed(big, failure('ContextOverflow', 'larger-window'), 2)).toBe('rethrow');
  });

  test('when every candidate failed, the message lists each attempt and each skip', () => {
    const a = candidate('a');
    const { attempts } = attemptsOver([a], [candidate('c')]);
    attempts.next();
    attempts.failed(a, failure('ModelRateLimited', 'next'), 1);
    expect(attempts.next()).toBeUndefined();
    expect(attempts.exhausted()).toBe(
      'no model could answer (step, step 4): m-c via c: skipped, circuit open; ' +
        'attempt 1 m-a via a: ModelRateLimited: ModelRateLimited happened',
    );
  });

  test('no candidates at all says so', () => {
    expect(attemptsOver([]).attempts.exhausted()).toBe('no model could answer (step, step 4): no candidates');
  });
});
