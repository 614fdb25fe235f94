import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ToolOutcome } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import type { ToolClass } from '../../common/tool-class';

export type LedgerEntry =
  { status: 'started'; attempt: number } | { status: 'done'; attempt: number; outcome: ToolOutcome };

/**
 * Remembers, per run and call, that a tool started and what it returned. Temporal may run an activity more than once
 * (a worker lost after the effect but before reporting); the ledger turns that into "effect once, answer replayed".
 * It lives on the worker's disk, beside the run's workspace, so it holds for workers sharing that disk.
 */
export class CallLedger {
  constructor(private readonly dir: string) {}

  private file(callId: string): string {
    return path.join(this.dir, `${callId.replace(/[^a-zA-Z0-9._-]/g, '_')}.json`);
  }

  async read(callId: string): Promise<LedgerEntry | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.file(callId), 'utf8')) as LedgerEntry;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async markStarted(callId: string, attempt: number): Promise<void> {
    await this.write(callId, { status: 'started', attempt });
  }

  async markDone(callId: string, attempt: number, outcome: ToolOutcome): Promise<void> {
    await this.write(callId, { status: 'done', attempt, outcome });
  }

  private async write(callId: string, entry: LedgerEntry): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const target = this.file(callId);
    // Replicas sharing a volume can have the same pid; the random part keeps concurrent writers apart.
    const temp = `${target}.${process.pid}.${randomUUID()}.tmp`;
    await fs.writeFile(temp, JSON.stringify(entry));
    await fs.rename(temp, target);
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
