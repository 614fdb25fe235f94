import { z } from 'zod';
import { usageReport, type UsageRow } from '../../client/usage-report';
import type { Handler } from '../context';
import { parseFlags } from '../flags';
import { table } from '../format';

const UsageFlagsSchema = z.strictObject({
  by: z.enum(['user', 'agent', 'team', 'day']).default('user'),
  team: z.string().min(1).optional(),
  since: z.string().min(1).optional(),
});

function formatUsage(rows: UsageRow[], by: string): string {
  if (rows.length === 0) return 'No runs match.';
  const total = rows.reduce(
    (sum, row) => ({ runs: sum.runs + row.runs, tokens: sum.tokens + row.tokens, cost: sum.cost + row.costUsd }),
    {
      runs: 0,
      tokens: 0,
      cost: 0,
    },
  );
  return table(
    [by.toUpperCase(), 'RUNS', 'TOKENS', 'COST (USD)'],
    [
      ...rows.map((row) => [row.key, String(row.runs), String(row.tokens), row.costUsd.toFixed(4)]),
      ['total', String(total.runs), String(total.tokens), total.cost.toFixed(4)],
    ],
  );
}

export const usage: Handler = async (ctx, _args, options) => {
  const flags = parseFlags(UsageFlagsSchema, options);
  const reins = await ctx.reins();
  const rows = await usageReport(reins.temporal, flags);
  ctx.out.result(rows, () => formatUsage(rows, flags.by));
};
