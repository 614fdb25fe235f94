import type * as otel from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { WorkerOptions } from '@temporalio/worker';
import { GenAiActivityInterceptor } from '../activities/telemetry/activity-spans';

/** The workflow interceptor module; bundle it (`workflowInterceptorModules`) when building a workflow bundle ahead. */
export const TELEMETRY_WORKFLOW_MODULE = require.resolve('../workflows/telemetry/workflow-interceptors');

export interface TelemetryOptions {
  /** Where finished spans go: an OTLP batch processor in production, an in-memory one in tests. */
  spanProcessor: SpanProcessor;
  /** Record prompts, completions, tool arguments and results on spans. Off unless the operator opts in. */
  content?: boolean;
  serviceName?: string;
}

export interface WorkerTelemetry {
  tracer: otel.Tracer;
  content: boolean;
  /**
   * Options to merge into Worker.create: interceptors and the sink that exports workflow spans. `providerName` names
   * the provider a model call goes to before it answers, so a failed attempt's span says where it failed.
   */
  workerOptions(
    bundled: boolean,
    facts?: { providerName?: (requested: string | undefined) => string | undefined },
  ): Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  /** Exports spans still buffered; called when the worker stops (a worker may be started again with the same one). */
  flush(): Promise<void>;
}

let contextManagerInstalled = false;

export function createTelemetry(options: TelemetryOptions): WorkerTelemetry {
  const resource = Resource.default().merge(
    new Resource({ [ATTR_SERVICE_NAME]: options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'reins-worker' }),
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors: [options.spanProcessor] });
  // Activity spans nest through the active context, which needs a process-wide context manager; the first worker
  // with telemetry installs it (and its provider as the global one), later ones reuse it.
  if (!contextManagerInstalled) {
    provider.register();
    contextManagerInstalled = true;
  }
  const tracer = provider.getTracer('reins');
  const content = options.content ?? false;
  return {
    tracer,
    content,
    workerOptions: (bundled, facts) => ({
      interceptors: {
        // A prebuilt bundle must already contain TELEMETRY_WORKFLOW_MODULE; the worker cannot add it afterwards.
        ...(bundled ? {} : { workflowModules: [TELEMETRY_WORKFLOW_MODULE] }),
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
          (ctx) => ({
            inbound: new GenAiActivityInterceptor(ctx, {
              tracer,
              content,
              ...(facts?.providerName ? { providerName: facts.providerName } : {}),
            }),
          }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(options.spanProcessor, resource) },
    }),
    flush: () => provider.forceFlush(),
  };
}

const truthy = (value: string | undefined) =>
  value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());

/** Where the environment sends traces, or undefined when it does not ask for tracing. */
export function tracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (truthy(env.OTEL_SDK_DISABLED) || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}

/**
 * Telemetry from the standard OpenTelemetry environment: spans go over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (the exporter reads them itself), and nowhere otherwise.
 * REINS_TRACE_CONTENT=true adds message content.
 */
export function telemetryFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerTelemetry | undefined {
  if (!tracesEndpoint(env)) return undefined;
  return createTelemetry({
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()),
    content: truthy(env.REINS_TRACE_CONTENT),
  });
}
