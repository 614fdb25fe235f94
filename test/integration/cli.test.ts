import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDirectoryName } from '../../activities/tools/workspace';
import type { ChatRequestBody, ScriptTurn } from '../../testing/scripted-model';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { waitForState, withReins, type ReinsTestContext } from '../helpers/harness';

const CLERK = path.join(REPO_ROOT, 'agents', 'file-clerk.yaml');

/** Asks to delete a file, then answers according to what came back. */
function deleteThenReport(request: ChatRequestBody, turn: number): ScriptTurn {
  if (turn === 0) return { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'old.log' } }] } };
  const last = [...request.messages].reverse().find((message) => message.role === 'tool');
  const content = typeof last?.content === 'string' ? last.content : '';
  return { reply: { content: content.startsWith('Error') ? `Kept old.log. ${content}` : 'Deleted old.log.' } };
}

/** Starts a run through the CLI and waits (through the library) until it asks for approval. */
async function startAwaitingRun(context: ReinsTestContext, user: string): Promise<string> {
  const runId = `cli-${randomUUID().slice(0, 8)}`;
  const workspace = path.join(context.dataDir, 'workspaces', runDirectoryName(runId));
  await fs.mkdir(workspace, { recursive: true });
  await fs.writeFile(path.join(workspace, 'old.log'), 'stale');
  const started = await runCli([
    '--task-queue',
    context.taskQueue,
    'start',
    CLERK,
    'Delete old.log please',
    '--user',
    user,
    '--id',
    runId,
  ]);
  expect(started).toMatchObject({ code: 0 });
  expect(started.stdout).toContain(`Started run ${runId} (agent file-clerk, user ${user})`);
  expect(started.stdout).toContain(`http://localhost:8233/namespaces/default/workflows/${runId}`);
  await waitForState(context.reins, runId, (state) => state.status === 'awaiting_approval');
  return runId;
}

