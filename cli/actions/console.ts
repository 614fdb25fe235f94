import { z } from 'zod';
import { consoleTokensFromEnv, startConsole, staticTokenAuth } from '../../client/console';
import type { Handler } from '../context';
import { UsageError } from '../exit-codes';
import { parseFlags } from '../flags';

const ConsoleFlagsSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65_535).default(8080),
  host: z.string().min(1).default('127.0.0.1'),
  tokensFile: z.string().min(1).optional(),
  poll: z.coerce.number().int().min(200).max(60_000).default(1000),
  secureCookie: z.boolean().optional(),
});

export const consoleServer: Handler = async (ctx, _args, options) => {
  const flags = parseFlags(ConsoleFlagsSchema, {
    ...options,
    port: options.port ?? (ctx.io.env.REINS_CONSOLE_PORT || undefined),
  });
  const tokens = consoleTokensFromEnv(
    flags.tokensFile ? { ...ctx.io.env, REINS_CONSOLE_TOKENS_FILE: flags.tokensFile } : ctx.io.env,
  );
  if (!tokens) throw new UsageError('no sign-in tokens: set REINS_CONSOLE_TOKENS or REINS_CONSOLE_TOKENS_FILE');
  const reins = await ctx.reins();
  const server = await startConsole({
    client: reins,
    auth: staticTokenAuth(tokens),
    port: flags.port,
    host: flags.host,
    pollIntervalMs: flags.poll,
    secureCookie: flags.secureCookie,
  });
  ctx.out.note(`reins console at ${server.url} (${tokens.length} sign-in token(s)). Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
};
