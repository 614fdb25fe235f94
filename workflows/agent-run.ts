import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentTool } from '../common/agent-spec';
import type { ChatMessage, ModelTurn, ToolDefinition } from '../common/chat';
import { ErrorType } from '../common/errors';
import { stateQuery, transcriptQuery } from '../common/messages';
import { priceFor } from '../common/pricing';
import { effectiveBudget, parseRunInput, type RunInput } from '../common/run-input';
import { emptyUsage, type RunResult, type RunState } from '../common/run-state';
import { registerDecisionHandlers, waitForDecisions } from './approval-gate';
import { ApprovalBook } from './approvals';
import { checkBudget, durationReason, outputAllowance } from './budget';
import { failureOf } from './failures';
import { callModelForStep, recordModelCall } from './model-step';
import { gateFor } from './policy';
import { DEFAULT_CAPPED_OUTPUT_TOKENS, estimatePromptTokens, reserveForCall } from './spend-cap';
import { toolAccess } from './tool-access';
import { ToolArgsValidator } from './tool-args';
import { discoverTools } from './tool-discovery';
import { capToolCalls, prepareCall, settleCall, type ToolCatalog } from './tool-calls';
import { RunVisibility } from './visibility';

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
    limits: input ? effectiveBudget(input) : { maxSteps: 0 },
    startedAt: iso(Date.now()),
    usage: emptyUsage(),
    modelCalls: [],
    warnings: [],
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
    spec,
    identity: { userId: input.userId, roles: input.roles, roleDefinitions: input.roleDefinitions },
  };
  const price = priceFor(input.prices, spec.model.name);
  if (!price) state.warnings.push(`model ${spec.model.name} has no price: its cost is unknown`);
  const spendCap =
    input.spendCap && price
      ? { userId: input.userId, runId: state.runId, capUsd: input.spendCap.dailyUsd, price }
      : undefined;
  publish();

  // The loop runs in its own scope so the maxDuration timer can cancel whatever it is waiting on: a model call, a
  // tool, or an approval gate. In-flight activities are asked to cancel; the run ends with what it has.
  const loopScope = new CancellationScope();
  let durationHit = false;
  if (state.limits.maxDuration !== undefined) {
    const remaining = Date.parse(state.startedAt) + state.limits.maxDuration - Date.now();
    sleep(Math.max(remaining, 1)).then(
      () => {
        durationHit = true;
        loopScope.cancel();
      },
      () => undefined, // the run itself was cancelled
    );
  }

  try {
    return await loopScope.run(runLoop);
  } catch (error) {
    if (durationHit && isCancellation(error)) {
      const reason = durationReason(state.limits.maxDuration ?? 0);
      book.closeAll(`run ended: ${reason}`, Date.now());
      return stop('budget_exhausted', reason);
    }
    if (isCancellation(error)) stop('cancelled', 'the run was cancelled');
    throw error;
  }

  async function runLoop(): Promise<RunResult> {
    try {
      for (const definition of await discoverTools(spec)) definitions.set(definition.name, definition);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const { type, message } = failureOf(error);
      return fail(type, message);
    }
    // The model is offered exactly the tools this agent and this user may use.
    const toolList = [...definitions.values()].filter((d) => toolAccess(d, spec, catalog.identity).allowed);
    for (const definition of toolList) state.warnings.push(...(definition.warnings ?? []));
    transcript.push({ role: 'system', content: spec.instructions }, { role: 'user', content: input!.prompt });

    for (;;) {
      const budget = checkBudget(state, Date.now());
      if (budget.exhausted) return stop('budget_exhausted', budget.reason);
      const allowance = outputAllowance(state, price, spec.model.maxOutputTokens);
      if ('exhausted' in allowance) return stop('budget_exhausted', allowance.reason);
      let maxOutputTokens = allowance.tokens;

      let settle: ((actualUsd: number) => Promise<void>) | undefined;
      if (spendCap) {
        maxOutputTokens = maxOutputTokens ?? DEFAULT_CAPPED_OUTPUT_TOKENS;
        const prompt = estimatePromptTokens(transcript, toolList);
        const reservation = await reserveForCall(spendCap, state.step + 1, prompt, maxOutputTokens);
        if (!reservation.grant.granted) {
          const { spentUsd, reservedUsd, capUsd } = reservation.grant;
          return stop(
            'budget_exhausted',
            `daily spend cap of $${capUsd} for ${state.userId} reached: $${spentUsd.toFixed(4)} spent and $${reservedUsd.toFixed(4)} reserved today`,
          );
        }
        settle = reservation.settle;
      }

      state.step += 1;
      publish();
      let turn: ModelTurn;
      try {
        turn = await callModelForStep({ spec, state, transcript, tools: toolList, maxOutputTokens });
      } catch (error) {
        if (isCancellation(error)) throw error;
        await settle?.(0);
        const { type, message } = failureOf(error);
        return fail(type, message);
      }
      const cost = recordModelCall(state, turn, { model: spec.model.name, price, maxOutputTokens });
      await settle?.(cost ?? 0);
      transcript.push({
        role: 'assistant',
        content: turn.content,
        ...(turn.toolCalls.length ? { toolCalls: turn.toolCalls } : {}),
      });
      if (turn.toolCalls.length === 0) {
        state.answer = turn.content ?? '';
        return stop('completed');
      }
      await runToolCalls(turn);
    }
  }

  async function runToolCalls(turn: ModelTurn): Promise<void> {
    const calls = capToolCalls(
      turn.toolCalls.map((request, index) => prepareCall(request, `${state.step}-${index + 1}`, catalog)),
      state.limits.maxToolCalls,
      state.usage.toolCalls,
    );
    const nowMs = Date.now();
    for (const call of calls) {
      if (!call.approvalRule || !call.definition) continue;
      const gate = gateFor(spec, catalog.agentTools.get(call.request.name), call.toolClass ?? call.definition.class);
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
}
