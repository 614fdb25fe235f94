import { z } from 'zod';
import { encryptionKeysFromEnv } from '../../../shared/codec';
import { startCodecServer } from '../../codec-server';
import type { Handler } from '../context';
import { UsageError } from '../exit-codes';
import { parseFlags } from '../flags';

const CodecServerFlagsSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65_535).default(8888),
  host: z.string().min(1).default('127.0.0.1'),
  token: z.string().min(16, 'use at least 16 characters').optional(),
  origin: z.array(z.string().url()).optional(),
});

export const codecServer: Handler = async (ctx, _args, options) => {
  const flags = parseFlags(CodecServerFlagsSchema, {
    ...options,
    token: options.token ?? (ctx.io.env.REINS_CODEC_TOKEN || undefined),
  });
  const keys = encryptionKeysFromEnv(ctx.io.env);
  if (!keys?.length) {
    throw new UsageError('no encryption keys: set REINS_ENCRYPTION_KEYS or REINS_ENCRYPTION_KEYS_FILE');
  }
  const server = await startCodecServer({
    keys,
    port: flags.port,
    host: flags.host,
    token: flags.token,
    origins: flags.origin,
  });
  ctx.out.note(
    `reins codec server at ${server.url} (${keys.length} key(s), encrypting with "${keys.at(-1)?.id}")` +
      `${flags.token ? ', bearer token required' : ''}. Ctrl-C stops it.`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
};
