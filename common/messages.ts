import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ApprovalDecision } from './approval';
import type { ChatMessage } from './chat';
import type { DecisionReceipt, PolicyChange, RunState } from './run-state';

/** Workflow type name; the client starts runs by this name. */
export const AGENT_RUN_WORKFLOW = 'agentRun';

/** The run's live state: status, step, usage, pending approvals, decisions, last error. */
export const stateQuery = defineQuery<RunState>('state');
/** The conversation so far, as the model sees it. */
export const transcriptQuery = defineQuery<ChatMessage[]>('transcript');

/**
 * A decision on a pending approval. The update answers its caller at once (accepted or refused with the
 * reason); the signal carries the same payload for fire-and-forget senders such as the Temporal UI.
 */
export const decideUpdate = defineUpdate<DecisionReceipt, [ApprovalDecision]>('decide');
export const decideSignal = defineSignal<[ApprovalDecision]>('decide');

/** An operator's request to apply the workers' current platform policy to a running run. */
export const ApplyPolicyRequestSchema = z.strictObject({
  by: z.string().trim().min(1, 'name who applies the policy').max(200),
  reason: z.string().max(2000).optional(),
});
export type ApplyPolicyRequest = z.output<typeof ApplyPolicyRequestSchema>;

/** Applies the current platform policy to a running run; answers with what changed. Recorded in the run's audit. */
export const applyPolicyUpdate = defineUpdate<PolicyChange, [ApplyPolicyRequest]>('applyPolicy');

/**
 * What each handler takes and does, attached where it is registered so the Temporal UI and `temporal workflow
 * metadata` show it. Keep them short: one line a person reads before sending something by hand.
 */
export const HANDLER_DESCRIPTIONS = {
  state:
    'The run as it stands: status, step, usage and cost, pending approvals (request ids, tools, arguments), ' +
    'decisions, last error. Takes no arguments.',
  transcript: 'The conversation as the model sees it now (system, user, assistant and tool messages). No arguments.',
  decide:
    'Approve or reject a pending tool call: {"requestId":"3-1","decision":"approve"|"reject","by":"<you>",' +
    '"reason"?:"...","editedArgs"?:{...}}. As an update it answers with the recorded decision or the reason it was ' +
    'refused; as a signal a refused decision is kept in ignoredDecisions.',
  applyPolicy:
    'Apply the workers\' current platform policy to this run: {"by":"<you>","reason"?:"..."}. Answers with what changed.',
} as const;
