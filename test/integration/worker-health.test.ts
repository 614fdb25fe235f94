import { freePort } from '../../scripts/free-port';
import { startTsx } from '../helpers/cli';
import { withReins } from '../helpers/harness';
import { uniqueTaskQueue } from '../helpers/temporal';

/** The compose file's worker health check, run as the container runs it, against the test server. */
async function healthCheck(taskQueue: string, env: Record<string, string> = {}) {
  return startTsx('scripts/worker-health.ts', [], { REINS_TASK_QUEUE: taskQueue, ...env }).exited;
}

describe('worker health check', () => {
  test('unhealthy, naming the queue, while no worker on this host polls it', async () => {
    const queue = uniqueTaskQueue('nobody');
    const outcome = await healthCheck(queue);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`on task queue ${queue}`);
  });

  test('unhealthy while its PostgreSQL store does not answer, naming the store without its password', async () => {
    const port = await freePort();
    const outcome = await healthCheck(uniqueTaskQueue('no-store'), {
      REINS_STORE: `postgres://reins:hunter2@127.0.0.1:${port}/reins`,
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(
      `the store does not answer (PostgreSQL postgres://reins:***@127.0.0.1:${port}/reins`,
    );
    expect(outcome.stderr).not.toContain('hunter2');
  });

  test('healthy once a worker on this host polls the queue', async () => {
    await withReins({ script: [] }, async ({ taskQueue }) => {
      // The server learns of a poller when it polls; the first poll starts as the worker starts.
      let outcome = await healthCheck(taskQueue);
      for (let tries = 0; outcome.code !== 0 && tries < 10; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        outcome = await healthCheck(taskQueue);
      }
      expect(outcome).toMatchObject({ code: 0 });
    });
  });
});
