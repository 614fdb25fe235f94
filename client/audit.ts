import picomatch from 'picomatch';
import type { ChatMessage } from '../common/chat';
import { transcriptQuery } from '../common/messages';
import type { RunState } from '../common/run-state';
import type { AuditArgs, AuditBase, AuditOptions, AuditRecord } from './audit-record';
import { activityTrails, type ActivityTrail } from './audit-history';
import { PayloadUnreadableError, type UnreadablePart } from './errors';
import { requestedArgs } from './audit-args';
import { argsDigest } from '../common/canonical-json';
import { decodeFailureOf } from './read-guard';
import type { ReinsClient } from './reins-client';

const MODEL_ACTIVITIES = new Set(['callModel', 'summarizeConversation']);
const TOOL_ACTIVITIES = new Set(['runTool', 'callMcpTool']);
const RANK: Record<AuditRecord['kind'], number> = {
  policy: -2,
  policy_change: -1,
  model_attempt: 0,
  model_call: 0,
  approval_request: 1,
  approval_decision: 2,
  ignored_decision: 3,
  tool_call: 4,
};

/** Builds the trail from a run's state (final or current), its transcript and its Temporal history. */
export function buildAudit(
  state: RunState,
  transcript: ChatMessage[],
  activities: ActivityTrail[],
  options: AuditOptions = {},
): AuditRecord[] {
  const hashAll = options.hashArgs === true;
  const hashMatch =
    Array.isArray(options.hashArgs) && options.hashArgs.length > 0 ? picomatch(options.hashArgs) : undefined;
  const shown = (tool: string, args: unknown): AuditArgs =>
    hashAll || hashMatch?.(tool) ? { argsSha256: argsDigest(args) } : { args };
  const base = (at: string, step: number): AuditBase => ({
    at,
    runId: state.runId,
    agent: state.agent,
    user: state.userId,
    step,
  });
  const records: AuditRecord[] = [];

  // The rules the run started under, and every time an operator applied a newer policy to it.
  if (state.policy) {
    // The state holds the policy in force now; the one the run started under is the first change's `from`.
    const changes = state.policyChanges ?? [];
    const startVersion = changes.length > 0 ? changes[0]!.fromVersion : state.policy.version;
    records.push({
      ...base(state.startedAt, 0),
      kind: 'policy',
      team: state.policy.team,
      ...(startVersion ? { version: startVersion } : {}),
    });
  }
  for (const change of state.policyChanges ?? []) {
    records.push({
      ...base(change.at, change.step),
      kind: 'policy_change',
      by: change.by,
      ...(change.reason !== undefined ? { reason: change.reason } : {}),
      ...(change.fromVersion ? { fromVersion: change.fromVersion } : {}),
      ...(change.toVersion ? { toVersion: change.toVersion } : {}),
      changes: change.changes,
      overridden: change.overridden,
    });
  }

  // Completed model activities pair with model call records in order; failed attempts left no record.
  const modelRuns = activities.filter((a) => MODEL_ACTIVITIES.has(a.activityType) && a.outcome === 'completed');
  const calls = {
    callModel: modelRuns.filter((a) => a.activityType === 'callModel'),
    summarize: modelRuns.filter((a) => a.activityType === 'summarizeConversation'),
  };
  let mainIndex = 0;
  let summaryIndex = 0;
  for (const call of state.modelCalls) {
    const trail = call.purpose === 'compaction' ? calls.summarize[summaryIndex++] : calls.callModel[mainIndex++];
    records.push({
      ...base(call.at, call.step),
      kind: 'model_call',
      provider: call.provider,
      model: call.model,
      responseModel: call.responseModel,
      ...(call.purpose ? { purpose: call.purpose } : {}),
      outcome: 'succeeded',
      finishReason: call.finishReason,
      inputTokens: call.inputTokens,
      outputTokens: call.outputTokens,
      cachedInputTokens: call.cachedInputTokens,
      costUsd: call.costUsd,
      latencyMs: call.latencyMs,
      ...(trail?.attempt !== undefined ? { attempt: trail.attempt } : {}),
    });
  }

  // Failover is part of what happened: every attempt that did not answer, next to the calls that did.
  for (const attempt of state.modelAttempts ?? []) {
    if (attempt.outcome === 'ok') continue;
    records.push({
      ...base(attempt.at, attempt.step),
      kind: 'model_attempt',
      purpose: attempt.purpose,
      attempt: attempt.attempt,
      provider: attempt.provider,
      model: attempt.model,
      outcome: attempt.outcome,
      ...(attempt.errorType ? { errorType: attempt.errorType } : {}),
      ...(attempt.message ? { message: attempt.message } : {}),
    });
  }

  const requests = new Map(state.approvalRequests.map((request) => [request.requestId, request]));
  for (const request of state.approvalRequests) {
    records.push({
      ...base(request.requestedAt, request.step),
      kind: 'approval_request',
      requestId: request.requestId,
      tool: request.tool,
      toolClass: request.toolClass,
      rule: request.rule,
      expiresAt: request.expiresAt,
      ...(request.approvers ? { approvers: request.approvers } : {}),
      ...shown(request.tool, request.args),
    });
  }
  const decisions = new Map(state.decisions.map((decision) => [decision.requestId, decision]));
  for (const decision of state.decisions) {
    const request = requests.get(decision.requestId);
    records.push({
      ...base(decision.decidedAt, request?.step ?? 0),
      kind: 'approval_decision',
      requestId: decision.requestId,
      tool: decision.tool,
      decision: decision.decision,
      approver: decision.by,
      via: decision.via,
      ...(decision.reason ? { reason: decision.reason } : {}),
      edited: decision.editedArgs !== undefined,
      ...(request ? { waitMs: Date.parse(decision.decidedAt) - Date.parse(request.requestedAt) } : {}),
    });
  }
  for (const ignored of state.ignoredDecisions) {
    records.push({
      ...base(ignored.receivedAt, requests.get(ignored.requestId)?.step ?? 0),
      kind: 'ignored_decision',
      requestId: ignored.requestId,
      approver: ignored.by,
      via: ignored.via,
      why: ignored.why,
    });
  }

  // Calls that reached a tool pair with tool activities in order; refused ones never scheduled one.
  const toolRuns = activities.filter((a) => TOOL_ACTIVITIES.has(a.activityType) && a.outcome !== 'pending');
  const modelAt = new Map(state.modelCalls.filter((c) => !c.purpose).map((c) => [c.step, c.at]));
  const asked = requestedArgs(transcript, state);
  let toolIndex = 0;
  for (const call of state.toolCalls) {
    const ran = call.outcome === 'succeeded' || call.outcome === 'failed';
    const trail = ran ? toolRuns[toolIndex++] : undefined;
    const decision = decisions.get(call.callId);
    const ranWith = (trail?.input as { args?: unknown } | undefined)?.args;
    const args = ranWith ?? decision?.editedArgs ?? requests.get(call.callId)?.args ?? asked.get(call.callId);
    // A call settles after its decision, if it waited for one, else right after the model asked for it.
    const at = trail
      ? new Date(trail.scheduledAt).toISOString()
      : (decision?.decidedAt ?? modelAt.get(call.step) ?? state.startedAt);
    records.push({
      ...base(at, call.step),
      kind: 'tool_call',
      callId: call.callId,
      tool: call.tool,
      outcome: call.outcome,
      ...(call.detail ? { detail: call.detail } : {}),
      ...(decision?.decision === 'approve' ? { approvedBy: decision.by } : {}),
      ...(args !== undefined ? shown(call.tool, args) : {}),
      ...(trail?.inputError !== undefined ? { argsUnreadable: trail.inputError } : {}),
      ...(trail?.startedAt !== undefined && trail.endedAt !== undefined
        ? { latencyMs: trail.endedAt - trail.startedAt }
        : {}),
      ...(trail?.attempt !== undefined ? { attempt: trail.attempt } : {}),
    });
  }

  return records
    .map((record, index) => ({ record, index }))
    .sort(
      (a, b) =>
        a.record.at.localeCompare(b.record.at) || RANK[a.record.kind] - RANK[b.record.kind] || a.index - b.index,
    )
    .map(({ record }) => record);
}

