import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentTool } from '../common/agent-spec';
import type { ModelTurn, ToolDefinition } from '../common/chat';
import { ErrorType } from '../common/errors';
import { HANDLER_DESCRIPTIONS, stateQuery, transcriptQuery } from '../common/messages';
import { priceFor } from '../common/pricing';
import { countOrUndefined } from '../common/text';
import { parseRunInput, type RunInput } from '../common/run-input';
import type { RunResult, RunState } from '../common/run-state';
import { openGates, registerDecisionHandlers, waitForDecisions } from './approvals/approval-gate';
import { resolveCallPaths } from './tools/call-paths';
import { rerunOf } from './tools/interrupted-calls';
import { ApprovalBook } from './approvals/approval-book';
import { checkBudget, durationReason, outputAllowance, outputCeiling } from './budget/run-limits';
import { ContextWindow } from './model/context-window';
import { makeRoom } from './model/context-room';
import { failureOf, overflowCounts } from './run/failures';
import { ModelRouter, recordModelCall } from './model/model-router';
import type { RunCarry } from './run/run-carry';
import { freshState } from './run/fresh-state';
import { estimatePromptTokens, reserveForCall } from './budget/spend-cap';
import { toolAccess } from '../common/policy/tool-access';
import { ToolArgsValidator } from './tools/tool-args';
import { boundToolCalls, transcriptCalls } from './tools/tool-call-bounds';
import { discoverTools } from './tools/tool-discovery';
import {
  capToolCalls,
  classifyCalls,
  prepareCall,
  settleCall,
  type PreparedCall,
  type ToolCatalog,
} from './tools/tool-calls';
import { toolViolations } from '../common/policy/tool-checks';
import { durationElapsed } from './run/duration-watch';
import { registerPolicyApply, startPolicy, violationFailure } from './run/run-policy';
import { releaseRunWorkspace } from './run/workspace-release';
import { traceRunState } from './telemetry/run-trace';
import { RunVisibility } from './run/visibility';

/** Runs recorded before the latest turn could be cut to fit keep the context control they started with. */
export const CONTEXT_FIT_PATCH = 'reins-context-fit';
/** How many times one step may be refused as too long before the run ends with ContextOverflow. */
const MAX_OVERFLOW_ROUNDS = 3;

/**
 * One agent run: call the model, run the tools it asks for (after validation, policy and approval), feed results
 * back, stop on an answer or a budget. Decisions live in small pure modules; every side effect is an activity.
 * Long runs continue as new with `carry`, under the same workflow id.
 */
