import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { defineTool } from '../../common/tools/define-tool';
import { encodingsOf } from '../../activities/secrets/scrub';
import { createReinsWorker } from '../../worker/create-worker';
import { ReinsClient } from '../../client';
import { startScriptedModel } from '../../testing/scripted-model';
import { fileClerkSpec, messagesOf, tempDataDir, testWorkerConfig } from '../helpers/harness';
import { connectClient, connectNative, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

const ENV_SECRET = 'env-s3cret/with+odd=chars&more';
const FILE_SECRET = 'file-s3cret-0123456789abcdef';

/** A careless tool: prints the worker's secrets in plain, base64, URL-encoded and hex form. */
const leaky = defineTool({
  name: 'leaky',
  description: 'Shows the configuration it runs with.',
  class: 'read',
  schema: z.strictObject({}),
  execute: async () => {
    const file = readFileSync(path.join(process.env.REINS_TEST_SECRET_DIR ?? '', 'FILE_API_TOKEN'), 'utf8');
    return [ENV_SECRET, file]
      .flatMap((value) => [
        `plain=${value}`,
        `base64=${Buffer.from(value).toString('base64')}`,
        `url=${encodeURIComponent(value)}`,
        `hex=${Buffer.from(value).toString('hex')}`,
        `header=${Buffer.from(`Authorization: Bearer ${value}`).toString('base64')}`,
      ])
      .join('\n');
  },
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile());
}

interface LeakyRun {
  modelRequests: string;
  toolMessage: string;
  history: string;
  stored: string[];
  logged: string;
}

/** One run of the leaky tool on a worker of its own, with stdout and stderr captured while it works. */
async function runLeaky(secretsDir?: string): Promise<LeakyRun> {
  const logged: string[] = [];
  const capture = (stream: NodeJS.WriteStream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    });
  const spies = [capture(process.stdout), capture(process.stderr)];
  const model = await startScriptedModel({
    script: [{ reply: { toolCalls: [{ name: 'leaky', arguments: {} }] } }, { reply: { content: 'All set' } }],
  });
  const taskQueue = uniqueTaskQueue('reins-secrets');
  const dataDir = tempDataDir();
  const native = await connectNative();
  const { connection, client } = await connectClient(path.join(dataDir, 'payloads'));
  try {
    const worker = await createReinsWorker({
      config: { ...testWorkerConfig(taskQueue, model.url, dataDir), secretsDir },
      connection: native,
      workflowBundle: workflowBundle(),
      extraTools: [leaky],
    });
    const reins = new ReinsClient(client, { taskQueue });
    const runId = await worker.runUntil(async () => {
      const started = await reins.startRun({
        spec: fileClerkSpec({ tools: [{ name: 'leaky' }] }),
        prompt: 'Show your configuration',
        userId: 'alice',
      });
      expect((await reins.result(started.runId)).status).toBe('completed');
      return started.runId;
    });
    const history = await client.workflow.getHandle(runId).fetchHistory();
    return {
      modelRequests: JSON.stringify(model.requests),
      toolMessage: String((messagesOf(model, 1).at(-1) as { content: unknown }).content),
      history: Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1'),
      // The call ledger is the worker's own record of the raw call, on its disk like the secrets themselves.
      stored: filesUnder(dataDir)
        .filter((file) => !file.includes(`${path.sep}ledger`))
        .map((file) => readFileSync(file).toString('latin1')),
      logged: logged.join(''),
    };
  } finally {
    spies.forEach((spy) => spy.mockRestore());
    await native.close();
    await connection.close();
    await model.close();
  }
}

function expectNowhere(run: LeakyRun, value: string): void {
  for (const form of encodingsOf(value)) {
    expect(run.modelRequests).not.toContain(form);
    expect(run.history).not.toContain(form);
    expect(run.logged).not.toContain(form);
    for (const text of run.stored) expect(text).not.toContain(form);
  }
}

describe('secrets stay out of history, logs and model requests', () => {
  const saved = { ...process.env };
  let secretDir: string;
  beforeAll(() => {
    secretDir = mkdtempSync(path.join(os.tmpdir(), 'reins-secret-dir-'));
    writeFileSync(path.join(secretDir, 'FILE_API_TOKEN'), `${FILE_SECRET}\n`, { mode: 0o600 });
    process.env.REINS_TEST_ECHO_TOKEN = ENV_SECRET;
    process.env.REINS_TEST_SECRET_DIR = secretDir;
  });
  afterAll(() => {
    process.env = saved;
  });

  test('a tool echoing an environment secret in several encodings leaks none of them', async () => {
    const run = await runLeaky();
    expect(run.toolMessage).toContain('plain=[redacted:REINS_TEST_ECHO_TOKEN]');
    expect(run.toolMessage).toContain('url=[redacted:REINS_TEST_ECHO_TOKEN]');
    expect(run.toolMessage).toContain('hex=[redacted:REINS_TEST_ECHO_TOKEN]');
    expectNowhere(run, ENV_SECRET);
    // The control: a worker without the secrets directory does not know that value, so it got through.
    expect(run.modelRequests).toContain(FILE_SECRET);
  });

  test('values in the secrets directory are scrubbed too', async () => {
    const run = await runLeaky(secretDir);
    expect(run.toolMessage).toContain('plain=[redacted:FILE_API_TOKEN]');
    expectNowhere(run, ENV_SECRET);
    expectNowhere(run, FILE_SECRET);
  });

  test('a worker refuses a secrets directory holding a file others can read', async () => {
    const leakyDir = mkdtempSync(path.join(os.tmpdir(), 'reins-secret-dir-'));
    writeFileSync(path.join(leakyDir, 'OPEN_TOKEN'), 'open-value-123');
    chmodSync(path.join(leakyDir, 'OPEN_TOKEN'), 0o644);
    const native = await connectNative();
    try {
      const config = testWorkerConfig(uniqueTaskQueue('reins-secrets'), 'http://127.0.0.1:9', tempDataDir());
      await expect(
        createReinsWorker({
          config: { ...config, secretsDir: leakyDir },
          connection: native,
          workflowBundle: workflowBundle(),
        }),
      ).rejects.toThrow(`secret file ${path.join(leakyDir, 'OPEN_TOKEN')} has mode 0644`);
    } finally {
      await native.close();
    }
  });
});
