import type { ApprovalDecision } from '../common/approval';
import type { ApprovalRequest, DecisionRecord, IgnoredDecision } from '../common/run-state';
import type { ToolArgsValidator } from './tool-args';

export type DecisionCheck = { ok: true } | { ok: false; why: string };

/**
 * Pending approval requests and the decisions taken on them. The update validator and the signal handler both go
 * through `check`, so a decision is judged the same way whichever door it came in by.
 */
export class ApprovalBook {
  readonly pending: ApprovalRequest[] = [];
  readonly decisions: DecisionRecord[] = [];
  readonly ignored: IgnoredDecision[] = [];

  constructor(private readonly args: ToolArgsValidator) {}

  open(request: ApprovalRequest): void {
    this.pending.push(request);
  }

  check(decision: ApprovalDecision): DecisionCheck {
    const request = this.pending.find((r) => r.requestId === decision.requestId);
    if (!request) {
      const earlier = this.decisions.find((d) => d.requestId === decision.requestId);
      return earlier
        ? { ok: false, why: `request ${decision.requestId} was already decided (${earlier.decision} by ${earlier.by})` }
        : { ok: false, why: `no pending request ${decision.requestId}` };
    }
    if (decision.editedArgs !== undefined) {
      if (decision.decision !== 'approve') return { ok: false, why: 'editedArgs only go with an approval' };
      const edited = this.args.check(request.tool, decision.editedArgs);
      if (!edited.ok) return { ok: false, why: `editedArgs do not fit ${request.tool}: ${edited.message}` };
    }
    return { ok: true };
  }

  /** Applies a decision that passed `check`. */
  apply(decision: ApprovalDecision, via: DecisionRecord['via'], now: string): DecisionRecord {
    const index = this.pending.findIndex((r) => r.requestId === decision.requestId);
    const [request] = this.pending.splice(index, 1);
    const record: DecisionRecord = {
      requestId: decision.requestId,
      tool: request?.tool ?? 'unknown',
      decision: decision.decision,
      by: decision.by,
      via,
      decidedAt: now,
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      ...(decision.editedArgs !== undefined ? { editedArgs: decision.editedArgs } : {}),
    };
    this.decisions.push(record);
    return record;
  }

  ignore(entry: IgnoredDecision): void {
    this.ignored.push(entry);
  }

  decisionFor(requestId: string): DecisionRecord | undefined {
    return this.decisions.find((d) => d.requestId === requestId);
  }
}
