/**
 * Signals and updates join the run's trace. The OpenTelemetry inbound interceptor parents its HandleSignal,
 * ValidateUpdate and HandleUpdate spans under the sender's trace context, or starts a trace of its own when the sender
 * sent none (the Temporal UI, the `reins` CLI): either way a decision would sit outside the run's story. Placed before
 * that interceptor, this one takes the sender's context out of the headers and runs the handler inside the run's
 * `invoke_agent` span; the inner half links the sender's span to the handler's span so neither trace is lost.
 * Only in-memory headers and spans change, never a command: replay is unaffected.
 */
import * as otel from '@opentelemetry/api';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  workflowInfo,
  type Next,
  type SignalInput,
  type UpdateInput,
  type WorkflowInboundCallsInterceptor,
} from '@temporalio/workflow';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { runTrace } from './run-trace';

/** Where the sender's trace context waits for the inner half once it is out of the OpenTelemetry header. */
const SENDER_HEADER = 'reins-sender-trace';

type Headers = Record<string, Payload>;

/** The run's span as a context, and headers without the sender's context; undefined before the run's span exists. */
function joined(headers: Headers): { context: otel.Context; headers: Headers } | undefined {
  const trace = runTrace(workflowInfo().runId);
  if (!trace) return undefined;
  const { [TRACE_HEADER]: sender, ...rest } = headers;
  return {
    context: otel.trace.setSpan(otel.ROOT_CONTEXT, trace.span),
    headers: sender ? { ...rest, [SENDER_HEADER]: sender } : rest,
  };
}

export class JoinRunTrace implements WorkflowInboundCallsInterceptor {
  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const join = joined(input.headers);
    return join ? otel.context.with(join.context, () => next({ ...input, headers: join.headers })) : next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    const join = joined(input.headers);
    if (!join) return next(input);
    otel.context.with(join.context, () => next({ ...input, headers: join.headers }));
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    const join = joined(input.headers);
    return join ? otel.context.with(join.context, () => next({ ...input, headers: join.headers })) : next(input);
  }
}

/** A link from the handler's span (the active one) to the sender's, when the sender sent its trace context. */
function linkSender(headers: Headers): void {
  const sender = headers[SENDER_HEADER];
  if (!sender) return;
  try {
    const carrier = defaultPayloadConverter.fromPayload<Record<string, string>>(sender);
    const context = otel.trace.getSpanContext(otel.propagation.extract(otel.ROOT_CONTEXT, carrier));
    if (context && otel.isSpanContextValid(context)) otel.trace.getActiveSpan()?.addLink({ context });
  } catch {
    // A sender's malformed trace header costs a link, never the message.
  }
}

export class LinkSenderTrace implements WorkflowInboundCallsInterceptor {
  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    linkSender(input.headers);
    return next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    linkSender(input.headers);
    next(input);
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    linkSender(input.headers);
    return next(input);
  }
}
