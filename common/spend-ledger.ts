import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { nonNegative } from './token-usage';

/** One entity workflow per user holds their spend, so concurrent runs reserve against a single, serialised ledger. */
export const USER_SPEND_WORKFLOW = 'userSpend';
export const userSpendWorkflowId = (userId: string) => `reins-spend-${userId}`;

export interface SpendReservation {
  reservationId: string;
  runId: string;
  /** UTC day the spend counts against, `YYYY-MM-DD`. */
  day: string;
  amountUsd: number;
  capUsd: number;
}

export interface SpendGrant {
  granted: boolean;
  day: string;
  spentUsd: number;
  reservedUsd: number;
  capUsd: number;
}

export interface SpendSettlement {
  reservationId: string;
  day: string;
  actualUsd: number;
}

export interface DaySpend {
  day: string;
  spentUsd: number;
  reservedUsd: number;
  runs: string[];
}

export const reserveSpendUpdate = defineUpdate<SpendGrant, [SpendReservation]>('reserveSpend');
export const settleSpendUpdate = defineUpdate<DaySpend, [SpendSettlement]>('settleSpend');
export const spendQuery = defineQuery<DaySpend[]>('spend');

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The ledger only ever goes up: a reservation or settlement of a negative, infinite or non-numeric amount counts as
 * nothing, so no caller (or cost computed from a provider's nonsense) can buy back a user's cap. Applied by the run
 * that asks, the activity that sends and the ledger that books.
 */
export function spendReservation(request: SpendReservation): SpendReservation {
  return { ...request, amountUsd: nonNegative(request.amountUsd), capUsd: nonNegative(request.capUsd) };
}

export function spendSettlement(settlement: SpendSettlement): SpendSettlement {
  return { ...settlement, actualUsd: nonNegative(settlement.actualUsd) };
}
