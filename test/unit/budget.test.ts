import { costOf, DEFAULT_PRICES, priceFor } from '../../common/pricing';
import { evaluatePolicy, runContextOf } from '../../common/policy/resolve';
import { limitsOf } from '../../common/policy/limits';
import { parseRunInput, type RunInputArgs } from '../../common/run-input';
import { emptyUsage, type RunState } from '../../common/run-state';
import { checkBudget, outputAllowance, promptAllowance } from '../../workflows/budget/run-limits';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function view(overrides: Partial<RunState['usage']> = {}, limits: Partial<RunState['limits']> = {}, step = 0) {
  return {
    step,
    startedAt: new Date(T0).toISOString(),
    limits: { maxSteps: 10, ...limits },
    usage: { ...emptyUsage(), ...overrides },
  };
}

describe('prices', () => {
  test('exact names, dated variants, and unknown models', () => {
    expect(priceFor(DEFAULT_PRICES, 'gpt-4o-mini')).toEqual(DEFAULT_PRICES['gpt-4o-mini']);
    expect(priceFor(DEFAULT_PRICES, 'gpt-4o-mini-2024-07-18')).toEqual(DEFAULT_PRICES['gpt-4o-mini']);
    expect(priceFor(DEFAULT_PRICES, 'gpt-4o-2024-08-06')).toEqual(DEFAULT_PRICES['gpt-4o']);
    expect(priceFor(DEFAULT_PRICES, 'llama3:8b')).toBeUndefined();
  });

  test('cached input is billed at the cached rate', () => {
    const price = { input: 2, cachedInput: 0.5, output: 8 };
    expect(costOf(price, { inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 0 })).toBe(2);
    expect(costOf(price, { inputTokens: 1_000_000, cachedInputTokens: 500_000, outputTokens: 0 })).toBe(1.25);
    expect(costOf(price, { inputTokens: 0, cachedInputTokens: 0, outputTokens: 250_000 })).toBe(2);
  });
});

describe('budget checks before each model call', () => {
  test.each([
    ['maxSteps', view({}, { maxSteps: 3 }, 3)],
    ['maxToolCalls', view({ toolCalls: 2 }, { maxToolCalls: 2 })],
    ['maxInputTokens', view({ inputTokens: 100 }, { maxInputTokens: 100 })],
    ['maxOutputTokens', view({ outputTokens: 50 }, { maxOutputTokens: 50 })],
    ['maxTotalTokens', view({ totalTokens: 120 }, { maxTotalTokens: 100 })],
    ['maxCostUsd', view({ costUsd: 0.5 }, { maxCostUsd: 0.5 })],
  ])('%s', (budget, state) => {
    expect(checkBudget(state, T0)).toMatchObject({ exhausted: true, budget, reason: expect.stringContaining(budget) });
  });

  test('maxDuration counts wall clock from the start', () => {
    expect(checkBudget(view({}, { maxDuration: 60_000 }), T0 + 59_999)).toEqual({ exhausted: false });
    expect(checkBudget(view({}, { maxDuration: 60_000 }), T0 + 60_000)).toMatchObject({
      budget: 'maxDuration',
      reason: 'maxDuration budget of 1m reached',
    });
  });

  test('the output allowance is what remains of the tightest budget', () => {
    const model = { outputReserve: 4096 };
    expect(outputAllowance(view(), undefined, model)).toEqual({ tokens: undefined });
    expect(outputAllowance(view(), undefined, { ...model, maxOutputTokens: 512 })).toEqual({ tokens: 512 });
    expect(
      outputAllowance(view({ outputTokens: 900 }, { maxOutputTokens: 1000 }), undefined, {
        ...model,
        maxOutputTokens: 512,
      }),
    ).toEqual({ tokens: 100 });
    expect(outputAllowance(view({ totalTokens: 950 }, { maxTotalTokens: 1000 }), undefined, model)).toEqual({
      tokens: 50,
    });
    // $0.001 left at $10 per million output tokens → 100 tokens.
    const price = { input: 1, output: 10 };
    expect(outputAllowance(view({ costUsd: 0.009 }, { maxCostUsd: 0.01 }), price, model)).toEqual({ tokens: 100 });
    expect(outputAllowance(view({ costUsd: 0.0099999 }, { maxCostUsd: 0.01 }), price, model)).toMatchObject({
      exhausted: true,
      budget: 'maxCostUsd',
    });
  });

  test('a large budget never raises the allowance above the model, so the prompt keeps its share of the window', () => {
    const model = { outputReserve: 4096, contextWindow: 128_000 };
    const mini = DEFAULT_PRICES['gpt-4o-mini'];
    const cases = [
      view({}, { maxTotalTokens: 1_000_000 }),
      view({}, { maxOutputTokens: 500_000 }),
      view({}, { maxCostUsd: 0.5 }),
      view({}, { maxCostUsd: 1000, maxTotalTokens: 10_000_000 }),
    ];
    for (const state of cases) {
      const allowance = outputAllowance(state, mini, model);
      expect(allowance).toEqual({ tokens: 4096 });
      const tokens = 'tokens' in allowance ? (allowance.tokens ?? 0) : 0;
      expect(promptAllowance(model.contextWindow, tokens)).toBe(128_000 - 4096);
    }
    expect(
      outputAllowance(view({}, { maxTotalTokens: 1_000_000 }), mini, { ...model, maxOutputTokens: 16_000 }),
    ).toEqual({ tokens: 16_000 });
    // A budget below the model's ceiling still lowers it.
    expect(outputAllowance(view({ totalTokens: 999_000 }, { maxTotalTokens: 1_000_000 }), mini, model)).toEqual({
      tokens: 1000,
    });
    // The prompt's share is never negative, whatever the output asks for.
    expect(promptAllowance(2048, 4096)).toBe(0);
  });
});

