import type { NotificationRecord } from './notifications';
import type { ToolClass } from './agent-spec';
import type { ApproverSet } from './policy/approval-settings';
import type { Budget } from './budget';
import type { EffectivePolicy } from './policy/resolve';
import type { ChatMessage } from './chat';
import type { CredentialEvidence } from './identity/credentials';
import type { RunIdentity } from './identity/run-identity';

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
  /** Sum of the priced calls; when `costUnknown` is true some calls had no price and are not in it. */
  costUsd: number;
  costUnknown: boolean;
}

/** One model call as billed: what was asked, who answered, what it cost and how long it took. */
export interface ModelCallRecord {
  step: number;
  provider: string;
  /** The model requested. */
  model: string;
  /** The model the provider says answered. */
  responseModel: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /** null when the model has no price. */
  costUsd: number | null;
  latencyMs: number;
  /** The output allowance sent with the request (budget clamp), if any. */
  maxOutputTokens?: number;
  finishReason: string;
  /** `compaction` for a summary made to shorten the prompt. */
  purpose?: 'compaction';
  at: string;
}

/** One routed model attempt: which provider and model were tried for a step, and what came of it. */
export interface ModelAttemptRecord {
  step: number;
  purpose: 'step' | 'compaction';
  /** 1 for the first candidate tried in this step, then 2, 3... */
  attempt: number;
  provider: string;
  model: string;
  outcome: 'ok' | 'failed' | 'skipped';
  errorType?: string;
  message?: string;
  latencyMs?: number;
  at: string;
}

export interface ApprovalRequest {
  requestId: string;
  step: number;
  toolCallId: string;
  tool: string;
  toolClass: ToolClass;
  args: unknown;
  /** The tool's JSON schema for its arguments, so an approver's edit can be checked before it is sent. */
  parameters?: Record<string, unknown>;
  /** The policy rule that made this call wait. */
  rule: string;
  /** What the model wrote in the turn that asked for the call (its reasoning, if it gave any), cut to 2,000 characters. */
  reasoning?: string;
  requestedAt: string;
  /** When the gate acts on its own (reject, or escalate to the second group). */
  expiresAt: string;
  onTimeout: 'reject' | 'escalate';
  /** `escalated` once the first group let the timeout pass and the escalation group decides. */
  stage: 'primary' | 'escalated';
  escalatedAt?: string;
  /** Who may decide now; absent means anyone. */
  approvers?: ApproverSet;
  /** Groups the platform policy requires besides `approvers`: a decider must belong to each of them. */
  requiredApprovers?: Array<{ source: string; approvers: ApproverSet }>;
  /** Workspace paths among the arguments, as the tool will resolve them; `resolved` is null when the path does not normalise. */
  paths?: Array<{ arg: string; requested: string; resolved: string | null }>;
  /** Distinct approvals the call needs (1 when absent). */
  quorum?: number;
  /** Groups each of which must count at least one approver among the approvals. */
  quorumGroups?: ApproverSet[];
  /** Arguments an approver edited while more approvals were still needed: the later approvals approve these. */
  editedArgs?: Record<string, unknown>;
  /** Approvals so far, oldest first; the request is decided when `quorum` of them (and every group) are in. */
  approvals?: ApprovalVote[];
  /** Approvals count only with a verified credential (the platform policy's rule that asks for it). */
  verifiedRule?: string;
  /** The user the run acts for, when the platform forbids them to approve their own run's calls. */
  requesterExcluded?: string;
}

/** One approval towards a request's quorum. */
export interface ApprovalVote {
  by: string;
  at: string;
  via: 'update' | 'signal';
  reason?: string;
  /** The roles the directory (or the credential) gave the approver when the approval arrived. */
  roles?: string[];
  /** What the approver's credential proved, when one was sent; never the credential itself. */
  evidence?: CredentialEvidence;
}

/** One workspace path argument of a call and where it leads (null: it does not normalise, or the tool refuses it). */
export type PathTarget = NonNullable<ApprovalRequest['paths']>[number];

export interface DecisionRecord {
  requestId: string;
  tool: string;
  decision: 'approve' | 'reject';
  by: string;
  reason?: string;
  editedArgs?: Record<string, unknown>;
  /** `timeout` when nobody decided in time and the gate rejected the call itself. */
  via: 'update' | 'signal' | 'timeout';
  decidedAt: string;
  /** Every approval that made the quorum (for an approval), oldest first; each with its evidence when verified. */
  approvals?: ApprovalVote[];
  /** What the deciding credential proved (the rejecter's, or the last approver's). */
  evidence?: CredentialEvidence;
}

