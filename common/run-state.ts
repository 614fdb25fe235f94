import type { ToolClass } from './agent-spec';
import type { ChatMessage } from './chat';

export const RUN_STATUSES = [
  'running',
  'awaiting_approval',
  'completed',
  'failed',
  'budget_exhausted',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  modelCalls: number;
  toolCalls: number;
}

export interface ApprovalRequest {
  requestId: string;
  step: number;
  toolCallId: string;
  tool: string;
  toolClass: ToolClass;
  args: unknown;
  requestedAt: string;
}

export interface DecisionRecord {
  requestId: string;
  tool: string;
  decision: 'approve' | 'reject';
  by: string;
  reason?: string;
  editedArgs?: Record<string, unknown>;
  via: 'update' | 'signal';
  decidedAt: string;
}

/** A decision that arrived but could not be applied (unknown id, already decided...). Kept for the audit. */
export interface IgnoredDecision {
  requestId: string;
  by: string;
  via: 'update' | 'signal';
  receivedAt: string;
  why: string;
}

export type ToolCallOutcome = 'succeeded' | 'failed' | 'invalid_args' | 'unknown_tool' | 'denied' | 'rejected';

export interface ToolCallRecord {
  callId: string;
  step: number;
  tool: string;
  outcome: ToolCallOutcome;
  detail?: string;
}

export interface RunError {
  type: string;
  message: string;
  step: number;
}

export interface RunState {
  runId: string;
  agent: string;
  userId: string;
  status: RunStatus;
  /** Model calls made so far. */
  step: number;
  maxSteps: number;
  usage: UsageTotals;
  pendingApprovals: ApprovalRequest[];
  decisions: DecisionRecord[];
  ignoredDecisions: IgnoredDecision[];
  toolCalls: ToolCallRecord[];
  lastError?: RunError;
  /** Why the run stopped, when it stopped for any reason other than an answer. */
  reason?: string;
  answer?: string;
}

/** What `agentRun` returns (or carries in its failure details when it fails). */
export interface RunResult extends RunState {
  transcript: ChatMessage[];
}

export function emptyUsage(): UsageTotals {
  return { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 };
}
