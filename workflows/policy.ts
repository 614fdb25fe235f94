import type { AgentSpec, AgentTool, ToolClass } from '../common/agent-spec';
import type { ApproverSet } from '../common/approval-policy';
import type { ToolDefinition } from '../common/chat';
import type { ClassRules } from '../common/tool-policy';
import { effectiveClass } from './tool-access';
import { conditionHolds, describeCondition } from './arg-conditions';

export type ToolCallDecision = { kind: 'run' } | { kind: 'approval'; rule: string };

/**
 * Whether an allowed, validated call may run now or must wait for a human. Pure: the workflow calls it before any tool
 * activity is scheduled, so nothing a model or client sends can route around it.
 */
export function decideToolCall(
  tool: AgentTool | undefined,
  definition: ToolDefinition,
  args: unknown,
  classRules: ClassRules,
  perCall?: ToolClass,
): ToolCallDecision {
  const approval = tool?.approval ?? 'default';
  if (approval === 'always') return { kind: 'approval', rule: `agent spec: ${definition.name} approval=always` };
  if (approval === 'never') return { kind: 'run' };
  if (approval === 'default') {
    const toolClass = effectiveClass(definition, tool, perCall);
    return classRules[toolClass] === 'approval'
      ? { kind: 'approval', rule: `${definition.name} is ${toolClass}; ${toolClass} tools need approval` }
      : { kind: 'run' };
  }
  const held = approval.when.find((condition) => conditionHolds(condition, args));
  return held
    ? { kind: 'approval', rule: `agent spec: ${definition.name} approval when ${describeCondition(held)}` }
    : { kind: 'run' };
}

/** The gate for one call: who may decide, how long it waits, what happens then. Undefined approvers = anyone. */
export interface GateSettings {
  approvers?: ApproverSet;
  timeoutMs: number;
  onTimeout: 'reject' | 'escalate';
}

export function gateFor(spec: AgentSpec, tool: AgentTool | undefined, toolClass: ToolClass): GateSettings {
  const settings = spec.approvals;
  return {
    approvers: tool?.approvers ?? settings.byClass[toolClass] ?? settings.approvers,
    timeoutMs: tool?.timeout ?? settings.timeout,
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
  const held = roles[by] ?? [];
  if (approvers.roles.some((role) => held.includes(role))) return undefined;
  const allowed = [
    approvers.users.length ? `users ${approvers.users.join(', ')}` : '',
    approvers.roles.length ? `roles ${approvers.roles.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' or ');
  return `${by} may not decide ${what}: approvers are ${allowed}`;
}
