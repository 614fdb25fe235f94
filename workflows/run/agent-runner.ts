import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentSpec } from '../../common/agent-spec';
import type { ModelTurn, ToolDefinition } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import { HANDLER_DESCRIPTIONS, stateQuery, transcriptQuery } from '../../common/messages';
import { toolAccess } from '../../common/policy/tool-access';
import { parseRunInput, type RunInput } from '../../common/run-input';
import type { RunRecord, RunResult, RunState } from '../../common/run-state';
import { countOrUndefined } from '../../common/text';
import { ApprovalBook } from '../approvals/approval-book';
import { openGates, registerDecisionHandlers } from '../approvals/approval-gate';
import { checkBudget, durationReason, outputAllowance } from '../budget/run-limits';
import { reserveTurn } from '../budget/spend-cap';
import { makeRoom } from '../model/context-room';
import { ContextWindow } from '../model/context-window';
import { recordModelCall } from '../model/model-bill';
import { traceRunState } from '../telemetry/run-trace';
import { ToolArgsValidator } from '../tools/tool-args';
import { boundToolCalls } from '../tools/tool-call-bounds';
import { type PreparedCall } from '../tools/prepare-call';
import { prepareTurnCalls } from '../tools/turn-calls';
import { durationElapsed } from './duration-watch';
import { openFirstSegment } from './first-segment';
import { freshState } from './fresh-state';
import { askModelToFit, CONTEXT_FIT_PATCH } from './model-turn';
import { TurnDeps } from './turn-deps';
import { CallSettlement } from './call-settlement';
import { carryOf, type RunCarry } from './run-carry';
import { registerPolicyApply, startPolicy } from './run-policy';
import { settleIdentity } from './run-identity';
import { NOTIFY_APPROVERS_CHANGE, RunPatches } from './run-patches';
import { ApprovalNotices } from '../approvals/approval-notices';
import { RunVisibility } from './visibility';
import { releaseRunWorkspace } from './workspace-release';

export { CONTEXT_FIT_PATCH };

/** What a step of the loop leads to: another step, or the run's end with its result. */
type StepOutcome = { next: true } | { end: RunResult };
const NEXT: StepOutcome = { next: true };

/**
 * One execution of an agent run, owning all of its state: the run's record, the approval book, the context window
 * and the tools. Steps are named methods (start, take a turn, settle the calls, roll over); message handlers change
 * state only through the book and the policy hooks, never through variables captured in closures.
 */
export class AgentRunner {
  private readonly input?: RunInput;
  private readonly inputProblem: string;
  private readonly definitions: Map<string, ToolDefinition>;
  private readonly validator: ToolArgsValidator;
  private readonly book: ApprovalBook;
  private readonly record: RunRecord;
  private readonly context: ContextWindow;
  private readonly fitting: boolean;
  private readonly patches: RunPatches;
  private readonly segmentStartStep: number;
  private readonly visibility = new RunVisibility();
  /** Set when an applied policy forbids what the run uses: it ends at its next step. */
  private blockedBy?: string;
  private durationHit = false;
  private rolledOver = false;

  constructor(
    rawInput: RunInput,
    private readonly carry?: RunCarry,
  ) {
    const parsed = parseRunInput(rawInput);
    this.input = parsed.ok ? parsed.value : undefined;
    this.inputProblem = parsed.ok ? '' : parsed.message;
    this.definitions = new Map((carry?.definitions ?? []).map((d) => [d.name, d]));
    this.validator = new ToolArgsValidator(this.definitions);
    this.book = new ApprovalBook(this.validator, this.input?.roles ?? {});
    const base: RunState = carry ? { ...carry.state, segment: carry.state.segment + 1 } : freshState(this.input);
    if (carry) this.book.restore(carry.state);
    const { pendingApprovals: _p, approvalRequests: _r, decisions: _d, ignoredDecisions: _i, ...record } = base;
    this.record = record;
    this.segmentStartStep = record.step;
    this.patches = RunPatches.atStart();
    this.fitting = this.patches.has(CONTEXT_FIT_PATCH);
    this.context = new ContextWindow(
      this.input?.spec ?? ({} as never),
      carry?.transcript ?? [],
      carry?.messageTokens ?? [],
      workflowInfo().firstExecutionRunId,
      carry?.conversation,
      this.fitting,
    );
  }

