import type { AgentSpec, AgentTool, ToolClass } from '../../common/agent-spec';
import type { ToolCallRequest, ToolDefinition } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import type { McpServerSpec } from '../../common/mcp-server';
import { decideToolCall } from '../../common/policy/approval-rules';
import type { EffectivePolicy } from '../../common/policy/resolve';
import { effectiveClass, toolAccess, type AccessIdentity } from '../../common/policy/tool-access';
import { pathForms, pathTargets } from '../../common/policy/workspace-paths';
import type { PathTarget, ToolCallRecord } from '../../common/run-state';
import type { RunPatches } from '../run/run-patches';
import type { ToolArgsValidator } from './tool-args';

// What happens to a tool call before anything runs, decided without I/O: validation, access, the approval rule and
// the turn's tool-call budget. Dispatch (classifying, running, recording) is tool-calls.ts.

/** A tool call after validation and policy, before it runs. */
export interface PreparedCall {
  request: ToolCallRequest;
  callId: string;
  args?: Record<string, unknown>;
  definition?: ToolDefinition;
  /** Set when the call ends without running: what the model reads instead. */
  refusal?: { outcome: ToolCallRecord['outcome']; message: string };
  /** Set when a human must decide first: the policy rule that says so. */
  approvalRule?: string;
  /** The class policy applied (the spec may override the tool's own). */
  toolClass?: ToolClass;
  /** For an MCP tool: the server its calls go to, from the agent spec. */
  server?: McpServerSpec;
  /** The spec's settings for a worker tool (hosts, a connection), passed to its activity. */
  config?: Record<string, unknown>;
  /** Whether an interrupted attempt may be retried as it is (see idempotentCall). */
  idempotent?: boolean;
  /** Its workspace path arguments and where they lead, for conditions and for the approver to see. */
  paths?: PathTarget[];
}

/**
 * A worker tool is idempotent when it declares so (the worker knows its code), unless the spec turns that off; an MCP
 * tool only when the spec vouches for it, since a server's annotations are hints.
 */
export function idempotentCall(definition: ToolDefinition, tool: AgentTool | undefined): boolean {
  if (definition.source?.kind === 'mcp') return tool?.idempotent === true;
  return definition.idempotent === true && tool?.idempotent !== false;
}

export function toolError(type: string, message: string): string {
  return `Error [${type}]: ${message}`;
}

export interface ToolCatalog {
  definitions: ReadonlyMap<string, ToolDefinition>;
  agentTools: ReadonlyMap<string, AgentTool>;
  validator: ToolArgsValidator;
  spec: AgentSpec;
  identity: AccessIdentity;
  /** The run's effective policy now (an operator may apply a newer one while the run goes on). */
  policy: () => EffectivePolicy;
  /** Which recorded changes apply to this run. */
  patches: RunPatches;
}

/** Validation and policy for one call. Anything refused here never reaches an activity. */
export function prepareCall(
  request: ToolCallRequest,
  callId: string,
  catalog: ToolCatalog,
  perCall?: ToolClass,
  resolvedPaths?: ReadonlyArray<string | null>,
): PreparedCall {
  const definition = catalog.definitions.get(request.name);
  if (!definition) {
    const known = [...catalog.definitions.keys()].join(', ') || 'none';
    const message = toolError(ErrorType.ToolUnknown, `there is no tool "${request.name}"; available tools: ${known}`);
    return { request, callId, refusal: { outcome: 'unknown_tool', message } };
  }
  const source = definition.source;
  const server =
    source?.kind === 'mcp' ? catalog.spec.mcpServers.find((candidate) => candidate.name === source.server) : undefined;
  if (source?.kind === 'mcp' && !server) {
    const message = toolError(
      ErrorType.ToolUnknown,
      `${request.name}: MCP server "${source.server}" is not in the spec`,
    );
    return { request, callId, definition, refusal: { outcome: 'unknown_tool', message } };
  }
  const args = catalog.validator.checkRaw(request.name, request.arguments);
  if (!args.ok) {
    const message = toolError(ErrorType.ToolArgsInvalid, `invalid arguments for ${request.name}: ${args.message}`);
    return { request, callId, definition, refusal: { outcome: 'invalid_args', message } };
  }
  const access = toolAccess(definition, catalog.spec, catalog.identity, catalog.policy(), perCall);
  if (!access.allowed) {
    const message = toolError(ErrorType.ToolDenied, `denied by policy: ${access.rule}`);
    return { request, callId, definition, args: args.args, refusal: { outcome: 'denied', message } };
  }
  const tool = catalog.agentTools.get(request.name);
  const paths = pathTargets(definition, args.args, resolvedPaths);
  const decision = decideToolCall(tool, definition, args.args, catalog.policy().classes, perCall, pathForms(paths));
  return {
    request,
    callId,
    definition,
    args: args.args,
    toolClass: effectiveClass(definition, tool, perCall),
    idempotent: idempotentCall(definition, tool),
    ...(paths.length ? { paths } : {}),
    ...(server ? { server } : {}),
    ...(tool?.config ? { config: tool.config } : {}),
    ...(decision.kind === 'approval' ? { approvalRule: decision.rule } : {}),
  };
}

/**
 * Refuses the calls of a turn that would go past maxToolCalls, before any of them asks for approval: a call the
 * budget cannot pay for should not wait for a human either.
 */
export function capToolCalls(calls: PreparedCall[], limit: number | undefined, used: number): PreparedCall[] {
  if (limit === undefined) return calls;
  let remaining = limit - used;
  return calls.map((call) => {
    if (call.refusal) return call;
    if (remaining > 0) {
      remaining -= 1;
      return call;
    }
    const message = toolError(
      ErrorType.BudgetExhausted,
      `maxToolCalls budget of ${limit} reached; this call was not run`,
    );
    return { ...call, approvalRule: undefined, refusal: { outcome: 'denied' as const, message } };
  });
}
