import { proxyActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../activities';
import type { AgentSpec } from '../common/agent-spec';
import type { ConversationDelta, ModelTurn, SummaryResult, TokenUsage } from '../common/chat';
import { costOf, type ModelPrice } from '../common/pricing';
import type { RunState } from '../common/run-state';
import { MODEL_ACTIVITY_OPTIONS } from './activity-options';

const { callModel, summarizeConversation } = proxyActivities<ReinsActivities>(MODEL_ACTIVITY_OPTIONS);

/** One model activity, summarised for the Temporal UI with the model and step. */
export function callModelForStep(
  spec: AgentSpec,
  step: number,
  conversation: ConversationDelta,
  limits: { maxOutputTokens: number | undefined; maxPromptTokens: number; earlierTokens?: number },
): Promise<ModelTurn> {
  return callModel.executeWithOptions(
    { ...MODEL_ACTIVITY_OPTIONS, summary: `model ${spec.model.name} · step ${step}` },
    [
      {
        model: spec.model.name,
        conversation,
        temperature: spec.model.temperature,
        maxOutputTokens: limits.maxOutputTokens,
        maxPromptTokens: limits.maxPromptTokens,
        step,
      },
    ],
  );
}

export function summarize(
  model: string,
  request: { conversationId: string; start: number; upTo: number; maxOutputTokens: number; step: number },
): Promise<SummaryResult> {
  return summarizeConversation.executeWithOptions(
    { ...MODEL_ACTIVITY_OPTIONS, summary: `compact context with ${model} · step ${request.step}` },
    [{ model, ...request }],
  );
}

/** Adds a call to the run's bill: per-call record and totals. An unpriced call marks the total as incomplete. */
export function recordModelCall(
  state: RunState,
  call: { usage: TokenUsage; provider: string; model: string; latencyMs: number; finishReason?: string },
  requested: {
    model: string;
    price: ModelPrice | undefined;
    maxOutputTokens: number | undefined;
    purpose?: 'compaction';
  },
): number | null {
  const costUsd = requested.price ? costOf(requested.price, call.usage) : null;
  state.modelCalls.push({
    step: state.step,
    provider: call.provider,
    model: requested.model,
    responseModel: call.model,
    inputTokens: call.usage.inputTokens,
    outputTokens: call.usage.outputTokens,
    cachedInputTokens: call.usage.cachedInputTokens,
    costUsd,
    latencyMs: call.latencyMs,
    ...(requested.maxOutputTokens !== undefined ? { maxOutputTokens: requested.maxOutputTokens } : {}),
    finishReason: call.finishReason ?? 'stop',
    ...(requested.purpose ? { purpose: requested.purpose } : {}),
    at: new Date(Date.now()).toISOString(),
  });
  const usage = state.usage;
  usage.inputTokens += call.usage.inputTokens;
  usage.outputTokens += call.usage.outputTokens;
  usage.cachedInputTokens += call.usage.cachedInputTokens;
  usage.totalTokens = usage.inputTokens + usage.outputTokens;
  usage.modelCalls += 1;
  if (costUsd === null) usage.costUnknown = true;
  else usage.costUsd += costUsd;
  return costUsd;
}
