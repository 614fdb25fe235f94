import type { Command } from 'commander';
import { z } from 'zod';
import { TeamNameSchema } from '../../../common/platform-policy';
import { loadAgentFile } from '../../agent-file';
import type { ActionRunner } from '../context';
import { parseFlags } from '../flags';
import { reportResult } from './result';

const StartFlagsSchema = z.strictObject({
  user: z.string().min(1).max(200).optional(),
  id: z.string().min(1).max(1000).optional(),
  wait: z.boolean().optional(),
  team: TeamNameSchema.optional(),
});

export function registerStart(program: Command, run: ActionRunner): void {
  program
    .command('start')
    .summary('start a run of an agent')
    .description(
      'Start a run of the agent described by <agent-file> (YAML or JSON) on <prompt>. Prints the run id and its ' +
        'Temporal UI link; with --wait, waits for the run to end and prints its answer like `reins result`.',
    )
    .argument('<agent-file>', 'agent spec file, e.g. agents/file-clerk.yaml')
    .argument('<prompt>', 'what the agent should do')
    .option('--user <id>', 'who the run acts for (default: $REINS_USER, else $USER)')
    .option('--id <run-id>', 'run id to use (default: <agent>-<random>)')
    .option('--team <name>', "the team the run is for (default: the agent spec's team, else default)")
    .option('--wait', 'wait for the run to end and print its answer')
    .action(
      run(async (ctx, [file, prompt], options) => {
        const flags = parseFlags(StartFlagsSchema, options);
        const spec = await loadAgentFile(file!);
        const userId = flags.user ?? (ctx.io.env.REINS_USER || ctx.io.env.USER || ctx.io.env.LOGNAME || 'cli');
        const reins = await ctx.reins();
        const team = flags.team ?? spec.team;
        const started = await reins.startRun(
          { spec, prompt: prompt!, userId, ...(team ? { team } : {}) },
          { runId: flags.id },
        );
        const uiUrl = ctx.uiUrl(started.runId, reins);
        if (!flags.wait) {
          ctx.out.result({ ...started, agent: spec.name, userId, uiUrl }, () =>
            [`Started run ${started.runId} (agent ${spec.name}, user ${userId})`, `Temporal UI: ${uiUrl}`].join('\n'),
          );
          return;
        }
        ctx.out.note(`Started run ${started.runId}; waiting for it to end (Temporal UI: ${uiUrl})`);
        return reportResult(ctx, await reins.result(started.runId));
      }),
    );
}
