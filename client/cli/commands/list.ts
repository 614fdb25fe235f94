import type { Command } from 'commander';
import { z } from 'zod';
import { RUN_STATUSES } from '../../../common/run-state';
import type { ActionRunner } from '../context';
import { parseFlags } from '../flags';
import { formatRuns } from '../format';

const ListFlagsSchema = z.strictObject({
  status: z.enum(RUN_STATUSES).optional(),
  agent: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  team: z.string().min(1).optional(),
  limit: z.coerce.number().int().positive().max(1000).default(20),
});

export function registerList(program: Command, run: ActionRunner): void {
  program
    .command('list')
    .summary('list runs, newest first')
    .description(
      'List runs from Temporal visibility, newest first, filtered by the search attributes ReinsStatus, ' +
        'ReinsAgent, ReinsUser and ReinsTeam. Visibility trails the runs by a moment.',
    )
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .option('--agent <name>', 'only runs of this agent')
    .option('--user <id>', 'only runs acting for this user')
    .option('--team <name>', 'only runs of this team')
    .option('--limit <n>', 'at most this many runs', '20')
    .action(
      run(async (ctx, _args, options) => {
        const flags = parseFlags(ListFlagsSchema, options);
        const reins = await ctx.reins();
        const runs = await reins.listRuns(flags);
        ctx.out.result(runs, () => formatRuns(runs));
      }),
    );
}
