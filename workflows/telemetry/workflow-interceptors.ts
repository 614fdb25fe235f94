/**
 * Workflow interceptors for tracing, registered by the worker only when telemetry is on. Spans made here live in the
 * workflow sandbox and leave it through the OpenTelemetry interceptors' sink, which the SDK does not call during
 * replay: a run resumed on another worker does not export its spans twice.
 */
import * as otel from '@opentelemetry/api';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import {
  ContinueAsNew,
  workflowInfo,
  type ActivityInput,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { parseRunInput } from '../../common/run-input';
import type { RunResult, RunState } from '../../common/run-state';
import { ToolClassSchema } from '../../common/tool-class';
import { encodeNote, TELEMETRY_HEADER, type TelemetryNote } from '../../common/telemetry-header';
import { JoinRunTrace, LinkSenderTrace } from './message-spans';
import { openRunTrace, closeRunTrace, runTrace, tracedPrice, TRACER_NAME } from './run-trace';

class ReinsInbound implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const parsed = parseRunInput(input.args[0]);
    const run = parsed.ok ? parsed.value : undefined;
    const carried = (input.args[1] as { state?: RunState } | undefined)?.state;
    const agent = run?.spec.name ?? 'unknown';
    const info = workflowInfo();
    const span = otel.trace.getTracer(TRACER_NAME).startSpan(`invoke_agent ${agent}`, {
      kind: otel.SpanKind.INTERNAL,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': agent,
        'gen_ai.conversation.id': info.workflowId,
        ...(run ? { 'gen_ai.request.model': run.spec.model.name, 'reins.user.id': run.userId } : {}),
        'reins.run.id': info.workflowId,
        'reins.segment': (carried?.segment ?? 0) + 1,
      },
    });
    openRunTrace(info.runId, { span, agent, prices: run?.prices ?? {}, carried });
    try {
      const result = await otel.context.with(otel.trace.setSpan(otel.context.active(), span), () => next(input));
      describeOutcome(span, result as RunResult | undefined);
      return result;
    } catch (error) {
      if (error instanceof ContinueAsNew) {
        span.setAttribute('reins.continued_as_new', true);
      } else {
        const details = (error as { details?: unknown[] }).details;
        describeOutcome(span, details?.[0] as RunResult | undefined);
        span.recordException(error as Error);
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: (error as Error).message });
      }
      throw error;
    } finally {
      span.end();
      closeRunTrace(info.runId);
    }
  }
}

function describeOutcome(span: otel.Span, result: RunResult | undefined): void {
  if (!result?.usage) return;
  span.setAttributes({
    'reins.status': result.status,
    'reins.steps': result.step,
    'reins.tool_calls': result.usage.toolCalls,
    'gen_ai.usage.input_tokens': result.usage.inputTokens,
    'gen_ai.usage.output_tokens': result.usage.outputTokens,
    'reins.cost_usd': result.usage.costUsd,
    'reins.cost_unknown': result.usage.costUnknown,
  });
  if (result.reason) span.setAttribute('reins.reason', result.reason);
}

const MODEL_ACTIVITIES = new Set(['callModel', 'summarizeConversation']);
const TOOL_ACTIVITIES = new Set(['runTool', 'callMcpTool']);

/** The class a tool call ran under, from the activity summary the run loop writes (`tool <name> · <class> ...`). */
function toolClassOf(summary: string | undefined): string | undefined {
  const candidate = summary?.split(' · ')[1];
  return ToolClassSchema.safeParse(candidate).success ? candidate : undefined;
}

class ReinsOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    const trace = runTrace(workflowInfo().runId);
    if (!trace) return next(input);
    const args = input.args[0] as { model?: string; provider?: string; callId?: string } | undefined;
    let note: TelemetryNote | undefined;
    if (MODEL_ACTIVITIES.has(input.activityType) && args?.model) {
      const price = tracedPrice(trace, args.provider, args.model);
      note = { agent: trace.agent, ...(price ? { price } : {}) };
    } else if (TOOL_ACTIVITIES.has(input.activityType)) {
      const approval = args?.callId ? trace.approvals.get(args.callId) : undefined;
      const toolCallId = args?.callId ? trace.calls.get(args.callId)?.toolCallId : undefined;
      const toolClass = toolClassOf(input.options.summary);
      note = {
        agent: trace.agent,
        ...(toolClass ? { toolClass } : {}),
        ...(toolCallId ? { toolCallId } : {}),
        ...(approval ? { approval } : {}),
      };
    }
    if (note && !trace.content) note.content = false;
    if (!note) return next(input);
    return next({ ...input, headers: { ...input.headers, [TELEMETRY_HEADER]: encodeNote(note) } });
  }
}

/**
 * The OpenTelemetry interceptors first, so the run's own span sits inside the workflow's; messages join the run's
 * trace before the OpenTelemetry interceptor makes their spans, and link their sender's after.
 */
export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new JoinRunTrace(), new OpenTelemetryInboundInterceptor(), new LinkSenderTrace(), new ReinsInbound()],
  outbound: [new ReinsOutbound(), new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
