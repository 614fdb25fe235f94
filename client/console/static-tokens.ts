import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeZodIssues } from '../../common/zod-issues';
import { InvalidOptionsError } from '../errors';
import type { ConsoleAuth } from './console-auth';
import { ConsoleIdentitySchema, type ConsoleIdentity } from './identity';

/** REINS_CONSOLE_TOKENS (or the file of REINS_CONSOLE_TOKENS_FILE): a JSON list of tokens and who each one is. */
export const ConsoleTokensSchema = z
  .array(
    z.strictObject({
      token: z.string().min(16, 'a console token needs at least 16 characters').max(500),
      ...ConsoleIdentitySchema.shape,
    }),
  )
  .min(1, 'name at least one token')
  .max(10_000);
export type ConsoleTokens = z.input<typeof ConsoleTokensSchema>;

export function parseConsoleTokens(text: string, source: string): z.output<typeof ConsoleTokensSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidOptionsError(`${source} is not JSON: ${(error as Error).message}`);
  }
  const parsed = ConsoleTokensSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidOptionsError(`${source}: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}

/** The tokens from the environment: REINS_CONSOLE_TOKENS_FILE over REINS_CONSOLE_TOKENS; undefined when neither is set. */
export function consoleTokensFromEnv(env: NodeJS.ProcessEnv): z.output<typeof ConsoleTokensSchema> | undefined {
  const file = env.REINS_CONSOLE_TOKENS_FILE;
  if (file) return parseConsoleTokens(readFileSync(file, 'utf8'), `REINS_CONSOLE_TOKENS_FILE (${file})`);
  const text = env.REINS_CONSOLE_TOKENS;
  return text ? parseConsoleTokens(text, 'REINS_CONSOLE_TOKENS') : undefined;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Static tokens, each naming a user and roles: for local use and small teams before an identity provider. */
export function staticTokenAuth(tokens: ConsoleTokens): ConsoleAuth {
  const parsed = ConsoleTokensSchema.parse(tokens);
  const entries = parsed.map(({ token, ...identity }) => ({ digest: digest(token), identity }));
  return {
    label: 'access token',
    asksForToken: true,
    verifyToken(token: string): Promise<ConsoleIdentity | undefined> {
      const offered = digest(token);
      // Every entry is compared, in constant time each, so the answer's timing says nothing about which one matched.
      let found: ConsoleIdentity | undefined;
      for (const entry of entries) if (timingSafeEqual(entry.digest, offered)) found = found ?? entry.identity;
      return Promise.resolve(found ? { userId: found.userId, roles: [...found.roles] } : undefined);
    },
  };
}