  /** The run as the `state` query, the UI and traces see it: its record and the book's lists, copied. */
  view(): RunState {
    return { ...this.record, ...this.book.lists() };
  }

  registerHandlers(): void {
    setHandler(stateQuery, () => this.view(), { description: HANDLER_DESCRIPTIONS.state });
    setHandler(transcriptQuery, () => this.context.transcript, { description: HANDLER_DESCRIPTIONS.transcript });
    registerDecisionHandlers(this.book, this.publish, () => this.record.identity);
  }

  /** Starts the run (or its next execution) and runs the loop until an answer, a limit, a failure or a roll-over. */
  async run(): Promise<RunResult> {
    const input = this.input;
    if (!input) return this.fail(ErrorType.RunInputInvalid, `invalid run input: ${this.inputProblem}`);
    const refusal =
      (await startPolicy(input, this.record, !this.carry, this.patches)) ??
      (this.carry ? undefined : await settleIdentity(input, this.record, this.patches));
    if (refusal) return this.fail(refusal.type, refusal.message);
    const turns = new TurnDeps({
      input,
      record: this.record,
      definitions: this.definitions,
      validator: this.validator,
      context: this.context,
      publish: this.publish,
      resumed: this.carry !== undefined,
      patches: this.patches,
      ...(this.patches.has(NOTIFY_APPROVERS_CHANGE)
        ? { notices: ApprovalNotices.forRun(input, this.record, () => this.book.pending, this.publish) }
        : {}),
    });
    registerPolicyApply(input, this.record, this.definitions, {
      onChange: this.publish,
      onBlocked: (message) => this.block(message),
    });
    this.publish();

    // The loop runs in its own scope so the maxDuration timer can cancel whatever it is waiting on: a model call, a
    // tool, or an approval gate. In-flight activities are asked to cancel; the run ends with what it has.
    const loopScope = new CancellationScope();
    durationElapsed(this.record).then(
      () => this.durationElapsed(loopScope),
      () => undefined, // the run itself was cancelled
    );
    try {
      return await loopScope.run(() => this.loop(turns));
    } catch (error) {
      if (this.durationHit && isCancellation(error)) {
        const reason = durationReason(this.record.limits.maxDuration ?? 0);
        this.book.closeAll(`run ended: ${reason}`, Date.now());
        return this.stop('budget_exhausted', reason);
      }
      if (isCancellation(error)) this.stop('cancelled', 'the run was cancelled');
      throw error;
    } finally {
      // The workspace outlives a continue-as-new (same workflow id); at the true end it follows the retention setting.
      if (!this.rolledOver) {
        await CancellationScope.nonCancellable(() => releaseRunWorkspace(this.record, input.spec.workspace));
      }
    }
  }

  private readonly publish = (): void => {
    const view = this.view();
    this.visibility.publish(view);
    traceRunState(view);
  };

  private block(message: string): void {
    this.blockedBy = message;
  }

  private durationElapsed(scope: CancellationScope): void {
    this.durationHit = true;
    scope.cancel();
  }

  private result(): RunResult {
    return { ...this.view(), transcript: this.context.transcript };
  }

  private stop(status: RunState['status'], reason?: string): RunResult {
    this.record.status = status;
    if (reason !== undefined) this.record.reason = reason;
    this.publish();
    return this.result();
  }

  /** Ends the run as failed: the workflow fails (visible as such in the UI) and carries the full result. */
  private fail(type: string, message: string): never {
    this.record.lastError = { type, message, step: this.record.step };
    this.stop('failed', message);
    throw ApplicationFailure.create({
      type: ErrorType.RunFailed,
      message: `${type}: ${message}`,
      nonRetryable: true,
      details: [this.result()],
    });
  }

  private async loop(turns: TurnDeps): Promise<RunResult> {
    if (!this.carry) await this.firstSegment(turns.spec);
    // The model is offered exactly the tools this agent and this user may use.
    const tools = [...this.definitions.values()].filter(
      (d) => toolAccess(d, turns.spec, turns.catalog.identity, turns.catalog.policy()).allowed,
    );
    if (!this.carry) for (const definition of tools) this.record.warnings.push(...(definition.warnings ?? []));
    if (this.carry?.pendingCalls) await this.settlement(turns).settle(this.carry.pendingCalls);
    for (;;) {
      const outcome = await this.takeTurn(turns, tools);
      if ('end' in outcome) return outcome.end;
    }
  }

