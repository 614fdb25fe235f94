import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { NativeConnection } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { ReinsClient } from '../../client';
import type { AgentSpecInput } from '../../common/agent-spec';
import { ProviderConfigSchema, type ProviderConfigInput } from '../../common/providers';
import {
  startScriptedModel,
  type Fault,
  type Script,
  type ScriptFn,
  type ScriptedModelServer,
} from '../../testing/scripted-model';
import { createReinsWorker } from '../../worker/create-worker';
import { fileClerkSpec, tempDataDir, testWorkerConfig } from '../helpers/harness';
import { connectClient, connectNative, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

interface ProviderSetup {
  script: Script | ScriptFn;
  config?: Partial<ProviderConfigInput>;
}

interface RoutingContext {
  reins: ReinsClient;
  temporal: Client;
  /** Scripted servers and the provider names they answer as (unique per test: health ledgers are shared). */
  servers: Record<string, ScriptedModelServer>;
  names: Record<string, string>;
}

/** One scripted OpenAI-compatible server per provider, a worker that knows them all, and a client. */
async function withProviders(
  setups: Record<string, ProviderSetup>,
  body: (context: RoutingContext) => Promise<void>,
): Promise<void> {
  const suffix = randomUUID().slice(0, 8);
  const servers: Record<string, ScriptedModelServer> = {};
  const names: Record<string, string> = {};
  for (const [key, setup] of Object.entries(setups)) {
    servers[key] = await startScriptedModel({ script: setup.script });
    names[key] = `${key}-${suffix}`;
  }
  const providers = Object.entries(setups).map(([key, setup]) =>
    ProviderConfigSchema.parse({ name: names[key], baseURL: servers[key]!.url, ...setup.config }),
  );
  const taskQueue = uniqueTaskQueue('reins-routing');
  const dataDir = tempDataDir();
  const config = { ...testWorkerConfig(taskQueue, Object.values(servers)[0]!.url, dataDir), providers };
  let native: NativeConnection | undefined;
  const { connection, client } = await connectClient(path.join(dataDir, 'payloads'));
  try {
    native = await connectNative();
    const worker = await createReinsWorker({ config, connection: native, workflowBundle: workflowBundle() });
    const reins = new ReinsClient(client, { taskQueue });
    await worker.runUntil(body({ reins, temporal: client, servers, names }));
  } finally {
    await native?.close();
    await connection.close();
    await Promise.all(Object.values(servers).map((s) => s.close()));
  }
}

const answer = (content: string) => ({ reply: { content } });
const always =
  (reply: string): ScriptFn =>
  () =>
    answer(reply);
/** Fails every request: the script repeats the fault for every attempt of every turn. */
const failing =
  (fault: Fault): ScriptFn =>
  () => ({ ...answer('never'), faults: Array.from({ length: 50 }, () => fault) });
let prompts = 0;
/** A fresh prompt per run, so each run is a new conversation for the scripted servers. */
const prompt = () => `hi ${(prompts += 1)}`;

function routedSpec(models: NonNullable<AgentSpecInput['models']>): AgentSpecInput {
  return fileClerkSpec({ tools: [], models });
}

/** Activity summaries in the run's history, in order. */
async function activitySummaries(temporal: Client, runId: string): Promise<string[]> {
  const history = await temporal.workflow.getHandle(runId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const data = event.userMetadata?.summary?.data;
    return event.activityTaskScheduledEventAttributes && data ? [JSON.parse(Buffer.from(data).toString())] : [];
  });
}

