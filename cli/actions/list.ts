import { z } from 'zod';
import { RUN_STATUSES } from '../../common/run-state';
import type { Handler } from '../context';
import { parseFlags } from '../flags';
import { formatRuns } from '../format';

const ListFlagsSchema = z.strictObject({
  status: z.enum(RUN_STATUSES).optional(),
  agent: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  team: z.string().min(1).optional(),
  limit: z.coerce.number().int().positive().max(1000).default(20),
});

export const list: Handler = async (ctx, _args, options) => {
  const flags = parseFlags(ListFlagsSchema, options);
  const reins = await ctx.reins();
  const runs = await reins.listRuns(flags);
  ctx.out.result(runs, () => formatRuns(runs));
};
