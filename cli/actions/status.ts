import { z } from 'zod';
import type { Handler } from '../context';
import { UsageError } from '../exit-codes';
import { parseFlags } from '../flags';
import { formatRequest, formatState } from '../format';

const StatusFlagsSchema = z.strictObject({ request: z.string().min(1).max(200).optional() });

export const status: Handler = async (ctx, [runId], options) => {
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
};
