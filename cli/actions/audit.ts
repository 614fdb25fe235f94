import { z } from 'zod';
import { visible } from '../../common/display-text';
import { hashArgsFromEnv, readAuditTrail } from '../../client/audit';
import { AuditKeyError, chainTrail, loadPublicKey, loadSigningKey, trailJsonl } from '../../client/audit-chain';
import { compareWithHistory } from '../../client/audit-compare';
import { readTrailFile, TrailFileError, verifyTrail, type TrailProblem } from '../../client/audit-verify';
import type { CliContext, Handler } from '../context';
import { EXIT_FAILED, EXIT_UNREADABLE, UsageError } from '../exit-codes';
import { parseFlags } from '../flags';

const File = z.string().min(1);
const AuditFlagsSchema = z
  .object({
    hashArgs: z.boolean().default(false),
    signingKey: File.optional(),
    verify: File.optional(),
    publicKey: File.optional(),
    againstHistory: z.boolean().default(false),
  })
  .superRefine((flags, ctx) => {
    // Each flag belongs to one of the two jobs; a flag given to the other would be silently ignored.
    const only = (flag: 'hashArgs' | 'signingKey' | 'publicKey' | 'againstHistory', verifying: boolean) => {
      if (flags[flag] && (flags.verify !== undefined) !== verifying) {
        ctx.addIssue({ code: 'custom', path: [flag], message: verifying ? 'needs --verify' : 'not with --verify' });
      }
    };
    only('hashArgs', false);
    only('signingKey', false);
    only('publicKey', true);
    only('againstHistory', true);
  });
type AuditFlags = z.output<typeof AuditFlagsSchema>;

/** Key files the user named that cannot be used are a usage problem (exit 2), named as such. */
function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof AuditKeyError) throw new UsageError(error.message);
    throw error;
  }
}

export const audit: Handler = async (ctx, [runId], options) => {
  const flags = parseFlags(AuditFlagsSchema, options);
  if (flags.verify !== undefined) return verifyExport(ctx, flags.verify, runId, flags);
  if (runId === undefined) throw new UsageError('give the run id, or --verify FILE to check an exported trail');
  const keyFile = flags.signingKey ?? (ctx.io.env.REINS_AUDIT_SIGNING_KEY || undefined);
  // Before the server is asked anything: a key that cannot sign should not cost a whole export.
  const signingKey = keyFile === undefined ? undefined : asUsage(() => loadSigningKey(keyFile));
  const reins = await ctx.reins();
  const hashArgs = flags.hashArgs || hashArgsFromEnv(ctx.io.env);
  const { records, unreadable } = await readAuditTrail(reins, runId, { hashArgs });
  const trail = chainTrail(records, runId, {
    exportedAt: new Date().toISOString(),
    signingKey,
    unreadableParts: unreadable.length,
  });
  ctx.io.stdout(trailJsonl(trail));
  if (unreadable.length === 0) return;
  ctx.out.note(
    [
      `reins: the audit trail of run ${runId} is incomplete: ${unreadable.length} part(s) could not be read`,
      ...unreadable.map((part) => `  ${part.what}: ${part.error}`),
    ].join('\n'),
  );
  return EXIT_UNREADABLE;
};

async function verifyExport(
  ctx: CliContext,
  file: string,
  runId: string | undefined,
  flags: AuditFlags,
): Promise<number> {
  const publicKeyFile = flags.publicKey;
  const publicKey = publicKeyFile === undefined ? undefined : asUsage(() => loadPublicKey(publicKeyFile));
  const bytes = await readTrailFile(file).catch((error: unknown) => {
    throw error instanceof TrailFileError ? new UsageError(error.message) : error;
  });
  const verdict = verifyTrail(bytes, { publicKey, workflowId: runId });
  const failed = (problem: TrailProblem): number => {
    if (ctx.out.json) ctx.out.result({ verified: false, file, problem }, () => '');
    else ctx.out.note(`reins: ${visible(file)} does not verify: ${problem.message}`);
    return EXIT_FAILED;
  };
  if (!verdict.ok) return failed(verdict.problem);
  const { head, entries, signature } = verdict;

  let history: { newer: number; unreadable: string[] } | undefined;
  if (flags.againstHistory) {
    const live = await readAuditTrail(await ctx.reins(), head.workflowId, { hashArgs: false });
    const compared = compareWithHistory(entries, live.records);
    if (!compared.ok) return failed(compared.problem);
    history = { newer: compared.newer, unreadable: live.unreadable.map((part) => `  ${part.what}: ${part.error}`) };
  }

  const signed = {
    verified: `signature verified (key ${head.signature?.keyId ?? ''})`,
    unchecked: 'the head is signed, but its signature was not checked: give --public-key',
    unsigned: 'unsigned: a file rewritten from any entry to its end, head included, would verify too',
  }[signature];
  const againstHistory =
    history &&
    `matches the run's history${
      history.newer > 0
        ? `; the history has ${history.newer} entries after the file's last: the run was exported while it was ` +
          'going, or entries were cut off the end'
        : ''
    }`;
  ctx.out.result(
    {
      verified: true,
      file,
      workflowId: head.workflowId,
      entries: entries.length,
      exportedAt: head.exportedAt,
      signature,
      ...(head.unreadableParts ? { unreadableParts: head.unreadableParts } : {}),
      ...(history
        ? { history: { matches: true, newerEntries: history.newer, unreadable: history.unreadable.length } }
        : {}),
    },
    () =>
      [
        `verified ${entries.length} entries of run ${visible(head.workflowId)} (exported ${visible(head.exportedAt)})`,
        `  ${signed}`,
        ...(againstHistory ? [`  ${againstHistory}`] : []),
        ...(head.unreadableParts
          ? [
              `  the export was incomplete: ${head.unreadableParts} part(s) of the run could not be read when it was made`,
            ]
          : []),
      ].join('\n'),
  );
  if (!history || history.unreadable.length === 0) return 0;
  ctx.out.note(
    [`reins: part of the run's history could not be read to compare with:`, ...history.unreadable].join('\n'),
  );
  return EXIT_UNREADABLE;
}
