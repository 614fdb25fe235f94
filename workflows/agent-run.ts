import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReinsActivities } from '../activities';
import type { AgentTool } from '../common/agent-spec';
import type { ApprovalDecision } from '../common/approval';
import { parseApprovalDecision } from '../common/approval';
import type { ChatMessage, ModelTurn, ToolCallRequest, ToolDefinition } from '../common/chat';
import { ErrorType } from '../common/errors';
import { decideUpdate, decideSignal, stateQuery, transcriptQuery } from '../common/messages';
import { parseRunInput, type RunInput } from '../common/run-input';
import { emptyUsage, type RunResult, type RunState, type ToolCallRecord } from '../common/run-state';
import { MODEL_ACTIVITY_OPTIONS, SETUP_ACTIVITY_OPTIONS, TOOL_ACTIVITY_OPTIONS } from './activity-options';
import { ApprovalBook } from './approvals';
import { checkBudget } from './budget';
import { decideToolCall } from './policy';
import { ToolArgsValidator } from './tool-args';
import { RunVisibility } from './visibility';

const { describeTools } = proxyActivities<ReinsActivities>(SETUP_ACTIVITY_OPTIONS);
const { callModel } = proxyActivities<ReinsActivities>(MODEL_ACTIVITY_OPTIONS);
const { runTool } = proxyActivities<ReinsActivities>(TOOL_ACTIVITY_OPTIONS);

/** A tool call after validation and policy, before it runs. */
interface PreparedCall {
  request: ToolCallRequest;
  callId: string;
  args?: Record<string, unknown>;
  definition?: ToolDefinition;
  /** Set when the call ends without running: the tool message the model gets instead. */
  refusal?: { outcome: ToolCallRecord['outcome']; message: string };
  needsApproval: boolean;
}

function now(): string {
  return new Date(Date.now()).toISOString();
}

function failureMessage(error: unknown): { type: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}

function toolError(type: string, message: string): string {
  return `Error [${type}]: ${message}`;
}

/**
 * One agent run: call the model, run the tools it asks for (after validation, policy and approval), feed results
 * back, stop on an answer or a budget. All decisions here are pure and recorded; every side effect is an activity.
 */
