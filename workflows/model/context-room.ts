import { isCancellation } from '@temporalio/workflow';
import type { AgentSpec } from '../../common/agent-spec';
import type { SummaryResult, ToolDefinition } from '../../common/chat';
import type { RunRecord } from '../../common/run-state';
import type { ContextWindow } from './context-window';
import { failureOf } from '../run/failures';
import { recordModelCall } from './model-bill';
import type { ModelRouter } from './model-router';

export interface RoomDeps {
  context: ContextWindow;
  router: ModelRouter;
  state: RunRecord;
  spec: AgentSpec;
  publish: () => void;
}

/**
 * Brings the prompt inside the window before a call, or after a call refused it (`refusedRound`, counting from 1):
 * summarises older turns past the threshold, then, when the prompt still would not fit, cuts the latest turn, each
 * refusal to half the size of the one before. True when anything changed.
 */
export async function makeRoom(
  deps: RoomDeps,
  tools: ToolDefinition[],
  maxOutputTokens: number | undefined,
  refusedRound?: number,
): Promise<boolean> {
  const { context } = deps;
  const refused = refusedRound !== undefined;
  const compacted =
    (refused || context.shouldCompact(tools, maxOutputTokens)) && (await compact(deps, tools, maxOutputTokens));
  const squeeze = refused ? 0.5 ** (refusedRound - 1) : 1;
  return context.cutLatestTurn(tools, maxOutputTokens, { refused, squeeze }) || compacted;
}

/** Summarises older turns into one message; false when there is nothing that can be summarised. */
async function compact(deps: RoomDeps, tools: ToolDefinition[], maxOutputTokens: number | undefined) {
  const { context, router, state, spec } = deps;
  const plan = context.plan(tools, maxOutputTokens);
  if (!plan) return false;
  // A stretch reaching past what the store holds travels with the request (runs started before cuts never do this).
  const unsent = context.unsent(plan.upTo, tools);
  const request = {
    conversationId: context.cursor.id,
    ...plan,
    ...(unsent ? { conversation: unsent } : {}),
    maxOutputTokens: spec.context.summaryMaxTokens,
    step: state.step,
  };
  let summary: SummaryResult;
  try {
    summary = await router.summarize(request);
  } catch (error) {
    if (isCancellation(error)) throw error;
    // The run goes on uncompacted; a prompt that then overflows is cut to fit, or ends the run with ContextOverflow.
    state.warnings.push(`step ${state.step}: compaction failed (${failureOf(error).message})`);
    return false;
  }
  recordModelCall(state, summary, {
    model: router.answered.model,
    price: router.answered.price,
    maxOutputTokens: spec.context.summaryMaxTokens,
    purpose: 'compaction',
  });
  state.compactions.push(context.apply(plan, summary, state.step, new Date(Date.now()).toISOString()));
  deps.publish();
  return true;
}
