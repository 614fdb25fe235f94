import { isCancellation } from '@temporalio/workflow';
import type { ModelTurn, ToolDefinition } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import { makeRoom, type RoomDeps } from '../model/context-room';
import { failureOf, overflowCounts } from './failures';

/** Runs recorded before the latest turn could be cut to fit keep the context control they started with. */
export const CONTEXT_FIT_PATCH = 'reins-context-fit';
/** How many times one step may be refused as too long before the run ends with ContextOverflow. */
const MAX_OVERFLOW_ROUNDS = 3;

export type AskedModel = { ok: true; turn: ModelTurn } | { ok: false; type: string; message: string };

/**
 * One model call of a step, with the two recoveries a call can need: a conversation the store lost is sent whole once,
 * and a prompt the provider refuses as too long is summarised or cut with the provider's counts, a few rounds at most.
 * Anything else is the step's failure, returned for the run to end with.
 */
export async function askModelToFit(
  room: RoomDeps,
  tools: ToolDefinition[],
  maxOutputTokens: number | undefined,
  fitting: boolean,
): Promise<AskedModel> {
  const { context, router, state } = room;
  let resent = false;
  let overflows = 0;
  for (let retried = false; ; retried = true) {
    const delta = context.cursor.delta(context.transcript, tools);
    try {
      const turn = await router.step(state.step, delta, tools.length > 0, {
        maxOutputTokens,
        maxPromptTokens: context.maxPromptTokens(maxOutputTokens),
        earlierTokens: context.storedTokens(),
      });
      context.accept(turn, delta.from);
      return { ok: true, turn };
    } catch (error) {
      if (isCancellation(error)) throw error;
      const { type, message } = failureOf(error);
      // The store lost the conversation (e.g. another machine): send it whole once.
      if (type === ErrorType.ConversationMissing && (fitting ? !resent : !retried)) {
        resent = true;
        context.cursor.resend();
        continue;
      }
      // Too long after all (estimates are estimates): summarise or cut with the exact counts, a few rounds at most.
      if (type === ErrorType.ContextOverflow && (fitting ? overflows < MAX_OVERFLOW_ROUNDS : !retried)) {
        overflows += 1;
        if (fitting) context.learn(delta.from, overflowCounts(error));
        if (await makeRoom(room, tools, maxOutputTokens, overflows)) continue;
      }
      return { ok: false, type, message };
    }
  }
}
