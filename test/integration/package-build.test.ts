import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ReinsClient } from '../../client';
import { answer, callTool, startScriptedModel } from '../../testing';
import { ChildRun, childEnv, REPO_ROOT, runBuiltCli } from '../helpers/cli';
import { tempDataDir, waitForState } from '../helpers/harness';
import { exampleProjectWithTarball, readmeSnippets, sh } from '../helpers/package-tarball';
import { connectClient, testAddress, uniqueTaskQueue } from '../helpers/temporal';

// The package as it ships: compiled JavaScript in dist/, the real bin/reins, a worker started with plain node (no tsx)
// that bundles its workflows from dist/workflows, and the packed tarball installed into a project of its own. The other
// tests run the TypeScript sources. One file, so the build and the pack never race another suite over dist/.

const AGENT = path.join(REPO_ROOT, 'agents', 'file-clerk.yaml');
const node = (script: string): string =>
  execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env } });

beforeAll(() => {
  // A fresh build from a clean dist/, so what runs and ships below is the code as it is now and nothing older.
  execFileSync('npm', ['run', 'clean'], { cwd: REPO_ROOT, stdio: 'pipe' });
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

  test('bin/reins ends quietly when its reader stops reading (reins ... | head)', async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'reins'), '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader is gone before the CLI has started, so every write of the help text meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
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

describe('reins installed from its packed tarball into a project of its own', () => {
  let dir: string;
  let project: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'reins-own-worker-'));
    project = await exampleProjectWithTarball(dir);
    await sh(project, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock']);
  }, 900_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the package ships compiled code and declarations only, and pulls in no tsx or test-only packages', () => {
    const installed = path.join(project, 'node_modules/reins');
    expect(existsSync(path.join(installed, 'dist/client/index.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist/worker/index.d.ts'))).toBe(true);
    expect(readdirSync(installed).sort()).not.toEqual(expect.arrayContaining(['test']));
    for (const devOnly of ['tsx', '@temporalio/testing', 'playwright-core', 'ts-jest']) {
      expect(existsSync(path.join(project, 'node_modules', devOnly))).toBe(false);
    }
  });

  test('the example and every README snippet type-check against the installed declarations', async () => {
    expect(readmeSnippets().length).toBeGreaterThan(0);
    await sh(project, 'npx', ['tsc', '-p', 'tsconfig.json']);
    expect(existsSync(path.join(project, 'dist/main.js'))).toBe(true);
  }, 300_000);

  test('its own worker runs its own workflow and an agent run with its own tool, approved by a person', async () => {
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...env } = process.env;
    const { stdout } = await sh(project, 'node', ['dist/main.js'], {
      ...env,
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_NAMESPACE: 'default',
      REINS_TASK_QUEUE: uniqueTaskQueue('own-worker'),
      REINS_DATA_DIR: path.join(dir, 'data'),
    });
    expect(stdout).toMatch(/approval asked: open_ticket \{"title":"VPN drops every 10 minutes/);
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(outcome).toMatchObject({
      greeting: 'hello, support desk',
      status: 'completed',
      answer: 'Filed OPS-1 for the Lisbon VPN drops.',
    });
    // The tool's structured result reached the model as JSON, with the project its agent's config named.
    expect(JSON.parse(String(outcome.ticket))).toMatchObject({ id: 'OPS-1', project: 'OPS', priority: 'urgent' });
  }, 300_000);
});
