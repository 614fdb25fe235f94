import { z } from 'zod';
import type { ToolOutcome } from '../../common/chat';

/** How long after a run's release its payloads still count as its own (its result is written as it completes). */
export const RESULT_GRACE_MINUTES = 10;

export type LedgerEntry =
  { status: 'started'; attempt: number } | { status: 'done'; attempt: number; outcome: ToolOutcome };

/** A ledger entry as either store reads it back; the outcome is the worker's own, recorded as it returned it. */
export const LedgerEntrySchema: z.ZodType<LedgerEntry> = z.union([
  z.object({ status: z.literal('started'), attempt: z.number() }),
  z.object({ status: z.literal('done'), attempt: z.number(), outcome: z.custom<ToolOutcome>() }),
]);

/**
 * The stored messages of model conversations, by position. Messages are append-only within a conversation, so a
 * position, once written, always holds the same message, and a retried write changes nothing.
 */
export interface ConversationRecords {
  putMessages(run: string, conversation: string, from: number, bodies: string[]): Promise<void>;
  putTools(run: string, conversation: string, body: string): Promise<void>;
  /** Positions `from` to `to - 1`; an entry is undefined when the store does not hold it. */
  readMessages(run: string, conversation: string, from: number, to: number): Promise<Array<string | undefined>>;
  readTools(run: string, conversation: string): Promise<string | undefined>;
}

/** Per run and call: that a tool started, and what it returned (see tools/call-ledger.ts). */
export interface LedgerRecords {
  read(run: string, callId: string): Promise<LedgerEntry | undefined>;
  write(run: string, callId: string, entry: LedgerEntry): Promise<void>;
}

/**
 * How long after its release a run's state (conversations, ledger, workspace snapshot) and its claim-checked
 * payloads are kept: milliseconds (0: removed at the next sweep) or `null` to keep them.
 */
export interface RunRelease {
  stateAfterMs: number | null;
  payloadsAfterMs: number | null;
}

export interface WorkspaceSnapshot {
  generation: number;
  /** sha256 of the archive; null when the workspace was too large to keep. */
  digest: string | null;
  bytes: number;
}

/**
 * The latest archive of each workspace (`run/<workflow id>` or `agent/<name>`), for stores that other machines
 * reach: a run's files follow it to whichever worker runs its next call.
 */
export interface WorkspaceSnapshots {
  /** The latest snapshot's generation and digest, without its body; undefined when there is none. */
  latest(workspace: string, run: string | null): Promise<WorkspaceSnapshot | undefined>;
  /** The archive of `generation`, or undefined when a later write replaced it or it was too large. */
  read(workspace: string, generation: number): Promise<Buffer | undefined>;
  /**
   * Stores a new snapshot after `after` (the generation the writer started from) and returns its generation.
   * `archive` null records a workspace too large to keep (restoring it elsewhere is then refused).
   */
  write(
    workspace: string,
    run: string | null,
    after: number,
    archive: { digest: string; body: Buffer } | { digest: null; bytes: number },
  ): Promise<number>;
}

/** Everything a worker keeps about runs outside history, on its disk or in a database other workers share. */
export interface RunStateStore {
  readonly kind: 'fs' | 'postgres';
  readonly conversations: ConversationRecords;
  readonly ledger: LedgerRecords;
  /** Only for stores other machines reach; with the filesystem store a workspace lives on its worker's disk. */
  readonly snapshots?: WorkspaceSnapshots;
  /** Records a run's release; its state and payloads are removed by a later sweep once they expire. */
  release(run: string, release: RunRelease): Promise<void>;
  /** Removes what has expired; returns how many rows or files went. */
  sweep(now: Date): Promise<number>;
  /** Connects (and migrates) now, so a misconfigured worker stops before it takes work. */
  check(): Promise<void>;
}