export async function agentRun(rawInput: RunInput): Promise<RunResult> {
  const info = workflowInfo();
  const parsed = parseRunInput(rawInput);
  const input = parsed.ok ? parsed.value : undefined;
  const state: RunState = {
    runId: info.workflowId,
    agent: input?.spec.name ?? 'invalid',
    userId: input?.userId ?? 'unknown',
    status: 'running',
    step: 0,
    maxSteps: input?.spec.maxSteps ?? 0,
    usage: emptyUsage(),
    pendingApprovals: [],
    decisions: [],
    ignoredDecisions: [],
    toolCalls: [],
  };
  const transcript: ChatMessage[] = [];
  const definitions = new Map<string, ToolDefinition>();
  const argsValidator = new ToolArgsValidator(definitions);
  const approvals = new ApprovalBook(argsValidator);
  state.pendingApprovals = approvals.pending;
  state.decisions = approvals.decisions;
  state.ignoredDecisions = approvals.ignored;
  const visibility = new RunVisibility();

  const result = (): RunResult => ({ ...state, transcript });
  const publish = () => visibility.publish(state);

  setHandler(stateQuery, () => state);
  setHandler(transcriptQuery, () => transcript);
  setHandler(
    decideUpdate,
    (decision) => {
      const record = approvals.apply(decision, 'update', now());
      publish();
      return record;
    },
    {
      // Refusals happen here, so a refused update leaves nothing in the run's history.
      validator: (raw: ApprovalDecision) => {
        const decision = parseApprovalDecision(raw);
        if (!decision.ok) throw ApplicationFailure.nonRetryable(decision.message, ErrorType.ApprovalInvalid);
        const check = approvals.check(decision.value);
        if (!check.ok) throw ApplicationFailure.nonRetryable(check.why, ErrorType.ApprovalInvalid);
      },
    },
  );
  setHandler(decideSignal, (raw: ApprovalDecision) => {
    // A signal cannot be refused to its sender, so a bad one is kept as ignored, with why, and the run goes on.
    const decision = parseApprovalDecision(raw);
    const check = decision.ok ? approvals.check(decision.value) : { ok: false as const, why: decision.message };
    if (decision.ok && check.ok) approvals.apply(decision.value, 'signal', now());
    else {
      const sent = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<ApprovalDecision>;
      approvals.ignore({
        requestId: String(sent.requestId ?? ''),
        by: String(sent.by ?? ''),
        via: 'signal',
        receivedAt: now(),
        why: check.ok ? 'invalid decision' : check.why,
      });
    }
    publish();
  });

  const stop = (status: RunState['status'], reason?: string): RunResult => {
    state.status = status;
    if (reason !== undefined) state.reason = reason;
    publish();
    return result();
  };
  const fail = (type: string, message: string): never => {
    state.lastError = { type, message, step: state.step };
    stop('failed', message);
    throw ApplicationFailure.create({
      type: ErrorType.RunFailed,
      message: `${type}: ${message}`,
      nonRetryable: true,
      details: [result()],
    });
  };

  if (!input) return fail(ErrorType.RunInputInvalid, `invalid run input: ${parsed.ok ? '' : parsed.message}`);
  const spec = input.spec;
  const agentTools = new Map<string, AgentTool>(spec.tools.map((tool) => [tool.name, tool]));
  publish();

  try {
    if (spec.tools.length > 0) {
      try {
        const described = await describeTools({ names: spec.tools.map((tool) => tool.name) });
        for (const definition of described) definitions.set(definition.name, definition);
      } catch (error) {
        const { type, message } = failureMessage(error);
        return fail(type, message);
      }
    }
    const toolList = [...definitions.values()];
    transcript.push({ role: 'system', content: spec.instructions }, { role: 'user', content: input.prompt });

    for (;;) {
      const budget = checkBudget(state);
      if (budget.exhausted) return stop('budget_exhausted', budget.reason);

      state.step += 1;
      publish();
      let turn: ModelTurn;
      try {
        turn = await callModel.executeWithOptions(
          { ...MODEL_ACTIVITY_OPTIONS, summary: `model ${spec.model.name} · step ${state.step}` },
          [
            {
              model: spec.model.name,
              messages: transcript,
              tools: toolList,
              temperature: spec.model.temperature,
              maxOutputTokens: spec.model.maxOutputTokens,
              step: state.step,
            },
          ],
        );
      } catch (error) {
        if (isCancellation(error)) throw error;
        const { type, message } = failureMessage(error);
        return fail(type, message);
      }
      addUsage(state, turn);
      transcript.push({
        role: 'assistant',
        content: turn.content,
        ...(turn.toolCalls.length ? { toolCalls: turn.toolCalls } : {}),
      });
      if (turn.toolCalls.length === 0) {
        state.answer = turn.content ?? '';
        return stop('completed');
      }

      const prepared = turn.toolCalls.map((request, index) =>
        prepareCall(request, `${state.step}-${index + 1}`, definitions, agentTools, argsValidator),
      );
      for (const call of prepared.filter((c) => c.needsApproval)) {
        approvals.open({
          requestId: call.callId,
          step: state.step,
          toolCallId: call.request.id,
          tool: call.request.name,
          toolClass: call.definition!.class,
          args: call.args,
          requestedAt: now(),
        });
      }
      if (state.pendingApprovals.length > 0) {
        state.status = 'awaiting_approval';
        publish();
        await condition(() => state.pendingApprovals.length === 0);
        state.status = 'running';
        publish();
      }
      for (const call of prepared) {
        transcript.push({ role: 'tool', toolCallId: call.request.id, content: await settleCall(call) });
      }
    }
  } catch (error) {
    if (isCancellation(error)) {
      stop('cancelled', 'the run was cancelled');
    }
    throw error;
  }

  /** Runs one call (or records why it did not run) and returns what the model reads. */
  async function settleCall(call: PreparedCall): Promise<string> {
    const record = (outcome: ToolCallRecord['outcome'], detail?: string) =>
      state.toolCalls.push({
        callId: call.callId,
        step: state.step,
        tool: call.request.name,
        outcome,
        ...(detail ? { detail } : {}),
      });
    if (call.refusal) {
      record(call.refusal.outcome, call.refusal.message);
      return call.refusal.message;
    }
    let args = call.args;
    let summary = `tool ${call.request.name} · ${call.definition!.class}`;
    if (call.needsApproval) {
      const decision = approvals.decisionFor(call.callId);
      if (decision?.decision !== 'approve') {
        const why = `rejected by ${decision?.by ?? 'nobody'}${decision?.reason ? `: ${decision.reason}` : ''}`;
        record('rejected', why);
        return toolError(ErrorType.ToolDenied, `a human did not approve this call (${why})`);
      }
      args = decision.editedArgs ?? args;
      summary += ` · approved by ${decision.by}`;
    }
    state.usage.toolCalls += 1;
    try {
      const outcome = await runTool.executeWithOptions({ ...TOOL_ACTIVITY_OPTIONS, summary }, [
        { callId: call.callId, tool: call.request.name, args, step: state.step, userId: state.userId },
      ]);
      if (outcome.ok) {
        record('succeeded');
        return outcome.output;
      }
      record('failed', outcome.error.message);
      return toolError(outcome.error.type, outcome.error.message);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const { type, message } = failureMessage(error);
      record('failed', message);
      return toolError(type, message);
    }
  }
}

function addUsage(state: RunState, turn: ModelTurn): void {
  const usage = state.usage;
  usage.inputTokens += turn.usage.inputTokens;
  usage.outputTokens += turn.usage.outputTokens;
  usage.cachedInputTokens += turn.usage.cachedInputTokens;
  usage.totalTokens = usage.inputTokens + usage.outputTokens;
  usage.modelCalls += 1;
}

/** Validation and policy for one call. Anything refused here never reaches an activity. */
function prepareCall(
  request: ToolCallRequest,
  callId: string,
  definitions: ReadonlyMap<string, ToolDefinition>,
  agentTools: ReadonlyMap<string, AgentTool>,
  validator: ToolArgsValidator,
): PreparedCall {
  const definition = definitions.get(request.name);
  if (!definition) {
    const known = [...definitions.keys()].join(', ') || 'none';
    const message = toolError(ErrorType.ToolUnknown, `there is no tool "${request.name}"; available tools: ${known}`);
    return { request, callId, needsApproval: false, refusal: { outcome: 'unknown_tool', message } };
  }
  const args = validator.checkRaw(request.name, request.arguments);
  if (!args.ok) {
    const message = toolError(ErrorType.ToolArgsInvalid, `invalid arguments for ${request.name}: ${args.message}`);
    return { request, callId, definition, needsApproval: false, refusal: { outcome: 'invalid_args', message } };
  }
  const decision = decideToolCall(agentTools.get(request.name), definition);
  if (decision.kind === 'deny') {
    const message = toolError(ErrorType.ToolDenied, `denied by policy: ${decision.rule}`);
    return {
      request,
      callId,
      definition,
      args: args.args,
      needsApproval: false,
      refusal: { outcome: 'denied', message },
    };
  }
  return { request, callId, definition, args: args.args, needsApproval: decision.kind === 'approval' };
}
