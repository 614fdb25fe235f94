import type { PolicyChange } from '../common/run-state';

// What one record of a run's audit trail holds; client/audit.ts builds them, client/audit-chain.ts chains them.

export interface AuditBase {
  at: string;
  runId: string;
  agent: string;
  /** The user the run acts for. */
  user: string;
  step: number;
}

/** The value of arguments, or their sha256 when the tool's arguments are not to be written down. */
export type AuditArgs = { args: unknown } | { argsSha256: string };

export type AuditRecord = AuditBase &
  (
    | {
        kind: 'model_call';
        provider: string;
        model: string;
        responseModel: string;
        purpose?: 'compaction';
        outcome: 'succeeded';
        finishReason: string;
        inputTokens: number;
        outputTokens: number;
        cachedInputTokens: number;
        costUsd: number | null;
        latencyMs: number;
        attempt?: number;
      }
    | {
        /** A routed model attempt that did not answer: the provider failed, or was skipped (open circuit...). */
        kind: 'model_attempt';
        purpose: 'step' | 'compaction';
        attempt: number;
        provider: string;
        model: string;
        outcome: 'failed' | 'skipped';
        errorType?: string;
        message?: string;
      }
    | ({
        kind: 'tool_call';
        callId: string;
        tool: string;
        outcome: string;
        detail?: string;
        approvedBy?: string;
        latencyMs?: number;
        attempt?: number;
        /** The arguments it ran with could not be read from history; `args` are then the ones requested or approved. */
        argsUnreadable?: string;
      } & Partial<AuditArgs>)
    | ({
        kind: 'approval_request';
        requestId: string;
        tool: string;
        toolClass: string;
        rule: string;
        expiresAt: string;
        approvers?: unknown;
      } & AuditArgs)
    | {
        kind: 'approval_decision';
        requestId: string;
        tool: string;
        decision: 'approve' | 'reject';
        approver: string;
        via: string;
        reason?: string;
        edited: boolean;
        waitMs?: number;
      }
    | { kind: 'ignored_decision'; requestId: string; approver: string; via: string; why: string }
    | { kind: 'policy'; team: string; version?: string }
    | ({ kind: 'policy_change' } & Omit<PolicyChange, 'at' | 'step'>)
  );

export interface AuditOptions {
  /** Hash every tool's arguments (true), or those of tools whose name matches one of these globs. */
  hashArgs?: boolean | string[];
}
