import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ReinsClient } from '../../client';
import { runDirectoryName } from '../../activities/tools/workspace';
import type { Client } from '@temporalio/client';
import { startScriptedModel, type ScriptedModelServer } from '../../testing/scripted-model';
import { fileClerkSpec, tempDataDir } from '../helpers/harness';
import { connectClient, testAddress, uniqueTaskQueue } from '../helpers/temporal';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'crash-worker.ts');

/** Generous: a worker process that starts on a loaded machine can take minutes to pick up its first task. */
const CRASH_WAIT_MS = 300_000;
const CRASH_TEST_TIMEOUT_MS = 900_000;

function startWorkerProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
}

/** A scripted model, a worker process environment on a task queue of its own, and a client; `body` runs the test. */
async function withCrashRun(
  options: { tool: string; line: string; answer: string; queue: string; env?: Record<string, string> },
  body: (context: {
    env: Record<string, string>;
    signalDir: string;
    dataDir: string;
    reins: ReinsClient;
    client: Client;
    model: ScriptedModelServer;
    children: ChildProcess[];
    start: (prompt: string) => Promise<string>;
  }) => Promise<void>,
): Promise<void> {
  const model = await startScriptedModel({
    script: [
      { reply: { toolCalls: [{ name: options.tool, arguments: { line: options.line } }] } },
      { reply: { content: options.answer } },
    ],
  });
  const dataDir = tempDataDir();
  const signalDir = mkdtempSync(path.join(os.tmpdir(), 'reins-crash-'));
  const taskQueue = uniqueTaskQueue(options.queue);
  const env = {
    TEMPORAL_ADDRESS: testAddress(),
    REINS_TASK_QUEUE: taskQueue,
    OPENAI_BASE_URL: model.url,
    REINS_DATA_DIR: dataDir,
    CRASH_SIGNAL_DIR: signalDir,
    ...options.env,
  };
  const { connection, client } = await connectClient();
  const reins = new ReinsClient(client, { taskQueue });
  const children: ChildProcess[] = [];
  const spec = fileClerkSpec({ tools: [{ name: options.tool }] });
  const start = async (prompt: string) => (await reins.startRun({ spec, prompt, userId: 'ops' })).runId;
  try {
    await body({ env, signalDir, dataDir, reins, client, model, children, start });
  } finally {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    await connection.close();
    await model.close();
  }
}

/** The tool attempts Temporal started for the run: 2 when a kill made it run the call again. */
async function maxToolAttempt(client: Client, runId: string): Promise<number> {
  const history = await client.workflow.getHandle(runId).fetchHistory();
  const attempts = (history.events ?? [])
    .filter((e) => e.activityTaskStartedEventAttributes)
    .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
  return Math.max(...attempts);
}

/** Starts the first worker, waits for the tool's effect, then stops that worker with `signal`. */
async function stopDuringEffect(
  context: { env: Record<string, string>; signalDir: string; children: ChildProcess[] },
  begin: () => Promise<string>,
  signal: NodeJS.Signals,
): Promise<{ runId: string; first: ChildProcess }> {
  const first = startWorkerProcess(context.env);
  context.children.push(first);
  const runId = await begin();
  await waitForFile(path.join(context.signalDir, 'effect-attempt-1'), CRASH_WAIT_MS);
  first.kill(signal);
  await exited(first);
  context.children.push(startWorkerProcess(context.env));
  return { runId, first };
}

test(
  'a worker SIGKILLed during a slow side-effecting tool: a new worker finishes the run, the effect happened once',
  () =>
    withCrashRun(
      { tool: 'slow_append', line: 'shipped order 42', answer: 'Order 42 is recorded.', queue: 'reins-crash' },
      async (context) => {
        const { runId, first } = await stopDuringEffect(context, () => context.start('Record order 42'), 'SIGKILL');
        expect(first.signalCode).toBe('SIGKILL');
        const result = await context.reins.result(runId);

        expect(result.status).toBe('completed');
        expect(result.answer).toBe('Order 42 is recorded.');
        const workspace = path.join(context.dataDir, 'workspaces', runDirectoryName(runId));
        expect(readFileSync(path.join(workspace, 'journal.txt'), 'utf8').match(/shipped order 42/g)).toHaveLength(1);
        // The kill really interrupted the tool: Temporal ran it a second time, on the new worker.
        expect(existsSync(path.join(context.signalDir, 'effect-attempt-2'))).toBe(true);
        expect(await maxToolAttempt(context.client, runId)).toBe(2);
        expect(context.model.requests.at(-1)!.body.messages.at(-1)).toMatchObject({
          role: 'tool',
          content: 'appended "shipped order 42"',
        });
      },
    ),
  CRASH_TEST_TIMEOUT_MS,
);

test(
  'a worker SIGKILLed during a tool that does not deduplicate: the call is not run again and the model is told',
  () =>
    withCrashRun(
      {
        tool: 'raw_append',
        line: 'charged card 7',
        answer: 'The charge may or may not have gone through; please check.',
        queue: 'reins-crash',
      },
      async (context) => {
        const { runId, first } = await stopDuringEffect(context, () => context.start('Charge card 7'), 'SIGKILL');
        expect(first.signalCode).toBe('SIGKILL');
        const result = await context.reins.result(runId);

        expect(result.status).toBe('completed');
        // The effect happened once, on the killed worker; the retry on the new worker did not act again.
        expect(readFileSync(path.join(context.signalDir, 'effects.txt'), 'utf8')).toBe('charged card 7\n');
        expect(existsSync(path.join(context.signalDir, 'effect-attempt-2'))).toBe(false);
        expect(await maxToolAttempt(context.client, runId)).toBe(2);
        expect(result.toolCalls).toEqual([
          expect.objectContaining({ callId: '1-1', tool: 'raw_append', outcome: 'interrupted' }),
        ]);
        const told = context.model.requests.at(-1)!.body.messages.at(-1)!;
        expect(told).toMatchObject({ role: 'tool' });
        expect(told.content).toContain('Error [ToolOutcomeUnknown]');
        expect(told.content).toContain('may or may not have happened');
      },
    ),
  CRASH_TEST_TIMEOUT_MS,
);

test(
  'a worker stopped with SIGTERM during a tool call lets it finish within REINS_SHUTDOWN_GRACE: one effect, no retry',
  () =>
    withCrashRun(
      {
        tool: 'raw_append',
        line: 'charged card 8',
        answer: 'Card 8 is charged.',
        queue: 'reins-stop',
        env: { CRASH_HOLD_MS: '3000', REINS_SHUTDOWN_GRACE: '60s' },
      },
      async (context) => {
        const { runId, first } = await stopDuringEffect(context, () => context.start('Charge card 8'), 'SIGTERM');
        // A clean stop: the worker waited for the call, handed its result to Temporal, then exited.
        expect({ code: first.exitCode, signal: first.signalCode }).toEqual({ code: 0, signal: null });
        const result = await context.reins.result(runId);

        expect(result.status).toBe('completed');
        expect(result.answer).toBe('Card 8 is charged.');
        expect(readFileSync(path.join(context.signalDir, 'effects.txt'), 'utf8')).toBe('charged card 8\n');
        expect(existsSync(path.join(context.signalDir, 'effect-attempt-2'))).toBe(false);
        expect(result.toolCalls).toEqual([
          expect.objectContaining({ callId: '1-1', tool: 'raw_append', outcome: 'succeeded' }),
        ]);
      },
    ),
  CRASH_TEST_TIMEOUT_MS,
);
