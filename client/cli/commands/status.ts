import type { Command } from 'commander';
import type { ActionRunner } from '../context';
import { formatState } from '../format';

export function registerStatus(program: Command, run: ActionRunner): void {
  program
    .command('status')
    .summary("show a run's status, usage and pending approvals")
    .description(
      "Show a run's status, step, token usage, pending approvals (with how to decide them), decisions taken and " +
        'its last error. A running run answers through its worker; an ended run is read from its history.',
    )
    .argument('<run>', 'run id (the workflow id)')
    .action(
      run(async (ctx, [runId]) => {
        const reins = await ctx.reins();
        const state = await reins.getState(runId!);
        const uiUrl = ctx.uiUrl(state.runId, reins);
        ctx.out.result({ ...state, uiUrl }, () => formatState(state, uiUrl));
      }),
    );
}
