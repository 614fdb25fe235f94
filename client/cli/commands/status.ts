import type { Command } from 'commander';
import { z } from 'zod';
import type { ActionRunner } from '../context';
import { UsageError } from '../exit-codes';
import { parseFlags } from '../flags';
import { formatRequest, formatState } from '../format';

const StatusFlagsSchema = z.strictObject({ request: z.string().min(1).max(200).optional() });

export function registerStatus(program: Command, run: ActionRunner): void {
  program
    .command('status')
    .summary("show a run's status, usage and pending approvals")
    .description(
      "Show a run's status, step, token usage, pending approvals (with their full arguments, the workspace paths " +
        'they resolve to and how to decide them), decisions taken and its last error. Arguments longer than ' +
        '20,000 characters are cut with the count left out; --request shows one request whole, however long. ' +
        'A running run answers through its worker; an ended run is read from its history.',
    )
    .argument('<run>', 'run id (the workflow id)')
    .option('--request <id>', 'show only this approval request (pending or decided), with all of its arguments')
    .action(
      run(async (ctx, [runId], options) => {
        const flags = parseFlags(StatusFlagsSchema, options);
        const reins = await ctx.reins();
        const state = await reins.getState(runId!);
        if (flags.request !== undefined) {
          const request =
            state.approvalRequests.find((r) => r.requestId === flags.request) ??
            state.pendingApprovals.find((r) => r.requestId === flags.request);
          if (!request) throw new UsageError(`run "${runId}" has no approval request "${flags.request}"`);
          const decision = state.decisions.find((d) => d.requestId === request.requestId);
          ctx.out.result({ runId: state.runId, request, ...(decision ? { decision } : {}) }, () =>
            formatRequest(state, request),
          );
          return;
        }
        const uiUrl = ctx.uiUrl(state.runId, reins);
        ctx.out.result({ ...state, uiUrl }, () => formatState(state, uiUrl));
      }),
    );
}
