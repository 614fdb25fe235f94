import type { AgentSpec, AgentTool, ToolClass } from '../agent-spec';
import type { ApproverSet, Quorum } from './approval-settings';
import { firstMatch } from '../glob';
import type { ToolDefinition } from '../chat';
import type { EffectivePolicy } from './resolve';
import { isPlatformSource } from './scopes';
import { CLASS_RANK } from '../tool-class';
import { effectiveClass } from './tool-access';
import { pathForms, pathTargets } from './workspace-paths';
import { conditionHolds, describeCondition, type PathForms } from './arg-conditions';
import { ownValue } from '../own';

export type ToolCallDecision = { kind: 'run' } | { kind: 'approval'; rule: string };

/**
 * Whether an allowed, validated call may run now or must wait for a human. Pure: the workflow calls it before any tool
 * activity is scheduled, so nothing a model or client sends can route around it.
 */
export function decideToolCall(
  tool: AgentTool | undefined,
  definition: ToolDefinition,
  args: unknown,
  classRules: EffectivePolicy['classes'],
  perCall?: ToolClass,
  paths?: PathForms,
): ToolCallDecision {
  // A platform rule that a class needs approval holds whatever the tool's own approval setting says, and a spec
  // cannot dodge it by giving the tool a milder class than it has.
  const callClass = effectiveClass(definition, tool, perCall);
  const ownClass = perCall ?? definition.class;
  const platformClass = CLASS_RANK[ownClass] > CLASS_RANK[callClass] ? ownClass : callClass;
  const platformRule = classRules[platformClass];
  if (platformRule.value === 'approval' && isPlatformSource(platformRule.source)) {
    return { kind: 'approval', rule: `${platformRule.source} policy: ${platformClass} tools need approval` };
  }
  const approval = tool?.approval ?? 'default';
  if (approval === 'always') return { kind: 'approval', rule: `agent spec: ${definition.name} approval=always` };
  if (approval === 'never') return { kind: 'run' };
  if (approval === 'default') {
    return classRules[callClass].value === 'approval'
      ? { kind: 'approval', rule: `${definition.name} is ${callClass}; ${callClass} tools need approval` }
      : { kind: 'run' };
  }
  // Without the worker's resolution, paths are at least normalised as the tool will (and fail closed when they are not).
  const forms = paths ?? pathForms(pathTargets(definition, args));
  const held = approval.when.find((condition) => conditionHolds(condition, args, forms));
  return held
    ? { kind: 'approval', rule: `agent spec: ${definition.name} approval when ${describeCondition(held)}` }
    : { kind: 'run' };
}

/** The gate for one call: who may decide, how long it waits, what happens then. Undefined approvers = anyone. */
export interface GateSettings {
  approvers?: ApproverSet;
  /** The platform's approver groups for this class; a decider must be in each. */
  required: Array<{ source: string; approvers: ApproverSet }>;
  timeoutMs: number;
  onTimeout: 'reject' | 'escalate';
  /** Distinct approvals needed: the spec's (tool, then run-wide) or the platform's minimum, whichever is more. */
  quorum: number;
  /** Groups each of which must be represented among the approvers. */
  quorumGroups: ApproverSet[];
  /** The platform rule that asks for verified approvals here, as text; undefined when unverified ones count. */
  verifiedRule?: string;
  /** Whether the run's own user may approve. */
  requesterMayApprove: boolean;
}

const quorumCount = (quorum: Quorum | undefined) => (typeof quorum === 'number' ? quorum : quorum?.approvals);
const quorumGroupsOf = (quorum: Quorum | undefined) => (typeof quorum === 'object' ? quorum.groups : []);

/** The first platform rule that asks for verified approvals of this class of call by this agent, as text. */
function verifiedRuleFor(policy: EffectivePolicy, toolClass: ToolClass, agent: string): string | undefined {
  const rule = (policy.verifiedApprovals ?? []).find(
    (r) => (!r.classes || r.classes.includes(toolClass)) && (!r.agents || firstMatch(r.agents, agent) !== undefined),
  );
  return rule ? `the ${rule.source} policy requires verified approvals for ${toolClass} tools` : undefined;
}

export function gateFor(
  spec: AgentSpec,
  tool: AgentTool | undefined,
  toolClass: ToolClass,
  policy: EffectivePolicy,
): GateSettings {
  const settings = spec.approvals;
  const required = policy.approvers.flatMap((layer) => {
    const approvers = layer.byClass[toolClass] ?? layer.approvers;
    return approvers ? [{ source: layer.source, approvers }] : [];
  });
  // A tool's own wait is capped by the platform's maximum (a spec asking for longer is refused at start).
  const wait = tool?.timeout ?? policy.approvalTimeout.value;
  const asked = tool?.quorum ?? settings.quorum;
  const verifiedRule = verifiedRuleFor(policy, toolClass, spec.name);
  return {
    approvers: tool?.approvers ?? settings.byClass[toolClass] ?? settings.approvers,
    required,
    timeoutMs: Math.min(wait, policy.maxApprovalTimeout?.value ?? wait),
    onTimeout: tool?.onTimeout ?? settings.onTimeout,
    quorum: Math.max(quorumCount(asked) ?? 1, policy.quorum?.[toolClass].value ?? 1),
    quorumGroups: quorumGroupsOf(asked),
    ...(verifiedRule ? { verifiedRule } : {}),
    requesterMayApprove: policy.requesterMayApprove?.value ?? true,
  };
}

/** Refusal reason, or undefined when `by` may decide under `approvers`. */
export function approverRefusal(
  approvers: ApproverSet | undefined,
  by: string,
  roles: Readonly<Record<string, readonly string[]>>,
  what: string,
): string | undefined {
  return heldRolesRefusal(approvers, by, ownValue(roles, by) ?? [], what);
}

/** Whether `by`, holding `held`, is in an approver set. */
export const inApproverSet = (approvers: ApproverSet, by: string, held: readonly string[]): boolean =>
  approvers.users.includes(by) || approvers.roles.some((role) => held.includes(role));

/** Refusal reason, or undefined when `by`, holding the roles `held`, may decide under `approvers`. */
export function heldRolesRefusal(
  approvers: ApproverSet | undefined,
  by: string,
  held: readonly string[],
  what: string,
): string | undefined {
  if (!approvers || inApproverSet(approvers, by, held)) return undefined;
  const allowed = [
    approvers.users.length ? `users ${approvers.users.join(', ')}` : '',
    approvers.roles.length ? `roles ${approvers.roles.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' or ');
  return `${by} may not decide ${what}: approvers are ${allowed}`;
}
