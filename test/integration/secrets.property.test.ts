import path from 'node:path';
import fc from 'fast-check';
import { Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { defineTool } from '../../common/tools/define-tool';
import { encodingsOf } from '../../activities/secrets/scrub';
import { ReinsClient } from '../../client';
import { startScriptedModel, type ScriptFn, type ScriptTurn } from '../../testing/scripted-model';
import { createReinsWorker } from '../../worker/create-worker';
import { runCli } from '../helpers/cli';
import { fileClerkSpec, tempDataDir, testWorkerConfig } from '../helpers/harness';
import { connectClient, connectNative, testAddress, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

/**
 * A canary model key (given to the worker as its configuration) and a canary environment secret, echoed back by the
 * provider and by a tool in every common encoding and in every place an answer has, never reach a run's history,
 * the worker's logs or the CLI's output.
 */

const MODEL_KEY = 'sk-canary-model-key-7f3a9c1e5b';
const ENV_NAME = 'REINS_CANARY_TOKEN';
const ENV_SECRET = 'canary/env+secret=0123456789&x';
const CANARIES = [MODEL_KEY, ENV_SECRET];

const encoders: Array<(value: string) => string> = [
  (v) => v,
  (v) => Buffer.from(v).toString('base64'),
  (v) => Buffer.from(v).toString('base64url'),
  (v) => encodeURIComponent(v),
  (v) => Buffer.from(v).toString('hex'),
];

const place = fc.constantFrom(
  'content',
  'arguments',
  'header',
  'error-message',
  'error-code',
  'request-id',
  'error-400',
  'error-500',
);
const caseArbitrary = fc.record({
  secret: fc.integer({ min: 0, max: CANARIES.length - 1 }),
  encoding: fc.integer({ min: 0, max: encoders.length - 1 }),
  place,
  toolEcho: fc.boolean(),
});
type Case = { secret: number; encoding: number; place: string; toolEcho: boolean };

/** What the provider answers for one case: the echoed text in the chosen place, then a plain answer. */
function providerTurn(current: Case, turn: number, attempt: number): ScriptTurn {
  const echo = `echo ${encoders[current.encoding]!(CANARIES[current.secret]!)}`;
  const answer: ScriptTurn = { reply: { content: 'done' } };
  if (turn > 0) return current.place === 'content' ? { reply: { content: echo } } : answer;
  const toolCall = {
    toolCalls: [{ name: 'echo_env', arguments: { note: current.place === 'arguments' ? echo : 'x' } }],
  };
  const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) => ({
    ...answer,
    faults:
      attempt === 1
        ? [{ status, body: { error: { message, type: 'invalid_request_error', code, param: echo } }, headers }]
        : [],
  });
  switch (current.place) {
    case 'header':
      return {
        reply: toolCall,
        faults: attempt === 1 ? [{ status: 503, headers: { 'x-echo': echo, 'x-request-id': echo } }] : [],
      };
    case 'error-message':
      return error(401, 'invalid_api_key', `Incorrect API key provided: ${echo}`);
    case 'error-code':
      return error(403, echo, 'forbidden');
    case 'request-id':
      return error(401, 'invalid_api_key', 'no', { 'x-request-id': echo });
    case 'error-400':
      return error(400, echo, `bad request ${echo}`, { 'x-request-id': echo });
    case 'error-500':
      return error(500, echo, `server ${echo}`, { 'x-request-id': echo });
    default:
      return { reply: current.toolEcho || current.place === 'arguments' ? toolCall : { content: echo } };
  }
}

function expectClean(what: string, text: string): void {
  for (const canary of CANARIES) {
    for (const form of encodingsOf(canary)) {
      if (text.includes(form)) throw new Error(`${what} contains a form of a canary secret: ${form}`);
    }
  }
}

describe('secrets never leave the worker', () => {
  test('echoed by the provider and by tools, in any encoding and place, in no history, log or CLI output', async () => {
    const saved = process.env[ENV_NAME];
    process.env[ENV_NAME] = ENV_SECRET;
    const logged: string[] = [];
    const capture = (stream: NodeJS.WriteStream) =>
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        return true;
      });
    const spies = [capture(process.stdout), capture(process.stderr)];
    // Every level, not only what the test runtime prints.
    const logger = Runtime.instance().logger;
    const originalLog = logger.log.bind(logger);
    logger.log = (level, message, meta) => {
      logged.push(
        `${level} ${message} ${JSON.stringify(meta ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
    };
    const cases = new Map<string, Case>();
    const script: ScriptFn = (request, turn, attempt) => {
      const user = request.messages.find((m) => m.role === 'user');
      const key = typeof user?.content === 'string' ? /^case (\d+)$/.exec(user.content)?.[1] : undefined;
      const current = key === undefined ? undefined : cases.get(key);
      return current ? providerTurn(current, turn, attempt) : { reply: { content: 'done' } };
    };
    const echoEnv = defineTool({
      name: 'echo_env',
      description: 'Shows its configuration.',
      class: 'read',
      schema: z.object({ note: z.string() }),
      execute: async () =>
        encoders.map((encode) => encode(process.env[ENV_NAME] ?? '') + ' ' + encode(MODEL_KEY)).join('\n'),
    });
    const model = await startScriptedModel({ script });
    const taskQueue = uniqueTaskQueue('reins-canary');
    const dataDir = tempDataDir();
    const native = await connectNative();
    const { connection, client } = await connectClient(path.join(dataDir, 'payloads'));
    const runIds: string[] = [];
    try {
      const config = testWorkerConfig(taskQueue, model.url, dataDir);
      const worker = await createReinsWorker({
        config: { ...config, model: { ...config.model, apiKey: MODEL_KEY } },
        connection: native,
        workflowBundle: workflowBundle(),
        extraTools: [echoEnv],
      });
      const reins = new ReinsClient(client, { taskQueue });
      let counter = 0;
      await worker.runUntil(
        fc.assert(
          fc.asyncProperty(caseArbitrary, async (generated) => {
            const key = String((counter += 1));
            cases.set(key, generated as Case);
            const { runId } = await reins.startRun({
              spec: fileClerkSpec({ tools: [{ name: 'echo_env' }] }),
              prompt: `case ${key}`,
              userId: 'u',
            });
            runIds.push(runId);
            const result = await reins.result(runId);
            expect(['completed', 'failed']).toContain(result.status);
            expectClean(`history of ${runId}`, JSON.stringify(await client.workflow.getHandle(runId).fetchHistory()));
          }),
          { numRuns: 16, seed: 4_2026, endOnFailure: true },
        ),
      );
      expect(model.requests.some((r) => JSON.stringify(r.headers).includes(MODEL_KEY))).toBe(true);
      for (const runId of runIds.slice(-2)) {
        const env = { TEMPORAL_ADDRESS: testAddress(), REINS_TASK_QUEUE: taskQueue };
        for (const args of [
          ['status', runId, '--json'],
          ['audit', runId],
        ]) {
          const out = await runCli(args, env);
          expectClean(`reins ${args.join(' ')}`, out.stdout + out.stderr);
        }
      }
    } finally {
      logger.log = originalLog;
      spies.forEach((spy) => spy.mockRestore());
      if (saved === undefined) delete process.env[ENV_NAME];
      else process.env[ENV_NAME] = saved;
      await native.close();
      await connection.close();
      await model.close();
    }
    expectClean('worker logs', logged.join(''));
  }, 300_000);
});
