import { ApplicationFailure, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ReinsActivities } from '../activities';
import type { AgentTool } from '../common/agent-spec';
import type { ChatMessage, ModelTurn, ToolDefinition } from '../common/chat';
import { ErrorType } from '../common/errors';
import { stateQuery, transcriptQuery } from '../common/messages';
import { parseRunInput, type RunInput } from '../common/run-input';
import { emptyUsage, type RunResult, type RunState } from '../common/run-state';
import { MODEL_ACTIVITY_OPTIONS, SETUP_ACTIVITY_OPTIONS } from './activity-options';
import { registerDecisionHandlers, waitForDecisions } from './approval-gate';
import { ApprovalBook } from './approvals';
import { checkBudget } from './budget';
import { failureOf } from './failures';
import { gateFor } from './policy';
import { ToolArgsValidator } from './tool-args';
import { prepareCall, settleCall, type ToolCatalog } from './tool-calls';
import { RunVisibility } from './visibility';

const { describeTools } = proxyActivities<ReinsActivities>(SETUP_ACTIVITY_OPTIONS);
const { callModel } = proxyActivities<ReinsActivities>(MODEL_ACTIVITY_OPTIONS);

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One agent run: call the model, run the tools it asks for (after validation, policy and approval), feed results
 * back, stop on an answer or a budget. Decisions live in small pure modules; every side effect is an activity.
 */
export async function agentRun(rawInput: RunInput): Promise<RunResult> {
  const parsed = parseRunInput(rawInput);
  const input = parsed.ok ? parsed.value : undefined;
  const definitions = new Map<string, ToolDefinition>();
  const validator = new ToolArgsValidator(definitions);
  const book = new ApprovalBook(validator, input?.roles ?? {});
  const state: RunState = {
    runId: workflowInfo().workflowId,
    agent: input?.spec.name ?? 'invalid',
    userId: input?.userId ?? 'unknown',
    status: 'running',
    step: 0,
    maxSteps: input?.spec.maxSteps ?? 0,
    usage: emptyUsage(),
    pendingApprovals: book.pending,
    approvalRequests: book.requests,
    decisions: book.decisions,
    ignoredDecisions: book.ignored,
    toolCalls: [],
  };
  const transcript: ChatMessage[] = [];
  const visibility = new RunVisibility();
  const publish = () => visibility.publish(state);
  const result = (): RunResult => ({ ...state, transcript });

  setHandler(stateQuery, () => state);
  setHandler(transcriptQuery, () => transcript);
  registerDecisionHandlers(book, publish);

  const stop = (status: RunState['status'], reason?: string): RunResult => {
    state.status = status;
    if (reason !== undefined) state.reason = reason;
    publish();
    return result();
  };
  /** Ends the run as failed: the workflow fails (visible as such in the UI) and carries the full result. */
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
  const catalog: ToolCatalog = {
    definitions,
    validator,
    agentTools: new Map<string, AgentTool>(spec.tools.map((tool) => [tool.name, tool])),
  };
  publish();

  try {
    if (spec.tools.length > 0) {
      try {
        const described = await describeTools({ names: spec.tools.map((tool) => tool.name) });
        for (const definition of described) definitions.set(definition.name, definition);
      } catch (error) {
        const { type, message } = failureOf(error);
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
        const { type, message } = failureOf(error);
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

      const calls = turn.toolCalls.map((request, index) => prepareCall(request, `${state.step}-${index + 1}`, catalog));
      const nowMs = Date.now();
      for (const call of calls) {
        if (!call.approvalRule || !call.definition) continue;
        const gate = gateFor(spec, catalog.agentTools.get(call.request.name), call.definition.class);
        book.open({
          requestId: call.callId,
          step: state.step,
          toolCallId: call.request.id,
          tool: call.request.name,
          toolClass: call.definition.class,
          args: call.args,
          rule: call.approvalRule,
          requestedAt: iso(nowMs),
          expiresAt: iso(nowMs + gate.timeoutMs),
          onTimeout: gate.onTimeout,
          stage: 'primary',
          ...(gate.approvers ? { approvers: gate.approvers } : {}),
        });
      }
      if (book.pending.length > 0) {
        state.status = 'awaiting_approval';
        publish();
        await waitForDecisions(book, spec, publish);
        state.status = 'running';
        publish();
      }
      for (const call of calls) {
        transcript.push({ role: 'tool', toolCallId: call.request.id, content: await settleCall(call, state, book) });
      }
    }
  } catch (error) {
    if (isCancellation(error)) stop('cancelled', 'the run was cancelled');
    throw error;
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