describe('run input budgets', () => {
  const base: RunInputArgs = {
    spec: { name: 'a', instructions: 'i', model: { name: 'gpt-4o-mini' }, maxSteps: 10, budget: { maxCostUsd: 1 } },
    prompt: 'p',
    userId: 'u',
    prices: { 'gpt-4o-mini': DEFAULT_PRICES['gpt-4o-mini']! },
  };

  test('a run may lower limits, never raise them', () => {
    const resolve = (budget: RunInputArgs['budget']) => {
      const parsed = parseRunInput({ ...base, budget });
      if (!parsed.ok) throw new Error(parsed.message);
      return evaluatePolicy({ platform: undefined, spec: parsed.value.spec, run: runContextOf(parsed.value) });
    };
    const lowered = resolve({ maxSteps: 5, maxCostUsd: 0.5, maxToolCalls: 3 });
    expect(lowered.violations).toEqual([]);
    expect(limitsOf(lowered.policy)).toEqual({ maxSteps: 5, maxCostUsd: 0.5, maxToolCalls: 3 });
    expect(lowered.policy.budget.maxSteps).toEqual({ value: 5, source: 'run' });
    const raised = resolve({ maxSteps: 11, maxCostUsd: 2 });
    expect(raised.violations.map((v) => `${v.rule}: ${v.scope} ${v.limit}, asked ${v.asked}`)).toEqual([
      'budget.maxSteps: agent spec a limit of 10, asked 11',
      'budget.maxCostUsd: agent spec a limit of $1, asked $2',
    ]);
  });

  test('bad numbers are refused with the field named', () => {
    const bad = parseRunInput({
      ...base,
      spec: { ...base.spec, budget: { maxCostUsd: -1, maxToolCalls: 0, maxDuration: 'soon' } },
    });
    expect(bad.ok).toBe(false);
    const message = bad.ok ? '' : bad.message;
    expect(message).toMatch(/spec\.budget\.maxToolCalls: /);
    expect(message).toMatch(/spec\.budget\.maxCostUsd: /);
    expect(message).toMatch(/spec\.budget\.maxDuration: /);
    expect(parseRunInput({ ...base, budget: { maxTotalTokens: 'many' } }).ok).toBe(false);
  });

  test('a cost limit without a price for the model is refused', () => {
    expect(parseRunInput({ ...base, prices: {} })).toEqual({
      ok: false,
      message: expect.stringContaining('spec.budget.maxCostUsd: a cost limit needs a price for model "gpt-4o-mini"'),
    });
    const capped = parseRunInput({
      ...base,
      spec: { ...base.spec, budget: {} },
      prices: {},
      spendCap: { dailyUsd: 5 },
    });
    expect(capped).toMatchObject({ ok: false, message: expect.stringMatching(/^spendCap: /) });
  });
});
