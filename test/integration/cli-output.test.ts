import path from 'node:path';
import type { RunState } from '../../common/run-state';
import { runCli } from '../helpers/cli';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

// Past any pipe buffer many times over: a CLI that exits before its output drains is cut long before the end.
const ANSWER = `${'0123456789abcdef'.repeat(256 * 1024)}END`;

test('a multi-megabyte answer reaches a piped reader whole: status --json and result', async () => {
  await withReins({ script: [{ reply: { content: ANSWER } }] }, async ({ reins, taskQueue, dataDir }) => {
    const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'talk a lot', userId: 'pat' });
    expect((await reins.result(runId)).answer).toHaveLength(ANSWER.length);
    const env = { REINS_PAYLOAD_DIR: path.join(dataDir, 'payloads') };
    const queue = ['--task-queue', taskQueue];

    const [status, result] = await Promise.all([
      runCli([...queue, '--json', 'status', runId], env),
      runCli([...queue, 'result', runId], env),
    ]);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const state = JSON.parse(status.stdout) as RunState;
    expect(state.answer).toHaveLength(ANSWER.length);
    expect(state.answer?.endsWith('END')).toBe(true);

    expect(result.code).toBe(0);
    expect(result.stdout).toHaveLength(ANSWER.length + 1);
    expect(result.stdout).toBe(`${ANSWER}\n`);
  });
});

// A statement after a long comment, with a terminal escape that would erase the line it is on; and one too long to show.
const PADDED = `-- routine cleanup${' '.repeat(3_000)}DROP TABLE accounts;\u001b[2K`;
const HUGE = `-- ${'x'.repeat(30_000)} DROP TABLE ledger;`;

test('status and pending show a pending call whole; past 20,000 characters they say how much more and how to see it', async () => {
  const script = [
    {
      reply: {
        toolCalls: [
          { name: 'write_file', arguments: { path: 'a.sql', content: PADDED } },
          { name: 'write_file', arguments: { path: 'b.sql', content: HUGE } },
        ],
      },
    },
    { reply: { content: 'done' } },
  ];
  await withReins({ script }, async ({ reins, taskQueue, dataDir }) => {
    const user = `pad-${Date.now()}`;
    const spec = fileClerkSpec({ tools: [{ name: 'write_file', approval: 'always' }] });
    const { runId } = await reins.startRun({ spec, prompt: 'clean up', userId: user });
    await waitForState(reins, runId, (s) => s.pendingApprovals.length === 2);
    const queue = ['--task-queue', taskQueue];
    // The state is large enough for its answer to be claim-checked: the CLI reads the same store.
    const env = { REINS_PAYLOAD_DIR: path.join(dataDir, 'payloads') };

    const status = await runCli([...queue, 'status', runId], env);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(
      `"content": "-- routine cleanup${' '.repeat(3_000)}DROP TABLE accounts;\\u001b[2K"`,
    );
    expect(status.stdout).not.toContain('\u001b');
    const hugeShown = JSON.stringify({ path: 'b.sql', content: HUGE }, null, 2).length;
    expect(status.stdout).toContain(
      `… ${hugeShown - 20_000} more characters; show all with: reins status ${runId} --request 1-2`,
    );
    expect(status.stdout).not.toContain('DROP TABLE ledger');

    const whole = await runCli([...queue, 'status', runId, '--request', '1-2'], env);
    expect(whole.code).toBe(0);
    expect(whole.stdout).toContain(`"content": "${HUGE}"`);
    const missing = await runCli([...queue, 'status', runId, '--request', '9-9'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`run "${runId}" has no approval request "9-9"`);

    let pending = '';
    for (let attempt = 0; attempt < 60 && !pending.includes(runId); attempt++) {
      pending = (await runCli([...queue, 'pending', '--user', user], env)).stdout;
      if (!pending.includes(runId)) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(pending).toContain('DROP TABLE accounts;\\u001b[2K');
    expect(pending).toContain(`show all with: reins status ${runId} --request 1-2`);
  });
});
