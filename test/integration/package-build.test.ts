import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ReinsClient } from '../../client';
import { answer, callTool, startScriptedModel } from '../../testing';
import { ChildRun, childEnv, REPO_ROOT, runBuiltCli } from '../helpers/cli';
import { tempDataDir, waitForState } from '../helpers/harness';
import { connectClient, uniqueTaskQueue } from '../helpers/temporal';

// The package as it ships: compiled JavaScript in dist/, the real bin/reins, a worker started with plain node (no tsx)
// that bundles its workflows from dist/workflows. The other tests run the TypeScript sources.

const AGENT = path.join(REPO_ROOT, 'agents', 'file-clerk.yaml');
const node = (script: string): string =>
  execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env } });

beforeAll(() => {
  // A fresh build, so what runs below is the code as it is now.
  execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 600_000 });
}, 600_000);

describe('the compiled package', () => {
  test("the worker entry's workflow and interceptor modules resolve to compiled files in dist/", () => {
    const paths = JSON.parse(
      node(
        `const w = require('./dist/worker'); process.stdout.write(JSON.stringify([w.REINS_WORKFLOWS_PATH, ` +
          `w.PAYLOAD_GUARD_WORKFLOW_MODULE, w.TELEMETRY_WORKFLOW_MODULE, w.REINS_BUNDLE_OPTIONS.payloadConverterPath]))`,
      ),
    ) as string[];
    expect(paths.map((file) => path.relative(REPO_ROOT, file))).toEqual([
      path.join('dist', 'workflows', 'index.js'),
      path.join('dist', 'workflows', 'run', 'payload-guard.js'),
      path.join('dist', 'workflows', 'telemetry', 'workflow-interceptors.js'),
      path.join('dist', 'shared', 'payload-converter.js'),
    ]);
  });

  test('node dist/worker/main.js runs a run that bin/reins starts, approves and reads the answer of', async () => {
    const model = await startScriptedModel({
      script: [
        callTool('write_file', { path: 'old.log', content: 'stale' }),
        callTool('delete_file', { path: 'old.log' }),
        answer('Deleted old.log'),
      ],
    });
    const taskQueue = uniqueTaskQueue('dist-worker');
    const dataDir = tempDataDir();
    const env = {
      REINS_TASK_QUEUE: taskQueue,
      REINS_DATA_DIR: dataDir,
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: 'test-key',
    };
    // Plain node, no loader: a TypeScript file reached at run time would fail to load.
    const worker = new ChildRun(process.execPath, [path.join(REPO_ROOT, 'dist', 'worker', 'main.js')], childEnv(env));
    const { connection, client } = await connectClient(path.join(dataDir, 'payloads'));
    try {
      await worker.waitFor(/reins worker on task queue/, 180_000);
      const runId = `dist-${taskQueue}`;
      const started = await runBuiltCli(['--task-queue', taskQueue, 'start', AGENT, 'Clean up', '--id', runId], env);
      expect(started).toMatchObject({ code: 0 });
      expect(started.stdout).toContain(runId);

      const reins = new ReinsClient(client, { taskQueue });
      const pending = await waitForState(
        reins,
        runId,
        (s) => s.status === 'awaiting_approval' && s.pendingApprovals[0],
        60_000,
      );
      expect(pending).toMatchObject({ tool: 'delete_file' });
      const approved = await runBuiltCli(['approve', runId, pending.requestId, '--by', 'ops-lead'], env);
      expect(approved).toMatchObject({ code: 0 });
      const result = await runBuiltCli(['result', runId], env);
      expect(result).toMatchObject({ code: 0 });
      expect(result.stdout).toContain('Deleted old.log');
    } finally {
      await worker.stop('SIGINT');
      await connection.close();
      await model.close();
    }
  });
});
