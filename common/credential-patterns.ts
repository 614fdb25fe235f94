/**
 * Shapes of well-known credentials. A spec is stored in history and shown in the UI, so a value matching one of these
 * means someone pasted a secret where a `{ secret: NAME }` reference belongs. Pure (no Node APIs): the workflow bundle
 * validates specs with it too.
 */
export const CREDENTIAL_PATTERNS: ReadonlyArray<{ kind: string; pattern: RegExp }> = [
  { kind: 'an Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9_-]{16,}/ },
  { kind: 'an OpenAI API key', pattern: /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}/ },
  { kind: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/ },
  { kind: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { kind: 'a Slack token', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { kind: 'a Google API key', pattern: /\bAIza[A-Za-z0-9_-]{35}/ },
  { kind: 'a bearer token', pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/i },
  { kind: 'a PEM private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
];

/** What kind of credential `text` contains, or undefined when it looks like none. */
export function credentialKindIn(text: string): string | undefined {
  return CREDENTIAL_PATTERNS.find(({ pattern }) => pattern.test(text))?.kind;
}

export interface InlineCredential {
  path: Array<string | number>;
  kind: string;
}

/** Deeper than this the walk stops: the schemas refuse such values themselves, and a deeper walk overflows the stack. */
const MAX_WALK_DEPTH = 64;

/** Every string in `value` (object keys included) that looks like a credential, with the path to it. */
export function findInlineCredentials(value: unknown, path: Array<string | number> = []): InlineCredential[] {
  if (path.length > MAX_WALK_DEPTH) return [];
  if (typeof value === 'string') {
    const kind = credentialKindIn(value);
    return kind ? [{ path, kind }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => findInlineCredentials(item, [...path, index]));
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => {
      const kind = credentialKindIn(key);
      return [...(kind ? [{ path: [...path, key], kind }] : []), ...findInlineCredentials(item, [...path, key])];
    });
  }
  return [];
}

/** The path as people write it: `mcpServers[0].env.TOKEN`. */
export function formatPath(path: Array<string | number>): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}
