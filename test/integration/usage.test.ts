import type { ScriptFn } from '../../testing/scripted-model';
import { usageReport, type UsageRow } from '../../client/usage-report';
import { runCli } from '../helpers/cli';
import { fileClerkSpec, withReins } from '../helpers/harness';

// Every call reports 1000 prompt and 100 completion tokens: $0.002 at these prices.
const PRICES = { 'scripted-1': { input: 1, output: 10 } };
const script: ScriptFn = (_request, turn) =>
  turn === 0
    ? {
        reply: {
          toolCalls: [{ name: 'list_files', arguments: {} }],
          usage: { promptTokens: 1000, completionTokens: 100 },
        },
      }
    : { reply: { content: 'ok', usage: { promptTokens: 1000, completionTokens: 100 } } };

async function eventually(read: () => Promise<UsageRow[]>, expected: number): Promise<UsageRow[]> {
  // Visibility trails the runs by a moment.
  for (let i = 0; i < 100; i += 1) {
    const rows = await read();
    if (rows.reduce((sum, row) => sum + row.runs, 0) >= expected) return rows;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return read();
}

test('usage sums cost and tokens per user, agent and day, equal to the runs, in the library and the CLI', async () => {
  await withReins({ script }, async ({ reins, temporal }) => {
    const tag = `u${Date.now()}`;
    const users = [`${tag}-ann`, `${tag}-ann`, `${tag}-bob`];
    const results = await Promise.all(
      users.map(async (userId, i) =>
        reins.result(
          (
            await reins.startRun({
              spec: fileClerkSpec({ name: `${tag}-agent${i % 2}` }),
              prompt: 'p',
              userId,
              prices: PRICES,
            })
          ).runId,
        ),
      ),
    );
    for (const result of results) expect(result.usage.costUsd).toBeCloseTo(0.004, 9);
    const since = new Date(Date.now() - 60_000).toISOString();

    const byUser = (await eventually(() => usageReport(temporal, { by: 'user', since }), 3)).filter((r) =>
      r.key.startsWith(tag),
    );
    expect(byUser.map((r) => [r.key, r.runs, r.tokens])).toEqual([
      [`${tag}-ann`, 2, 4400],
      [`${tag}-bob`, 1, 2200],
    ]);
    expect(byUser[0]!.costUsd).toBeCloseTo(0.008, 9);
    expect(byUser[1]!.costUsd).toBeCloseTo(results[2]!.usage.costUsd, 9);

    const byAgent = (await usageReport(temporal, { by: 'agent', since })).filter((r) => r.key.startsWith(tag));
    expect(byAgent.map((r) => [r.key, r.runs])).toEqual([
      [`${tag}-agent0`, 2],
      [`${tag}-agent1`, 1],
    ]);
    await expect(usageReport(temporal, { by: 'week' as never })).rejects.toThrow(/invalid usage options: by: /);

    const cli = await runCli(['usage', '--by', 'user', '--since', since, '--json', '--task-queue', reins.taskQueue]);
    expect(cli.code).toBe(0);
    const rows = (JSON.parse(cli.stdout) as UsageRow[]).filter((r) => r.key.startsWith(tag));
    expect(rows.map((r) => [r.key, r.runs, r.tokens])).toEqual([
      [`${tag}-ann`, 2, 4400],
      [`${tag}-bob`, 1, 2200],
    ]);
    const table = await runCli(['usage', '--by', 'day', '--since', since]);
    expect(table.stdout).toMatch(/DAY\s+RUNS\s+TOKENS\s+COST \(USD\)/);
  });
});
