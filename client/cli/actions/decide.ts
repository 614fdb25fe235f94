import { z } from 'zod';
import type { ApprovalDecision } from '../../../common/approval';
import { DecisionRefusedError } from '../../errors';
import type { CliContext, Handler } from '../context';
import { UsageError } from '../exit-codes';
import { parseFlags } from '../flags';
import { DurationSchema } from '../../../common/duration';

const DecideFlagsSchema = z.strictObject({
  by: z.string().min(1, 'name who decides'),
  reason: z.string().min(1).max(2000).optional(),
  edit: z.string().optional(),
  signal: z.boolean().optional(),
  timeout: DurationSchema.optional(),
});

const EditedArgsSchema = z.record(z.string(), z.unknown());

function parseEdit(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--edit is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = EditedArgsSchema.safeParse(value);
  if (!parsed.success || Array.isArray(value)) {
    throw new UsageError(`--edit must be a JSON object of the tool's arguments, e.g. '{"path":"notes.txt"}'`);
  }
  return parsed.data;
}

async function decide(
  ctx: CliContext,
  runId: string,
  decision: ApprovalDecision,
  flags: { signal?: boolean; timeout?: number },
): Promise<void> {
  const viaSignal = flags.signal === true;
  const reins = await ctx.reins();
  const verb = decision.decision === 'approve' ? 'Approved' : 'Rejected';
  if (viaSignal) {
    await reins.decide(runId, decision, { via: 'signal' });
    ctx.out.result({ runId, sent: decision, via: 'signal' }, () =>
      [
        `Sent ${decision.decision} of ${decision.requestId} to run ${runId} as a signal.`,
        `A signal is not confirmed: check \`reins status ${runId}\` (a refused one is listed as ignored).`,
      ].join('\n'),
    );
    return;
  }
  const record = await reins.decide(runId, decision, { timeoutMs: flags.timeout }).catch((error: unknown) => {
    if (error instanceof DecisionRefusedError) {
      throw new DecisionRefusedError(`run ${runId} refused the decision: ${error.message}`);
    }
    throw error;
  });
  ctx.out.result({ runId, decision: record }, () => {
    const tool = record ? ` (${record.tool})` : '';
    const done = `${verb} ${decision.requestId}${tool} on run ${runId} as ${decision.by}`;
    const awaiting = record?.awaiting;
    if (!awaiting) return `${done}.`;
    const groups = awaiting.missingGroups ? ` and ${awaiting.missingGroups} group(s) not yet represented` : '';
    return `${done}: approval ${awaiting.approvals} of ${awaiting.quorum}${groups}; the call waits for the rest.`;
  });
}

export const approve: Handler = async (ctx, [runId, requestId], options) => {
  const flags = parseFlags(DecideFlagsSchema, options);
  const decision: ApprovalDecision = { requestId: requestId!, decision: 'approve', by: flags.by };
  if (flags.reason !== undefined) decision.reason = flags.reason;
  if (flags.edit !== undefined) decision.editedArgs = parseEdit(flags.edit);
  await decide(ctx, runId!, decision, flags);
};

export const reject: Handler = async (ctx, [runId, requestId], options) => {
  const flags = parseFlags(DecideFlagsSchema, options);
  const decision: ApprovalDecision = { requestId: requestId!, decision: 'reject', by: flags.by };
  if (flags.reason !== undefined) decision.reason = flags.reason;
  await decide(ctx, runId!, decision, flags);
};
