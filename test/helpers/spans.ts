import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { TELEMETRY_WORKFLOW_MODULE } from '../../worker/tracing';

/** Finished spans with this name. */
export const named = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

/** The one finished span with this name; fails the test when there are none or several. */
export const one = (spans: ReadableSpan[], name: string) => {
  const found = named(spans, name);
  expect(found.map((span) => span.name)).toEqual([name]);
  return found[0]!;
};

export const parentOf = (spans: ReadableSpan[], span: ReadableSpan) =>
  spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanId);

/** The shared test bundle has no interceptors; traced workers need the telemetry workflow module bundled in. */
export function bundleWithTelemetry(): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: [TELEMETRY_WORKFLOW_MODULE],
    logger: new DefaultLogger('WARN'),
  });
}
