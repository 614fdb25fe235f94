import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../../common/errors';
import type { SecretRef, TextOrSecret } from '../../common/secret-ref';
import { Scrubber, type NamedSecret } from './scrub';
import { ownValue } from '../../common/own';

/** Where a worker finds secret values by name. */
export interface SecretSource {
  /** The value, or undefined when this source does not have the secret. */
  get(name: string): string | undefined;
  /** Every secret the source holds, so they can be scrubbed from results even when no reference named them. */
  entries?(): NamedSecret[];
  describe(): string;
}

/**
 * Environment variables whose names say they hold a credential. The environment also holds PATH, HOME and the like;
 * scrubbing those from every result would mangle ordinary output, so only these count as known secrets.
 */
const SECRET_LIKE_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|PRIVATE|PAT)(__|$|_)/i;

/** Secrets from the worker's environment variables (the default source). */
export function envSecretSource(env: NodeJS.ProcessEnv = process.env): SecretSource {
  return {
    get: (name) => {
      const value = ownValue(env, name);
      return value === undefined || value === '' ? undefined : value;
    },
    entries: () =>
      Object.entries(env).flatMap(([name, value]) => (value && SECRET_LIKE_NAME.test(name) ? [{ name, value }] : [])),
    describe: () => 'the worker environment',
  };
}

/** The name a per-user reference resolves to: `GITHUB_TOKEN` for user `alice` → `GITHUB_TOKEN__alice`. */
export function perUserSecretName(name: string, userId: string): string {
  return `${name}__${userId.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Resolves references in activities only; a missing secret fails the call naming the secret, never a value. */
export class SecretResolver {
  /** Values resolved so far, scrubbed from results whether or not a source lists them. */
  private readonly resolved = new Map<string, string>();

  constructor(private readonly sources: SecretSource[]) {}

  resolve(ref: SecretRef, userId?: string): string {
    if (ref.perUser && !userId) {
      throw ApplicationFailure.nonRetryable(
        `secret ${ref.secret} is per user, but the run has no user to resolve it for`,
        ErrorType.SecretMissing,
      );
    }
    const name = ref.perUser ? perUserSecretName(ref.secret, userId ?? '') : ref.secret;
    for (const source of this.sources) {
      let value: string | undefined;
      try {
        value = source.get(name);
      } catch (error) {
        // A misconfigured source (an unreadable or world-readable file) will not fix itself on retry.
        const message = error instanceof Error ? error.message : String(error);
        throw ApplicationFailure.nonRetryable(`secret ${name}: ${message}`, ErrorType.SecretSourceInvalid);
      }
      if (value !== undefined) {
        this.resolved.set(name, value);
        return value;
      }
    }
    const where = this.sources.map((s) => s.describe()).join(', ') || 'no secret source';
    const who = ref.perUser ? ` for user ${userId}` : '';
    throw ApplicationFailure.nonRetryable(`secret ${name}${who} is not set in ${where}`, ErrorType.SecretMissing);
  }

  /** Plain strings pass through; references become their values. */
  text(value: TextOrSecret, userId?: string): string {
    return typeof value === 'string' ? value : this.resolve(value, userId);
  }

  record(values: Record<string, TextOrSecret>, userId?: string): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, this.text(value, userId)]));
  }

  /** Every secret value this worker knows of: what its sources list plus what it has resolved. */
  known(): NamedSecret[] {
    const all = new Map(this.resolved);
    for (const source of this.sources) {
      let entries: NamedSecret[] = [];
      try {
        entries = source.entries?.() ?? [];
      } catch {
        // A source that cannot list (a bad file) fails the lookups that need it; scrubbing uses what is readable.
      }
      for (const { name, value } of entries) if (!all.has(name)) all.set(name, value);
    }
    return [...all].map(([name, value]) => ({ name, value }));
  }

  /** A scrubber for everything known right now; cheap enough to build per activity result. */
  scrubber(): Scrubber {
    return new Scrubber(this.known());
  }
}
