import { createHash } from 'node:crypto';
import type { McpServerSpec } from '../../common/mcp-server';
import type { TextOrSecret } from '../../common/secret-ref';
import { Scrubber } from '../secrets/scrub';
import { perUserSecretName, type SecretResolver } from '../secrets/secret-resolver';

/** A server spec with its secret references resolved: only ever held in this worker's memory. */
export interface ResolvedServer {
  spec: McpServerSpec;
  /** Environment (stdio) or headers (http) with values filled in. */
  values: Record<string, string>;
  /** Which secret each resolved value came from, to scrub values out of anything returned. */
  secrets: Array<{ name: string; value: string }>;
  /** Whether the credentials depend on the run's user, so connections cannot be shared across users. */
  perUser: boolean;
}

/** Resolves the spec's `{ secret }` references; a missing one fails as SecretMissing (non-retryable). */
export function resolveServer(
  spec: McpServerSpec,
  secrets: SecretResolver,
  userId: string | undefined,
): ResolvedServer {
  const raw: Record<string, TextOrSecret> = spec.transport === 'stdio' ? spec.env : spec.headers;
  const entries: Array<[string, string]> = [];
  const used: ResolvedServer['secrets'] = [];
  let perUser = false;
  for (const [key, value] of Object.entries(raw)) {
    const text = secrets.text(value, userId);
    entries.push([key, text]);
    if (typeof value !== 'string') {
      perUser ||= value.perUser === true;
      const name = value.perUser ? perUserSecretName(value.secret, userId ?? '') : value.secret;
      used.push({ name, value: text });
    }
  }
  // fromEntries defines own properties: a key named __proto__ stays a key.
  return { spec, values: Object.fromEntries(entries), secrets: used, perUser };
}

/** JSON with sorted keys, so the same spec always gives the same pool key whatever order its fields arrived in. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The pool key: the spec (references, not values), the user when credentials are per user, and a digest of the
 * resolved values so a rotated secret gets a fresh connection instead of the one holding the old credential.
 */
export function poolKey(server: ResolvedServer, userId: string | undefined): string {
  const digest = createHash('sha256').update(stableJson(server.values)).digest('hex').slice(0, 16);
  return `${stableJson(server.spec)}|${server.perUser ? `user:${userId ?? ''}` : 'shared'}|${digest}`;
}

/** Replaces secret values, and their common encodings, in text that leaves the activity (outputs, errors, stderr). */
export function scrubSecrets(text: string, secrets: ResolvedServer['secrets']): string {
  return new Scrubber(secrets).text(text);
}
