import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { ReinsClient, type ApprovalRequest } from 'reins';
import { answer, callTool, startScriptedModel, type ScriptedModelServer } from 'reins/testing';
import { supportDesk } from './agent';
import { TASK_QUEUE, createWorker } from './worker';

/**
 * One run end to end in one process: the team's worker (with reins on it), a run of the support-desk agent, the
 * approval of its ticket, and the answer. Without OPENAI_API_KEY the model is reins' scripted one, so it runs offline.
 */
async function main(): Promise<void> {
  const model = process.env.OPENAI_API_KEY ? undefined : await scriptedModel();
  if (model) process.env.OPENAI_BASE_URL = model.url;
  const worker = await createWorker();
  const client = await ReinsClient.connect({ taskQueue: TASK_QUEUE });
  try {
    await worker.runUntil(async () => {
      const greeting = await ownWorkflow();
      const { runId } = await client.startRun({
        spec: supportDesk,
        prompt: 'The VPN drops every ten minutes for the whole Lisbon office.',
        userId: 'dana',
      });
      const request = await firstPendingRequest(client, runId);
      console.log(`approval asked: ${request.tool} ${JSON.stringify(request.args)} (request ${request.requestId})`);
      await client.decide(runId, { requestId: request.requestId, decision: 'approve', by: 'sam' });
      const result = await client.result(runId);
      const ticket = result.transcript.find((message) => message.role === 'tool')?.content;
      console.log(JSON.stringify({ greeting, runId, status: result.status, answer: result.answer, ticket }));
    });
  } finally {
    await client.close();
    await model?.close();
  }
}

/** The team's own workflow, on the same worker as reins' runs. */
async function ownWorkflow(): Promise<string> {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const connection = await Connection.connect(connectionOptions);
  try {
    const temporal = new Client({ connection, namespace: namespace ?? 'default' });
    return await temporal.workflow.execute('greeting', {
      taskQueue: TASK_QUEUE,
      workflowId: `greeting-${randomUUID()}`,
      args: ['support desk'],
    });
  } finally {
    await connection.close();
  }
}

async function firstPendingRequest(client: ReinsClient, runId: string): Promise<ApprovalRequest> {
  for (;;) {
    const state = await client.getState(runId);
    const request = state.pendingApprovals[0];
    if (request) return request;
    if (state.status !== 'running' && state.status !== 'awaiting_approval') {
      throw new Error(`run ${runId} ended (${state.status}) without asking for an approval`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function scriptedModel(): Promise<ScriptedModelServer> {
  return startScriptedModel({
    script: [
      callTool('open_ticket', { title: 'VPN drops every 10 minutes in the Lisbon office', priority: 'urgent' }),
      answer('Filed OPS-1 for the Lisbon VPN drops.'),
    ],
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
