import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { AgentSpec, AgentTool } from '../../common/agent-spec';
import { parseApprovalDecision, type ApprovalDecision } from '../../common/approval';
import type { EffectivePolicy } from '../../common/policy/resolve';
import { ErrorType } from '../../common/errors';
import { decideSignal, decideUpdate, HANDLER_DESCRIPTIONS } from '../../common/messages';
import { describeUndecodable, undecodableReason } from '../../common/undecodable';
import type { RunIdentity } from '../../common/identity/run-identity';
import type { ApprovalRequest, DecisionReceipt } from '../../common/run-state';
import type { ApprovalBook, DecisionOutcome } from './approval-book';
import { missingGroups } from '../../common/approval-progress';
import type { Decider } from './approval-votes';
import { identifyDecider } from './decider-identity';
import { gateFor } from '../../common/policy/approval-rules';
import type { PreparedCall } from '../tools/prepare-call';
import type { ApprovalNotices } from './approval-notices';

/**
 * Both doors for decisions. The update's validator refuses bad decisions before anything is written to history, so
 * its caller learns why at once; a signal cannot be refused, so a bad one is kept as ignored, with the reason. In a run
 * that settled its identity at start (`identity()`), the sender is identified first (directory and credential, see
 * identifyDecider) and judged with what the platform says of it; the validator judges what it can without that.
 */
export function registerDecisionHandlers(
  book: ApprovalBook,
  onChange: () => void,
  identity: () => RunIdentity | undefined,
): void {
  const inOrder = arrivalOrder();
  setHandler(
    decideUpdate,
    (raw): Promise<DecisionReceipt> =>
      inOrder(async () => {
        // The validator passed this very payload; parsing again hands on only the fields the schema knows.
        const decision = parseApprovalDecision(raw);
        if (!decision.ok) throw ApplicationFailure.nonRetryable(decision.message, ErrorType.ApprovalInvalid);
        const judged = await judgeSender(book, decision.value, identity());
        if (!judged.ok) throw ApplicationFailure.nonRetryable(judged.why, ErrorType.ApprovalInvalid);
        const receipt = receiptOf(book.apply(decision.value, 'update', Date.now(), judged.decider));
        onChange();
        return receipt;
      }),
    {
      description: HANDLER_DESCRIPTIONS.decide,
      validator: (raw: ApprovalDecision) => {
        const check = judge(book, raw, identity() !== undefined);
        if (!check.ok) throw ApplicationFailure.nonRetryable(check.why, ErrorType.ApprovalInvalid);
      },
    },
  );
  setHandler(decideSignal, (raw: ApprovalDecision) => inOrder(() => judgeSignal(book, raw, identity(), onChange)), {
    description: HANDLER_DESCRIPTIONS.decide,
  });
}

/**
 * Runs decisions one at a time, in the order they arrived. Identifying a sender waits on local activities; without
 * this, a later decision could overtake an earlier one (a rejection settle a request before the approval sent first
 * is judged), and the order in the run's records would not be the order in its history.
 */
function arrivalOrder(): <T>(step: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (step) => {
    const next = tail.then(step, step);
    tail = next.catch(() => undefined);
    return next;
  };
}

/** A signal cannot be refused: a decision that does not pass is kept as ignored, with the reason. */
async function judgeSignal(
  book: ApprovalBook,
  raw: ApprovalDecision,
  identity: RunIdentity | undefined,
  onChange: () => void,
): Promise<void> {
  const check = judge(book, raw, identity !== undefined);
  const judged = check.ok ? await judgeSender(book, check.decision, identity) : check;
  if (check.ok && judged.ok) {
    book.apply(check.decision, 'signal', Date.now(), judged.decider);
  } else {
    const sent = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<
      Record<keyof ApprovalDecision, unknown>
    >;
    book.ignore({
      requestId: textOf(sent.requestId),
      by: textOf(sent.by),
      via: 'signal',
      receivedAt: new Date(Date.now()).toISOString(),
      why: judged.ok ? 'the decision could not be judged' : judged.why,
    });
  }
  onChange();
}

/**
 * The sender, identified and judged. Runs from before identities were settled at start take `by` at its word, with
 * the roles in their input, and await nothing (their histories replay as they were recorded). Every other run
 * identifies the sender first, then judges the decision again: other decisions may have arrived meanwhile.
 */
async function judgeSender(
  book: ApprovalBook,
  decision: ApprovalDecision,
  identity: RunIdentity | undefined,
): Promise<{ ok: true; decider?: Decider } | { ok: false; why: string }> {
  if (!identity) {
    const check = book.check(decision);
    return check.ok ? { ok: true } : check;
  }
  const identified = await identifyDecider(decision, identity, (by) => book.callerRoles(by));
  if (!identified.ok) return identified;
  const check = book.check(decision, identified.decider);
  return check.ok ? { ok: true, decider: identified.decider } : check;
}

/** What the update answers: the settled record, or the approval counted and what the quorum still needs. */
function receiptOf(outcome: DecisionOutcome): DecisionReceipt {
  if (outcome.settled) return outcome.record;
  const { request, vote } = outcome;
  const approvals = request.approvals ?? [];
  return {
    requestId: request.requestId,
    tool: request.tool,
    decision: 'approve',
    by: vote.by,
    via: vote.via,
    decidedAt: vote.at,
    approvals,
    ...(vote.evidence ? { evidence: vote.evidence } : {}),
    awaiting: {
      approvals: approvals.length,
      quorum: request.quorum ?? 1,
      missingGroups: missingGroups(request).length,
    },
  };
}

