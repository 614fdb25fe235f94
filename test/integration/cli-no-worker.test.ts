import { ReinsClient } from '../../client';
import { runCli } from '../helpers/cli';
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
});