  /** A new run discovers its tools, checks them against the platform, and opens the conversation. */
  private async firstSegment(spec: AgentSpec): Promise<void> {
    const refusal = await openFirstSegment(spec, this.input!, this.record, this.definitions, this.context);
    if (refusal) this.fail(refusal.type, refusal.message);
  }

  private settlement(turns: TurnDeps): CallSettlement {
    return new CallSettlement({
      book: this.book,
      record: this.record,
      context: this.context,
      publish: this.publish,
      turns,
    });
  }

  private rollOverDue(spec: AgentSpec): boolean {
    return (
      workflowInfo().continueAsNewSuggested ||
      this.record.step - this.segmentStartStep >= spec.context.continueAsNewEvery
    );
  }

  /** Continues as new once every handler has finished, carrying everything the next execution needs. */
  private async rollOver(pendingCalls?: PreparedCall[]): Promise<never> {
    await condition(allHandlersFinished);
    this.rolledOver = true;
    const next = carryOf(this.view(), this.context, this.definitions, pendingCalls);
    return continueAsNew<(input: RunInput, carry?: RunCarry) => Promise<RunResult>>(this.input!, next);
  }

  /** One step: limits, a model call that fits the window, then the answer or the turn's tool calls. */
  private async takeTurn(turns: TurnDeps, tools: ToolDefinition[]): Promise<StepOutcome> {
    const { spec } = turns;
    if (this.blockedBy) return this.fail(ErrorType.PolicyViolation, this.blockedBy);
    if (this.rollOverDue(spec)) return this.rollOver();
    const budget = checkBudget(this.record, Date.now());
    if (budget.exhausted) return { end: this.stop('budget_exhausted', budget.reason) };
    const allowance = outputAllowance(this.record, turns.price, spec.model);
    if ('exhausted' in allowance) return { end: this.stop('budget_exhausted', allowance.reason) };
    await makeRoom(turns.room, tools, allowance.tokens);
    const spend = await reserveTurn(
      turns.spendCap(),
      this.record.step + 1,
      { transcript: this.context.transcript, tools },
      spec.model,
      allowance.tokens,
    );
    if (!spend.ok) return { end: this.stop('budget_exhausted', spend.reason) };
    const { maxOutputTokens, settle } = spend;

    this.record.step += 1;
    this.publish();
    const asked = await askModelToFit(turns.room, tools, maxOutputTokens, this.fitting);
    if (!asked.ok) {
      await settle?.(0);
      return this.fail(asked.type, asked.message);
    }
    return this.afterAnswer(turns, asked.turn, maxOutputTokens, settle);
  }

  /** Books the call, then ends on an answer or opens the turn's gates and settles its calls. */
  private async afterAnswer(
    turns: TurnDeps,
    turn: ModelTurn,
    maxOutputTokens: number | undefined,
    settle: ((actualUsd: number) => Promise<void>) | undefined,
  ): Promise<StepOutcome> {
    const { model, price } = turns.router.answered;
    const cost = recordModelCall(this.record, turn, { model, price, maxOutputTokens });
    await settle?.(cost ?? 0);
    const content = typeof turn.content === 'string' ? turn.content : null;
    const outputTokens = countOrUndefined(turn.usage?.outputTokens) || null;
    // Ids, names and arguments are the model's: strings of bounded length from here on, whatever it sent.
    const requests = boundToolCalls(turn.toolCalls, this.record.step);
    if (requests.length === 0) {
      this.context.push({ role: 'assistant', content }, outputTokens);
      this.record.answer = content ?? '';
      return { end: this.stop('completed') };
    }
    const prepared = await prepareTurnCalls(requests, turns.catalog, this.record);
    this.context.push(
      { role: 'assistant', content, toolCalls: prepared.transcriptCalls },
      prepared.cut ? null : outputTokens,
    );
    openGates(this.book, prepared.calls, { ...turns.gateContext(this.record.step), reasoning: content });
    if (this.book.pending.length > 0 && this.rollOverDue(turns.spec)) return this.rollOver(prepared.calls);
    if ((await this.settlement(turns).settle(prepared.calls)) === 'roll-over') return this.rollOver(prepared.calls);
    return NEXT;
  }
}
