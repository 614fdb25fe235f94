import type { AgentSpec } from '../../common/agent-spec';
import type { ApprovalDecision } from '../../common/approval';
import { formatDuration } from '../../common/duration';
import type { ApprovalRequest, ApprovalVote, DecisionRecord, IgnoredDecision, RunState } from '../../common/run-state';
import { heldRolesRefusal } from '../../common/policy/approval-rules';
import { ownValue } from '../../common/own';
import { quorumMet, quorumOf, votesOf } from '../../common/approval-progress';
import { evidenceSeen, sameCredential, voteRefusal, type Decider } from './approval-votes';
import type { ToolArgsValidator } from '../tools/tool-args';

export type DecisionCheck = { ok: true } | { ok: false; why: string };

/** What applying a decision did: settled the request, or counted an approval towards its quorum. */
export type DecisionOutcome =
  { settled: true; record: DecisionRecord } | { settled: false; request: ApprovalRequest; vote: ApprovalVote };

const iso = (ms: number) => new Date(ms).toISOString();

/** Ignored decisions kept in state: the newest ones. Signals are free to send, and state is read by every query. */
export const MAX_IGNORED_DECISIONS = 100;
/** What an ignored decision keeps of the sender's strings. */
const MAX_IGNORED_TEXT = { id: 200, why: 500 };
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Approval requests and the decisions taken on them. The update validator and the signal handler both go through
 * `check`, so a decision is judged the same way whichever door it came in by.
 */
export class ApprovalBook {
  readonly pending: ApprovalRequest[] = [];
  readonly requests: ApprovalRequest[] = [];
  readonly decisions: DecisionRecord[] = [];
  readonly ignored: IgnoredDecision[] = [];

  constructor(
    private readonly args: ToolArgsValidator,
    private readonly roles: Readonly<Record<string, readonly string[]>>,
  ) {}

  /**
   * Rebuilds the book from a carried run state. Pending requests must be the very objects in `requests`, so that an
   * escalation updates both views; serialisation made them copies, so they are matched up again by id.
   */
  restore(from: Pick<RunState, 'approvalRequests' | 'pendingApprovals' | 'decisions' | 'ignoredDecisions'>): void {
    this.requests.push(...from.approvalRequests);
    const pendingIds = new Set(from.pendingApprovals.map((r) => r.requestId));
    this.pending.push(...this.requests.filter((r) => pendingIds.has(r.requestId)));
    this.decisions.push(...from.decisions);
    this.ignored.push(...from.ignoredDecisions);
  }

  /** The book's lists as the run's state shows them: copies, so a view never aliases the book. */
  lists(): Pick<RunState, 'pendingApprovals' | 'approvalRequests' | 'decisions' | 'ignoredDecisions'> {
    return {
      pendingApprovals: [...this.pending],
      approvalRequests: [...this.requests],
      decisions: [...this.decisions],
      ignoredDecisions: [...this.ignored],
    };
  }

  open(request: ApprovalRequest): void {
    this.pending.push(request);
    this.requests.push(request);
  }

  /**
   * Whether `decider` may take this decision now. Without a decider (runs that read the caller's roles) `by` is taken
   * at its word and its roles come from the run input, as before verified approvals existed.
   */
  check(decision: ApprovalDecision, decider?: Decider, rolesKnown = true): DecisionCheck {
    const request = this.pending.find((r) => r.requestId === decision.requestId);
    if (!request) {
      const earlier = this.decisionFor(decision.requestId);
      return earlier
        ? { ok: false, why: `request ${decision.requestId} was already decided (${earlier.decision} by ${earlier.by})` }
        : { ok: false, why: `no pending request ${decision.requestId}` };
    }
    const what = `${request.tool} (${decision.requestId})`;
    const held = decider?.roles ?? this.callerRoles(decision.by);
    const refusal = rolesKnown ? heldRolesRefusal(request.approvers, decision.by, held, what) : undefined;
    if (refusal) return { ok: false, why: refusal };
    const vouched = decider?.vouchedRoles ?? held;
    for (const group of rolesKnown ? (request.requiredApprovers ?? []) : []) {
      const missing = heldRolesRefusal(group.approvers, decision.by, vouched, what);
      if (!missing) continue;
      const unvouched = vouched !== held && !heldRolesRefusal(group.approvers, decision.by, held, what);
      return {
        ok: false,
        why: unvouched
          ? `${missing} (required by the ${group.source} policy, which counts only roles the directory or a verified credential gives)`
          : `${missing} (required by the ${group.source} policy)`,
      };
    }
    const vote = voteRefusal(request, decision.decision, decider ?? { by: decision.by }, (evidence) =>
      evidenceSeen(this.pending, this.decisions).some((seen) => sameCredential(seen, evidence)),
    );
    if (vote) return { ok: false, why: vote };
    if (decision.editedArgs !== undefined) {
      if (decision.decision !== 'approve') return { ok: false, why: 'editedArgs only go with an approval' };
      const edited = this.args.check(request.tool, decision.editedArgs);
      if (!edited.ok) return { ok: false, why: `editedArgs do not fit ${request.tool}: ${edited.message}` };
    }
    return { ok: true };
  }

