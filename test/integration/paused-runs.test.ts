import { ReinsClient } from '../../client';
import { startScriptedModel, type ScriptFn } from '../../testing/scripted-model';
import { createReinsWorker } from '../../worker/create-worker';
import { fileClerkSpec, tempDataDir, testWorkerConfig, waitForState } from '../helpers/harness';
import { connectClient, connectNative, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

// Each run writes its own file (gated by `always`), then answers.
const writeThenAnswer: ScriptFn = (request, turn) => {
  const prompt = String(request.messages[1]?.content ?? '');
  return turn === 0
    ? { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `${prompt}.txt`, content: prompt } }] } }
    : { reply: { content: `wrote ${prompt}` } };
};
const gatedSpec = fileClerkSpec({ tools: [{ name: 'write_file', approval: 'always' }] });

async function setup() {
  const model = await startScriptedModel({ script: writeThenAnswer });
  const taskQueue = uniqueTaskQueue('reins-paused');
  const config = testWorkerConfig(taskQueue, model.url, tempDataDir());
  const { connection, client } = await connectClient();
  const native = await connectNative();
  const reins = new ReinsClient(client, { taskQueue });
  const newWorker = () => createReinsWorker({ config, connection: native, workflowBundle: workflowBundle() });
  const close = async () => {
    await native.close();
    await connection.close();
    await model.close();
  };
  return { model, reins, newWorker, close };
}

async function inBatches<T>(items: T[], size: number, task: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(task));
}

test('runs paused on approval survive a worker restart and finish on a new worker', async () => {
  const { reins, newWorker, close } = await setup();
  try {
    const ids = ['restart-a', 'restart-b', 'restart-c'].map((p) => `${p}-${Date.now()}`);
    const first = await newWorker();
    await first.runUntil(async () => {
      for (const id of ids) await reins.startRun({ spec: gatedSpec, prompt: id, userId: 'u' }, { runId: id });
      for (const id of ids) await waitForState(reins, id, (s) => s.status === 'awaiting_approval');
    });
    // No worker runs now; the decisions are accepted by the next one.
    const second = await newWorker();
    await second.runUntil(async () => {
      for (const id of ids) await reins.decide(id, { requestId: '1-1', decision: 'approve', by: 'ops' });
      const results = await Promise.all(ids.map((id) => reins.result(id)));
      expect(results.map((r) => r.answer)).toEqual(ids.map((id) => `wrote ${id}`));
    });
  } finally {
    await close();
  }
});

test('200 runs paused at once, then all approved, all complete', async () => {
  const { reins, newWorker, close } = await setup();
  try {
    const stamp = Date.now();
    const ids = Array.from({ length: 200 }, (_, i) => `paused-${stamp}-${i}`);
    const worker = await newWorker();
    await worker.runUntil(async () => {
      await inBatches(ids, 25, (id) => reins.startRun({ spec: gatedSpec, prompt: id, userId: 'u' }, { runId: id }));
      await inBatches(ids, 25, (id) => waitForState(reins, id, (s) => s.status === 'awaiting_approval', 120_000));
      // A paused run holds no activity slot: nothing is executing while all 200 wait.
      expect(worker.getStatus().numInFlightActivities).toBe(0);
      await inBatches(ids, 25, (id) => reins.decide(id, { requestId: '1-1', decision: 'approve', by: 'ops' }));
      const results: string[] = [];
      await inBatches(ids, 25, async (id) => results.push((await reins.result(id)).status));
      expect(results).toHaveLength(200);
      expect(new Set(results)).toEqual(new Set(['completed']));
    });
  } finally {
    await close();
  }
}, 300_000);
