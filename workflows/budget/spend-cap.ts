import { proxyActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { ChatMessage, ToolDefinition } from '../../common/chat';
import type { OutputSettings } from './run-limits';
import { costOf, type ModelPrice } from '../../common/pricing';
import { spendReservation, spendSettlement, utcDay, type SpendGrant } from '../../common/spend-ledger';
import { estimatePromptTokens } from './prompt-estimate';
import { outputCeiling } from './run-limits';
import { SETUP_ACTIVITY_OPTIONS } from '../activity-options';

const { reserveSpend, settleSpend } = proxyActivities<ReinsActivities>(SETUP_ACTIVITY_OPTIONS);

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

/** A turn's spend: without a cap, nothing to reserve; with one, the step's dearest outcome, bounded by a ceiling. */
export type TurnSpend =
  | { ok: true; maxOutputTokens: number | undefined; settle?: (actualUsd: number) => Promise<void> }
  | { ok: false; reason: string };

/** Reserves what the next step may cost under the user's daily cap (a call with no output ceiling gets one). */
export async function reserveTurn(
  cap: SpendCapContext | undefined,
  step: number,
  prompt: { transcript: ChatMessage[]; tools: ToolDefinition[] },
  model: OutputSettings,
  maxOutputTokens: number | undefined,
): Promise<TurnSpend> {
  if (!cap) return { ok: true, maxOutputTokens };
  // A reservation bounds the call only if the call has an output ceiling.
  const ceiling = maxOutputTokens ?? outputCeiling(model);
  const spend = await reserveStep(cap, step, estimatePromptTokens(prompt.transcript, prompt.tools), ceiling);
  return spend.ok ? { ok: true, maxOutputTokens: ceiling, settle: spend.settle } : spend;
}