  /**
   * What can be judged of a decision before its sender is identified (an update's validator cannot wait for the
   * directory or the credential's verification): the request, separation of duties, a credential where one is needed,
   * a second approval by the same name, the edited arguments. `check` judges the rest once the sender is known.
   */
  precheck(decision: ApprovalDecision): DecisionCheck {
    return this.check(decision, { by: decision.by, credentialSent: decision.credential !== undefined }, false);
  }

  /** The roles the run's input gives `by`: what runs whose worker has no directory judge approvers by. */
  callerRoles(by: string): readonly string[] {
    return ownValue(this.roles, by) ?? [];
  }

  /**
   * Applies a decision that passed `check`. A rejection settles the request at once; an approval counts towards its
   * quorum and settles it when the quorum is met. Returns the settled record, or the approval in hand and what is
   * still needed.
   */
  apply(decision: ApprovalDecision, via: DecisionRecord['via'], nowMs: number, decider?: Decider): DecisionOutcome {
    const request = this.pending.find((r) => r.requestId === decision.requestId);
    if (request && decision.decision === 'approve' && via !== 'timeout') {
      const vote: ApprovalVote = {
        by: decision.by,
        at: iso(nowMs),
        via,
        ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
        ...(decider?.roles ? { roles: [...decider.roles] } : {}),
        ...(decider?.evidence ? { evidence: decider.evidence } : {}),
      };
      // Approvals given to other arguments do not carry over to edited ones.
      if (decision.editedArgs !== undefined && quorumOf(request) > 1) {
        request.editedArgs = decision.editedArgs;
        request.approvals = [];
      }
      request.approvals = [...votesOf(request), vote];
      if (!quorumMet(request)) {
        return { settled: false, request, vote };
      }
    }
    return { settled: true, record: this.settle(decision, via, nowMs, decider) };
  }

  private settle(
    decision: ApprovalDecision,
    via: DecisionRecord['via'],
    nowMs: number,
    decider?: Decider,
  ): DecisionRecord {
    const index = this.pending.findIndex((r) => r.requestId === decision.requestId);
    const [request] = index >= 0 ? this.pending.splice(index, 1) : [];
    // The tool's schema is there for editors while the request waits; decided requests drop it, so a long run does
    // not carry a schema per request it ever made.
    if (request) delete request.parameters;
    const editedArgs = decision.editedArgs ?? request?.editedArgs;
    const approvals = request ? votesOf(request) : [];
    const record: DecisionRecord = {
      requestId: decision.requestId,
      tool: request?.tool ?? 'unknown',
      decision: decision.decision,
      by: decision.by,
      via,
      decidedAt: iso(nowMs),
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      ...(editedArgs !== undefined ? { editedArgs } : {}),
      ...(approvals.length > 0 && (quorumOf(request!) > 1 || approvals.some((v) => v.evidence)) ? { approvals } : {}),
      ...(decider?.evidence ? { evidence: decider.evidence } : {}),
    };
    this.decisions.push(record);
    return record;
  }

  /** Keeps a refused signal with its reason, cut to size; the oldest go once there are too many. */
  ignore(entry: IgnoredDecision): void {
    this.ignored.push({
      ...entry,
      requestId: clip(entry.requestId, MAX_IGNORED_TEXT.id),
      by: clip(entry.by, MAX_IGNORED_TEXT.id),
      why: clip(entry.why, MAX_IGNORED_TEXT.why),
    });
    if (this.ignored.length > MAX_IGNORED_DECISIONS)
      this.ignored.splice(0, this.ignored.length - MAX_IGNORED_DECISIONS);
  }

  decisionFor(requestId: string): DecisionRecord | undefined {
    return this.decisions.find((d) => d.requestId === requestId);
  }

  /** Rejects every pending request on the run's behalf, e.g. when a budget ends the run while they wait. */
  closeAll(reason: string, nowMs: number): void {
    for (const request of [...this.pending]) {
      this.apply({ requestId: request.requestId, decision: 'reject', by: 'reins:budget', reason }, 'timeout', nowMs);
    }
  }

  /** The earliest moment a pending gate acts on its own, in epoch ms. */
  nextDeadline(): number | undefined {
    const deadlines = this.pending.map((r) => Date.parse(r.expiresAt));
    return deadlines.length ? Math.min(...deadlines) : undefined;
  }

  /** Acts on every gate whose time is up: escalate once if configured, otherwise reject. True when one acted. */
  expire(nowMs: number, spec: AgentSpec, escalationTimeoutMs: number): boolean {
    const due = this.pending.filter((r) => Date.parse(r.expiresAt) <= nowMs);
    for (const request of due) {
      const escalation = spec.approvals.escalation;
      if (request.onTimeout === 'escalate' && request.stage === 'primary' && escalation) {
        request.stage = 'escalated';
        request.escalatedAt = iso(nowMs);
        request.approvers = escalation.approvers;
        request.expiresAt = iso(nowMs + escalationTimeoutMs);
        continue;
      }
      // The configured wait, not the measured one: timers fire a little late and the reason should read as the rule.
      const since = request.stage === 'escalated' && request.escalatedAt ? request.escalatedAt : request.requestedAt;
      const waited = formatDuration(Date.parse(request.expiresAt) - Date.parse(since));
      this.apply(
        {
          requestId: request.requestId,
          decision: 'reject',
          by: 'reins:timeout',
          reason: `no decision within ${waited}${request.stage === 'escalated' ? ' after escalation' : ''}`,
        },
        'timeout',
        nowMs,
      );
    }
    return due.length > 0;
  }
}
