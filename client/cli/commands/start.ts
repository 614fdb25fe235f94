import type { Command } from 'commander';
import { z } from 'zod';
import { TeamNameSchema } from '../../../common/policy/platform-policy';
import type { RunInputArgs } from '../../../common/run-input';
import { loadAgentFile } from '../../agent-file';
import type { ActionRunner } from '../context';
import { parseFlags } from '../flags';
import { reportResult } from './result';
import { defaultUserId } from '../../default-user';

const count = z.coerce.number().int().positive();

const StartFlagsSchema = z.strictObject({
  user: z.string().min(1).max(200).optional(),
  id: z.string().min(1).max(1000).optional(),
  wait: z.boolean().optional(),
  team: TeamNameSchema.optional(),
  maxSteps: count.optional(),
  maxToolCalls: count.optional(),
  maxInputTokens: count.optional(),
  maxOutputTokens: count.optional(),
  maxTotalTokens: count.optional(),
  maxCostUsd: z.coerce.number().positive().optional(),
  maxDuration: z.string().min(1).optional(),
});

/** The per-run limits among the flags; the run refuses any above the agent's or the platform policy's. */
function budgetOf(flags: z.output<typeof StartFlagsSchema>): NonNullable<RunInputArgs['budget']> {
  const { maxSteps, maxToolCalls, maxInputTokens, maxOutputTokens, maxTotalTokens, maxCostUsd, maxDuration } = flags;
  const limits = { maxSteps, maxToolCalls, maxInputTokens, maxOutputTokens, maxTotalTokens, maxCostUsd, maxDuration };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

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
    .option(
      '--user <id>',
      'who the run acts for (default: $REINS_USER, else $USER, else $LOGNAME, else the account name)',
    )
    .option('--id <run-id>', 'run id to use (default: <agent>-<random>)')
    .option('--team <name>', "the team the run is for (default: the agent spec's team, else default)")
    .option('--max-steps <n>', 'lower the model-call limit for this run')
    .option('--max-tool-calls <n>', 'lower the tool-call limit for this run')
    .option('--max-input-tokens <n>', 'lower the input-token limit for this run')
    .option('--max-output-tokens <n>', 'lower the output-token limit for this run')
    .option('--max-total-tokens <n>', 'lower the total-token limit for this run')
    .option('--max-cost-usd <usd>', 'lower the cost limit for this run (needs a price for the model)')
    .option('--max-duration <d>', 'lower the wall-clock limit for this run, e.g. 30m or 2h')
    .option('--wait', 'wait for the run to end and print its answer')
    .action(
      run(async (ctx, [file, prompt], options) => {
        const flags = parseFlags(StartFlagsSchema, options);
        const spec = await loadAgentFile(file!);
        const userId = flags.user ?? defaultUserId(ctx.io.env);
        const reins = await ctx.reins();
        const team = flags.team ?? spec.team;
        const started = await reins.startRun(
          { spec, prompt: prompt!, userId, ...(team ? { team } : {}), budget: budgetOf(flags) },
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
