import { z } from 'zod';
import { hashArgsFromEnv, readAuditTrail } from '../../audit';
import type { Handler } from '../context';
import { EXIT_UNREADABLE } from '../exit-codes';
import { parseFlags } from '../flags';

const AuditFlagsSchema = z.object({ hashArgs: z.boolean().default(false) });

export const audit: Handler = async (ctx, [runId], options) => {
  const flags = parseFlags(AuditFlagsSchema, options);
  const reins = await ctx.reins();
  const hashArgs = flags.hashArgs || hashArgsFromEnv(ctx.io.env);
  const { records, unreadable } = await readAuditTrail(reins, runId!, { hashArgs });
  ctx.io.stdout(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  if (unreadable.length === 0) return;
  ctx.out.note(
    [
      `reins: the audit trail of run ${runId} is incomplete: ${unreadable.length} part(s) could not be read`,
      ...unreadable.map((part) => `  ${part.what}: ${part.error}`),
    ].join('\n'),
  );
  return EXIT_UNREADABLE;
};
