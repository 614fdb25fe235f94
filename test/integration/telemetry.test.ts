import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ReinsClient } from '../../client';
import { startScriptedModel } from '../../testing/scripted-model';
import { createReinsWorker } from '../../worker/create-worker';
import { createTelemetry, telemetryFromEnv } from '../../worker/tracing';
import { fileClerkSpec, tempDataDir, testWorkerConfig, waitForState } from '../helpers/harness';
import { bundleWithTelemetry, named, one, parentOf } from '../helpers/spans';
import { connectClient, connectNative, uniqueTaskQueue } from '../helpers/temporal';

const script = [
  { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'secret plan' } }] } },
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'b.txt' } }] } },
  { reply: { content: 'cleaned up' } },
];
const prices = { 'scripted-1': { input: 1, output: 2 } };

let bundle: { code: string };
beforeAll(async () => {
  bundle = await bundleWithTelemetry();
}, 120_000);

test('GenAI spans for a run paused on approval across a worker restart, none exported twice', async () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const model = await startScriptedModel({ script });
  const taskQueue = uniqueTaskQueue('reins-telemetry');
  const config = testWorkerConfig(taskQueue, model.url, tempDataDir());
  const { connection, client } = await connectClient();
  const native = await connectNative();
  const reins = new ReinsClient(client, { taskQueue });
  // Two workers, one after the other, exporting to the same place as two processes sending to one collector.
  const newWorker = () =>
    createReinsWorker({
      config,
      connection: native,
      workflowBundle: bundle,
      telemetry: createTelemetry({ spanProcessor: processor, content: true }),
    });
  const runId = `telemetry-${Date.now()}`;
  try {
    const first = await newWorker();
    await first.runUntil(async () => {
      await reins.startRun({ spec: fileClerkSpec(), prompt: 'tidy up', userId: 'ursula', prices }, { runId });
      await waitForState(reins, runId, (s) => s.status === 'awaiting_approval');
    });
    const beforeRestart = exporter.getFinishedSpans().length;
    expect(named(exporter.getFinishedSpans(), 'chat scripted-1')).toHaveLength(2);

    const second = await newWorker();
    await second.runUntil(async () => {
      await reins.decide(runId, { requestId: '2-1', decision: 'approve', by: 'olga' });
      await waitForState(reins, runId, (s) => s.pendingApprovals[0]?.requestId === '3-1');
      await reins.decide(runId, { requestId: '3-1', decision: 'reject', by: 'olga', reason: 'keep b' });
      expect((await reins.result(runId)).answer).toBe('cleaned up');
    });
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(beforeRestart);

    // One span per thing that happened, whichever worker saw it.
    const agent = one(spans, 'invoke_agent file-clerk');
    const chats = named(spans, 'chat scripted-1');
    expect(chats).toHaveLength(4);
    const write = one(spans, 'execute_tool write_file');
    const [del, refused] = named(spans, 'execute_tool delete_file').sort((a, b) =>
      String(a.attributes['reins.call.id']).localeCompare(String(b.attributes['reins.call.id'])),
    );
    const [wait, rejectedWait] = named(spans, 'reins.approval_wait');
    expect(named(spans, 'reins.approval_wait')).toHaveLength(2);
    one(spans, 'RunWorkflow:agentRun');
    expect(named(spans, 'StartActivity:callModel')).toHaveLength(4);
    expect(named(spans, 'RunActivity:callModel')).toHaveLength(4);
    expect(named(spans, 'RunActivity:runTool')).toHaveLength(2);
    const ids = spans.map((span) => span.spanContext().spanId);
    expect(new Set(ids).size).toBe(ids.length);

    expect(agent.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'file-clerk',
      'gen_ai.request.model': 'scripted-1',
      'reins.user.id': 'ursula',
      'reins.status': 'completed',
      'reins.steps': 4,
    });
    expect(agent.events.map((event) => event.name)).toEqual(['reins.approval_requested', 'reins.approval_requested']);
    expect(parentOf(spans, agent)?.name).toBe('RunWorkflow:agentRun');

    const byStep = chats.sort((a, b) => Number(a.attributes['reins.step']) - Number(b.attributes['reins.step']));
    expect(byStep[0]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'scripted',
      'gen_ai.request.model': 'scripted-1',
      'gen_ai.response.model': expect.any(String),
      'gen_ai.usage.input_tokens': expect.any(Number),
      'gen_ai.usage.output_tokens': expect.any(Number),
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'reins.cost_usd': expect.any(Number),
      'reins.step': 1,
    });
    expect(String(byStep[0]!.attributes['gen_ai.input.messages'])).toContain('tidy up');
    expect(byStep[3]!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(String(byStep[3]!.attributes['gen_ai.output.messages'])).toContain('cleaned up');
    // chat -> RunActivity -> StartActivity -> invoke_agent, in one trace.
    for (const chat of chats) {
      const run = parentOf(spans, chat);
      expect(run?.name).toBe('RunActivity:callModel');
      const start = parentOf(spans, run!);
      expect(start?.name).toBe('StartActivity:callModel');
      expect(parentOf(spans, start!)).toBe(agent);
      expect(chat.spanContext().traceId).toBe(agent.spanContext().traceId);
    }

    expect(write.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'write_file',
      'reins.call.id': '1-1',
      'reins.tool.class': 'write',
      'reins.approval.outcome': 'not_required',
      'reins.tool.outcome': 'succeeded',
    });
    expect(String(write.attributes['gen_ai.tool.call.arguments'])).toContain('secret plan');
    expect(del!.attributes).toMatchObject({
      'gen_ai.tool.name': 'delete_file',
      'reins.call.id': '2-1',
      'reins.tool.class': 'destructive',
      'reins.approval.outcome': 'approved',
      'reins.approval.by': 'olga',
    });
    // The rejected call never reached a tool: an instant span under the run says so.
    expect(refused!.attributes).toMatchObject({
      'reins.call.id': '3-1',
      'reins.tool.outcome': 'rejected',
      'reins.approval.outcome': 'rejected',
      'reins.approval.by': 'olga',
    });
    expect(parentOf(spans, refused!)).toBe(agent);
    expect(rejectedWait!.attributes).toMatchObject({
      'reins.approval.request_id': '3-1',
      'reins.approval.outcome': 'rejected',
    });
    expect(wait!.attributes).toMatchObject({
      'reins.approval.request_id': '2-1',
      'gen_ai.tool.name': 'delete_file',
      'reins.approval.outcome': 'approved',
      'reins.approval.by': 'olga',
      'reins.approval.via': 'update',
      'reins.approval.wait_ms': expect.any(Number),
    });
    expect(parentOf(spans, wait!)).toBe(agent);
    expect(Number(wait!.attributes['reins.approval.wait_ms'])).toBeGreaterThan(0);
  } finally {
    await native.close();
    await connection.close();
    await model.close();
  }
});

