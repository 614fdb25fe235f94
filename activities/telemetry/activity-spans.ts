import * as otel from '@opentelemetry/api';
import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import type { ModelCallInput, ModelTurn, SummaryRequest, SummaryResult, ToolOutcome } from '../../common/chat';
import { costOf } from '../../common/pricing';
import { decodeNote, type TelemetryNote } from '../../common/telemetry-header';

export interface ActivityTelemetryOptions {
  tracer: otel.Tracer;
  /** Record prompts, completions, tool arguments and results on spans (off unless the operator opts in). */
  content: boolean;
  /** The provider a model call goes to (by the name the call asks for, none for the worker's own), as it answers. */
  providerName?: (requested: string | undefined) => string | undefined;
}

function fail(span: otel.Span, error: unknown): void {
  const failure = error as { message?: string; type?: string };
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: otel.SpanStatusCode.ERROR, message: failure.message ?? String(error) });
  if (failure.type) span.setAttribute('error.type', failure.type);
}

/**
 * GenAI spans around the model and tool activities: `chat {model}` and `execute_tool {tool}`, children of the
 * activity's own span. Spans from activities are made once per attempt and never again by replay.
 */
export class GenAiActivityInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly options: ActivityTelemetryOptions,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const type = this.ctx.info.activityType;
    const note = decodeNote(input.headers);
    if (type === 'callModel' || type === 'summarizeConversation') return this.chat(type, input, next, note);
    if (type === 'runTool' || type === 'callMcpTool') return this.tool(type, input, next, note);
    return next(input);
  }

  /** Content needs both the worker's switch and the run's policy (which the workflow sends in the note). */
  private recordsContent(note: TelemetryNote): boolean {
    return this.options.content && note.content !== false;
  }

  /**
   * What every GenAI span of a run shares: the conversation is the run, named by its workflow id (stable across
   * continue-as-new, and what invoke_agent and the workflow's own spans use).
   */
  private runAttributes(note: TelemetryNote): otel.Attributes {
    const workflowId = this.ctx.info.workflowExecution?.workflowId;
    return {
      ...(workflowId ? { 'gen_ai.conversation.id': workflowId } : {}),
      'reins.attempt': this.ctx.info.attempt,
      ...(note.agent ? { 'gen_ai.agent.name': note.agent } : {}),
    };
  }

  private async within<T>(span: otel.Span, body: () => Promise<T>): Promise<T> {
    const context = otel.trace.setSpan(otel.context.active(), span);
    try {
      return await otel.context.with(context, body);
    } catch (error) {
      fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  private chat(
    type: string,
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
    note: TelemetryNote,
  ) {
    const request = input.args[0] as (ModelCallInput & Partial<SummaryRequest> & { provider?: unknown }) | undefined;
    const model = request?.model ?? 'unknown';
    const requested = typeof request?.provider === 'string' ? request.provider : undefined;
    // Known before the call, so an attempt that fails (or fails over) still says where it went.
    const provider = this.options.providerName?.(requested) ?? requested;
    const span = this.options.tracer.startSpan(`chat ${model}`, {
      kind: otel.SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': model,
        ...(provider ? { 'gen_ai.provider.name': provider } : {}),
        ...this.runAttributes(note),
        ...(request?.maxOutputTokens !== undefined ? { 'gen_ai.request.max_tokens': request.maxOutputTokens } : {}),
        ...(request?.step !== undefined ? { 'reins.step': request.step } : {}),
        // The conversation store's key for this stretch of the conversation (a compaction starts a new one).
        ...(request?.conversation?.id ? { 'reins.conversation.key': request.conversation.id } : {}),
        ...(type === 'summarizeConversation' ? { 'reins.purpose': 'compaction' } : {}),
        // The messages this call added to the conversation; earlier ones are on the spans of earlier calls.
        ...(this.recordsContent(note) && request?.conversation
          ? { 'gen_ai.input.messages': JSON.stringify(request.conversation.messages) }
          : {}),
      },
    });
    return this.within(span, async () => {
      const result = (await next(input)) as ModelTurn | SummaryResult;
      span.setAttributes({
        'gen_ai.provider.name': result.provider,
        'gen_ai.response.model': result.model,
        'gen_ai.usage.input_tokens': result.usage.inputTokens,
        'gen_ai.usage.output_tokens': result.usage.outputTokens,
        'gen_ai.usage.cache_read.input_tokens': result.usage.cachedInputTokens,
        'reins.latency_ms': result.latencyMs,
      });
      if (note.price) span.setAttribute('reins.cost_usd', costOf(note.price, result.usage));
      if ('finishReason' in result) {
        span.setAttribute('gen_ai.response.finish_reasons', [result.finishReason]);
        if (result.responseId) span.setAttribute('gen_ai.response.id', result.responseId);
        if (this.recordsContent(note)) {
          const output = { role: 'assistant', content: result.content, tool_calls: result.toolCalls };
          span.setAttribute('gen_ai.output.messages', JSON.stringify([output]));
        }
      } else if (this.recordsContent(note)) {
        span.setAttribute('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', content: result.summary }]));
      }
      return result;
    });
  }

  private tool(
    type: string,
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
    note: TelemetryNote,
  ) {
    const call = input.args[0] as { tool?: string; callId?: string; args?: unknown; server?: { name?: string } };
    const tool = call?.tool ?? 'unknown';
    const span = this.options.tracer.startSpan(`execute_tool ${tool}`, {
      kind: otel.SpanKind.INTERNAL,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': tool,
        'gen_ai.tool.type': type === 'callMcpTool' ? 'extension' : 'function',
        ...this.runAttributes(note),
        // The model's id for the call, as on its approval wait; the run's own id (`<step>-<n>`) beside it.
        ...(note.toolCallId ? { 'gen_ai.tool.call.id': note.toolCallId } : {}),
        ...(call?.callId ? { 'reins.call.id': call.callId } : {}),
        ...(call?.server?.name ? { 'reins.mcp.server': call.server.name } : {}),
        ...(note.toolClass ? { 'reins.tool.class': note.toolClass } : {}),
        'reins.approval.outcome': note.approval
          ? note.approval.outcome === 'approve'
            ? 'approved'
            : 'rejected'
          : 'not_required',
        ...(note.approval
          ? { 'reins.approval.by': note.approval.by, 'reins.approval.edited': note.approval.edited }
          : {}),
        ...(this.recordsContent(note) ? { 'gen_ai.tool.call.arguments': JSON.stringify(call?.args ?? null) } : {}),
      },
    });
    return this.within(span, async () => {
      const outcome = (await next(input)) as ToolOutcome;
      span.setAttribute('reins.tool.outcome', outcome.ok ? 'succeeded' : 'failed');
      if (!outcome.ok) {
        span.setAttribute('error.type', outcome.error.type);
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: outcome.error.message });
      }
      if (this.recordsContent(note)) {
        span.setAttribute('gen_ai.tool.call.result', outcome.ok ? outcome.output : JSON.stringify(outcome.error));
      }
      return outcome;
    });
  }
}
