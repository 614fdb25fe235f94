import type { RunResult } from '../../common/run-state';
import type { CliContext, Handler } from '../context';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes';
import { formatUsage } from '../format';

/** Prints a finished run: the answer on stdout (exit 0), or why it ended without one on stderr (exit 1). */
export function reportResult(ctx: CliContext, result: RunResult): number {
  const ok = result.status === 'completed';
  if (ctx.out.json) {
    ctx.out.result(result, () => '');
    return ok ? EXIT_OK : EXIT_FAILED;
  }
  if (ok) {
    ctx.out.result(result, () => result.answer ?? '');
    return EXIT_OK;
  }
  const lines = [`run ${result.runId} ended ${result.status}: ${result.reason ?? 'no reason recorded'}`];
  if (result.lastError) lines.push(`last error ${result.lastError.type}: ${result.lastError.message}`);
  lines.push(`usage: ${formatUsage(result.usage)}`);
  ctx.out.note(lines.join('\n'));
  return EXIT_FAILED;
}

export const result: Handler = async (ctx, [runId]) => {
  const reins = await ctx.reins();
  return reportResult(ctx, await reins.result(runId!));
};
