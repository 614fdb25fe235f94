import type { AgentSpec, AgentTool, ToolClass } from '../agent-spec';
import type { ApproverSet } from './approval-settings';
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
  return {
    approvers: tool?.approvers ?? settings.byClass[toolClass] ?? settings.approvers,
    required,
    timeoutMs: Math.min(wait, policy.maxApprovalTimeout?.value ?? wait),
    onTimeout: tool?.onTimeout ?? settings.onTimeout,
  };
}

/** Refusal reason, or undefined when `by` may decide under `approvers`. */
export function approverRefusal(
  approvers: ApproverSet | undefined,
  by: string,
  roles: Readonly<Record<string, readonly string[]>>,
  what: string,
): string | undefined {
  if (!approvers) return undefined;
  if (approvers.users.includes(by)) return undefined;
  const held = ownValue(roles, by) ?? [];
  if (approvers.roles.some((role) => held.includes(role))) return undefined;
  const allowed = [
    approvers.users.length ? `users ${approvers.users.join(', ')}` : '',
    approvers.roles.length ? `roles ${approvers.roles.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' or ');
  return `${by} may not decide ${what}: approvers are ${allowed}`;
}
