import { randomUUID } from 'node:crypto';
import { ReinsClient } from '../../client';
import { quoteLiteral, runsQuery } from '../../client/run-queries';
import { age, argsLines, decideHint } from '../../cli/format';
import { fileClerkSpec } from '../helpers/harness';
import { connectClient, uniqueTaskQueue } from '../helpers/temporal';

describe('run queries behind `reins list` and `reins pending`', () => {
  test('literals are quoted and escaped; unmatchable characters fall back to a prefix and an exact check', () => {
    expect(quoteLiteral("o'brien")).toBe("'o\\'brien'");
    expect(quoteLiteral('a\\b')).toBe("'a\\\\b'");
    const { query, matches } = runsQuery({
      user: 'CORP\\ann',
      status: 'awaiting_approval',
      limit: 5,
      pendingOnly: false,
    });
    expect(query).toBe(
      "WorkflowType = 'agentRun' AND ReinsStatus = 'awaiting_approval' AND ExecutionStatus = 'Running' AND " +
        "ReinsUser STARTS_WITH 'CORP'",
    );
    const run = { runId: 'r', status: 'awaiting_approval', taskQueue: 'q', startedAt: '' };
    expect(matches({ ...run, user: 'CORP\\ann' })).toBe(true);
    expect(matches({ ...run, user: 'CORPORATE' })).toBe(false);
  });

  test('human output: ages, arguments, decide hints', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(age('2026-01-01T11:59:18Z', now)).toBe('42s');
    expect(age('2026-01-01T11:56:48Z', now)).toBe('3m 12s');
    expect(age('2025-12-29T08:00:00Z', now)).toBe('3d 4h');
    expect(argsLines({ path: 'a.txt' }, { indent: '  ', seeAll: 'x' })).toEqual({
      inline: '{"path":"a.txt"}',
      lines: [],
    });
    const cut = argsLines({ text: 'x'.repeat(300) }, { indent: '  ', seeAll: 'reins status r --request 1-1', max: 20 });
    expect(cut.lines.join('\n')).toBe(
      `  {\n    "text": "xxxxxxx\n  … 296 more characters; show all with: reins status r --request 1-1`,
    );
    expect(decideHint("it's", '2-1')).toContain(`reins approve 'it'\\''s' 2-1 --by <you>`);
  });

  test('users with quotes and backslashes are found exactly on the real server', async () => {
    const { connection, client } = await connectClient();
    const reins = new ReinsClient(client, { taskQueue: uniqueTaskQueue('no-worker') });
    const tag = randomUUID().slice(0, 8);
    const users = [`o'brien-${tag}`, `CORP\\ann-${tag}`, `CORP\\ann-${tag}-other`];
    const runIds: string[] = [];
    try {
      // No worker polls this queue: the runs just sit there, visible with the search attributes they started with.
      for (const userId of users) {
        runIds.push((await reins.startRun({ spec: fileClerkSpec(), prompt: 'hi', userId })).runId);
      }
      for (const [index, user] of users.slice(0, 2).entries()) {
        let found: string[] = [];
        for (let attempt = 0; attempt < 60 && found.length === 0; attempt++) {
          found = (await reins.listRuns({ user })).map((run) => run.runId);
          if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(found).toEqual([runIds[index]]);
      }
    } finally {
      await Promise.all(runIds.map((id) => client.workflow.getHandle(id).terminate('test over')));
      await connection.close();
    }
  });
});
