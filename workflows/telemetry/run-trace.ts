import * as otel from '@opentelemetry/api';
import { priceFor, type ModelPrice, type PriceTable } from '../../common/pricing';
import type { RunState } from '../../common/run-state';
import { workflowInfo } from '@temporalio/workflow';
import type { ApprovalNote } from '../../common/telemetry-header';

export const TRACER_NAME = 'reins';

/** What tracing knows about one execution, shared by its interceptors and the run loop's state hook. */
export interface RunTrace {
  span: otel.Span;
  agent: string;
  prices: PriceTable;
  /** Decisions by request id (the run's call id), for the tool call's span. */
  approvals: Map<string, ApprovalNote>;
  /** What the run knows of each call by its call id: the model's id for it and the class it runs under. */
  calls: Map<string, TracedCall>;
  /** Prices of routed candidates by provider and model, as routing resolved them (also from provider facts). */
  routePrices: Map<string, ModelPrice>;
  /** How many of the state's requests and decisions have been traced already. */
  requestsSeen: number;
  decisionsSeen: number;
  toolCallsSeen: number;
  /** The run's policy lets its spans carry message content (the worker must record content too). */
  content: boolean;
}

export interface TracedCall {
  toolCallId: string;
  toolClass?: string;
}

// Keyed by run id: the interceptors and the workflow function are built separately and share nothing else.
const traces = new Map<string, RunTrace>();

export function openRunTrace(
  runId: string,
  init: { span: otel.Span; agent: string; prices: PriceTable; carried?: RunState },
): void {
  traces.set(runId, {
    span: init.span,
    agent: init.agent,
    prices: init.prices,
    approvals: new Map(),
    calls: new Map(),
    routePrices: new Map(),
    // A continued run carries earlier segments' approvals; their spans were exported by the segment that saw them.
    requestsSeen: init.carried?.approvalRequests.length ?? 0,
    decisionsSeen: init.carried?.decisions.length ?? 0,
    toolCallsSeen: init.carried?.toolCalls.length ?? 0,
    content: init.carried?.policy?.traceContent.value ?? true,
  });
}

export function closeRunTrace(runId: string): void {
  traces.delete(runId);
}

export function runTrace(runId: string): RunTrace | undefined {
  return traces.get(runId);
}

const routeKey = (provider: string, model: string) => JSON.stringify([provider, model]);

/** Routing tells tracing what each candidate costs, so a routed call's span books what the run's state books. */
export function traceRoutePrices(candidates: Array<{ provider: string; model: string; price?: ModelPrice }>): void {
  const trace = traces.get(workflowInfo().runId);
  if (!trace) return;
  for (const { provider, model, price } of candidates) {
    if (price) trace.routePrices.set(routeKey(provider, model), price);
  }
}

/** The price of a model call as the run books it: the routed candidate's, else the run's price table's. */
export function tracedPrice(trace: RunTrace, provider: unknown, model: string): ModelPrice | undefined {
  const routed = typeof provider === 'string' ? trace.routePrices.get(routeKey(provider, model)) : undefined;
  return routed ?? priceFor(trace.prices, model);
}

/**
 * The run loop names each call as it settles it, so every span of the call carries the model's id for it. An entry
 * goes once the call's outcome is traced, so the map holds only the calls of the turn being settled.
 */
export function traceToolCall(callId: string, call: TracedCall): void {
  traces.get(workflowInfo().runId)?.calls.set(callId, call);
}

function takeCall(trace: RunTrace, callId: string): TracedCall | undefined {
  const call = trace.calls.get(callId);
  trace.calls.delete(callId);
  return call;
}

const ms = (iso: string) => Date.parse(iso);

/**
 * Called by the run loop whenever it publishes its state: new approval requests become events on the run's span and
 * each decision an `reins.approval_wait` span from request to decision. Does nothing when tracing is off.
 */
