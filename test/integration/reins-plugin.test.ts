import { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { defineTool } from '../../common/tools/define-tool';
import { ReinsClient } from '../../client';
import { answer, callTool, startScriptedModel, type Script } from '../../testing';
import { ReinsPlugin } from '../../worker';
import { createUserActivities } from '../fixtures/plugin/user-activities';
import { tempDataDir, waitForState } from '../helpers/harness';
import { connectClient, connectNative, uniqueTaskQueue } from '../helpers/temporal';

// A worker the user builds, with reins added by its plugin: the user's task queue, concurrency, workflows file,
// activities and activity interceptor stay as they were, and reins' agent runs work beside them.

const refunds: string[] = [];
const refundOrder = defineTool({
  name: 'refund_order',
  description: 'Refunds an order.',
  class: 'destructive',
  schema: z.object({ orderId: z.string() }),
  async execute({ orderId }) {
    refunds.push(orderId);
    return `refunded ${orderId}`;
  },
});

interface UserWorker {
  worker: Worker;
  reins: ReinsClient;
  temporal: Client;
  taskQueue: string;
  greeted: string[];
  activityTypes: string[];
}

async function withUserWorker(
  workflowsFile: string,
  script: Script,
  body: (context: UserWorker) => Promise<void>,
): Promise<void> {
  const model = await startScriptedModel({ script });
  const dataDir = tempDataDir();
  const taskQueue = uniqueTaskQueue('plugin');
  const plugin = await ReinsPlugin.create({
    config: { model: { baseURL: model.url, apiKey: 'test-key', provider: 'scripted' }, dataDir, taskQueue },
    extraTools: [refundOrder],
    telemetry: null,
  });
  // The SDK logs a worker's options, plugins included: the plugin shows its name, never its clients and their keys.
  expect(JSON.stringify(plugin)).toBe('{"plugin":"reins"}');
  const { connection } = await connectClient();
  let native: NativeConnection | undefined;
  try {
    native = await connectNative();
    const greeted: string[] = [];
    const activityTypes: string[] = [];
    const worker = await Worker.create({
      connection: native,
      namespace: 'default',
      taskQueue,
      workflowsPath: require.resolve(workflowsFile),
      activities: createUserActivities(greeted),
      maxConcurrentActivityTaskExecutions: 3,
      interceptors: {
        activity: [
          (ctx) => ({
            inbound: {
              execute: (input, next) => {
                activityTypes.push(ctx.info.activityType);
                return next(input);
              },
            },
          }),
        ],
      },
      plugins: [plugin],
    });
    // The same plugin on the client: reins' data converter (claim-check store) in its client role.
    const temporal = new Client({ connection, namespace: 'default', plugins: [plugin] });
    const reins = new ReinsClient(temporal, { taskQueue });
    await worker.runUntil(body({ worker, reins, temporal, taskQueue, greeted, activityTypes }));
  } finally {
    await native?.close();
    await connection.close();
    await model.close();
  }
}

const spec = {
  name: 'refunder',
  instructions: 'You refund orders.',
  model: { name: 'scripted-1' },
  tools: [{ name: 'refund_order' }],
  maxSteps: 5,
};

describe('ReinsPlugin on a worker the user builds', () => {
  test("an agent run with an approved call of the user's tool, and the user's workflow and activity", async () => {
    const script = [callTool('refund_order', { orderId: 'A-17' }), answer('Refunded A-17')];
    await withUserWorker('../fixtures/plugin/workflows', script, async (user) => {
      const { worker, reins, temporal, taskQueue } = user;
      expect(worker.options.taskQueue).toBe(taskQueue);
      expect(worker.options.tuner).toMatchObject({ activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 3 } });

      const { runId } = await reins.startRun({ spec, prompt: 'Refund order A-17', userId: 'alice' });
      const pending = await waitForState(
        reins,
        runId,
        (s) => s.status === 'awaiting_approval' && s.pendingApprovals[0],
      );
      expect(pending).toMatchObject({ tool: 'refund_order', toolClass: 'destructive', args: { orderId: 'A-17' } });
      expect(refunds).not.toContain('A-17');
      await reins.decide(runId, { requestId: pending.requestId, decision: 'approve', by: 'ops-lead' });
      const result = await reins.result(runId);
      expect(result).toMatchObject({ status: 'completed', answer: 'Refunded A-17' });
      expect(refunds).toContain('A-17');

      const greeting = await temporal.workflow.execute('greetUser', {
        taskQueue,
        workflowId: `greet-${runId}`,
        args: ['ada'],
      });
      expect(greeting).toBe('hello ada');
      expect(user.greeted).toEqual(['ada']);
      // The user's activity interceptor saw reins' activities and the user's own.
      expect(user.activityTypes).toEqual(expect.arrayContaining(['greet', 'runTool', 'callModel']));
    });
  });

  test("a workflows file without reins' workflows still gets agentRun beside its own", async () => {
    await withUserWorker('../fixtures/plugin/user-only-workflows', [answer('Nothing to refund')], async (user) => {
      const { runId } = await user.reins.startRun({ spec, prompt: 'Anything?', userId: 'bob' });
      expect(await user.reins.result(runId)).toMatchObject({ status: 'completed', answer: 'Nothing to refund' });
      const greeting = await user.temporal.workflow.execute('greetUser', {
        taskQueue: user.taskQueue,
        workflowId: `greet-${runId}`,
        args: ['grace'],
      });
      expect(greeting).toBe('hello grace');
    });
  });
});
