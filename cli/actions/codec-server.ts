import { z } from 'zod';
import { encryptionKeysFromEnv } from '../../shared/codec';
import { policyFileProviders } from '../../client/codec-auth';
import { startCodecServer } from '../../client/codec-server';
import type { Handler } from '../context';
import { UsageError } from '../exit-codes';
import { parseFlags } from '../flags';

const CodecServerFlagsSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65_535).default(8888),
  host: z.string().min(1).default('127.0.0.1'),
  token: z.string().min(16, 'use at least 16 characters').optional(),
  origin: z.array(z.string().url()).optional(),
  policy: z.string().min(1).optional(),
  requireRole: z.string().min(1).max(200).optional(),
  insecureNoAuth: z.boolean().optional(),
});

export const codecServer: Handler = async (ctx, _args, options) => {
  const flags = parseFlags(CodecServerFlagsSchema, {
    ...options,
    token: options.token ?? (ctx.io.env.REINS_CODEC_TOKEN || undefined),
    policy: options.policy ?? (ctx.io.env.REINS_POLICY_FILE || undefined),
  });
  const keys = encryptionKeysFromEnv(ctx.io.env);
  if (!keys?.length) {
    throw new UsageError('no encryption keys: set REINS_ENCRYPTION_KEYS or REINS_ENCRYPTION_KEYS_FILE');
  }
  const providers = flags.policy ? policyFileProviders(flags.policy) : undefined;
  const server = await startCodecServer({
    keys,
    port: flags.port,
    host: flags.host,
    token: flags.token,
    providers,
    requireRole: flags.requireRole,
    insecureNoAuth: flags.insecureNoAuth,
    origins: flags.origin,
  });
  const accepts = [
    ...(flags.token ? ['the bearer token'] : []),
    ...(providers?.().length
      ? [
          `access tokens from ${providers()
            .map((p) => p.name)
            .join(', ')}`,
        ]
      : []),
  ];
  ctx.out.note(
    `reins codec server at ${server.url} (${keys.length} key(s), encrypting with "${keys.at(-1)?.id}"), ` +
      `${accepts.length ? `accepting ${accepts.join(' or ')}` : 'WITHOUT authentication'}` +
      `${flags.requireRole ? ` (role ${flags.requireRole} required)` : ''}. Ctrl-C stops it.`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
};