describe('the reins CLI against a real server', () => {
  test('start, status, pending, list, approve, result', async () => {
    await withReins({ script: deleteThenReport }, async (context) => {
      const user = `cli-user-${randomUUID().slice(0, 8)}`;
      const queue = ['--task-queue', context.taskQueue];
      const runId = await startAwaitingRun(context, user);

      const status = await runCli([...queue, 'status', runId]);
      expect(status).toMatchObject({ code: 0 });
      expect(status.stdout).toMatch(/Status\s+awaiting_approval · step 1\/12/);
      expect(status.stdout).toContain(`Agent     file-clerk for ${user}`);
      expect(status.stdout).toMatch(/1-1 {2}delete_file \(destructive\) {2}\{"path":"old.log"\}/);
      expect(status.stdout).toMatch(/requested \d{4}-\d\d-\d\dT[\d:.]+Z \(\d+s ago\)/);
      expect(status.stdout).toContain(`reins approve ${runId} 1-1 --by <you>`);

      // Visibility trails the run by a moment; once the library sees it, the CLI must show it too.
      await waitForVisibility(context, user);
      // Filtered to this test's user: other suites' runs in the shared namespace may be encrypted with other keys.
      const pending = await runCli([...queue, 'pending', '--user', user]);
      expect(pending).toMatchObject({ code: 0 });
      expect(pending.stdout).toContain(`${runId}  (agent file-clerk, user ${user}`);
      expect(pending.stdout).toMatch(new RegExp(`1-1 {2}delete_file \\(destructive\\) {2}\\{"path":"old.log"\\}`));

      const listed = await runCli([...queue, 'list', '--status', 'awaiting_approval', '--user', user, '--json']);
      expect(listed).toMatchObject({ code: 0 });
      expect(JSON.parse(listed.stdout)).toEqual([
        expect.objectContaining({ runId, agent: 'file-clerk', user, status: 'awaiting_approval', pendingApprovals: 1 }),
      ]);

      const approved = await runCli([...queue, 'approve', runId, '1-1', '--by', 'ops-lead', '--reason', 'stale']);
      expect(approved).toMatchObject({ code: 0 });
      expect(approved.stdout).toContain(`Approved 1-1 (delete_file) on run ${runId} as ops-lead.`);

      const result = await runCli([...queue, 'result', runId]);
      expect(result).toMatchObject({ code: 0, stdout: 'Deleted old.log.\n' });

      const done = await runCli([...queue, 'list', '--user', user]);
      expect(done.stdout).toMatch(/RUN\s+AGENT\s+USER\s+TEAM\s+STATUS/);
    });
  });

  test('refused decisions, reject, and status --json', async () => {
    await withReins({ script: deleteThenReport }, async (context) => {
      const queue = ['--task-queue', context.taskQueue];
      const runId = await startAwaitingRun(context, 'bob');

      const [unknownRequest, badEdit] = await Promise.all([
        runCli([...queue, 'approve', runId, '9-9', '--by', 'mallory']),
        runCli([...queue, 'approve', runId, '1-1', '--by', 'mallory', '--edit', '{"path": 42}']),
      ]);
      expect(unknownRequest.code).toBe(1);
      expect(unknownRequest.stderr).toContain(`run ${runId} refused the decision: no pending request 9-9`);
      expect(badEdit.code).toBe(1);
      expect(badEdit.stderr).toContain('editedArgs do not fit delete_file: path');

      const rejected = await runCli([...queue, 'reject', runId, '1-1', '--by', 'alice', '--reason', 'still needed']);
      expect(rejected).toMatchObject({ code: 0 });
      expect(rejected.stdout).toContain(`Rejected 1-1 (delete_file) on run ${runId} as alice.`);

      const result = await runCli([...queue, 'result', runId]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Kept old.log.');
      expect(result.stdout).toContain('rejected by alice: still needed');

      const status = await runCli([...queue, '--json', 'status', runId]);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({
        runId,
        status: 'completed',
        decisions: [expect.objectContaining({ requestId: '1-1', decision: 'reject', by: 'alice', via: 'update' })],
        uiUrl: `http://localhost:8233/namespaces/default/workflows/${runId}`,
      });

      const late = await runCli([...queue, 'approve', runId, '1-1', '--by', 'mallory', '--signal']);
      expect(late.code).toBe(1);
      expect(late.stderr).toContain(`run "${runId}" has already ended (completed); it takes no more decisions`);
    });
  });

  test('start --wait on a run that runs out of steps exits 1 with the reason', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'reins-cli-'));
    const agent = path.join(dir, 'looper.yaml');
    await fs.writeFile(
      agent,
      'name: looper\ninstructions: Look around.\nmodel: { name: scripted-1 }\ntools: [{ name: list_files }]\nmaxSteps: 2\n',
    );
    const script: ScriptTurn[] = Array.from({ length: 3 }, () => ({
      reply: { toolCalls: [{ name: 'list_files', arguments: {} }] },
    }));
    await withReins({ script }, async (context) => {
      const run = await runCli(['--task-queue', context.taskQueue, 'start', agent, 'Keep looking', '--wait']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/ended budget_exhausted: /);
      expect(run.stderr).toContain('usage: ');
    });
  });

  test('errors name what was wrong and exit with the documented code', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'reins-cli-'));
    const bad = path.join(dir, 'bad.yaml');
    await fs.writeFile(
      bad,
      'name: bad\ninstructions: hi\nmodel: { name: m }\ntools: [{ name: read_file, approval: sometimes }]\n',
    );

    const [unknownRun, badAgent, unreachable, unknownCommand, missingBy, badEdit] = await Promise.all([
      runCli(['status', `no-such-run-${randomUUID()}`]),
      runCli(['start', bad, 'hello']),
      runCli(['--address', '127.0.0.1:1', 'list']),
      runCli(['frobnicate']),
      runCli(['approve', 'some-run', '1-1']),
      runCli(['approve', 'some-run', '1-1', '--by', 'me', '--edit', '{"path":']),
    ]);
    expect(unknownRun.code).toBe(2);
    expect(unknownRun.stderr).toMatch(/no run with id "no-such-run-/);
    expect(badAgent.code).toBe(2);
    expect(badAgent.stderr).toContain(`agent file ${bad} is invalid: tools.0.approval:`);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('cannot reach the Temporal server at 127.0.0.1:1');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'frobnicate'");
    expect(missingBy.code).toBe(2);
    expect(missingBy.stderr).toContain("required option '--by <who>' not specified");
    expect(badEdit.code).toBe(2);
    expect(badEdit.stderr).toContain('--edit is not valid JSON');

    const json = await runCli(['--json', 'status', 'no-such-run']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { type: 'RunNotFoundError', message: 'no run with id "no-such-run"' },
    });
  });
});

async function waitForVisibility(context: ReinsTestContext, user: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const runs = await context.reins.listRuns({ user, status: 'awaiting_approval' });
    if (runs.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`visibility never showed a waiting run for ${user}`);
}
