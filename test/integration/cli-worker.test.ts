import path from 'node:path';
import { startScriptedModel } from '../../testing/scripted-model';
import { REPO_ROOT, runCli, startCli } from '../helpers/cli';
import { tempDataDir } from '../helpers/harness';
import { uniqueTaskQueue } from '../helpers/temporal';

const READER = path.join(REPO_ROOT, 'agents', 'file-reader.yaml');

describe('reins worker', () => {
  test('runs agent runs from the task queue until Ctrl-C', async () => {
    const model = await startScriptedModel({
      script: [
        { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } },
        { reply: { content: 'The workspace is empty.' } },
      ],
    });
    const taskQueue = uniqueTaskQueue('cli-worker');
    const worker = startCli(['worker', '--task-queue', taskQueue, '--max-concurrent-activities', '4'], {
      OPENAI_BASE_URL: model.url,
      REINS_DATA_DIR: tempDataDir(),
    });
    try {
      await worker.waitFor(new RegExp(`reins worker on task queue "${taskQueue}" at `));
      const run = await runCli(['--task-queue', taskQueue, 'start', READER, 'Which files are there?', '--wait']);
      expect(run).toMatchObject({ code: 0, stdout: 'The workspace is empty.\n' });
      expect(run.stderr).toMatch(/Started run file-reader-\w+; waiting for it to end/);

      const stopped = await worker.stop('SIGINT');
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).toContain('reins worker stopped');
      // Quiet by default: no bundler report, no worker state changes (`--verbose` shows them).
      expect(`${stopped.stdout}${stopped.stderr}`).not.toMatch(/\[INFO\]|webpack|Workflow bundle created/i);
    } finally {
      await worker.stop('SIGKILL');
      await model.close();
    }
  });

  test('refuses bad flags and a missing model configuration before connecting', async () => {
    const [badFlag, noModel] = await Promise.all([
      runCli(['worker', '--max-concurrent-activities', 'lots'], { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }),
      runCli(['worker']),
    ]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--max-concurrent-activities: ');
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain('OPENAI_API_KEY is not set');
  });
});
