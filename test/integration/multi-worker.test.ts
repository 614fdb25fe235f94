/**
 * Workers on many machines with nothing shared but Temporal and a database: three worker processes, each with an
 * empty data dir of its own, run a mixed load against one PostgreSQL store; one is SIGKILLed mid-call and a fresh one
 * takes its place. The client in this process has no data dir at all: it reaches run state through the store only.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex, ExternalStorageRunner } from '@temporalio/common/lib/internal-non-workflow';
import { Client as PgClient } from 'pg';
import { ReinsClient } from '../../client';
import type { AgentSpecInput } from '../../common/agent-spec';
import type { ConversationDelta } from '../../common/chat';
import { closePostgresStores } from '../../shared/store/postgres/pg-store';
import {
  startScriptedModel,
  type ScriptFn,
  type ScriptTurn,
  type ScriptedModelServer,
} from '../../testing/scripted-model';
import { ChildRun, REPO_ROOT } from '../helpers/cli';
import { testAddress, uniqueTaskQueue } from '../helpers/temporal';
import { WorkerProcess, waitUntilPolling } from '../helpers/worker-process';

const PG_URL = process.env.REINS_TEST_PG_URL ?? '';
const ENTRY = path.join(__dirname, '..', 'fixtures', 'store-worker.ts');
const DUMP_NULS = 15_000;
const BIG_EDIT = `# Report\n${'R'.repeat(100_000)}\n`;

type Message = { role: string; content?: unknown; tool_calls?: Array<{ function: { name: string } }> };
type Turn = ScriptTurn;

const call = (name: string, args: Record<string, unknown>): Turn => ({
  reply: { toolCalls: [{ name, arguments: args }] },
});
const say = (content: string): Turn => ({ reply: { content } });
const text = (message: Message | undefined) => String(message?.content ?? '');
const toolOutputs = (messages: Message[]) => messages.filter((m) => m.role === 'tool').map(text);
const isSummaryRequest = (messages: Message[]) => text(messages[0]).startsWith('You compress an agent conversation');

/** Effects the workers cause outside themselves, counted here where no worker can double-count or forget them. */
class Receiver {
  readonly effects: string[] = [];
  readonly holds: Array<{ line: string; key: string; attempt: number; pid: number }> = [];
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/hold') {
        // The first call is held for good: its worker is killed while it waits.
        const hold = JSON.parse(body) as Receiver['holds'][number];
        this.holds.push(hold);
        if (this.holds.length > 1) res.end('late attempt');
        return;
      }
      this.effects.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`recorded ${req.url}`);
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The scripted model for all six runs: each run is told apart by its prompt, each step read from the conversation. */
function loadScript(effectUrl: string): ScriptFn {
  return (request) => {
    const messages = request.messages as Message[];
    if (isSummaryRequest(messages)) {
      const stretch = text(messages[1]);
      const files = [...stretch.matchAll(/f(\d+)\.txt/g)].map((m) => Number(m[1]));
      const checkpoint = stretch.includes('list_files') ? '; checkpoint passed' : '';
      return say(`SUMMARY: wrote files up to f${Math.max(-1, ...files)}.txt${checkpoint}`);
    }
    const prompt = text(messages.find((m) => m.role === 'user'));
    const outputs = toolOutputs(messages);
    const n = outputs.length;
    const last = outputs.at(-1) ?? '';
    if (prompt.startsWith('A ')) {
      const steps: Array<() => Turn> = [
        () => call('write_file', { path: 'a.txt', content: 'alpha-1' }),
        () => call('read_file', { path: 'a.txt' }),
        () => call('write_file', { path: 'b.txt', content: `${last}|beta-2` }),
        () => call('slow_effect', { line: 'shipped A' }),
        () => call('read_file', { path: 'b.txt' }),
        () => call('write_file', { path: 'c.txt', content: `${last}|gamma-3` }),
        () => call('read_file', { path: 'c.txt' }),
        () => call('http_request', { method: 'POST', url: `${effectUrl}/effects/A`, body: { run: 'A' } }),
        () => say(`A: ${outputs[6]}`),
      ];
      return steps[n]!();
    }
    if (prompt.startsWith('B ')) {
      const code = "open('log.txt', 'a').write('ran;')\nprint(6 * 7)";
      const steps: Array<() => Turn> = [
        () => call('run_code', { language: 'python', code }),
        () => call('list_files', {}),
        () => call('read_file', { path: 'log.txt' }),
        () => say(`B: ${last} ${/stdout \(\d+ bytes\):\n42/.test(outputs[0] ?? '') ? 'printed 42' : 'no 42'}`),
      ];
      return steps[n]!();
    }
    if (prompt.startsWith('C ')) {
      const steps: Array<() => Turn> = [
        () => call('write_file', { path: 'old.log', content: 'stale' }),
        () => call('delete_file', { path: 'old.log' }),
        () => call('list_files', {}),
        () => call('http_request', { method: 'POST', url: `${effectUrl}/effects/C`, body: { run: 'C' } }),
        () => say(`C: ${outputs[1]}, ${outputs[2]?.includes('old.log') ? 'still listed' : 'not listed'}`),
      ];
      return steps[n]!();
    }
    if (prompt.startsWith('D ')) {
      // Compaction drops old turns, so progress is read from what is left: tool results, listings and the summary.
      const all = messages.map(text).join('\n');
      const written = Math.max(-1, ...[...all.matchAll(/f(\d+)\.txt/g)].map((m) => Number(m[1])));
      const passed =
        all.includes('checkpoint passed') ||
        messages.some((m) => m.tool_calls?.some((c) => c.function.name === 'list_files'));
      if (written + 1 === 2 && !passed) return call('list_files', {});
      if (written + 1 < 6) return call('write_file', { path: `f${written + 1}.txt`, content: 'x'.repeat(1500) });
      return say('D: wrote f0..f5');
    }
    if (prompt.startsWith('E ')) {
      const nuls = (outputs[0] ?? '').split('\u0000').length - 1;
      const steps: Array<() => Turn> = [
        () => call('dump_device', { device: '/dev/sdz' }),
        () => call('list_files', {}),
        () => say(`E: ${nuls} NUL bytes, ${outputs[0]?.endsWith('DUMP-END') ? 'intact' : 'cut'}`),
      ];
      return steps[n]!();
    }
    if (prompt.startsWith('F ')) {
      const steps: Array<() => Turn> = [
        () => call('write_file', { path: 'report.md', content: 'draft' }),
        () => call('read_file', { path: 'report.md' }),
        () => say(`F: ${outputs[0]}; starts ${JSON.stringify((outputs[1] ?? '').slice(0, 12))}`),
      ];
      return steps[n]!();
    }
    return say(`no script for ${JSON.stringify(prompt)}`);
  };
}

