import { ApplicationFailure } from '@temporalio/activity';
import type { SecretRef, TextOrSecret } from '../common/secret-ref';

/** Where a worker finds secret values by name. */
export interface SecretSource {
  /** The value, or undefined when this source does not have the secret. */
  get(name: string): string | undefined;
  describe(): string;
}

/** Secrets from the worker's environment variables (the default source). */
export function envSecretSource(env: NodeJS.ProcessEnv = process.env): SecretSource {
  return {
    get: (name) => {
      const value = env[name];
      return value === undefined || value === '' ? undefined : value;
    },
    describe: () => 'the worker environment',
  };
}

/** The name a per-user reference resolves to: `GITHUB_TOKEN` for user `alice` → `GITHUB_TOKEN__alice`. */
export function perUserSecretName(name: string, userId: string): string {
  return `${name}__${userId.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

export const SECRET_MISSING = 'SecretMissing';

/** Resolves references in activities only; a missing secret fails the call naming the secret, never a value. */
export class SecretResolver {
  constructor(private readonly sources: SecretSource[]) {}

  resolve(ref: SecretRef, userId?: string): string {
    const name = ref.perUser ? perUserSecretName(ref.secret, userId ?? '') : ref.secret;
    for (const source of this.sources) {
      const value = source.get(name);
      if (value !== undefined) return value;
    }
    const where = this.sources.map((s) => s.describe()).join(', ') || 'no secret source';
    const who = ref.perUser ? ` for user ${userId ?? '(unknown)'}` : '';
    throw ApplicationFailure.nonRetryable(`secret ${name}${who} is not set in ${where}`, SECRET_MISSING);
  }

  /** Plain strings pass through; references become their values. */
  text(value: TextOrSecret, userId?: string): string {
    return typeof value === 'string' ? value : this.resolve(value, userId);
  }

  record(values: Record<string, TextOrSecret>, userId?: string): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, this.text(value, userId)]));
  }
}
