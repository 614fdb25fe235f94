import { randomUUID } from 'node:crypto';
import * as otel from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { ReinsClient } from '../../client';
import { ProviderConfigSchema } from '../../common/providers';
import { startScriptedModel, type ScriptedModelServer } from '../../testing/scripted-model';
import { createReinsWorker } from '../../worker/create-worker';
import { createTelemetry } from '../../worker/tracing';
import { fileClerkSpec, tempDataDir, testWorkerConfig, waitForState } from '../helpers/harness';
import { bundleWithTelemetry, named, one, parentOf } from '../helpers/spans';
import { connectClient, connectNative, uniqueTaskQueue } from '../helpers/temporal';

/**
 * One run's trace read as a whole: a routed run whose first provider fails, two approvals decided through different
 * doors (an update from a traced client, a signal from an untraced one) and a policy applied mid-run. Every span of
 * the run must tell the same story: one trace, one conversation id, one id per tool call, the bill the state keeps.
 */

const byCallId = (spans: ReadableSpan[], callId: string) =>
  spans.find((span) => span.attributes['reins.call.id'] === callId);

let bundle: { code: string };
beforeAll(async () => {
  bundle = await bundleWithTelemetry();
}, 120_000);

test('a routed run with approvals and a policy change is one consistent trace', async () => {
  const exporter = new InMemorySpanExporter();
  const telemetry = createTelemetry({ spanProcessor: new SimpleSpanProcessor(exporter) });
  const suffix = randomUUID().slice(0, 8);
  const primary = `primary-${suffix}`;
  const backup = `backup-${suffix}`;
  const servers: ScriptedModelServer[] = [];
  // The primary fails every request; the backup does the work.
  const failing = await startScriptedModel({
    script: () => ({ reply: { content: 'never' }, faults: Array.from({ length: 50 }, () => ({ status: 500 })) }),
  });
  servers.push(failing);
  const working = await startScriptedModel({
    script: [
      {
        reply: {
          toolCalls: [
            { name: 'write_file', arguments: { path: 'a.txt', content: 'x' } },
            { name: 'no_such_tool', arguments: {} },
          ],
        },
      },
      { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
      { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'b.txt' } }] } },
      { reply: { content: 'tidied' } },
    ],
  });
  servers.push(working);
  // Prices from the providers file only: the run's own price table knows neither model.
  const providers = [
    ProviderConfigSchema.parse({
      name: primary,
      baseURL: failing.url,
      models: [{ name: 'big', prices: { input: 5, output: 9 } }],
    }),
    ProviderConfigSchema.parse({
      name: backup,
      baseURL: working.url,
      models: [{ name: 'small', prices: { input: 3, output: 7 } }],
    }),
  ];
  const taskQueue = uniqueTaskQueue('reins-telemetry-story');
  const config = { ...testWorkerConfig(taskQueue, working.url, tempDataDir()), providers };
  const { connection, client } = await connectClient();
  const native = await connectNative();
  // A client that propagates its trace context, as an instrumented application's would; the other sends none (CLI, UI).
  const tracedClient = new Client({
    connection,
    namespace: 'default',
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: telemetry.tracer })] },
  });
  const plain = new ReinsClient(client, { taskQueue });
  const traced = new ReinsClient(tracedClient, { taskQueue });
  const spec = fileClerkSpec({
    models: {
      candidates: [
        { provider: primary, model: 'big' },
        { provider: backup, model: 'small' },
      ],
      maxAttemptsPerCandidate: 1,
    },
  });
  const runId = `telemetry-story-${suffix}`;
  let callerSpan: otel.SpanContext | undefined;
  try {
    const worker = await createReinsWorker({ config, connection: native, workflowBundle: bundle, telemetry });
    const result = await worker.runUntil(async () => {
      await plain.startRun({ spec, prompt: 'tidy', userId: 'ursula' }, { runId });
      await waitForState(plain, runId, (s) => s.pendingApprovals[0]?.requestId === '2-1');
      await plain.applyPolicy(runId, { by: 'ops' });
      callerSpan = await telemetry.tracer.startActiveSpan('approver console', async (span) => {
        await traced.decide(runId, { requestId: '2-1', decision: 'approve', by: 'olga' });
        span.end();
        return span.spanContext();
      });
      await waitForState(plain, runId, (s) => s.pendingApprovals[0]?.requestId === '3-1');
      await plain.decide(runId, { requestId: '3-1', decision: 'reject', by: 'olga' }, { via: 'signal' });
      return plain.result(runId);
    });
    expect(result.answer).toBe('tidied');
    const spans = exporter.getFinishedSpans();
    const agent = one(spans, 'invoke_agent file-clerk');
    const traceId = agent.spanContext().traceId;

    // Every attempt, failed ones included, names its provider and model; answered ones carry the state's cost.
    const failed = named(spans, 'chat big');
    expect(failed.length).toBeGreaterThan(0);
    for (const chat of failed) {
      expect(chat.status.code).toBe(otel.SpanStatusCode.ERROR);
      expect(chat.attributes).toMatchObject({ 'gen_ai.provider.name': primary, 'gen_ai.request.model': 'big' });
    }
    const answered = named(spans, 'chat small');
    expect(answered).toHaveLength(4);
    for (const chat of answered) {
      const booked = result.modelCalls.find((call) => call.step === chat.attributes['reins.step']);
      expect(booked?.costUsd).toEqual(expect.any(Number));
      expect(chat.attributes).toMatchObject({
        'gen_ai.provider.name': backup,
        'gen_ai.request.model': 'small',
        'reins.cost_usd': booked!.costUsd,
      });
    }

    // One conversation id on every GenAI span of the run: the workflow id.
    const genAi = spans.filter((span) => span.attributes['gen_ai.operation.name'] !== undefined);
    expect(new Set(genAi.map((span) => span.attributes['gen_ai.operation.name']))).toEqual(
      new Set(['invoke_agent', 'chat', 'execute_tool']),
    );
    for (const span of [...genAi, ...named(spans, 'reins.approval_wait')]) {
      expect([span.name, span.attributes['gen_ai.conversation.id']]).toEqual([span.name, runId]);
    }

    // The same call has the same id on its approval wait and its execute_tool span: the model's, as the run keeps it.
    const modelIds = result.transcript.flatMap((message) =>
      message.role === 'assistant' ? (message.toolCalls ?? []).map((call) => call.id) : [],
    );
    expect(modelIds).toHaveLength(4);
    const tools = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
    const waits = named(spans, 'reins.approval_wait');
    expect(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort()).toEqual([...modelIds].sort());
    for (const callId of ['2-1', '3-1']) {
      const wait = byCallId(waits, callId);
      const tool = byCallId(tools, callId);
      expect(wait?.attributes['gen_ai.tool.call.id']).toEqual(expect.any(String));
      expect(tool?.attributes['gen_ai.tool.call.id']).toBe(wait?.attributes['gen_ai.tool.call.id']);
    }
    expect(byCallId(tools, '3-1')?.attributes['reins.tool.outcome']).toBe('rejected');
    expect(byCallId(tools, '1-1')?.attributes['reins.approval.outcome']).toBe('not_required');
    // A call refused before any gate reads the same as one that ran without one.
    expect(byCallId(tools, '1-2')?.attributes).toMatchObject({
      'reins.tool.outcome': 'unknown_tool',
      'reins.approval.outcome': 'not_required',
    });
    // The store's key for the conversation stays on the chat spans, beside the run's conversation id.
    for (const chat of answered) expect(chat.attributes['reins.conversation.key']).toEqual(expect.any(String));

    // Messages handled by the workflow join the run's trace under its span, whoever sent them and however.
    const handled = [
      ...named(spans, 'HandleUpdate:decide'),
      ...named(spans, 'ValidateUpdate:decide'),
      ...named(spans, 'HandleSignal:decide'),
      ...named(spans, 'HandleUpdate:applyPolicy'),
      ...named(spans, 'ValidateUpdate:applyPolicy'),
    ];
    expect(handled.map((span) => span.name).sort()).toEqual(
      [
        'HandleSignal:decide',
        'HandleUpdate:applyPolicy',
        'HandleUpdate:decide',
        'ValidateUpdate:applyPolicy',
        'ValidateUpdate:decide',
      ].sort(),
    );
    for (const span of handled) {
      expect([span.name, span.spanContext().traceId]).toEqual([span.name, traceId]);
      expect([span.name, parentOf(spans, span)?.name]).toEqual([span.name, agent.name]);
    }
    // Queries (the test polls the state) stay out of the run's trace.
    expect(
      spans.filter((span) => span.name.startsWith('HandleQuery')).map((span) => span.spanContext().traceId),
    ).not.toContain(traceId);
    // The traced sender's own trace is linked, not lost.
    const update = one(spans, 'HandleUpdate:decide');
    expect(update.links.map((link) => link.context.traceId)).toEqual([callerSpan!.traceId]);
    // Work a message handler starts (applyPolicy reads the policy in an activity) is in the run's trace too.
    const policyReads = named(spans, 'StartActivity:loadPlatformPolicy');
    expect(policyReads).toHaveLength(2);
    for (const span of policyReads) expect(span.spanContext().traceId).toBe(traceId);
  } finally {
    await native.close();
    await connection.close();
    await Promise.all(servers.map((server) => server.close()));
  }
});