function spec(name: string, tools: AgentSpecInput['tools'], extra: Partial<AgentSpecInput> = {}): AgentSpecInput {
  return { name, instructions: 'Do as the prompt says.', model: { name: 'scripted-1' }, tools, maxSteps: 20, ...extra };
}

const never = (name: string, config?: Record<string, unknown>) => ({
  name,
  approval: 'never' as const,
  ...(config ? { config } : {}),
});
const always = (name: string) => ({ name, approval: 'always' as const });
const local = { hosts: [{ host: '127.0.0.1', allowPrivate: true }] };

const RUNS: Record<string, { prompt: string; spec: AgentSpecInput; answer: string | RegExp }> = {
  A: {
    prompt: 'A files across steps',
    spec: spec('files', [never('write_file'), never('read_file'), never('slow_effect'), never('http_request', local)]),
    answer: 'A: alpha-1|beta-2|gamma-3',
  },
  B: {
    prompt: 'B code in the sandbox',
    spec: spec('coder', [never('run_code'), always('list_files'), never('read_file')]),
    answer: 'B: ran; printed 42',
  },
  C: {
    prompt: 'C clean up with approval',
    spec: spec('cleaner', [
      never('write_file'),
      always('delete_file'),
      never('list_files'),
      never('http_request', local),
    ]),
    answer: 'C: deleted old.log, not listed',
  },
  D: {
    prompt: 'D long run: write six files',
    spec: spec('long', [never('write_file'), always('list_files')], {
      model: { name: 'scripted-1', contextWindow: 3000, outputReserve: 200 },
      context: { keepRecentMessages: 4, compactAt: 0.6, continueAsNewEvery: 2 },
    }),
    answer: 'D: wrote f0..f5',
  },
  E: {
    prompt: 'E dump the device',
    spec: spec('dumper', [never('dump_device'), always('list_files')]),
    answer: `E: ${DUMP_NULS} NUL bytes, intact`,
  },
  F: {
    prompt: 'F write the report',
    spec: spec('reporter', [always('write_file'), never('read_file')]),
    answer: `F: wrote ${Buffer.byteLength(BIG_EDIT)} bytes to report.md; starts "# Report\\nRRR"`,
  },
};

