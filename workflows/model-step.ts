import { proxyActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../activities';
import type { AgentSpec } from '../common/agent-spec';
import type { ChatMessage, ModelTurn, ToolDefinition } from '../common/chat';
import { costOf, type ModelPrice } from '../common/pricing';
import type { RunState } from '../common/run-state';
import { MODEL_ACTIVITY_OPTIONS } from './activity-options';

const { callModel } = proxyActivities<ReinsActivities>(MODEL_ACTIVITY_OPTIONS);

export interface ModelStep {
  spec: AgentSpec;
  state: RunState;
  transcript: ChatMessage[];
  tools: ToolDefinition[];
  maxOutputTokens: number | undefined;
}

/** One model activity, summarised for the Temporal UI with the model and step. */
export function callModelForStep({ spec, state, transcript, tools, maxOutputTokens }: ModelStep): Promise<ModelTurn> {
  return callModel.executeWithOptions(
    { ...MODEL_ACTIVITY_OPTIONS, summary: `model ${spec.model.name} · step ${state.step}` },
    [
      {
        model: spec.model.name,
        messages: transcript,
        tools,
        temperature: spec.model.temperature,
        maxOutputTokens,
        step: state.step,
      },
    ],
  );
}

/** Adds a call to the run's bill: per-call record and totals. An unpriced call marks the total as incomplete. */
export function recordModelCall(
  state: RunState,
  turn: ModelTurn,
  requested: { model: string; price: ModelPrice | undefined; maxOutputTokens: number | undefined },
): number | null {
  const costUsd = requested.price ? costOf(requested.price, turn.usage) : null;
  state.modelCalls.push({
    step: state.step,
    provider: turn.provider,
    model: requested.model,
    responseModel: turn.model,
    inputTokens: turn.usage.inputTokens,
    outputTokens: turn.usage.outputTokens,
    cachedInputTokens: turn.usage.cachedInputTokens,
    costUsd,
    latencyMs: turn.latencyMs,
    ...(requested.maxOutputTokens !== undefined ? { maxOutputTokens: requested.maxOutputTokens } : {}),
    finishReason: turn.finishReason,
    at: new Date(Date.now()).toISOString(),
  });
  const usage = state.usage;
  usage.inputTokens += turn.usage.inputTokens;
  usage.outputTokens += turn.usage.outputTokens;
  usage.cachedInputTokens += turn.usage.cachedInputTokens;
  usage.totalTokens = usage.inputTokens + usage.outputTokens;
  usage.modelCalls += 1;
  if (costUsd === null) usage.costUnknown = true;
  else usage.costUsd += costUsd;
  return costUsd;
}
