import type { ApprovalRequest, RunState } from '../common/run-state';
import { PayloadUnreadableError, RunNotFoundError } from './errors';
import type { ReinsClient } from './reins-client';

const MAX_FAILED_POLLS = 30;

export type WatchEvent =
  | { type: 'step'; step: number; maxSteps: number }
  | {
      type: 'model_call';
      step: number;
      model: string;
      inputTokens: number;
      outputTokens: number;
      latencyMs: number;
      costUsd: number | null;
      purpose?: 'compaction';
    }
  | { type: 'tool_call'; step: number; callId: string; tool: string; outcome: string; detail?: string }
  | {
      type: 'approval_waiting';
      requestId: string;
      tool: string;
      toolClass: string;
      rule: string;
      args: unknown;
      paths?: ApprovalRequest['paths'];
    }
  | { type: 'approval_decided'; requestId: string; tool: string; decision: string; by: string; via: string }
  | {
      type: 'progress';
      status: string;
      step: number;
      maxSteps: number;
      tokens: number;
      costUsd: number;
      costUnknown: boolean;
      toolCalls: number;
      pendingApprovals: number;
    }
  | { type: 'end'; status: string; answer?: string; reason?: string; lastError?: { type: string; message: string } };

const OPEN = new Set(['running', 'awaiting_approval']);

function progressOf(state: RunState): WatchEvent {
  return {
    type: 'progress',
    status: state.status,
    step: state.step,
    maxSteps: state.maxSteps,
    tokens: state.usage.totalTokens,
    costUsd: state.usage.costUsd,
    costUnknown: state.usage.costUnknown,
    toolCalls: state.usage.toolCalls,
    pendingApprovals: state.pendingApprovals.length,
  };
}

/** What happened between two looks at a run's state, in the order it happened; `before` undefined for the first. */
export function stateChanges(before: RunState | undefined, after: RunState): WatchEvent[] {
  const events: WatchEvent[] = [];
  const seen = {
    modelCalls: before?.modelCalls.length ?? 0,
    toolCalls: before?.toolCalls.length ?? 0,
    requests: before?.approvalRequests.length ?? 0,
    decisions: before?.decisions.length ?? 0,
    step: before?.step ?? 0,
  };
  const modelCalls = after.modelCalls.slice(seen.modelCalls);
  const toolCalls = after.toolCalls.slice(seen.toolCalls);
  // Step by step, so a poll that missed several steps still prints them in order.
  for (let step = Math.max(seen.step, 1); step <= after.step; step += 1) {
    if (step > seen.step) events.push({ type: 'step', step, maxSteps: after.maxSteps });
    for (const call of modelCalls.filter((c) => c.step === step)) {
      events.push({
        type: 'model_call',
        step,
        model: call.responseModel || call.model,
        inputTokens: call.inputTokens,
        outputTokens: call.outputTokens,
        latencyMs: call.latencyMs,
        costUsd: call.costUsd,
        ...(call.purpose ? { purpose: call.purpose } : {}),
      });
    }
    for (const request of after.approvalRequests.slice(seen.requests).filter((r) => r.step === step)) {
      events.push({
        type: 'approval_waiting',
        requestId: request.requestId,
        tool: request.tool,
        toolClass: request.toolClass,
        rule: request.rule,
        args: request.args,
        ...(request.paths ? { paths: request.paths } : {}),
      });
    }
    const stepRequests = new Set(after.approvalRequests.filter((r) => r.step === step).map((r) => r.requestId));
    for (const decision of after.decisions.slice(seen.decisions).filter((d) => stepRequests.has(d.requestId))) {
      events.push({
        type: 'approval_decided',
        requestId: decision.requestId,
        tool: decision.tool,
        decision: decision.decision,
        by: decision.by,
        via: decision.via,
      });
    }
    for (const call of toolCalls.filter((c) => c.step === step)) {
      events.push({
        type: 'tool_call',
        step,
        callId: call.callId,
        tool: call.tool,
        outcome: call.outcome,
        ...(call.detail ? { detail: call.detail } : {}),
      });
    }
  }
  const progress = progressOf(after);
  if (events.length > 0 || !before || JSON.stringify(progressOf(before)) !== JSON.stringify(progress)) {
    events.push(progress);
  }
  if (!OPEN.has(after.status)) {
    events.push({
      type: 'end',
      status: after.status,
      ...(after.answer !== undefined ? { answer: after.answer } : {}),
      ...(after.reason ? { reason: after.reason } : {}),
      ...(after.lastError ? { lastError: { type: after.lastError.type, message: after.lastError.message } } : {}),
    });
  }
  return events;
}

export interface WatchOptions {
  /** How often to ask the run for its state. */
  intervalMs?: number;
  /** Stops watching (the run goes on). */
  signal?: AbortSignal;
}

/**
 * Follows a run until it ends, calling `onEvent` for each new step, model call, tool call, approval and progress.
 * Polls the state query, which the worker answers from its cache; an ended run is read from its result.
 */
export async function watchRun(
  reins: ReinsClient,
  runId: string,
  onEvent: (event: WatchEvent) => void,
  options: WatchOptions = {},
): Promise<RunState> {
  const intervalMs = options.intervalMs ?? 1_000;
  let last: RunState | undefined;
  let failures = 0;
  for (;;) {
    let state: RunState;
    try {
      state = await reins.getState(runId);
      failures = 0;
    } catch (error) {
      // A run that does not exist will not appear; a worker restarting is worth waiting out for a while.
      // Nor will a state this process cannot decode become readable by waiting.
      const hopeless = error instanceof RunNotFoundError || error instanceof PayloadUnreadableError;
      if (hopeless || ++failures > MAX_FAILED_POLLS) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      continue;
    }
    for (const event of stateChanges(last, state)) onEvent(event);
    last = state;
    if (!OPEN.has(state.status) || options.signal?.aborted) return state;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
