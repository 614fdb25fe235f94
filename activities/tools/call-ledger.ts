import type { ToolOutcome } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import type { ToolClass } from '../../common/tool-class';
import type { LedgerEntry, LedgerRecords } from '../store/run-state-store';

export type { LedgerEntry } from '../store/run-state-store';

/**
 * Remembers, per run and call, that a tool started and what it returned. Temporal may run an activity more than once
 * (a worker lost after the effect but before reporting); the ledger turns that into "effect once, answer replayed".
 * It lives in the run state store: every worker sharing that store (a PostgreSQL one: all of them) sees it.
 */
export class CallLedger {
  constructor(
    private readonly records: LedgerRecords,
    private readonly run: string,
  ) {}

  read(callId: string): Promise<LedgerEntry | undefined> {
    return this.records.read(this.run, callId);
  }

  markStarted(callId: string, attempt: number): Promise<void> {
    return this.records.write(this.run, callId, { status: 'started', attempt });
  }

  markDone(callId: string, attempt: number, outcome: ToolOutcome): Promise<void> {
    return this.records.write(this.run, callId, { status: 'done', attempt, outcome });
  }
}

/**
 * What a retry answers instead of running again, when an earlier attempt started and left no result: the call may
 * already have acted. Reads and idempotent tools simply run again; other calls end with their outcome unknown.
 */
export function interruptedOutcome(
  previous: LedgerEntry | undefined,
  toolClass: ToolClass,
  idempotent: boolean | undefined,
): ToolOutcome | undefined {
  if (previous?.status !== 'started' || idempotent || toolClass === 'read') return undefined;
  const message =
    `attempt ${previous.attempt} of this call started and was interrupted before it reported a result (its worker ` +
    'was lost or it failed midway). Its effect may or may not have happened, and it was not run again. Check ' +
    'whether it took effect before calling it again.';
  return { ok: false, error: { type: ErrorType.ToolOutcomeUnknown, message } };
}