export function traceRunState(state: RunState): void {
  const trace = traces.get(workflowInfo().runId);
  if (!trace) return;
  trace.content = state.policy?.traceContent.value ?? true;
  for (const request of state.approvalRequests.slice(trace.requestsSeen)) {
    trace.span.addEvent(
      'reins.approval_requested',
      {
        'reins.approval.request_id': request.requestId,
        'gen_ai.tool.name': request.tool,
        'reins.tool.class': request.toolClass,
        'reins.approval.rule': request.rule,
      },
      ms(request.requestedAt),
    );
  }
  trace.requestsSeen = state.approvalRequests.length;
  const parent = otel.trace.setSpan(otel.ROOT_CONTEXT, trace.span);
  const tracer = otel.trace.getTracer(TRACER_NAME);
  const conversation = { 'gen_ai.conversation.id': workflowInfo().workflowId };
  for (const decision of state.decisions.slice(trace.decisionsSeen)) {
    trace.approvals.set(decision.requestId, {
      outcome: decision.decision,
      by: decision.by,
      edited: decision.editedArgs !== undefined,
    });
    const request = state.approvalRequests.find((candidate) => candidate.requestId === decision.requestId);
    const started = request ? ms(request.requestedAt) : ms(decision.decidedAt);
    const span = tracer.startSpan(
      'reins.approval_wait',
      {
        startTime: started,
        attributes: {
          ...conversation,
          'reins.approval.request_id': decision.requestId,
          'reins.call.id': decision.requestId,
          'gen_ai.tool.name': decision.tool,
          ...(request
            ? {
                'gen_ai.tool.call.id': request.toolCallId,
                'reins.tool.class': request.toolClass,
                'reins.approval.rule': request.rule,
                'reins.approval.stage': request.stage,
              }
            : {}),
          'reins.approval.outcome': decision.decision === 'approve' ? 'approved' : 'rejected',
          'reins.approval.by': decision.by,
          'reins.approval.via': decision.via,
          'reins.approval.wait_ms': ms(decision.decidedAt) - started,
          ...(decision.reason ? { 'reins.approval.reason': decision.reason } : {}),
        },
      },
      parent,
    );
    span.end(ms(decision.decidedAt));
  }
  trace.decisionsSeen = state.decisions.length;
  traceRefusedCalls(trace, state, tracer, parent, conversation);
}

const RAN: ReadonlySet<string> = new Set(['succeeded', 'failed']);

/** Calls that never reached a tool get an instant `execute_tool` span too, so every call the model made is traced. */
function traceRefusedCalls(
  trace: RunTrace,
  state: RunState,
  tracer: otel.Tracer,
  parent: otel.Context,
  conversation: otel.Attributes,
): void {
  for (const call of state.toolCalls.slice(trace.toolCallsSeen)) {
    const known = takeCall(trace, call.callId);
    if (RAN.has(call.outcome)) continue; // the activity's span describes it
    const approval = trace.approvals.get(call.callId);
    const span = tracer.startSpan(
      `execute_tool ${call.tool}`,
      {
        attributes: {
          ...conversation,
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': call.tool,
          ...(known ? { 'gen_ai.tool.call.id': known.toolCallId } : {}),
          'reins.call.id': call.callId,
          ...(known?.toolClass ? { 'reins.tool.class': known.toolClass } : {}),
          'gen_ai.agent.name': trace.agent,
          'reins.step': call.step,
          'reins.tool.outcome': call.outcome,
          // The same words as the activity's spans: a call no gate held was not required to be approved.
          'reins.approval.outcome': approval
            ? approval.outcome === 'approve'
              ? 'approved'
              : 'rejected'
            : 'not_required',
          ...(approval ? { 'reins.approval.by': approval.by } : {}),
          ...(call.detail ? { 'reins.tool.detail': call.detail } : {}),
        },
      },
      parent,
    );
    span.setStatus({ code: otel.SpanStatusCode.ERROR, message: call.detail ?? call.outcome });
    span.end();
  }
  trace.toolCallsSeen = state.toolCalls.length;
}
