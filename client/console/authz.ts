import type { ApproverSet } from '../../common/policy/approval-settings';
import type { ApprovalRequest } from '../../common/run-state';
import type { ConsoleIdentity } from './identity';

const inSet = (set: ApproverSet, identity: ConsoleIdentity): boolean =>
  set.users.includes(identity.userId) || set.roles.some((role) => identity.roles.includes(role));

/**
 * Why the signed-in person may not decide the request, or undefined when they may. A hint for what to show: the run
 * checks again with the worker's directory, and its answer is the one that counts.
 */
export function decideRefusal(request: ApprovalRequest, identity: ConsoleIdentity): string | undefined {
  if (request.requesterExcluded !== undefined && request.requesterExcluded === identity.userId) {
    return `${identity.userId} started this run and may not approve its calls`;
  }
  if (request.approvers && !inSet(request.approvers, identity)) return `${identity.userId} is not among the approvers`;
  for (const group of request.requiredApprovers ?? []) {
    if (!inSet(group.approvers, identity)) return `${identity.userId} is not in the group ${group.source} requires`;
  }
  if (request.approvals?.some((vote) => vote.by === identity.userId)) return `${identity.userId} has already approved`;
  return undefined;
}

export const mayDecide = (request: ApprovalRequest, identity: ConsoleIdentity): boolean =>
  decideRefusal(request, identity) === undefined;