/** A traced worker answering every model call with "hello", and a client, for the length of `body`. */
async function withTracedWorker(
  options: { content?: boolean; policy?: string },
  body: (reins: ReinsClient, exporter: InMemorySpanExporter) => Promise<void>,
): Promise<void> {
  const exporter = new InMemorySpanExporter();
  const model = await startScriptedModel({ script: () => ({ reply: { content: 'hello' } }) });
  const taskQueue = uniqueTaskQueue('reins-telemetry');
  const dir = tempDataDir();
  const policyFile = path.join(dir, 'policy.yaml');
  if (options.policy) writeFileSync(policyFile, options.policy);
  const config = { ...testWorkerConfig(taskQueue, model.url, dir), ...(options.policy ? { policyFile } : {}) };
  const { connection, client } = await connectClient();
  const native = await connectNative();
  try {
    const worker = await createReinsWorker({
      config,
      connection: native,
      workflowBundle: bundle,
      telemetry: createTelemetry({ spanProcessor: new SimpleSpanProcessor(exporter), content: options.content }),
    });
    const reins = new ReinsClient(client, { taskQueue });
    await worker.runUntil(body(reins, exporter));
  } finally {
    await native.close();
    await connection.close();
    await model.close();
  }
}

test('message content stays out of spans unless the operator opts in', async () => {
  await withTracedWorker({}, async (reins, exporter) => {
    const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'private words', userId: 'u' });
    await reins.result(runId);
    const chat = one(exporter.getFinishedSpans(), 'chat scripted-1');
    expect(chat.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(chat.attributes['gen_ai.output.messages']).toBeUndefined();
    expect(JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes))).not.toContain('private words');
  });
});

test('the platform policy decides per run whether content reaches spans, even where the worker records it', async () => {
  const policy = 'org:\n  traces: { content: opt-in }\n';
  await withTracedWorker({ content: true, policy }, async (reins, exporter) => {
    const silent = fileClerkSpec({ name: 'silent-agent' });
    const optedIn = fileClerkSpec({ name: 'open-agent', telemetry: { recordContent: true } });
    await reins.result((await reins.startRun({ spec: silent, prompt: 'keep this private', userId: 'u' })).runId);
    await reins.result((await reins.startRun({ spec: optedIn, prompt: 'fine to trace', userId: 'u' })).runId);
    const chats = named(exporter.getFinishedSpans(), 'chat scripted-1');
    const of = (agent: string) => chats.find((span) => span.attributes['gen_ai.agent.name'] === agent)!;
    expect(of('silent-agent').attributes['gen_ai.input.messages']).toBeUndefined();
    const attributes = JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes));
    expect(attributes).not.toContain('keep this private');
    expect(String(of('open-agent').attributes['gen_ai.input.messages'])).toContain('fine to trace');
  });
});

test('the worker exports over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and not at all otherwise', async () => {
  expect(telemetryFromEnv({})).toBeUndefined();
  expect(telemetryFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();

  const bodies: string[] = [];
  const collector = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
    request.on('end', () => {
      if (request.url === '/v1/traces') bodies.push(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
  const model = await startScriptedModel({ script: [{ reply: { content: 'hello' } }] });
  const taskQueue = uniqueTaskQueue('reins-telemetry');
  const { connection, client } = await connectClient();
  const native = await connectNative();
  try {
    const reins = new ReinsClient(client, { taskQueue });
    // No telemetry option: the worker takes it from the environment, as in docker-compose.
    const worker = await createReinsWorker({
      config: testWorkerConfig(taskQueue, model.url, tempDataDir()),
      connection: native,
      workflowBundle: bundle,
    });
    await worker.runUntil(async () => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'hi', userId: 'u' });
      await reins.result(runId);
    });
    // Stopping the worker flushed the batch.
    const sent = bodies.join('\n');
    expect(sent).toContain('invoke_agent file-clerk');
    expect(sent).toContain('chat scripted-1');
  } finally {
    if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
    await native.close();
    await connection.close();
    await model.close();
    await new Promise((resolve) => collector.close(resolve));
  }
});
