import type { CredentialEvidence } from '../../common/identity/credentials';
import type { ApprovalRequest, DecisionRecord } from '../../common/run-state';
import { quorumOf, votesOf } from '../../common/approval-progress';

/** Who sent a decision, as far as the run can tell: the name, the roles the platform gives it, the credential's proof. */
export interface Decider {
  by: string;
  /** Roles from the worker's directory (and the credential); undefined in runs that still read the caller's roles. */
  roles?: readonly string[];
  /**
   * The roles the platform vouches for (the directory's, and those a verified credential's claims map to), which
   * alone count towards the platform policy's approver groups: a caller's own roles never satisfy a platform rule.
   */
  vouchedRoles?: readonly string[];
  evidence?: CredentialEvidence;
  /** Before verification (an update's validator): a credential came with the decision, not yet checked. */
  credentialSent?: boolean;
}

/**
 * Why a decider may not take part in a request beyond the approver sets: separation of duties, verification the
 * platform asks for, a second vote from the same person, a credential already used. Undefined when nothing stands in
 * the way.
 */
export function voteRefusal(
  request: ApprovalRequest,
  decision: 'approve' | 'reject',
  decider: Decider,
  used: (evidence: CredentialEvidence) => boolean,
): string | undefined {
  const what = `${request.tool} (${request.requestId})`;
  if (decision === 'approve' && request.requesterExcluded === decider.by) {
    return `${decider.by} started this run and may not approve its calls (separation of duties)`;
  }
  if (request.verifiedRule && !decider.evidence && !decider.credentialSent) {
    return `${request.verifiedRule}: a decision on ${what} needs a credential that proves who sends it`;
  }
  if (decider.evidence && used(decider.evidence)) {
    return `the credential sent for ${what} was already used in this run; a credential counts once`;
  }
  if (votesOf(request).some((vote) => vote.by === decider.by)) {
    return `${decider.by} already approved ${what}; it needs ${quorumOf(request)} distinct approvers`;
  }
  return undefined;
}

/** Whether a credential's proof is the one behind an earlier decision or approval of the run. */
export function sameCredential(a: CredentialEvidence, b: CredentialEvidence): boolean {
  if (a.digest === b.digest) return true;
  return a.tokenId !== undefined && a.tokenId === b.tokenId && a.issuer === b.issuer;
}

/** Every credential's proof the run has accepted so far: on open requests' approvals and on decisions. */
export function evidenceSeen(
  pending: readonly ApprovalRequest[],
  decisions: readonly DecisionRecord[],
): CredentialEvidence[] {
  return [
    ...pending.flatMap((r) => votesOf(r).flatMap((v) => (v.evidence ? [v.evidence] : []))),
    ...decisions.flatMap((d) => [
      ...(d.evidence ? [d.evidence] : []),
      ...(d.approvals ?? []).flatMap((v) => (v.evidence ? [v.evidence] : [])),
    ]),
  ];
}
