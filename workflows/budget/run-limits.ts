import type { BudgetName } from '../../common/budget';
import { formatDuration } from '../../common/duration';
import type { ModelPrice } from '../../common/pricing';
import type { RunState } from '../../common/run-state';

export type BudgetCheck = { exhausted: false } | { exhausted: true; budget: BudgetName; reason: string };

type BudgetView = Pick<RunState, 'step' | 'limits' | 'usage' | 'startedAt'>;

const usd = (value: number) => `$${value.toFixed(4)}`;

/** Checked before every model call: a run never starts a step it has no budget for. */
export function checkBudget(state: BudgetView, nowMs: number): BudgetCheck {
  const { limits, usage } = state;
  const over = (budget: BudgetName, reason: string): BudgetCheck => ({ exhausted: true, budget, reason });
  if (state.step >= limits.maxSteps)
    return over('maxSteps', `maxSteps budget of ${limits.maxSteps} model calls used up`);
  if (limits.maxToolCalls !== undefined && usage.toolCalls >= limits.maxToolCalls) {
    return over('maxToolCalls', `maxToolCalls budget of ${limits.maxToolCalls} tool calls used up`);
  }
  if (limits.maxInputTokens !== undefined && usage.inputTokens >= limits.maxInputTokens) {
    return over('maxInputTokens', `maxInputTokens budget of ${limits.maxInputTokens} used up (${usage.inputTokens})`);
  }
  if (limits.maxOutputTokens !== undefined && usage.outputTokens >= limits.maxOutputTokens) {
    return over(
      'maxOutputTokens',
      `maxOutputTokens budget of ${limits.maxOutputTokens} used up (${usage.outputTokens})`,
    );
  }
  if (limits.maxTotalTokens !== undefined && usage.totalTokens >= limits.maxTotalTokens) {
    return over('maxTotalTokens', `maxTotalTokens budget of ${limits.maxTotalTokens} used up (${usage.totalTokens})`);
  }
  if (limits.maxCostUsd !== undefined && usage.costUsd >= limits.maxCostUsd) {
    return over('maxCostUsd', `maxCostUsd budget of ${usd(limits.maxCostUsd)} used up (${usd(usage.costUsd)})`);
  }
  if (limits.maxDuration !== undefined && nowMs - Date.parse(state.startedAt) >= limits.maxDuration) {
    return over('maxDuration', durationReason(limits.maxDuration));
  }
  return { exhausted: false };
}

export function durationReason(maxDurationMs: number): string {
  return `maxDuration budget of ${formatDuration(maxDurationMs)} reached`;
}

export type OutputAllowance = { tokens: number | undefined } | { exhausted: true; budget: BudgetName; reason: string };

/** The model settings that bound one response: its own maximum, else the share of the window kept for it. */
export interface OutputSettings {
  maxOutputTokens?: number;
  outputReserve: number;
}

/** The most one response may use as the model is configured: a budget can lower this, never raise it. */
export function outputCeiling(model: OutputSettings): number {
  return model.maxOutputTokens ?? model.outputReserve;
}

/**
 * The most output the next call may produce: the model setting, clamped by what remains of the output, total and cost
 * budgets. Only the prompt is then left to overshoot a budget. What remains of a large budget can exceed what the
 * model's window leaves for a response; the allowance then stays at the model's own ceiling, so the prompt keeps its
 * share of the window.
 */
export function outputAllowance(
  state: BudgetView,
  price: ModelPrice | undefined,
  model: OutputSettings,
): OutputAllowance {
  const { limits, usage } = state;
  const caps: Array<[BudgetName, number]> = [];
  if (limits.maxOutputTokens !== undefined) caps.push(['maxOutputTokens', limits.maxOutputTokens - usage.outputTokens]);
  if (limits.maxTotalTokens !== undefined) caps.push(['maxTotalTokens', limits.maxTotalTokens - usage.totalTokens]);
  if (limits.maxCostUsd !== undefined && price && price.output > 0) {
    caps.push(['maxCostUsd', Math.floor(((limits.maxCostUsd - usage.costUsd) * 1_000_000) / price.output)]);
  }
  // Without a budget that bounds output, the request carries the model's own maximum, if it has one.
  if (caps.length === 0) return { tokens: model.maxOutputTokens };
  const [budget, tokens] = caps.reduce((least, cap) => (cap[1] < least[1] ? cap : least));
  if (!(tokens >= 1)) {
    return { exhausted: true, budget, reason: `${budget} budget leaves no room for another response` };
  }
  return { tokens: Math.min(tokens, outputCeiling(model)) };
}

/** What the window leaves the prompt once the response has its share; never negative. */
export function promptAllowance(contextWindow: number, outputTokens: number): number {
  return Math.max(contextWindow - outputTokens, 0);
}
