import type { TokenUsage } from '../../common/chat';
import { costOf, type ModelPrice } from '../../common/pricing';
import type { RunRecord } from '../../common/run-state';
import { addToTotal, nonNegative, readableUsage } from '../../common/token-usage';

/** Text from an activity result, of bounded length, whatever it arrived as. */
function textOf(value: unknown, absent: string, max = 256): string {
  return typeof value === 'string' ? value.slice(0, max) : absent;
}

/**
 * Adds a call to the run's bill: per-call record and totals. An unpriced call marks the total as incomplete. The
 * result may come from any worker version, so its numbers are read, not trusted: counts are whole and non-negative,
 * the cost is finite, and the totals only ever go up.
 */
export function recordModelCall(
  state: RunRecord,
  call: {
    usage: TokenUsage;
    provider: string;
    model: string;
    latencyMs: number;
    finishReason?: string;
    warnings?: string[];
  },
  requested: {
    model: string;
    price: ModelPrice | undefined;
    maxOutputTokens: number | undefined;
    purpose?: 'compaction';
  },
): number | null {
  const used = readableUsage(call.usage ?? {});
  const costUsd = requested.price ? nonNegative(costOf(requested.price, used)) : null;
  state.modelCalls.push({
    step: state.step,
    provider: textOf(call.provider, 'unknown'),
    model: requested.model,
    responseModel: textOf(call.model, requested.model),
    inputTokens: used.inputTokens,
    outputTokens: used.outputTokens,
    cachedInputTokens: used.cachedInputTokens,
    costUsd,
    latencyMs: nonNegative(call.latencyMs),
    ...(requested.maxOutputTokens !== undefined ? { maxOutputTokens: requested.maxOutputTokens } : {}),
    finishReason: textOf(call.finishReason, 'stop'),
    ...(requested.purpose ? { purpose: requested.purpose } : {}),
    at: new Date(Date.now()).toISOString(),
  });
  const usage = state.usage;
  usage.inputTokens = addToTotal(usage.inputTokens, used.inputTokens);
  usage.outputTokens = addToTotal(usage.outputTokens, used.outputTokens);
  usage.cachedInputTokens = addToTotal(usage.cachedInputTokens, used.cachedInputTokens);
  usage.totalTokens = addToTotal(usage.inputTokens, usage.outputTokens);
  usage.modelCalls = addToTotal(usage.modelCalls, 1);
  if (costUsd === null) usage.costUnknown = true;
  else usage.costUsd = addToTotal(usage.costUsd, costUsd);
  // Said once: the same trouble on every step would otherwise grow the state by a line a step.
  for (const warning of Array.isArray(call.warnings) ? call.warnings : []) {
    const text = textOf(warning, '', 1000);
    if (text && !state.warnings.includes(text)) state.warnings.push(text);
  }
  return costUsd;
}
