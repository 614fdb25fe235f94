import { DEFAULT_APPROVAL_TIMEOUT_MS, type ApproverLayer, type EffectivePolicy } from './effective-policy';
import type { Resolving } from './resolvers';
import { formatLimit, tightest, TOOL_CLASSES, type NamedScope, type Ruled } from './scopes';
import type { ToolClass } from '../tool-class';

// Approvals as the scopes set them: approver groups, how long gates wait, quorums, verification, self-approval.

/** Platform approver groups, and gate waits capped by the tightest maximum. */
export function resolveApprovals({
  scopes,
  spec,
  refuse,
}: Resolving): Pick<
  EffectivePolicy,
  | 'approvers'
  | 'approvalTimeout'
  | 'escalationTimeout'
  | 'maxApprovalTimeout'
  | 'verifiedApprovals'
  | 'quorum'
  | 'requesterMayApprove'
> {
  const approvers: ApproverLayer[] = scopes.flatMap((scope) => {
    const settings = scope.rules.approvals;
    if (!settings?.approvers && !settings?.byClass) return [];
    return [
      {
        source: scope.source,
        ...(settings.approvers ? { approvers: settings.approvers } : {}),
        byClass: { ...settings.byClass },
      },
    ];
  });

  const maxWait = tightest(scopes, (rules) => rules.approvals?.maxTimeout);
  const wait = (asked: number | undefined, field: string): Ruled<number> => {
    if (asked !== undefined && maxWait && asked > maxWait.value) {
      refuse({
        area: 'approvals',
        rule: 'approvals.maxTimeout',
        scope: maxWait.source,
        limit: `gates of at most ${formatLimit('approvalTimeout', maxWait.value)}`,
        asked: formatLimit('approvalTimeout', asked),
        field,
      });
      return maxWait;
    }
    if (asked !== undefined) return { value: asked, source: 'agent spec' };
    if (maxWait && maxWait.value < DEFAULT_APPROVAL_TIMEOUT_MS) return maxWait;
    return { value: DEFAULT_APPROVAL_TIMEOUT_MS, source: 'default' };
  };
  const approvalTimeout = wait(spec.approvals.timeout, 'spec.approvals.timeout');
  const escalationTimeout = wait(spec.approvals.escalation?.timeout, 'spec.approvals.escalation.timeout');
  spec.tools.forEach((tool, index) => wait(tool.timeout, `spec.tools.${index}.timeout`));
  return {
    approvers,
    approvalTimeout,
    escalationTimeout,
    ...(maxWait ? { maxApprovalTimeout: maxWait } : {}),
    ...resolveApproverRules(scopes),
  };
}

/**
 * Who must approve, beyond which users: verified approvals, quorums and separation of duties. Every scope's rule
 * holds at once (the largest quorum, any scope's demand for verification, any scope's ban on self-approval), so a team
 * can add to what the organisation asks and never take from it.
 */
function resolveApproverRules(
  scopes: readonly NamedScope[],
): Pick<EffectivePolicy, 'verifiedApprovals' | 'quorum' | 'requesterMayApprove'> {
  const verifiedApprovals = scopes.flatMap((scope) => {
    const rule = scope.rules.approvals?.verified;
    return rule ? [{ source: scope.source, ...rule }] : [];
  });
  const quorum = {} as Record<ToolClass, Ruled<number>>;
  for (const toolClass of TOOL_CLASSES) {
    let found: Ruled<number> = { value: 1, source: 'default' };
    for (const scope of scopes) {
      const asked = scope.rules.approvals?.quorum;
      const value = typeof asked === 'number' ? asked : asked?.[toolClass];
      if (value !== undefined && value > found.value) found = { value, source: scope.source };
    }
    quorum[toolClass] = found;
  }
  const banned = scopes.find((scope) => scope.rules.approvals?.requesterMayApprove === false);
  const requesterMayApprove: Ruled<boolean> = banned
    ? { value: false, source: banned.source }
    : { value: true, source: 'default' };
  return { verifiedApprovals, quorum, requesterMayApprove };
}
