import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { ReinsClient } from '../../client';
import { REPO_ROOT, runCli } from '../helpers/cli';

const AGENT = path.join(REPO_ROOT, 'agents', 'file-clerk.yaml');
import { fileClerkSpec } from '../helpers/harness';
import { connectClient, uniqueTaskQueue } from '../helpers/temporal';

describe('deciding a run that no worker runs', () => {
  test('reins approve gives up after --timeout, saying no worker polls the task queue and what to do', async () => {
    const { connection, client } = await connectClient();
    const taskQueue = uniqueTaskQueue('no-worker');
    try {
      const reins = new ReinsClient(client, { taskQueue });
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u' });
      const outcome = await runCli(['approve', runId, '1-1', '--by', 'ops', '--timeout', '2s']);
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain(`run "${runId}" did not answer within 2s`);
      expect(outcome.stderr).toContain(`no worker is polling its task queue "${taskQueue}"`);
      expect(outcome.stderr).toContain(`reins worker --task-queue ${taskQueue}`);
      await client.workflow.getHandle(runId).terminate('test over');
    } finally {
      await connection.close();
    }
  });

  test('a server that accepts connections but never answers is reported unreachable after --connect-timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const outcome = await runCli(['--address', `127.0.0.1:${port}`, '--connect-timeout', '1s', 'list']);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toContain(`cannot reach the Temporal server at 127.0.0.1:${port}`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('reins start --id of a run that exists is refused, naming its status, and starts nothing', async () => {
    const { connection, client } = await connectClient();
    const taskQueue = uniqueTaskQueue('reuse');
    try {
      const reins = new ReinsClient(client, { taskQueue });
      const { runId, executionId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u' });
      await client.workflow.getHandle(runId).terminate('ended for the test');
      const outcome = await runCli(['--task-queue', taskQueue, 'start', AGENT, 'again', '--id', runId]);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toContain(`a run with id "${runId}" already exists (terminated)`);
      // The latest execution under the id is still the one that ended.
      expect((await client.workflow.getHandle(runId).describe()).runId).toBe(executionId);
    } finally {
      await connection.close();
    }
  });
});
