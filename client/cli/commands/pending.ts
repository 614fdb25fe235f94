import type { Command } from 'commander';
import { z } from 'zod';
import type { ActionRunner } from '../context';
import { EXIT_UNREADABLE } from '../exit-codes';
import { parseFlags } from '../flags';
import { formatPendingRuns } from '../format';

const PendingFlagsSchema = z.strictObject({
  agent: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  limit: z.coerce.number().int().positive().max(1000).default(100),
});

export function registerPending(program: Command, run: ActionRunner): void {
  program
    .command('pending')
    .summary('list every run waiting for a decision')
    .description(
      'List every open run in the namespace that waits for an approval, with each pending request: its id, tool, ' +
        'arguments, when it was requested and how long ago, and the command to decide it.',
    )
    .option('--agent <name>', 'only runs of this agent')
    .option('--user <id>', 'only runs acting for this user')
    .option('--limit <n>', 'at most this many runs', '100')
    .action(
      run(async (ctx, _args, options) => {
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
      }),
    );
}
