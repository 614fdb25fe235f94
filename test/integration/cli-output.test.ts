import path from 'node:path';
import type { RunState } from '../../common/run-state';
import { runCli } from '../helpers/cli';
import { fileClerkSpec, withReins } from '../helpers/harness';

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