/**
 * The audit trail of a run, running or ended, and every part of it that could not be read (wrong keys, a claim-check
 * file missing): the records are built from what could be.
 */
export async function readAuditTrail(
  reins: ReinsClient,
  runId: string,
  options: AuditOptions = {},
): Promise<{ records: AuditRecord[]; unreadable: UnreadablePart[] }> {
  const state = await reins.getState(runId);
  const handle = reins.temporal.workflow.getHandle(runId);
  const running = ['running', 'awaiting_approval'].includes(state.status);
  const unreadable: UnreadablePart[] = [];
  const transcript = await (
    running ? handle.query(transcriptQuery) : reins.result(runId).then((result) => result.transcript)
  ).catch((error: unknown): ChatMessage[] => {
    // The transcript only fills in the arguments of calls that never reached a tool; without it they go missing.
    const parts = error instanceof PayloadUnreadableError ? error.parts : undefined;
    unreadable.push(
      ...(parts ?? [
        {
          what: `the transcript of run "${runId}" (${running ? 'its answer to the transcript query' : 'its result'})`,
          error: decodeFailureOf(error) ?? (error instanceof Error ? error.message : String(error)),
        },
      ]),
    );
    return [];
  });
  const activities = await activityTrails(reins.temporal, runId, unreadable);
  return { records: buildAudit(state, transcript, activities, options), unreadable };
}

/** The full audit trail of a run; throws PayloadUnreadableError (with the records it could build) if any part of it cannot be read. */
export async function auditRun(reins: ReinsClient, runId: string, options: AuditOptions = {}): Promise<AuditRecord[]> {
  const { records, unreadable } = await readAuditTrail(reins, runId, options);
  if (unreadable.length > 0) throw new PayloadUnreadableError(unreadable);
  return records;
}

// Part of what callers of the audit trail use: how digests are made, and which tools the environment hashes.
export { hashArgsFromEnv } from './audit-args';
export { argsDigest } from '../common/canonical-json';
