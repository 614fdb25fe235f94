import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { ToolClass } from '../../common/agent-spec';
import type { ToolCallRequest, ToolOutcome } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import type { RunRecord, ToolCallRecord } from '../../common/run-state';
import { MCP_ACTIVITY_OPTIONS, SETUP_ACTIVITY_OPTIONS, TOOL_ACTIVITY_OPTIONS } from '../activity-options';
import type { ApprovalBook } from '../approvals/approval-book';
import { failureOf } from '../run/failures';
import { traceToolCall } from '../telemetry/run-trace';
import { callVerdict } from './call-verdict';
import { toolError, type PreparedCall, type ToolCatalog } from './prepare-call';

const { runTool } = proxyActivities<ReinsActivities>(TOOL_ACTIVITY_OPTIONS);
const { classifyToolCall } = proxyActivities<ReinsActivities>(SETUP_ACTIVITY_OPTIONS);
const { callMcpTool } = proxyActivities<ReinsActivities>(MCP_ACTIVITY_OPTIONS);

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
  const verdict = callVerdict(call, call.approvalRule ? book.decisionFor(call.callId) : undefined);
  if (!verdict.run) {
    record(verdict.outcome, verdict.detail);
    return verdict.message;
  }
  const { args, summary } = verdict;
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
