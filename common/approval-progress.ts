import type { ApproverSet } from './policy/approval-settings';
import { inApproverSet } from './policy/approval-rules';
import type { ApprovalRequest } from './run-state';

/** Approvals a request has, and how many it needs. */
export const votesOf = (request: ApprovalRequest) => request.approvals ?? [];
export const quorumOf = (request: ApprovalRequest) => request.quorum ?? 1;

/**
 * The groups not yet represented among a request's approvers. Roles are those each approver held when approving, so
 * a role taken away later does not undo an approval already counted, and one given later does not add to it.
 */
export function missingGroups(request: ApprovalRequest): ApproverSet[] {
  return (request.quorumGroups ?? []).filter(
    (group) => !votesOf(request).some((vote) => inApproverSet(group, vote.by, vote.roles ?? [])),
  );
}

/** Whether the approvals in hand decide the request: enough distinct approvers, and every group among them. */
export const quorumMet = (request: ApprovalRequest): boolean =>
  votesOf(request).length >= quorumOf(request) && missingGroups(request).length === 0;

const groupText = (set: ApproverSet) => [...set.users, ...set.roles.map((role) => `role ${role}`)].join(' or ');

/**
 * What a pending request has and still needs, in one line for `reins pending`, `reins status` and the Temporal UI's
 * details; undefined for a plain request (one approval from anyone allowed, unverified, no self-approval rule).
 */
export function approvalProgress(request: ApprovalRequest): string | undefined {
  const votes = votesOf(request);
  const parts: string[] = [];
  if (quorumOf(request) > 1 || votes.length > 0 || (request.quorumGroups ?? []).length > 0) {
    const who = votes.map((v) => `${v.by}${v.evidence ? ' (verified)' : ''}`).join(', ');
    const need = Math.max(quorumOf(request) - votes.length, 0);
    const groups = missingGroups(request);
    const still = [...(need > 0 ? [`${need} more`] : []), ...groups.map((group) => `one from ${groupText(group)}`)];
    parts.push(
      `approvals ${votes.length} of ${quorumOf(request)}${who ? ` (${who})` : ''}` +
        (still.length ? `; still needed: ${still.join(', ')}` : ''),
    );
  }
  if (request.verifiedRule) parts.push('verified approvals only');
  if (request.requesterExcluded) parts.push(`${request.requesterExcluded} (who started the run) may not approve`);
  return parts.length ? parts.join(' · ') : undefined;
}