export async function agentRun(rawInput: RunInput, carry?: RunCarry): Promise<RunResult> {
  const parsed = parseRunInput(rawInput);
  const input = parsed.ok ? parsed.value : undefined;
  const definitions = new Map<string, ToolDefinition>((carry?.definitions ?? []).map((d) => [d.name, d]));
  const validator = new ToolArgsValidator(definitions);
  const book = new ApprovalBook(validator, input?.roles ?? {});
  const state: RunState = carry ? { ...carry.state, segment: carry.state.segment + 1 } : freshState(input);
  if (carry) book.restore(carry.state);
  state.pendingApprovals = book.pending;
  state.approvalRequests = book.requests;
  state.decisions = book.decisions;
  state.ignoredDecisions = book.ignored;
  const segmentStartStep = state.step;

  const fitting = patched(CONTEXT_FIT_PATCH);
  const context = new ContextWindow(
    input?.spec ?? ({} as never),
    carry?.transcript ?? [],
    carry?.messageTokens ?? [],
    workflowInfo().firstExecutionRunId,
    carry?.conversation,
    fitting,
  );
  const transcript = context.transcript;
  const visibility = new RunVisibility();
  const publish = () => {
    visibility.publish(state);
    traceRunState(state);
  };
  const result = (): RunResult => ({ ...state, transcript });

  setHandler(stateQuery, () => state, { description: HANDLER_DESCRIPTIONS.state });
  setHandler(transcriptQuery, () => transcript, { description: HANDLER_DESCRIPTIONS.transcript });
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
  const refusal = await startPolicy(input, state, !carry);
  if (refusal) return fail(refusal.type, refusal.message);
  const policy = () => state.policy!;
  const catalog: ToolCatalog = {
    definitions,
    validator,
    agentTools: new Map<string, AgentTool>(spec.tools.map((tool) => [tool.name, tool])),
    spec,
    identity: { userId: input.userId, roles: input.roles, roleDefinitions: input.roleDefinitions },
    policy,
  };
  const price = priceFor(input.prices, spec.model.name);
  if (!price && !carry) state.warnings.push(`model ${spec.model.name} has no price: its cost is unknown`);
  const router = new ModelRouter(spec, input.prices, state);
  const room = { context, router, state, spec, publish };
  // Read at every step: an operator applying a new policy may change the cap while the run goes on.
  const spendCap = () => {
    const cap = policy().dailySpendUsd?.value;
    return cap !== undefined && price ? { userId: input.userId, runId: state.runId, capUsd: cap, price } : undefined;
  };
  let blocked: string | undefined;
  registerPolicyApply(input, state, definitions, {
    onChange: publish,
    onBlocked: (message) => (blocked = message),
  });
  publish();

  // The loop runs in its own scope so the maxDuration timer can cancel whatever it is waiting on: a model call, a
  // tool, or an approval gate. In-flight activities are asked to cancel; the run ends with what it has.
  const loopScope = new CancellationScope();
  let durationHit = false;
  durationElapsed(state).then(
    () => {
      durationHit = true;
      loopScope.cancel();
    },
    () => undefined, // the run itself was cancelled
  );

  let rolledOver = false;
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
  } finally {
    // The workspace outlives a continue-as-new (same workflow id); at the true end it follows the retention setting.
    if (!rolledOver) await CancellationScope.nonCancellable(() => releaseRunWorkspace(state, spec.workspace));
  }

  function rollOverDue(): boolean {
    return workflowInfo().continueAsNewSuggested || state.step - segmentStartStep >= spec.context.continueAsNewEvery;
  }

  /** Continues as new once every handler has finished, carrying everything the next execution needs. */
  async function rollOver(pendingCalls?: PreparedCall[]): Promise<never> {
    await condition(allHandlersFinished);
    rolledOver = true;
    const next: RunCarry = {
      state,
      transcript,
      messageTokens: context.tokens,
      definitions: [...definitions.values()],
      conversation: { epoch: context.cursor.epoch, stored: context.cursor.stored },
      ...(pendingCalls ? { pendingCalls } : {}),
    };
    return continueAsNew<typeof agentRun>(input!, next);
  }

  async function runLoop(): Promise<RunResult> {
    if (!carry) {
      try {
        for (const definition of await discoverTools(spec, input!.userId)) definitions.set(definition.name, definition);
      } catch (error) {
        if (isCancellation(error)) throw error;
        const { type, message } = failureOf(error);
        return fail(type, message);
      }
      const refused = toolViolations(policy(), spec, definitions);
      if (refused.length > 0) {
        const { type, message } = violationFailure(refused);
        return fail(type, message);
      }
      context.push({ role: 'system', content: spec.instructions });
      context.push({ role: 'user', content: input!.prompt });
    }
    // The model is offered exactly the tools this agent and this user may use.
    const toolList = [...definitions.values()].filter((d) => toolAccess(d, spec, catalog.identity, policy()).allowed);
    if (!carry) for (const definition of toolList) state.warnings.push(...(definition.warnings ?? []));
    if (carry?.pendingCalls) await finishTurn(carry.pendingCalls);

    for (;;) {
      if (blocked) return fail(ErrorType.PolicyViolation, blocked);
      if (rollOverDue()) return rollOver();
      const budget = checkBudget(state, Date.now());
      if (budget.exhausted) return stop('budget_exhausted', budget.reason);
      const allowance = outputAllowance(state, price, spec.model);
      if ('exhausted' in allowance) return stop('budget_exhausted', allowance.reason);
      let maxOutputTokens = allowance.tokens;
      await makeRoom(room, toolList, maxOutputTokens);

      let settle: ((actualUsd: number) => Promise<void>) | undefined;
      const cap = spendCap();
      if (cap) {
        // A reservation bounds the call only if the call has an output ceiling.
        maxOutputTokens = maxOutputTokens ?? outputCeiling(spec.model);
        const prompt = estimatePromptTokens(transcript, toolList);
        const reservation = await reserveForCall(cap, state.step + 1, prompt, maxOutputTokens);
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
      let turn: ModelTurn | undefined;
      let resent = false;
      let overflows = 0;
      for (let retried = false; !turn; retried = true) {
        const delta = context.cursor.delta(transcript, toolList);
        try {
          turn = await router.step(state.step, delta, toolList.length > 0, {
            maxOutputTokens,
            maxPromptTokens: context.maxPromptTokens(maxOutputTokens),
            earlierTokens: context.storedTokens(),
          });
          context.accept(turn, delta.from);
        } catch (error) {
          if (isCancellation(error)) throw error;
          const { type, message } = failureOf(error);
          // The store lost the conversation (e.g. another machine): send it whole once.
          if (type === ErrorType.ConversationMissing && (fitting ? !resent : !retried)) {
            resent = true;
            context.cursor.resend();
            continue;
          }
          // Too long after all (estimates are estimates): summarise or cut with the exact counts, a few rounds at most.
          if (type === ErrorType.ContextOverflow && (fitting ? overflows < MAX_OVERFLOW_ROUNDS : !retried)) {
            overflows += 1;
            if (fitting) context.learn(delta.from, overflowCounts(error));
            if (await makeRoom(room, toolList, maxOutputTokens, overflows)) continue;
          }
          await settle?.(0);
          return fail(type, message);
        }
      }
      const { model, price: callPrice } = router.answered;
      const cost = recordModelCall(state, turn, { model, price: callPrice, maxOutputTokens });
      await settle?.(cost ?? 0);
      const content = typeof turn.content === 'string' ? turn.content : null;
      const outputTokens = countOrUndefined(turn.usage?.outputTokens) || null;
      // Ids, names and arguments are the model's: strings of bounded length from here on, whatever it sent.
      const requests = boundToolCalls(turn.toolCalls, state.step);
      if (requests.length === 0) {
        context.push({ role: 'assistant', content }, outputTokens);
        state.answer = content ?? '';
        return stop('completed');
      }

      const perCallClasses = await classifyCalls(requests, catalog);
      const paths = await resolveCallPaths(requests, catalog, perCallClasses, state);
      const prepared = capToolCalls(
        requests.map((request, index) =>
          prepareCall(request, `${state.step}-${index + 1}`, catalog, perCallClasses.get(index), paths.get(index)),
        ),
        state.limits.maxToolCalls,
        state.usage.toolCalls,
      );
      // Refused calls keep a bounded form of their arguments, in the transcript and in a carried turn alike.
      const kept = transcriptCalls(prepared);
      const calls = prepared.map((call, index) => ({ ...call, request: kept.toolCalls[index]! }));
      context.push({ role: 'assistant', content, toolCalls: kept.toolCalls }, kept.cut ? null : outputTokens);
      openGates(book, calls, { spec, policy: policy(), agentTools: catalog.agentTools, step: state.step });
      if (book.pending.length > 0 && rollOverDue()) return rollOver(calls);
      if ((await finishTurn(calls)) === 'roll-over') return rollOver(calls);
    }
  }

  /** Waits for the turn's gates, then runs or refuses each call in order and hands the results to the model. */
  async function finishTurn(calls: PreparedCall[]): Promise<'done' | 'roll-over'> {
    if (book.pending.length > 0) {
      state.status = 'awaiting_approval';
      publish();
      const waited = await waitForDecisions(
        book,
        { spec, policy },
        publish,
        () => workflowInfo().continueAsNewSuggested,
      );
      if (waited === 'roll-over') return 'roll-over';
      state.status = 'running';
      publish();
    }
    for (const call of calls) {
      let content = await settleCall(call, state, book);
      const rerun = rerunOf(call, spec, state, book);
      if (rerun) content += `\nA person was asked whether to run it again: ${await askAndRerun(rerun)}`;
      context.push({ role: 'tool', toolCallId: call.request.id, content });
    }
    return 'done';
  }

  /** An interrupted call, offered again behind its own gate; within the tool-call budget like any other call. */
  async function askAndRerun(rerun: PreparedCall): Promise<string> {
    const [capped] = capToolCalls([rerun], state.limits.maxToolCalls, state.usage.toolCalls);
    if (!capped || capped.refusal) return settleCall(capped ?? rerun, state, book);
    openGates(book, [capped], { spec, policy: policy(), agentTools: catalog.agentTools, step: state.step });
    state.status = 'awaiting_approval';
    publish();
    await waitForDecisions(book, { spec, policy }, publish);
    state.status = 'running';
    publish();
    return settleCall(capped, state, book);
  }
}
