import { z } from 'zod';
import { TeamNameSchema } from '../../common/policy/platform-policy';
import type { RunInputArgs } from '../../common/run-input';
import { loadAgentFile } from '../../client/agent-file';
import type { Handler } from '../context';
import { parseFlags } from '../flags';
import { reportResult } from './result';
import { defaultUserId } from '../../client/default-user';
import { CredentialFileError, tokenFileCredential } from '../../client/credentials';
import { UsageError } from '../exit-codes';
import type { Credential } from '../../common/identity/credentials';

/** The requester's credential: `--token-file`, else $REINS_REQUESTER_TOKEN_FILE; read before the server is asked. */
export async function requesterCredential(
  tokenFile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Credential | undefined> {
  const file = tokenFile ?? (env.REINS_REQUESTER_TOKEN_FILE || undefined);
  if (file === undefined) return undefined;
  return tokenFileCredential(file).catch((error: unknown) => {
    throw error instanceof CredentialFileError ? new UsageError(error.message) : error;
  });
}

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
  tokenFile: z.string().min(1, 'name a file').optional(),
});

/** The per-run limits among the flags; the run refuses any above the agent's or the platform policy's. */
function budgetOf(flags: z.output<typeof StartFlagsSchema>): NonNullable<RunInputArgs['budget']> {
  const { maxSteps, maxToolCalls, maxInputTokens, maxOutputTokens, maxTotalTokens, maxCostUsd, maxDuration } = flags;
  const limits = { maxSteps, maxToolCalls, maxInputTokens, maxOutputTokens, maxTotalTokens, maxCostUsd, maxDuration };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

export const start: Handler = async (ctx, [file, prompt], options) => {
  const flags = parseFlags(StartFlagsSchema, options);
  const spec = await loadAgentFile(file!);
  const userId = flags.user ?? defaultUserId(ctx.io.env);
  const credential = await requesterCredential(flags.tokenFile, ctx.io.env);
  const reins = await ctx.reins();
  const team = flags.team ?? spec.team;
  const started = await reins.startRun(
    {
      spec,
      prompt: prompt!,
      userId,
      ...(team ? { team } : {}),
      ...(credential ? { credential } : {}),
      budget: budgetOf(flags),
    },
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
};
