import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { AgentSpec, AgentTool, ToolClass } from '../../common/agent-spec';
import type { ToolCallRequest, ToolDefinition, ToolOutcome } from '../../common/chat';
import type { EffectivePolicy } from '../../common/policy/resolve';
import { ErrorType } from '../../common/errors';
import type { McpServerSpec } from '../../common/mcp-server';
import type { PathTarget, RunRecord, ToolCallRecord } from '../../common/run-state';
import { MCP_ACTIVITY_OPTIONS, SETUP_ACTIVITY_OPTIONS, TOOL_ACTIVITY_OPTIONS } from '../activity-options';
import type { ApprovalBook } from '../approvals/approval-book';
import { failureOf } from '../run/failures';
import { decideToolCall } from '../../common/policy/approval-rules';
import { effectiveClass, toolAccess, type RunIdentity } from '../../common/policy/tool-access';
import type { ToolArgsValidator } from './tool-args';
import { traceToolCall } from '../telemetry/run-trace';
import { pathForms, pathTargets } from '../../common/policy/workspace-paths';

const { runTool } = proxyActivities<ReinsActivities>(TOOL_ACTIVITY_OPTIONS);
const { classifyToolCall } = proxyActivities<ReinsActivities>(SETUP_ACTIVITY_OPTIONS);
const { callMcpTool } = proxyActivities<ReinsActivities>(MCP_ACTIVITY_OPTIONS);

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
  identity: RunIdentity;
  /** The run's effective policy now (an operator may apply a newer one while the run goes on). */
  policy: () => EffectivePolicy;
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
 * The classes of a turn's calls to tools classified per call, by index: asked of the worker (an activity, so the
 * answer is in history) before any policy applies. Calls with invalid arguments are left to prepareCall's refusal.
 */
export async function classifyCalls(
  requests: ToolCallRequest[],
  catalog: ToolCatalog,
): Promise<Map<number, ToolClass>> {
  const classes = new Map<number, ToolClass>();
  await Promise.all(
    requests.map(async (request, index) => {
      const definition = catalog.definitions.get(request.name);
      if (!definition?.classifiedPerCall) return;
      const args = catalog.validator.checkRaw(request.name, request.arguments);
      if (!args.ok) return;
      const config = catalog.agentTools.get(request.name)?.config;
      classes.set(
        index,
        await classifyToolCall({ tool: request.name, args: args.args, ...(config ? { config } : {}) }),
      );
    }),
  );
  return classes;
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

/** Runs one prepared call (or records why it did not run) and returns what the model reads. */
export async function settleCall(call: PreparedCall, state: RunRecord, book: ApprovalBook): Promise<string> {
  const tracedClass = call.toolClass ?? call.definition?.class;
  traceToolCall(call.callId, { toolCallId: call.request.id, ...(tracedClass ? { toolClass: tracedClass } : {}) });
  const record = (outcome: ToolCallRecord['outcome'], detail?: string) =>
    state.toolCalls.push({
      callId: call.callId,
      step: state.step,
      tool: call.request.name,
      outcome,
      ...(detail ? { detail } : {}),
    });
  if (call.refusal || !call.definition) {
    const message = call.refusal?.message ?? toolError(ErrorType.ToolUnknown, call.request.name);
    record(call.refusal?.outcome ?? 'unknown_tool', message);
    return message;
  }
  let args = call.args;
  const toolClass = call.toolClass ?? call.definition.class;
  let summary = call.server
    ? `mcp ${call.definition.policyName ?? call.request.name} · ${toolClass}`
    : `tool ${call.request.name} · ${toolClass}`;
  if (call.approvalRule) {
    const decision = book.decisionFor(call.callId);
    if (decision?.decision !== 'approve') {
      const why = `rejected by ${decision?.by ?? 'nobody'}${decision?.reason ? `: ${decision.reason}` : ''}`;
      record('rejected', why);
      return toolError(ErrorType.ToolDenied, `a human did not approve this call (${why})`);
    }
    args = decision.editedArgs ?? args;
    summary += ` · approved by ${decision.by}${decision.editedArgs ? ' (edited)' : ''}`;
  }
  state.usage.toolCalls += 1;
  try {
    const outcome = await runActivity(call, args, summary, state);
    if (outcome.ok) {
      record('succeeded');
      return outcome.output;
    }
    record(outcome.error.type === ErrorType.ToolOutcomeUnknown ? 'interrupted' : 'failed', outcome.error.message);
    return toolError(outcome.error.type, outcome.error.message);
  } catch (error) {
    if (isCancellation(error)) throw error;
    const { type, message } = failureOf(error);
    record('failed', message);
    return toolError(type, message);
  }
}

/** The activity a call goes to: the tool's MCP server, or the worker's own tool registry. */
function runActivity(call: PreparedCall, args: unknown, summary: string, state: RunRecord): Promise<ToolOutcome> {
  const source = call.definition?.source;
  const retry = {
    ...(call.toolClass ? { toolClass: call.toolClass } : {}),
    ...(call.idempotent !== undefined ? { idempotent: call.idempotent } : {}),
  };
  if (call.server && source?.kind === 'mcp') {
    return callMcpTool.executeWithOptions({ ...MCP_ACTIVITY_OPTIONS, summary }, [
      {
        server: call.server,
        tool: source.tool,
        args,
        callId: call.callId,
        step: state.step,
        userId: state.userId,
        ...retry,
      },
    ]);
  }
  return runTool.executeWithOptions({ ...TOOL_ACTIVITY_OPTIONS, summary }, [
    {
      callId: call.callId,
      tool: call.request.name,
      args,
      step: state.step,
      userId: state.userId,
      agent: state.agent,
      workspace: state.workspace,
      ...(call.config ? { config: call.config } : {}),
      ...(state.policy?.codeSandbox.value === 'required' ? { requireSandbox: true } : {}),
      ...retry,
    },
  ]);
}
