import { z } from 'zod';
import type { Handler } from '../context';
import { EXIT_UNREADABLE } from '../exit-codes';
import { parseFlags } from '../flags';
import { formatPendingRuns } from '../format';

const PendingFlagsSchema = z.strictObject({
  agent: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  limit: z.coerce.number().int().positive().max(1000).default(100),
});

export const pending: Handler = async (ctx, _args, options) => {
  const flags = parseFlags(PendingFlagsSchema, options);
  const reins = await ctx.reins();
  const runs = await reins.listPending(flags);
  ctx.out.result(runs, () => formatPendingRuns(runs));
  const unreadable = runs.filter((pending) => pending.unreadable);
  if (unreadable.length === 0) return;
  ctx.out.note(
    `reins: the pending requests of ${unreadable.map((pending) => pending.runId).join(', ')} could not be read`,
  );
  return EXIT_UNREADABLE;
};
