import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  reserveSpendUpdate,
  settleSpendUpdate,
  spendQuery,
  spendReservation,
  spendSettlement,
  type DaySpend,
  type SpendGrant,
} from '../../common/spend-ledger';

/** Reservations a crashed run never settled stop holding budget after this long. */
const RESERVATION_TTL_MS = 60 * 60_000;
/** Days of history kept when the ledger rolls over. */
const DAYS_KEPT = 7;

interface Reservation {
  amountUsd: number;
  runId: string;
  at: number;
}

interface Ledger {
  days: Record<string, { spentUsd: number; runs: string[] }>;
  reservations: Record<string, Reservation & { day: string }>;
}

/**
 * A user's spend, one ledger per user. Updates run one at a time in the workflow, so two runs can never both pass a
 * check that only one of them fits: reserve before a model call, settle with the real cost after it.
 */
export async function userSpend(carried?: Ledger): Promise<never> {
  // Maps, not the carried plain objects: days and reservation ids arrive in updates, and a plain object would answer
  // `constructor` or `__proto__` from its prototype.
  const days = new Map(Object.entries(carried?.days ?? {}));
  const reservations = new Map(Object.entries(carried?.reservations ?? {}));

  const reservedOn = (day: string) =>
    [...reservations.values()]
      .filter((r) => r.day === day && Date.now() - r.at < RESERVATION_TTL_MS)
      .reduce((sum, r) => sum + r.amountUsd, 0);
  const dayOf = (day: string) => {
    let entry = days.get(day);
    if (!entry) days.set(day, (entry = { spentUsd: 0, runs: [] }));
    return entry;
  };
  const view = (day: string): DaySpend => ({ day, ...dayOf(day), reservedUsd: reservedOn(day) });

  setHandler(reserveSpendUpdate, (sent): SpendGrant => {
    const request = spendReservation(sent);
    const day = dayOf(request.day);
    const reservedUsd = reservedOn(request.day);
    const granted = day.spentUsd + reservedUsd + request.amountUsd <= request.capUsd;
    if (granted) {
      reservations.set(request.reservationId, { ...request, at: Date.now() });
      if (!day.runs.includes(request.runId)) day.runs.push(request.runId);
    }
    return {
      granted,
      day: request.day,
      spentUsd: day.spentUsd,
      reservedUsd: reservedOn(request.day),
      capUsd: request.capUsd,
    };
  });
  setHandler(settleSpendUpdate, (sent) => {
    const settlement = spendSettlement(sent);
    // Settling is idempotent: a retried settle finds its reservation gone and adds nothing twice.
    if (reservations.delete(settlement.reservationId)) dayOf(settlement.day).spentUsd += settlement.actualUsd;
    return view(settlement.day);
  });
  setHandler(spendQuery, () => [...days.keys()].sort().map(view));

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  const keep = [...days.keys()].sort().slice(-DAYS_KEPT);
  return continueAsNew<typeof userSpend>({
    days: Object.fromEntries(keep.map((day) => [day, dayOf(day)])),
    reservations: Object.fromEntries(
      [...reservations.entries()].filter(([, r]) => Date.now() - r.at < RESERVATION_TTL_MS),
    ),
  });
}