describe('routing across providers', () => {
  test("the primary's 500s move the run to the secondary; history names every attempt", async () => {
    await withProviders(
      {
        primary: { script: failing({ status: 500 }) },
        backup: { script: [answer('from backup')] },
      },
      async ({ reins, temporal, servers, names }) => {
        const spec = routedSpec({
          candidates: [
            { provider: names.primary!, model: 'big' },
            { provider: names.backup!, model: 'small' },
          ],
        });
        const { runId } = await reins.startRun({ spec, prompt: prompt(), userId: 'u' });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        expect(result.answer).toBe('from backup');
        expect(servers.primary!.requests).toHaveLength(3);
        expect(result.modelCalls[0]).toMatchObject({ provider: names.backup, model: 'small' });
        expect(result.modelAttempts?.map((a) => [a.provider, a.outcome, a.errorType])).toEqual([
          [names.primary, 'failed', 'ModelServerError'],
          [names.backup, 'ok', undefined],
        ]);
        const summaries = await activitySummaries(temporal, runId);
        expect(summaries).toEqual(
          expect.arrayContaining([
            `model big via ${names.primary} · step 1 · attempt 1`,
            `model small via ${names.backup} · step 1 · attempt 2`,
          ]),
        );
      },
    );
  });

  test('a 429 with retry-after is waited out on the same provider before any failover', async () => {
    const limited = [{ ...answer('after the wait'), faults: [{ status: 429, headers: { 'retry-after': '2' } }] }];
    await withProviders(
      { primary: { script: limited }, backup: { script: [answer('never')] } },
      async ({ reins, servers, names }) => {
        const spec = routedSpec({
          candidates: [
            { provider: names.primary!, model: 'm' },
            { provider: names.backup!, model: 'm' },
          ],
        });
        const result = await reins.result((await reins.startRun({ spec, prompt: prompt(), userId: 'u' })).runId);
        expect(result.answer).toBe('after the wait');
        const [first, second] = servers.primary!.requests;
        expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(2000);
        expect(servers.backup!.requests).toHaveLength(0);
      },
    );
  });

  test('a timeout moves the run to the next candidate', async () => {
    const hanging: ScriptFn = () => ({ ...answer('too late'), delayMs: 10_000 });
    await withProviders(
      { stuck: { script: hanging }, backup: { script: always('in time') } },
      async ({ reins, names }) => {
        const spec = routedSpec({
          candidates: [
            { provider: names.stuck!, model: 'm' },
            { provider: names.backup!, model: 'm' },
          ],
          maxAttemptsPerCandidate: 1,
          attemptTimeout: '1s',
        });
        const result = await reins.result((await reins.startRun({ spec, prompt: prompt(), userId: 'u' })).runId);
        expect(result.answer).toBe('in time');
        expect(result.modelAttempts?.[0]).toMatchObject({ provider: names.stuck, errorType: 'ModelTimeout' });
      },
    );
  });

  test('the circuit opens after N failures, skips the provider, and closes after its window', async () => {
    let primaryUp = false;
    const primary: ScriptFn = () =>
      primaryUp ? answer('primary is back') : { ...answer('x'), faults: [{ status: 503 }] };
    await withProviders(
      { primary: { script: primary }, backup: { script: always('from backup') } },
      async ({ reins, servers, names }) => {
        const spec = routedSpec({
          candidates: [
            { provider: names.primary!, model: 'm' },
            { provider: names.backup!, model: 'm' },
          ],
          maxAttemptsPerCandidate: 1,
          circuit: { failures: 2, window: '5s' },
        });
        const run = async () =>
          await reins.result((await reins.startRun({ spec, prompt: prompt(), userId: 'u' })).runId);
        expect((await run()).answer).toBe('from backup');
        expect((await run()).answer).toBe('from backup');
        expect(servers.primary!.requests).toHaveLength(2);
        const skipped = await run();
        expect(skipped.answer).toBe('from backup');
        expect(servers.primary!.requests).toHaveLength(2);
        expect(skipped.modelAttempts?.[0]).toMatchObject({ provider: names.primary, outcome: 'skipped' });
        expect(skipped.modelAttempts?.[0]?.message).toMatch(/circuit open after 2 failures/);
        primaryUp = true;
        await new Promise((resolve) => setTimeout(resolve, 5500));
        expect((await run()).answer).toBe('primary is back');
      },
    );
  });

  test('a context-length error moves to a candidate with a larger window', async () => {
    const tooLong: Fault = {
      status: 400,
      body: {
        error: { message: "This model's maximum context length is 8192 tokens", code: 'context_length_exceeded' },
      },
    };
    await withProviders(
      {
        small: { script: failing(tooLong) },
        same: { script: [answer('never')] },
        large: { script: [answer('from the large window')] },
      },
      async ({ reins, servers, names }) => {
        const spec = routedSpec({
          candidates: [
            { provider: names.small!, model: 'm', contextWindow: 8192 },
            { provider: names.same!, model: 'm', contextWindow: 8192 },
            { provider: names.large!, model: 'm', contextWindow: 200_000 },
          ],
        });
        const result = await reins.result((await reins.startRun({ spec, prompt: prompt(), userId: 'u' })).runId);
        expect(result.answer).toBe('from the large window');
        expect(servers.small!.requests).toHaveLength(1);
        expect(servers.same!.requests).toHaveLength(0);
        expect(result.modelAttempts?.[0]).toMatchObject({ outcome: 'failed', errorType: 'ContextOverflow' });
      },
    );
  });

  test('all providers down ends the run with an error listing every attempt', async () => {
    await withProviders(
      {
        one: { script: failing({ status: 500 }) },
        two: { script: failing({ hangup: true }) },
      },
      async ({ reins, names }) => {
        const spec = routedSpec({
          candidates: [
            { provider: names.one!, model: 'a' },
            { provider: names.two!, model: 'b' },
          ],
          maxAttemptsPerCandidate: 1,
        });
        const result = await reins.result((await reins.startRun({ spec, prompt: prompt(), userId: 'u' })).runId);
        expect(result.status).toBe('failed');
        expect(result.lastError?.type).toBe('ModelsUnavailable');
        expect(result.lastError?.message).toContain(`attempt 1 a via ${names.one}: ModelServerError`);
        expect(result.lastError?.message).toContain(`attempt 2 b via ${names.two}: ModelConnectionError`);
      },
    );
  });

  test('an auth failure ends the run instead of moving on, unless the policy allows it', async () => {
    await withProviders(
      { locked: { script: failing({ status: 401 }) }, open: { script: always('from open') } },
      async ({ reins, servers, names }) => {
        const candidates = [
          { provider: names.locked!, model: 'm' },
          { provider: names.open!, model: 'm' },
        ];
        const strict = await reins.result(
          (await reins.startRun({ spec: routedSpec({ candidates }), prompt: prompt(), userId: 'u' })).runId,
        );
        expect(strict.status).toBe('failed');
        expect(strict.lastError?.type).toBe('ModelAuthFailed');
        expect(servers.open!.requests).toHaveLength(0);
        const lenient = await reins.result(
          (
            await reins.startRun({
              spec: routedSpec({ candidates, failoverOnAuthError: true }),
              prompt: prompt(),
              userId: 'u',
            })
          ).runId,
        );
        expect(lenient.answer).toBe('from open');
      },
    );
  });

  test('the cheapest strategy picks the lowest-priced capable candidate', async () => {
    await withProviders(
      {
        dear: {
          script: always('dear'),
          config: { models: [{ name: 'm', prices: { input: 10, output: 30 } }] },
        },
        cheap: {
          script: always('cheap'),
          config: { models: [{ name: 'n', prices: { input: 0.1, output: 0.4 } }] },
        },
      },
      async ({ reins, names }) => {
        const spec = routedSpec({
          strategy: 'cheapest',
          candidates: [
            { provider: names.dear!, model: 'm' },
            { provider: names.cheap!, model: 'n' },
          ],
        });
        const result = await reins.result((await reins.startRun({ spec, prompt: prompt(), userId: 'u' })).runId);
        expect(result.answer).toBe('cheap');
        expect(result.modelCalls[0]).toMatchObject({ provider: names.cheap, model: 'n' });
        expect(result.usage.costUnknown).toBe(false);
        expect(result.usage.costUsd).toBeGreaterThan(0);
      },
    );
  });

  test('the fastest strategy follows the latency every run records in the shared health ledger', async () => {
    const slow: ScriptFn = () => ({ ...answer('slow'), delayMs: 700 });
    await withProviders({ slow: { script: slow }, quick: { script: always('quick') } }, async ({ reins, names }) => {
      const spec = routedSpec({
        strategy: 'fastest',
        candidates: [
          { provider: names.slow!, model: 'm' },
          { provider: names.quick!, model: 'm' },
        ],
      });
      const run = async () =>
        (await reins.result((await reins.startRun({ spec, prompt: prompt(), userId: 'u' })).runId)).answer;
      // Unmeasured providers go first, in order, so both get measured; then the quicker one wins.
      expect(await run()).toBe('slow');
      expect(await run()).toBe('quick');
      expect(await run()).toBe('quick');
    });
  });

  test('compaction summaries use their own purpose choice', async () => {
    const big = 'x'.repeat(1500);
    let calls = 0;
    const main: ScriptFn = () => {
      calls += 1;
      return calls <= 6
        ? { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `f${calls}.txt`, content: big } }] } }
        : answer('all written');
    };
    await withProviders(
      { main: { script: main }, summarizer: { script: always('SUMMARY: wrote files.') } },
      async ({ reins, servers, names }) => {
        const spec = fileClerkSpec({
          model: { name: 'big', contextWindow: 3000, outputReserve: 200 },
          context: { keepRecentMessages: 4, compactAt: 0.6 },
          models: {
            candidates: [{ provider: names.main!, model: 'big' }],
            purposes: { summary: { candidates: [{ provider: names.summarizer!, model: 'small' }] } },
          },
        });
        const result = await reins.result((await reins.startRun({ spec, prompt: prompt(), userId: 'u' })).runId);
        expect(result.status).toBe('completed');
        expect(result.compactions.length).toBeGreaterThan(0);
        expect(servers.summarizer!.requests.length).toBe(result.compactions.length);
        const summaries = result.modelCalls.filter((c) => c.purpose === 'compaction');
        expect(summaries.every((c) => c.provider === names.summarizer && c.model === 'small')).toBe(true);
        expect(result.modelAttempts?.some((a) => a.purpose === 'compaction' && a.outcome === 'ok')).toBe(true);
      },
    );
  });

  test("a provider's rate limit caps its calls per second across runs", async () => {
    const runs = 14;
    const perSecond = 2;
    await withProviders(
      { limited: { script: always('ok'), config: { rateLimitPerSecond: perSecond } } },
      async ({ reins, servers, names }) => {
        const spec = routedSpec({ candidates: [{ provider: names.limited!, model: 'm' }] });
        const started = await Promise.all(
          Array.from({ length: runs }, (_, i) => reins.startRun({ spec, prompt: `call ${i}`, userId: 'u' })),
        );
        const results = await Promise.all(started.map(({ runId }) => reins.result(runId)));
        expect(results.every((r) => r.answer === 'ok')).toBe(true);
        const times = servers.limited!.requests.map((r) => r.receivedAt).sort((a, b) => a - b);
        expect(times).toHaveLength(runs);
        // The server's limiter admits a burst first (about 6 calls, at most 8, in runs on the dev server); the rest come
        // no faster than the rate. Times are taken where requests arrive, so each can lag
        // its dispatch by a few ms on a loaded machine. Unlimited, all the calls arrive within a few hundred ms.
        const elapsed = times[times.length - 1]! - times[0]!;
        const burst = 8;
        const arrivalJitterMs = 250;
        expect(elapsed).toBeGreaterThanOrEqual(((runs - burst) / perSecond) * 1000 - arrivalJitterMs);
      },
    );
  });
});
