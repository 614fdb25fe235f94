import { proxyActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { ChatMessage, ToolDefinition } from '../../common/chat';
import { costOf, type ModelPrice } from '../../common/pricing';
import { spendReservation, spendSettlement, utcDay, type SpendGrant } from '../../common/spend-ledger';
import { textOf } from '../../common/text';
import { messageChars } from '../model/compaction';
import { SETUP_ACTIVITY_OPTIONS } from '../activity-options';

const { reserveSpend, settleSpend } = proxyActivities<ReinsActivities>(SETUP_ACTIVITY_OPTIONS);

/**
 * A deliberately high estimate of a prompt's tokens (2 characters per token, plus framing), so that reservations
 * cover what the call will really cost and the cap holds across concurrent runs.
 */
export function estimatePromptTokens(messages: ChatMessage[], tools: ToolDefinition[]): number {
  let chars = textOf(tools).length;
  for (const message of Array.isArray(messages) ? messages : []) chars += messageChars(message) + 16;
  return Math.ceil(chars / 2) + 64;
}

export interface SpendCapContext {
  userId: string;
  runId: string;
  capUsd: number;
  price: ModelPrice;
}

/** Reserves the most the next call can cost against the user's daily cap; settle() books the real cost. */
export async function reserveForCall(
  context: SpendCapContext,
  step: number,
  promptTokens: number,
  outputTokens: number,
): Promise<{ grant: SpendGrant; settle: (actualUsd: number) => Promise<void> }> {
  const day = utcDay(Date.now());
  const reservationId = `${context.runId}/${step}`;
  const amountUsd = costOf(context.price, { inputTokens: promptTokens, outputTokens, cachedInputTokens: 0 });
  const grant = await reserveSpend({
    userId: context.userId,
    ...spendReservation({ reservationId, runId: context.runId, day, amountUsd, capUsd: context.capUsd }),
  });
  return {
    grant,
    settle: async (actualUsd) => {
      await settleSpend({ userId: context.userId, ...spendSettlement({ reservationId, day, actualUsd }) });
    },
  };
}

/** What the next step may spend under the user's daily cap: a way to book its real cost, or why it may not run. */
export type StepSpend = { ok: true; settle: (actualUsd: number) => Promise<void> } | { ok: false; reason: string };

/** Reserves a step's most expensive outcome, or says the cap is reached; the message names spent and reserved. */
export async function reserveStep(
  cap: SpendCapContext,
  step: number,
  promptTokens: number,
  outputTokens: number,
): Promise<StepSpend> {
  const reservation = await reserveForCall(cap, step, promptTokens, outputTokens);
  if (reservation.grant.granted) return { ok: true, settle: reservation.settle };
  const { spentUsd, reservedUsd, capUsd } = reservation.grant;
  return {
    ok: false,
    reason: `daily spend cap of $${capUsd} for ${cap.userId} reached: $${spentUsd.toFixed(4)} spent and $${reservedUsd.toFixed(4)} reserved today`,
  };
}
