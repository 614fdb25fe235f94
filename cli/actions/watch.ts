import { z } from 'zod';
import type { WatchEvent } from '../../client/watch';
import { watchRun } from '../../client/watch';
import type { Handler } from '../context';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes';
import { parseFlags } from '../flags';
import { pathLine, showRequestCommand, visible } from '../../common/display-text';
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

export const watch: Handler = async (ctx, [runId], options) => {
  const flags = parseFlags(WatchFlagsSchema, options);
  const reins = await ctx.reins();
  const write = (event: WatchEvent) =>
    ctx.io.stdout(`${ctx.out.json ? JSON.stringify(event) : formatWatchEvent(runId!, event)}\n`);
  const state = await watchRun(reins, runId!, write, { intervalMs: flags.interval });
  return state.status === 'completed' ? EXIT_OK : EXIT_FAILED;
};
