import type { AgentSpec, AgentTool, ToolClass } from '../common/agent-spec';
import type { ToolDefinition } from '../common/chat';
import type { RoleDefinition } from '../common/tool-policy';
import { globMatcher } from './arg-conditions';

export type ToolAccess = { allowed: true } | { allowed: false; rule: string };

export interface RunIdentity {
  userId: string;
  roles: Readonly<Record<string, readonly string[]>>;
  roleDefinitions: Readonly<Record<string, RoleDefinition>>;
}

export const policyNameOf = (definition: ToolDefinition) => definition.policyName ?? definition.name;

/** The class policy acts on: the spec's override, else this call's classification, else what the tool declares. */
export function effectiveClass(
  definition: ToolDefinition,
  tool: AgentTool | undefined,
  perCall?: ToolClass,
): ToolClass {
  return tool?.class ?? perCall ?? definition.class;
}

const matchesAny = (globs: readonly string[], name: string) => globs.find((glob) => globMatcher(glob)(name));

/** The roles that apply to the run's user; `default` covers users the roles file does not name. */
function rolesOf(identity: RunIdentity): string[] {
  const named = identity.roles[identity.userId] ?? [];
  if (named.length > 0) return [...named];
  return identity.roleDefinitions.default ? ['default'] : [];
}

/**
 * Whether this run (its agent and its user) may use a tool at all. Decided in the workflow, from data recorded in
 * history; a tool that is not allowed is neither offered to the model nor run when the model asks for it anyway.
 */
export function toolAccess(
  definition: ToolDefinition,
  spec: AgentSpec,
  identity: RunIdentity,
  perCall?: ToolClass,
): ToolAccess {
  const name = policyNameOf(definition);
  const denied = matchesAny(spec.policy.deny, name);
  if (denied) return { allowed: false, rule: `${name} is on agent ${spec.name}'s deny list (${denied})` };
  if (spec.policy.allow && !matchesAny(spec.policy.allow, name)) {
    return { allowed: false, rule: `${name} is not on agent ${spec.name}'s allow list` };
  }
  if (Object.keys(identity.roleDefinitions).length === 0) return { allowed: true };
  const toolClass = effectiveClass(
    definition,
    spec.tools.find((t) => t.name === definition.name),
    perCall,
  );
  const roles = rolesOf(identity);
  const permitted = roles.some((role) => {
    const reach = identity.roleDefinitions[role];
    if (!reach) return false;
    const toolOk = !reach.tools || matchesAny(reach.tools, name) !== undefined;
    const classOk = !reach.classes || reach.classes.includes(toolClass);
    return toolOk && classOk;
  });
  if (permitted) return { allowed: true };
  const held = roles.length ? `roles: ${roles.join(', ')}` : 'no roles';
  return { allowed: false, rule: `user ${identity.userId} (${held}) may not use ${toolClass} tool ${name}` };
}