/**
 * One judgement for both doors, before the sender is identified: a payload that could not be decoded, then the
 * schema, then the book's rules (all of them for runs that take `by` at its word, what needs no identity otherwise).
 */
function judge(
  book: ApprovalBook,
  raw: unknown,
  identifiesSenders: boolean,
): { ok: true; decision: ApprovalDecision } | { ok: false; why: string } {
  const undecodable = undecodableReason(raw);
  if (undecodable !== undefined) return { ok: false, why: describeUndecodable(undecodable) };
  try {
    const decision = parseApprovalDecision(raw);
    if (!decision.ok) return { ok: false, why: decision.message };
    const check = identifiesSenders ? book.precheck(decision.value) : book.check(decision.value);
    return check.ok ? { ok: true, decision: decision.value } : check;
  } catch (error) {
    // Nothing above should throw; if something does, the sender hears of it and the run's task does not fail.
    return { ok: false, why: `the decision could not be judged: ${(error as Error).message}` };
  }
}

/** What an ignored signal said it was, as text: only strings are kept, the book cuts them to size. */
const textOf = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * Waits until every pending request is decided. A paused run is just a timer and a condition in Temporal: it holds
 * no worker slot, and the worker may evict it from its cache and replay it when a decision arrives. Returns
 * `roll-over` when `rollOverWhen` says the history should start afresh before the decisions are in.
 */
/** The model's text is its own: kept whole up to a size an approver reads, then cut with the count left out. */
export const REASONING_MAX_CHARS = 2_000;

function boundedReasoning(text: string | null | undefined): string | undefined {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!trimmed) return undefined;
  if (trimmed.length <= REASONING_MAX_CHARS) return trimmed;
  const cut = REASONING_MAX_CHARS - 40;
  return `${trimmed.slice(0, cut)}… (${trimmed.length - cut} more characters)`;
}

/** `approval 3-1 times out`, `approvals 3-1, 3-2 time out`; an escalated request says so. */
export function timeoutSummary(due: ReadonlyArray<Pick<ApprovalRequest, 'requestId' | 'stage'>>): string {
  const ids = due.map((r) => `${r.requestId}${r.stage === 'escalated' ? ' (escalated)' : ''}`);
  if (ids.length === 0) return 'approval timeout';
  return ids.length === 1 ? `approval ${ids[0]} times out` : `approvals ${ids.join(', ')} time out`;
}

export async function waitForDecisions(
  book: ApprovalBook,
  rules: { spec: AgentSpec; policy: () => EffectivePolicy; notices?: ApprovalNotices },
  onChange: () => void,
  rollOverWhen: () => boolean = () => false,
): Promise<'decided' | 'roll-over'> {
  while (book.pending.length > 0) {
    if (rollOverWhen()) return 'roll-over';
    // New gates and escalations are announced, and their reminders armed, before the run waits on them.
    rules.notices?.observe();
    const deadline = book.nextDeadline() ?? Date.now();
    const waitMs = Math.max(deadline - Date.now(), 0);
    if (waitMs > 0) {
      // The timer's summary is what the Temporal UI shows on it: which requests time out when it fires.
      const summary = timeoutSummary(book.pending.filter((r) => Date.parse(r.expiresAt) === deadline));
      await condition(() => book.pending.length === 0 || rollOverWhen(), waitMs, { summary });
    }
    if (book.expire(Date.now(), rules.spec, rules.policy().escalationTimeout.value)) onChange();
  }
  return 'decided';
}

/** Opens a gate for every call of the turn that policy sent to a human, with its approvers and timer. */
export function openGates(
  book: ApprovalBook,
  calls: PreparedCall[],
  context: {
    spec: AgentSpec;
    policy: EffectivePolicy;
    agentTools: ReadonlyMap<string, AgentTool>;
    step: number;
    /** Who the run acts for: kept off its own calls' approvals when the platform says so. */
    userId: string;
    /** The text of the model's turn that asked for these calls. */
    reasoning?: string | null;
  },
): void {
  const nowMs = Date.now();
  const reasoning = boundedReasoning(context.reasoning);
  for (const call of calls) {
    if (!call.approvalRule || !call.definition) continue;
    const toolClass = call.toolClass ?? call.definition.class;
    const gate = gateFor(context.spec, context.agentTools.get(call.request.name), toolClass, context.policy);
    book.open({
      requestId: call.callId,
      step: context.step,
      toolCallId: call.request.id,
      tool: call.request.name,
      toolClass,
      args: call.args,
      parameters: call.definition.parameters,
      rule: call.approvalRule,
      ...(reasoning ? { reasoning } : {}),
      requestedAt: new Date(nowMs).toISOString(),
      expiresAt: new Date(nowMs + gate.timeoutMs).toISOString(),
      onTimeout: gate.onTimeout,
      stage: 'primary',
      ...(gate.approvers ? { approvers: gate.approvers } : {}),
      ...(gate.required.length ? { requiredApprovers: gate.required } : {}),
      ...(call.paths?.length ? { paths: call.paths } : {}),
      ...(gate.quorum > 1 ? { quorum: gate.quorum } : {}),
      ...(gate.quorumGroups.length ? { quorumGroups: gate.quorumGroups } : {}),
      ...(gate.verifiedRule ? { verifiedRule: gate.verifiedRule } : {}),
      ...(gate.requesterMayApprove ? {} : { requesterExcluded: context.userId }),
    });
  }
}
