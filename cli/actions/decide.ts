import { z } from 'zod';
import type { ApprovalDecision } from '../../common/approval';
import { DecisionRefusedError } from '../../client/errors';
import type { CliContext, Handler } from '../context';
import { UsageError } from '../exit-codes';
import { parseFlags } from '../flags';
import { DurationSchema } from '../../common/duration';
import type { Credential } from '../../common/identity/credentials';
import {
  CredentialFileError,
  loadDecisionKey,
  signedDecisionCredential,
  tokenFileCredential,
} from '../../client/credentials';

const File = z.string().min(1, 'name a file');

const DecideFlagsSchema = z
  .strictObject({
    by: z.string().min(1, 'name who decides'),
    reason: z.string().min(1).max(2000).optional(),
    edit: z.string().optional(),
    signal: z.boolean().optional(),
    timeout: DurationSchema.optional(),
    tokenFile: File.optional(),
    signKey: File.optional(),
    keyId: z.string().min(1, 'name the key').max(200).optional(),
  })
  .superRefine((flags, ctx) => {
    // One credential per decision: the run verifies one, and a second would be silently dropped.
    if (flags.tokenFile !== undefined && flags.signKey !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'give --token-file or --sign-key, not both' });
    }
    if ((flags.signKey === undefined) !== (flags.keyId === undefined)) {
      const missing = flags.signKey === undefined ? 'signKey' : 'keyId';
      ctx.addIssue({ code: 'custom', path: [missing], message: '--sign-key and --key-id go together' });
    }
  });
type DecideFlags = z.output<typeof DecideFlagsSchema>;

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
    // The credential stays out of the output: a token is a bearer secret. Only its kind is shown.
    const { credential, ...sent } = decision;
    const shown = credential ? { ...sent, credential: { kind: credential.kind } } : sent;
    ctx.out.result({ runId, sent: shown, via: 'signal' }, () =>
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

/**
 * The credential the flags name, if any: a token file (`--token-file`, else $REINS_APPROVER_TOKEN_FILE) or a
 * decision signed with a registered key. Read before the server is asked anything, so a bad file costs nothing.
 */
async function credentialOf(
  flags: DecideFlags,
  env: NodeJS.ProcessEnv,
  runId: string,
  decision: ApprovalDecision,
): Promise<Credential | undefined> {
  try {
    if (flags.signKey !== undefined && flags.keyId !== undefined) {
      return await signedDecisionCredential(runId, decision, await loadDecisionKey(flags.signKey), flags.keyId);
    }
    const tokenFile = flags.tokenFile ?? (env.REINS_APPROVER_TOKEN_FILE || undefined);
    return tokenFile === undefined ? undefined : await tokenFileCredential(tokenFile);
  } catch (error) {
    if (error instanceof CredentialFileError) throw new UsageError(error.message);
    throw error;
  }
}

/** The decision the command line describes, with its credential; exported for the unit tests of flag handling. */
export async function decisionFromFlags(
  verdict: ApprovalDecision['decision'],
  runId: string,
  requestId: string,
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<{ decision: ApprovalDecision; flags: DecideFlags }> {
  const flags = parseFlags(DecideFlagsSchema, options);
  const decision: ApprovalDecision = { requestId, decision: verdict, by: flags.by };
  if (flags.reason !== undefined) decision.reason = flags.reason;
  if (flags.edit !== undefined) decision.editedArgs = parseEdit(flags.edit);
  const credential = await credentialOf(flags, env, runId, decision);
  if (credential) decision.credential = credential;
  return { decision, flags };
}

export const approve: Handler = async (ctx, [runId, requestId], options) => {
  const { decision, flags } = await decisionFromFlags('approve', runId!, requestId!, options, ctx.io.env);
  await decide(ctx, runId!, decision, flags);
};

export const reject: Handler = async (ctx, [runId, requestId], options) => {
  const { decision, flags } = await decisionFromFlags('reject', runId!, requestId!, options, ctx.io.env);
  await decide(ctx, runId!, decision, flags);
};
