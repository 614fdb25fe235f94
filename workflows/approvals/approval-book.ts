import type { AgentSpec } from '../../common/agent-spec';
import type { ApprovalDecision } from '../../common/approval';
import { formatDuration } from '../../common/duration';
import type { ApprovalRequest, DecisionRecord, IgnoredDecision, RunState } from '../../common/run-state';
import { approverRefusal } from '../../common/policy/approval-rules';
import type { ToolArgsValidator } from '../tools/tool-args';

export type DecisionCheck = { ok: true } | { ok: false; why: string };

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

  open(request: ApprovalRequest): void {
    this.pending.push(request);
    this.requests.push(request);
  }

  check(decision: ApprovalDecision): DecisionCheck {
    const request = this.pending.find((r) => r.requestId === decision.requestId);
    if (!request) {
      const earlier = this.decisionFor(decision.requestId);
      return earlier
        ? { ok: false, why: `request ${decision.requestId} was already decided (${earlier.decision} by ${earlier.by})` }
        : { ok: false, why: `no pending request ${decision.requestId}` };
    }
    const refusal = approverRefusal(
      request.approvers,
      decision.by,
      this.roles,
      `${request.tool} (${decision.requestId})`,
    );
    if (refusal) return { ok: false, why: refusal };
    for (const group of request.requiredApprovers ?? []) {
      const missing = approverRefusal(
        group.approvers,
        decision.by,
        this.roles,
        `${request.tool} (${decision.requestId})`,
      );
      if (missing) return { ok: false, why: `${missing} (required by the ${group.source} policy)` };
    }
    if (decision.editedArgs !== undefined) {
      if (decision.decision !== 'approve') return { ok: false, why: 'editedArgs only go with an approval' };
      const edited = this.args.check(request.tool, decision.editedArgs);
      if (!edited.ok) return { ok: false, why: `editedArgs do not fit ${request.tool}: ${edited.message}` };
    }
    return { ok: true };
  }

  /** Applies a decision that passed `check`. */
  apply(decision: ApprovalDecision, via: DecisionRecord['via'], nowMs: number): DecisionRecord {
    const index = this.pending.findIndex((r) => r.requestId === decision.requestId);
    const [request] = this.pending.splice(index, 1);
    const record: DecisionRecord = {
      requestId: decision.requestId,
      tool: request?.tool ?? 'unknown',
      decision: decision.decision,
      by: decision.by,
      via,
      decidedAt: iso(nowMs),
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      ...(decision.editedArgs !== undefined ? { editedArgs: decision.editedArgs } : {}),
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

  /** Acts on every gate whose time is up: escalate once if configured, otherwise reject. */
  expire(nowMs: number, spec: AgentSpec, escalationTimeoutMs: number): void {
    for (const request of this.pending.filter((r) => Date.parse(r.expiresAt) <= nowMs)) {
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
  }
}