interface Activity {
  type: string;
  input: unknown;
  /** The worker that completed it (or failed it last). */
  identity: string;
  failureType?: string;
  /** Sizes of the first input and result payload as history holds them: a claim is a digest and a size. */
  inputBytes: number;
  resultBytes?: number;
}

type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];

/** Every execution of a run's continue-as-new chain, first to last. */
async function chainOf(client: Client, runId: string): Promise<HistoryEvent[][]> {
  const latest = await client.workflow.getHandle(runId).fetchHistory();
  let next = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? undefined;
  const chain: HistoryEvent[][] = [];
  while (next) {
    const events = (await client.workflow.getHandle(runId, next).fetchHistory()).events ?? [];
    chain.push(events);
    next = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return chain;
}

/** A run's activities across its chain, inputs decoded through the store as any client would. */
async function activitiesOf(client: Client, runId: string): Promise<Activity[]> {
  const converter = client.options.loadedDataConverter;
  const storage = new ExternalStorageRunner(converter.externalStorage!);
  const activities: Activity[] = [];
  for (const events of await chainOf(client, runId)) {
    const scheduled = new Map<number, Activity>();
    for (const event of events) {
      const attrs = event.activityTaskScheduledEventAttributes;
      if (attrs) {
        const payloads = await storage.retrieve(attrs.input?.payloads ?? []);
        const activity: Activity = {
          type: attrs.activityType?.name ?? '',
          input: await decodeFromPayloadsAtIndex(converter, 0, payloads),
          identity: '',
          inputBytes: attrs.input?.payloads?.[0]?.data?.length ?? 0,
        };
        scheduled.set(Number(event.eventId), activity);
        activities.push(activity);
      }
      const done = event.activityTaskCompletedEventAttributes;
      const failed = event.activityTaskFailedEventAttributes;
      const ended = done ?? failed;
      if (ended) {
        const activity = scheduled.get(Number(ended.scheduledEventId));
        if (!activity) continue;
        activity.identity = ended.identity ?? '';
        if (failed) activity.failureType = failed.failure?.applicationFailureInfo?.type ?? 'unknown';
        if (done) activity.resultBytes = done.result?.payloads?.[0]?.data?.length ?? 0;
      }
    }
  }
  return activities;
}

const WRITES = new Set(['write_file', 'run_code', 'delete_file']);
const NEEDS_FILES = new Set(['read_file', 'list_files', 'delete_file']);

/** Calls that read the workspace on a worker other than the one that last wrote it, in one run. */
function crossWorkerReads(list: Activity[]): number {
  let writer: string | undefined;
  let count = 0;
  for (const activity of list.filter((a) => a.type === 'runTool')) {
    const tool = (activity.input as { tool?: string }).tool ?? '';
    if (NEEDS_FILES.has(tool) && writer !== undefined && activity.identity !== writer) count += 1;
    if (WRITES.has(tool)) writer = activity.identity;
  }
  return count;
}

/** The closing event's result payload as history holds it: its size, and whether it is a claim. */
async function closingPayloadBytes(client: Client, runId: string): Promise<number> {
  const chain = await chainOf(client, runId);
  const closing = chain.at(-1)!.at(-1)!;
  return closing.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.data?.length ?? -1;
}

describe('workers on many machines, sharing only Temporal and PostgreSQL', () => {
  const schema = `reins_multi_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const taskQueue = uniqueTaskQueue('reins-multi');
  const receiver = new Receiver();
  const workers: WorkerProcess[] = [];
  const dataDirs: string[] = [];
  let model: ScriptedModelServer;
  let reins: ReinsClient;
  const runIds = new Map<string, string>();

  const startWorker = () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reins-multi-worker-'));
    dataDirs.push(dataDir);
    const worker = new WorkerProcess(ENTRY, {
      TEMPORAL_ADDRESS: testAddress(),
      REINS_TASK_QUEUE: taskQueue,
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: 'test-key',
      // Each worker's disk is its own and starts empty; the store is all they share.
      REINS_DATA_DIR: dataDir,
      REINS_STORE: PG_URL,
      REINS_STORE_SCHEMA: schema,
      EFFECT_URL: receiver.url,
      // Each tool call of a run goes to whichever worker polls first, not to the one holding the run.
      STORE_WORKER_EAGER_ACTIVITIES: 'off',
    });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    if (!PG_URL) throw new Error('REINS_TEST_PG_URL is not set: run through jest so test/global-setup.ts provides it');
    await receiver.start();
    model = await startScriptedModel({ script: loadScript(receiver.url) });
    // The client names the store and nothing else: no data dir, no payload dir.
    delete process.env.REINS_STORE_SCHEMA;
    delete process.env.REINS_DATA_DIR;
    delete process.env.REINS_PAYLOAD_DIR;
    reins = await ReinsClient.connect({ address: testAddress(), taskQueue, store: PG_URL, storeSchema: schema });
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    await reins?.close();
    await model?.close();
    await receiver.close();
    await closePostgresStores();
    const admin = new PgClient({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await admin.end();
    }
  });

  test('a mixed load survives a SIGKILLed worker: right answers, effects once, deltas only', async () => {
    const temporal = reins.temporal;
    const first = [startWorker(), startWorker(), startWorker()];
    await Promise.all(first.map((worker) => waitUntilPolling(temporal, taskQueue, worker)));

    for (const [key, run] of Object.entries(RUNS)) {
      const { runId } = await reins.startRun({ spec: run.spec, prompt: run.prompt, userId: 'ops' });
      runIds.set(key, runId);
    }
    const id = (key: string) => runIds.get(key)!;

    // Every run but A parks at its gate; A is inside slow_effect, whose effect the receiver has already seen.
    const gated = ['B', 'C', 'D', 'E', 'F'];
    const pendingBefore = await Promise.all(
      gated.map((key) => waitForPending(reins, id(key), 90_000).then((request) => [key, request] as const)),
    );
    const hold = await until('slow_effect to reach the receiver', () => receiver.holds[0]);
    const victim = first.find((worker) => worker.pid === hold.pid);
    expect(victim).toBeDefined();
    expect(hold.attempt).toBe(1);

    await victim!.kill();
    expect(victim!.signalCode).toBe('SIGKILL');
    const fresh = startWorker();
    await waitUntilPolling(temporal, taskQueue, fresh);

    // The decisions reach workers that never saw these runs; F's edit is too large for history and goes to the store.
    await Promise.all(
      pendingBefore.map(([key, request]) =>
        reins.decide(id(key), {
          requestId: request.requestId,
          decision: 'approve',
          by: 'rev',
          ...(key === 'F' ? { editedArgs: { path: 'report.md', content: BIG_EDIT } } : {}),
        }),
      ),
    );
    const results = Object.fromEntries(
      await Promise.all(Object.keys(RUNS).map(async (key) => [key, await reins.result(id(key))] as const)),
    );

    for (const [key, run] of Object.entries(RUNS)) {
      expect([key, results[key]!.status, results[key]!.answer]).toEqual([key, 'completed', run.answer]);
    }

    // Effects outside the workers: each happened exactly once, the killed call included (not run again: the ledger
    // in the store told the next worker it had started).
    expect(receiver.effects.sort()).toEqual(['POST /effects/A', 'POST /effects/C']);
    expect(receiver.holds).toHaveLength(1);
    expect(results.A!.toolCalls.find((c) => c.tool === 'slow_effect')).toMatchObject({ outcome: 'interrupted' });
    // run_code's append to its workspace happened once (B's answer carries the file: "ran;").
    // The long run compacted and continued as new.
    expect(results.D!.compactions.length).toBeGreaterThan(0);
    expect(results.D!.segment).toBeGreaterThan(1);

    const activities = Object.fromEntries(
      await Promise.all(Object.keys(RUNS).map(async (key) => [key, await activitiesOf(temporal, id(key))] as const)),
    );
    const all = Object.values(activities).flat();
    // No worker ever lacked a conversation: nothing was resent whole because another worker held it.
    expect(all.filter((a) => a.failureType === 'ConversationMissing')).toEqual([]);
    let deltas = 0;
    for (const [key, list] of Object.entries(activities)) {
      const seen = new Set<string>();
      for (const activity of list.filter((a) => a.type === 'callModel' || a.type === 'summarizeConversation')) {
        const input = activity.input as { conversation?: ConversationDelta };
        const delta = input.conversation;
        if (!delta) continue;
        if (seen.has(delta.id)) {
          // After its first call a conversation travels as the new messages only: one answer and its tool results.
          expect([key, delta.id, delta.from > 0, delta.messages.length <= 2]).toEqual([key, delta.id, true, true]);
          deltas += 1;
        } else {
          seen.add(delta.id);
        }
      }
    }
    expect(deltas).toBeGreaterThanOrEqual(20);
    // ...while the model got the whole conversation each time, assembled from the store on whichever worker called.
    const requestsOfA = model.requests.filter((r) => text(r.body.messages[1] as Message).startsWith('A '));
    expect(requestsOfA.map((r) => r.body.messages.length)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18]);

    // Tool calls ran on several workers: at least the victim and the one that settled its call after the kill (how
    // Temporal spreads the rest is its own choice, so no more is asserted).
    const toolCalls = all.filter((a) => a.type === 'runTool');
    const identities = new Set(toolCalls.map((a) => a.identity));
    expect(identities.size).toBeGreaterThanOrEqual(2);
    // The killed call was settled by a worker that outlived the kill.
    const settled = activities.A!.find(
      (a) => a.type === 'runTool' && (a.input as { tool?: string }).tool === 'slow_effect',
    );
    expect(settled?.identity).toMatch(/@/);
    expect(settled?.identity.startsWith(victim!.identityPrefix)).toBe(false);
    // Calls that needed files an earlier call wrote on another worker: the workspace followed through the store.
    const followed = Object.values(activities).reduce((sum, list) => sum + crossWorkerReads(list), 0);
    expect(followed).toBeGreaterThan(0);

    // E's tool output and F's edited arguments were too large for history: only claims there, bytes in the store.
    const dump = activities.E!.find(
      (a) => a.type === 'runTool' && (a.input as { tool?: string }).tool === 'dump_device',
    );
    expect(dump?.resultBytes).toBeLessThan(2_000);
    const edit = activities.F!.find(
      (a) => a.type === 'runTool' && (a.input as { tool?: string }).tool === 'write_file',
    );
    expect((edit?.input as { args?: { content?: string } }).args?.content).toBe(BIG_EDIT);
    expect(edit?.inputBytes).toBeLessThan(2_000);
    const updates = (await chainOf(temporal, id('F')))
      .flat()
      .flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? []);
    expect(updates.length).toBeGreaterThan(0);
    for (const payload of updates) expect(payload.data?.length ?? 0).toBeLessThan(2_000);
    const admin = new PgClient({ connectionString: PG_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ run: string }>(`SELECT DISTINCT run FROM ${schema}.blobs`);
      expect(rows.map((r) => r.run)).toEqual(expect.arrayContaining([id('E'), id('F')]));
    } finally {
      await admin.end();
    }
    expect(await closingPayloadBytes(temporal, id('E'))).toBeLessThan(2_000);
  }, 240_000);

  test('a client on another machine, knowing only the store, reads a claim-checked result', async () => {
    const runId = runIds.get('E');
    if (!runId) throw new Error('the load test did not start run E');
    const description = await reins.temporal.workflow.getHandle(runId).describe();
    expect(description.status.name).toBe('COMPLETED');
    const home = mkdtempSync(path.join(os.tmpdir(), 'reins-multi-client-'));
    const cli = new ChildRun(
      process.execPath,
      [
        '--require',
        require.resolve('tsx/cjs'),
        path.join(REPO_ROOT, 'cli', 'main.ts'),
        '--task-queue',
        taskQueue,
        'result',
        runId,
      ],
      {
        PATH: process.env.PATH,
        HOME: home,
        TEMPORAL_ADDRESS: testAddress(),
        REINS_STORE: PG_URL,
        REINS_STORE_SCHEMA: schema,
      },
    );
    const timer = setTimeout(() => void cli.stop('SIGKILL'), 45_000);
    const outcome = await cli.exited.finally(() => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
    });
    expect([outcome.code, outcome.stderr]).toEqual([0, '']);
    expect(outcome.stdout).toContain(`E: ${DUMP_NULS} NUL bytes, intact`);
  }, 60_000);
});

async function waitForPending(reins: ReinsClient, runId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const state = await reins.getState(runId);
      last = state.status;
      const request = state.pendingApprovals[0];
      if (request) return request;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`run ${runId} did not wait for approval in ${timeoutMs} ms; last seen: ${String(last)}`);
}