/**
 * What the `decide` update answers: the settled record, or (`awaiting`) an approval counted towards a quorum that is
 * not met yet, with the approvals so far.
 */
export type DecisionReceipt = DecisionRecord & {
  awaiting?: { approvals: number; quorum: number; missingGroups: number };
};

/** A decision that arrived but could not be applied (unknown id, already decided...). Kept for the audit. */
export interface IgnoredDecision {
  requestId: string;
  by: string;
  via: 'update' | 'signal';
  receivedAt: string;
  why: string;
}

/** `interrupted`: an attempt started and left no result, and the call was not run again (its effect is unknown). */
export type ToolCallOutcome =
  'succeeded' | 'failed' | 'invalid_args' | 'unknown_tool' | 'denied' | 'rejected' | 'interrupted';

export interface ToolCallRecord {
  callId: string;
  step: number;
  tool: string;
  outcome: ToolCallOutcome;
  detail?: string;
}

/** A stretch of the conversation replaced by a summary to keep the prompt inside the window. */
export interface CompactionRecord {
  step: number;
  replacedMessages: number;
  replacedTokens: number;
  summaryTokens: number;
  model: string;
  at: string;
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
  /** The limits in force: the agent's, lowered by the run's overrides. */
  limits: Budget & { maxSteps: number };
  startedAt: string;
  usage: UsageTotals;
  modelCalls: ModelCallRecord[];
  /** Things an operator should know about this run (unpriced models, unsafe tools...). */
  warnings: string[];
  pendingApprovals: ApprovalRequest[];
  /** Every approval request of the run, pending or decided, in the order they were made. */
  approvalRequests: ApprovalRequest[];
  decisions: DecisionRecord[];
  ignoredDecisions: IgnoredDecision[];
  toolCalls: ToolCallRecord[];
  compactions: CompactionRecord[];
  /** Routed attempts (runs with a `models` policy): every candidate tried or skipped, in order. */
  modelAttempts?: ModelAttemptRecord[];
  /** 1 for the first execution; +1 at each continue-as-new. */
  segment: number;
  /** Whether tools work in a directory of this run's own or the agent's persistent one. */
  workspace: 'run' | 'agent';
  lastError?: RunError;
  /** The team the run is for; its platform policy scope applies. Absent on runs started before teams existed. */
  team?: string;
  /** The rules the run obeys and where each came from, fixed at start unless an operator applies a new policy. */
  policy?: EffectivePolicy;
  /** Who the run acts for, as the worker's directory (or, without one, the caller) said at start. */
  identity?: RunIdentity;
  /** Every time an operator applied a newer platform policy to this run. */
  policyChanges?: PolicyChange[];
  /** Notifications sent to approvers (gates reached, reminders, escalations) and how each went; the newest kept. */
  notifications?: NotificationRecord[];
  /** Why the run stopped, when it stopped for any reason other than an answer. */
  reason?: string;
  answer?: string;
}

/** The parts of RunState the approval book owns; a run's own record leaves them out, views put them in. */
export type ApprovalViews = 'pendingApprovals' | 'approvalRequests' | 'decisions' | 'ignoredDecisions';

/** What a run keeps about itself besides its approvals: RunState is this plus the approval book's lists. */
export type RunRecord = Omit<RunState, ApprovalViews>;

/** An operator applying the current platform policy to a running run: recorded in its history and audit trail. */
export interface PolicyChange {
  at: string;
  /** The run's step when the change took effect. */
  step: number;
  by: string;
  reason?: string;
  /** Policy file versions before and after; absent when no policy file was in force. */
  fromVersion?: string;
  toVersion?: string;
  /** The rules whose value or scope changed, as `rule: old (scope) -> new (scope)`. */
  changes: string[];
  /** Where the agent spec or caller asked for more than the new policy allows: the policy's value applies. */
  overridden: string[];
}

/** What `agentRun` returns (or carries in its failure details when it fails). */
export interface RunResult extends RunState {
  transcript: ChatMessage[];
}

export function emptyUsage(): UsageTotals {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    totalTokens: 0,
    modelCalls: 0,
    toolCalls: 0,
    costUsd: 0,
    costUnknown: false,
  };
}
