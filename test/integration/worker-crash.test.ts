import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ReinsClient } from '../../client';
import { runDirectoryName } from '../../activities/tools/workspace';
import { startScriptedModel } from '../../testing/scripted-model';
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

test(
  'a worker SIGKILLed during a slow side-effecting tool: a new worker finishes the run, the effect happened once',
  async () => {
    const model = await startScriptedModel({
      script: [
        { reply: { toolCalls: [{ name: 'slow_append', arguments: { line: 'shipped order 42' } }] } },
        { reply: { content: 'Order 42 is recorded.' } },
      ],
    });
    const dataDir = tempDataDir();
    const signalDir = mkdtempSync(path.join(os.tmpdir(), 'reins-crash-'));
    const taskQueue = uniqueTaskQueue('reins-crash');
    const env = {
      TEMPORAL_ADDRESS: testAddress(),
      REINS_TASK_QUEUE: taskQueue,
      OPENAI_BASE_URL: model.url,
      REINS_DATA_DIR: dataDir,
      CRASH_SIGNAL_DIR: signalDir,
    };
    const { connection, client } = await connectClient();
    const reins = new ReinsClient(client, { taskQueue });
    const children: ChildProcess[] = [];
    try {
      const first = startWorkerProcess(env);
      children.push(first);
      const spec = fileClerkSpec({ tools: [{ name: 'slow_append' }] });
      const { runId } = await reins.startRun({ spec, prompt: 'Record order 42', userId: 'ops' });

      await waitForFile(path.join(signalDir, 'effect-attempt-1'), CRASH_WAIT_MS);
      first.kill('SIGKILL');
      await exited(first);
      expect(first.signalCode).toBe('SIGKILL');

      children.push(startWorkerProcess(env));
      const result = await reins.result(runId);

      expect(result.status).toBe('completed');
      expect(result.answer).toBe('Order 42 is recorded.');
      const journal = readFileSync(path.join(dataDir, 'workspaces', runDirectoryName(runId), 'journal.txt'), 'utf8');
      expect(journal.match(/shipped order 42/g)).toHaveLength(1);
      // The kill really interrupted the tool: Temporal ran it a second time, on the new worker.
      expect(existsSync(path.join(signalDir, 'effect-attempt-2'))).toBe(true);
      const history = await client.workflow.getHandle(runId).fetchHistory();
      const toolAttempts = (history.events ?? [])
        .filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
      expect(Math.max(...toolAttempts)).toBe(2);
      expect(model.requests.at(-1)!.body.messages.at(-1)).toMatchObject({
        role: 'tool',
        content: 'appended "shipped order 42"',
      });
    } finally {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited(child);
        }
      }
      await connection.close();
      await model.close();
    }
  },
  CRASH_TEST_TIMEOUT_MS,
);

test(
  'a worker SIGKILLed during a tool that does not deduplicate: the call is not run again and the model is told',
  async () => {
    const model = await startScriptedModel({
      script: [
        { reply: { toolCalls: [{ name: 'raw_append', arguments: { line: 'charged card 7' } }] } },
        { reply: { content: 'The charge may or may not have gone through; please check.' } },
      ],
    });
    const dataDir = tempDataDir();
    const signalDir = mkdtempSync(path.join(os.tmpdir(), 'reins-crash-'));
    const taskQueue = uniqueTaskQueue('reins-crash');
    const env = {
      TEMPORAL_ADDRESS: testAddress(),
      REINS_TASK_QUEUE: taskQueue,
      OPENAI_BASE_URL: model.url,
      REINS_DATA_DIR: dataDir,
      CRASH_SIGNAL_DIR: signalDir,
    };
    const { connection, client } = await connectClient();
    const reins = new ReinsClient(client, { taskQueue });
    const children: ChildProcess[] = [];
    try {
      const first = startWorkerProcess(env);
      children.push(first);
      const spec = fileClerkSpec({ tools: [{ name: 'raw_append' }] });
      const { runId } = await reins.startRun({ spec, prompt: 'Charge card 7', userId: 'ops' });

      await waitForFile(path.join(signalDir, 'effect-attempt-1'), CRASH_WAIT_MS);
      first.kill('SIGKILL');
      await exited(first);
      expect(first.signalCode).toBe('SIGKILL');

      children.push(startWorkerProcess(env));
      const result = await reins.result(runId);

      expect(result.status).toBe('completed');
      // The effect happened once, on the killed worker; the retry on the new worker did not act again.
      expect(readFileSync(path.join(signalDir, 'effects.txt'), 'utf8')).toBe('charged card 7\n');
      expect(existsSync(path.join(signalDir, 'effect-attempt-2'))).toBe(false);
      const history = await client.workflow.getHandle(runId).fetchHistory();
      const toolAttempts = (history.events ?? [])
        .filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
      expect(Math.max(...toolAttempts)).toBe(2);
      expect(result.toolCalls).toEqual([
        expect.objectContaining({ callId: '1-1', tool: 'raw_append', outcome: 'interrupted' }),
      ]);
      const told = model.requests.at(-1)!.body.messages.at(-1)!;
      expect(told).toMatchObject({ role: 'tool' });
      expect(told.content).toContain('Error [ToolOutcomeUnknown]');
      expect(told.content).toContain('may or may not have happened');
    } finally {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited(child);
        }
      }
      await connection.close();
      await model.close();
    }
  },
  CRASH_TEST_TIMEOUT_MS,
);

test(
  'a worker stopped with SIGTERM during a tool call lets it finish within REINS_SHUTDOWN_GRACE: one effect, no retry',
  async () => {
    const model = await startScriptedModel({
      script: [
        { reply: { toolCalls: [{ name: 'raw_append', arguments: { line: 'charged card 8' } }] } },
        { reply: { content: 'Card 8 is charged.' } },
      ],
    });
    const signalDir = mkdtempSync(path.join(os.tmpdir(), 'reins-crash-'));
    const taskQueue = uniqueTaskQueue('reins-stop');
    const env = {
      TEMPORAL_ADDRESS: testAddress(),
      REINS_TASK_QUEUE: taskQueue,
      OPENAI_BASE_URL: model.url,
      REINS_DATA_DIR: tempDataDir(),
      CRASH_SIGNAL_DIR: signalDir,
      CRASH_HOLD_MS: '3000',
      REINS_SHUTDOWN_GRACE: '60s',
    };
    const { connection, client } = await connectClient();
    const reins = new ReinsClient(client, { taskQueue });
    const children: ChildProcess[] = [];
    try {
      const first = startWorkerProcess(env);
      children.push(first);
      const spec = fileClerkSpec({ tools: [{ name: 'raw_append' }] });
      const { runId } = await reins.startRun({ spec, prompt: 'Charge card 8', userId: 'ops' });

      await waitForFile(path.join(signalDir, 'effect-attempt-1'), CRASH_WAIT_MS);
      first.kill('SIGTERM');
      await exited(first);
      // A clean stop: the worker waited for the call, handed its result to Temporal, then exited.
      expect({ code: first.exitCode, signal: first.signalCode }).toEqual({ code: 0, signal: null });

      children.push(startWorkerProcess(env));
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(result.answer).toBe('Card 8 is charged.');
      expect(readFileSync(path.join(signalDir, 'effects.txt'), 'utf8')).toBe('charged card 8\n');
      expect(existsSync(path.join(signalDir, 'effect-attempt-2'))).toBe(false);
      expect(result.toolCalls).toEqual([
        expect.objectContaining({ callId: '1-1', tool: 'raw_append', outcome: 'succeeded' }),
      ]);
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
  },
  CRASH_TEST_TIMEOUT_MS,
);
