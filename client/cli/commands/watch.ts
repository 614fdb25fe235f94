import type { Command } from 'commander';
import { z } from 'zod';
import type { WatchEvent } from '../../watch';
import { watchRun } from '../../watch';
import type { ActionRunner } from '../context';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes';
import { parseFlags } from '../flags';
import { pathLine, showRequestCommand, visible } from '../../../common/display-text';
import { argsLines, decideHint } from '../format';

const WatchFlagsSchema = z.object({ interval: z.coerce.number().int().min(100).max(60_000).default(1_000) });

const money = (usd: number | null) => (usd === null ? 'cost unknown' : `$${usd.toFixed(4)}`);

/** One line per event; a progress line after each batch of changes. */
export function formatWatchEvent(runId: string, event: WatchEvent): string {
  switch (event.type) {
    case 'step':
      return `step ${event.step}/${event.maxSteps}`;
    case 'model_call':
      return (
        `  model ${event.model}${event.purpose ? ` (${event.purpose})` : ''}: ${event.inputTokens} in, ` +
        `${event.outputTokens} out, ${event.latencyMs} ms, ${money(event.costUsd)}`
      );
    case 'tool_call':
      return `  tool ${visible(event.tool)} (${event.callId}) ${event.outcome}${event.detail ? `: ${visible(event.detail)}` : ''}`;
    case 'approval_waiting': {
      const shown = argsLines(event.args, { indent: '      ', seeAll: showRequestCommand(runId, event.requestId) });
      return [
        `  waiting for approval ${event.requestId}: ${visible(event.tool)} (${event.toolClass}) ${shown.inline ?? 'arguments:'}`,
        ...shown.lines,
        ...(event.paths ?? []).map((path) => `      ${pathLine(path)}`),
        `    ${decideHint(runId, event.requestId)}`,
      ].join('\n');
    }
    case 'approval_decided':
      return `  ${event.decision === 'approve' ? 'approved' : 'rejected'} ${event.requestId} ${event.tool} by ${event.by} (${event.via})`;
    case 'progress':
      return (
        `[${event.status}] step ${event.step}/${event.maxSteps} · ${event.tokens} tokens · ` +
        `${event.costUnknown ? `${money(event.costUsd)} + unknown` : money(event.costUsd)} · ${event.toolCalls} tool calls` +
        (event.pendingApprovals ? ` · ${event.pendingApprovals} waiting for approval` : '')
      );
    case 'end':
      return event.status === 'completed'
        ? `completed: ${event.answer ?? ''}`
        : `ended ${event.status}: ${event.reason ?? event.lastError?.message ?? 'no reason recorded'}`;
  }
}

export function registerWatch(program: Command, run: ActionRunner): void {
  program
    .command('watch')
    .summary('follow a run live until it ends')
    .description(
      'Follow a run live: each step, model call (tokens, latency, cost), tool call, approval waiting and decided, ' +
        'and a progress line with the running cost, until the run ends with its result. With --json, one JSON event ' +
        'per line. Exits 1 if the run ends other than completed.',
    )
    .argument('<run>', 'run id (the workflow id)')
    .option('--interval <ms>', 'how often to look at the run, in milliseconds', '1000')
    .action(
      run(async (ctx, [runId], options) => {
        const flags = parseFlags(WatchFlagsSchema, options);
        const reins = await ctx.reins();
        const write = (event: WatchEvent) =>
          ctx.io.stdout(`${ctx.out.json ? JSON.stringify(event) : formatWatchEvent(runId!, event)}\n`);
        const state = await watchRun(reins, runId!, write, { intervalMs: flags.interval });
        return state.status === 'completed' ? EXIT_OK : EXIT_FAILED;
      }),
    );
}
