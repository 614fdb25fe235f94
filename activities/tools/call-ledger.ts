import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ToolOutcome } from '../../common/chat';

type LedgerEntry = { status: 'started'; attempt: number } | { status: 'done'; attempt: number; outcome: ToolOutcome };

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
