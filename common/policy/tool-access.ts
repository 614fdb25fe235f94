import type { AgentSpec, AgentTool, ToolClass } from '../agent-spec';
import type { ToolDefinition } from '../chat';
import type { RoleDefinition } from './tool-settings';
import { nameVerdict, type EffectivePolicy } from './resolve';
import { firstMatch } from '../glob';
import { mcpServerAddress } from './spec-reach';
import { hasOwnKey, ownValue } from '../own';

export type ToolAccess = { allowed: true } | { allowed: false; rule: string };

/** What tool access knows of the run's user: the roles it holds and what each role may use. */
export interface AccessIdentity {
  userId: string;
  /** The user's roles (the directory's `default` already applied). */
  roles: readonly string[];
  roleDefinitions: Readonly<Record<string, RoleDefinition>>;
  /**
   * Whether tools follow roles. Decided once, where the identity is settled (always with a directory), never
   * inferred here from empty lists: a directory that defines no roles leaves its users no tools, not every tool.
   */
  restricted: boolean;
}

/**
 * The access identity of a run that predates settled identities: roles from its input, which limit tools only when
 * the input defines any, as such runs always did.
 */
export function callerAccessIdentity(
  userId: string,
  roles: Readonly<Record<string, readonly string[]>>,
  roleDefinitions: Readonly<Record<string, RoleDefinition>>,
): AccessIdentity {
  const named = ownValue(roles, userId) ?? [];
  const held = named.length > 0 ? [...named] : hasOwnKey(roleDefinitions, 'default') ? ['default'] : [];
  return { userId, roles: held, roleDefinitions, restricted: Object.keys(roleDefinitions).length > 0 };
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

/**
 * Whether this run (its agent and its user) may use a tool at all. Decided in the workflow, from data recorded in
 * history; a tool that is not allowed is neither offered to the model nor run when the model asks for it anyway.
 */
export function toolAccess(
  definition: ToolDefinition,
  spec: AgentSpec,
  identity: AccessIdentity,
  policy: EffectivePolicy,
  perCall?: ToolClass,
): ToolAccess {
  const name = policyNameOf(definition);
  const verdict = nameVerdict(policy.tools, name);
  if (!verdict.allowed) {
    const agent = verdict.source === 'agent spec';
    const where = agent ? `agent ${spec.name}'s` : `the ${verdict.source} policy's`;
    return verdict.rule === 'deny'
      ? { allowed: false, rule: `${name} is on ${where} deny list (${verdict.glob})` }
      : { allowed: false, rule: `${name} is not on ${where} allow list` };
  }
  const source = definition.source;
  const server = source?.kind === 'mcp' ? spec.mcpServers.find((s) => s.name === source.server) : undefined;
  if (server) {
    const serverVerdict = nameVerdict(policy.mcpServers, mcpServerAddress(server));
    if (!serverVerdict.allowed) {
      return { allowed: false, rule: `MCP server ${server.name} is not allowed by the ${serverVerdict.source} policy` };
    }
  }
  if (definition.runsCode && !definition.runsCode.sandboxed && policy.codeSandbox.value === 'required') {
    return {
      allowed: false,
      rule: `the ${policy.codeSandbox.source} policy requires a sandbox for code tools, and ${name} runs unsandboxed on this worker`,
    };
  }
  if (!identity.restricted) return { allowed: true };
  const toolClass = effectiveClass(
    definition,
    spec.tools.find((t) => t.name === definition.name),
    perCall,
  );
  const roles = identity.roles;
  const permitted = roles.some((role) => {
    const reach = ownValue(identity.roleDefinitions, role);
    if (!reach) return false;
    const toolOk = !reach.tools || firstMatch(reach.tools, name) !== undefined;
    const classOk = !reach.classes || reach.classes.includes(toolClass);
    return toolOk && classOk;
  });
  if (permitted) return { allowed: true };
  const held = roles.length ? `roles: ${roles.join(', ')}` : 'no roles';
  return { allowed: false, rule: `user ${identity.userId} (${held}) may not use ${toolClass} tool ${name}` };
}
