import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, startTsx, type ChildRun, type ProcessOutcome } from '../helpers/cli';
import { tempDataDir } from '../helpers/harness';
import { connectClient, uniqueTaskQueue } from '../helpers/temporal';

// Each demo bundles the workflow code and runs a worker in its own process: slow on a small machine.
jest.setTimeout(300_000);

async function ended(run: ChildRun, timeoutMs = 180_000): Promise<ProcessOutcome> {
  const timer = setTimeout(() => void run.stop('SIGKILL'), timeoutMs);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}

describe('npm start (scripts/demo.ts) against the test server', () => {
  test('--yes runs the example agent offline to its answer', async () => {
    const dataDir = tempDataDir();
    const demoQueue = uniqueTaskQueue('demo');
    // A shared queue set for other workers must not be the one the demo's runs go to.
    const demo = startTsx('scripts/demo.ts', ['--yes'], {
      REINS_DATA_DIR: dataDir,
      REINS_DEMO_TASK_QUEUE: demoQueue,
      REINS_TASK_QUEUE: uniqueTaskQueue('shared'),
    });
    const outcome = await ended(demo);
    expect(outcome).toMatchObject({ code: 0 });
    const out = outcome.stdout;
    expect(out).toContain('Running OFFLINE with the scripted model');
    expect(out).toContain('Approved automatically (--yes)');
    expect(out).toMatch(/Answer:\n {2}I read notes\.txt and wrote a three-point summary to summary\.txt\. I deleted/);
    const runId = /Workflow id: {2}(file-clerk-\w+)/.exec(out)?.[1];
    expect(runId).toBeDefined();
    expect(out).toMatch(/Usage: +\d+ tokens \(\d+ in, \d+ out\) · 5 model calls · 4 tool calls/);
    expect(out).toContain(`Temporal UI:  http://localhost:8233/namespaces/default/workflows/${runId}`);
    expect(existsSync(path.join(dataDir, 'demo-run.json'))).toBe(false);
    const { connection, client } = await connectClient();
    try {
      expect((await client.workflow.getHandle(runId!).describe()).taskQueue).toBe(demoQueue);
    } finally {
      await connection.close();
    }
  });

  test('without a terminal it says how to decide; Ctrl-C keeps the run, and the next start finishes it', async () => {
    const dataDir = tempDataDir();
    const env = { REINS_DATA_DIR: dataDir, REINS_DEMO_TASK_QUEUE: uniqueTaskQueue('demo') };

    const first = startTsx('scripts/demo.ts', [], env);
    const [, runId] = await first.waitFor(/approve (file-clerk-\w+) 4-1 --by <you>/);
    expect(first.stdout).toContain('stdin is not a terminal');
    expect(first.stdout).toMatch(/reject file-clerk-\w+ 4-1 --by <you> --reason/);
    const stopped = await first.stop('SIGINT');
    expect(stopped.code).toBe(130);
    expect(stopped.stdout).toContain(`Run ${runId} is durable`);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'demo-run.json'), 'utf8'))).toMatchObject({ runId });

    const second = startTsx('scripts/demo.ts', [], env);
    try {
      await second.waitFor(new RegExp(`Resuming run ${runId}`));
      await second.waitFor(/Decide from another terminal/);
      const rejected = await runCli(['reject', runId!, '4-1', '--by', 'tester', '--reason', 'keep it']);
      expect(rejected.code).toBe(0);
      const outcome = await ended(second);
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toContain('I did not delete scratch.tmp');
      expect(outcome.stdout).toContain('rejected by tester: keep it');
      expect(outcome.stdout).toContain(`Workflow id:  ${runId}`);
      expect(existsSync(path.join(dataDir, 'demo-run.json'))).toBe(false);
    } finally {
      await second.stop('SIGKILL');
    }
  });
});
