import path from 'node:path';
import { z } from 'zod';
import { authorityEnd, mistypedAuthority, redactedStoreUrl } from './store-url';

export { redactedStoreUrl, scrubStoreSecrets } from './store-url';

/**
 * Where run state lives: each process's own disk (`fs`, one machine or a shared volume) or a PostgreSQL database
 * every worker and client reaches (`postgres`, many machines with nothing else shared).
 */
export type StoreSettings =
  | {
      kind: 'fs';
      /** The worker's data directory: conversations, call ledgers, retention markers. */
      dataDir: string;
      /** The claim-check payload directory. */
      payloadDir: string;
    }
  | {
      kind: 'postgres';
      /** A `postgres://` or `postgresql://` connection URL (password included, as libpq takes it). */
      url: string;
      /** The schema reins creates and migrates its tables in. */
      schema: string;
    };

export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

export const DEFAULT_STORE_SCHEMA = 'reins';

// PostgreSQL reserves `pg_` names, and information_schema is the standard's; the name is always used double-quoted,
// and the pattern keeps it free of quotes, so it never needs escaping.
const SchemaNameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a schema name is lower-case letters, digits and _, starting with a letter or _')
  .refine((name) => !name.startsWith('pg_') && name !== 'information_schema', 'that name is reserved by PostgreSQL');

/** A schema name as given, for a message, unless it may hold credentials (a URL put in the wrong variable). */
const shownName = (value: string | undefined) =>
  value !== undefined && /^[\w $.-]{0,80}$/.test(value) ? `"${value}"` : '(not repeated: not a name)';

/**
 * REINS_STORE: unset or `fs` for the filesystem (under REINS_DATA_DIR, payloads under REINS_PAYLOAD_DIR), or a
 * PostgreSQL URL. REINS_STORE_SCHEMA names the schema (default `reins`), so several deployments can share a database.
 */
export function storeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): StoreSettings {
  const value = env.REINS_STORE?.trim();
  if (!value || value === 'fs') {
    const dataDir = path.resolve(env.REINS_DATA_DIR || '.reins');
    return { kind: 'fs', dataDir, payloadDir: path.resolve(env.REINS_PAYLOAD_DIR || path.join(dataDir, 'payloads')) };
  }
  return postgresStoreSettings(value, env.REINS_STORE_SCHEMA);
}

/** Checks a PostgreSQL URL and schema name; the error names the setting and never repeats a password. */
export function postgresStoreSettings(url: string, schema: string | undefined): StoreSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreConfigError(
      'REINS_STORE must be "fs" or a PostgreSQL URL (postgres://user:password@host:5432/database); the value given is neither',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StoreConfigError(
      `REINS_STORE: "${parsed.protocol}" is not a store; use "fs" or a postgres:// URL (${redactedStoreUrl(url)})`,
    );
  }
  if (authorityEnd(url.trim()) === undefined) {
    // `postgres:user:pw@db` reaches pg as a database named `user:pw@db`, which the server then repeats in its error.
    throw new StoreConfigError(
      `REINS_STORE: a PostgreSQL URL starts with postgres:// or postgresql:// (${redactedStoreUrl(url)})`,
    );
  }
  if (mistypedAuthority(url.trim())) {
    throw new StoreConfigError(
      `REINS_STORE: the URL has an @ after its host, so its password holds a / ? or #: percent-encode them ` +
        `(%2F %3F %23, and @ as %40) (${redactedStoreUrl(url)})`,
    );
  }
  return { kind: 'postgres', url, schema: checkedStoreSchema(schema) };
}

/** REINS_STORE_SCHEMA's value (the default when unset or blank), or a StoreConfigError naming it. */
export function checkedStoreSchema(schema: string | undefined): string {
  const name = SchemaNameSchema.safeParse(schema?.trim() || DEFAULT_STORE_SCHEMA);
  if (!name.success) {
    throw new StoreConfigError(
      `REINS_STORE_SCHEMA ${shownName(schema)}: ${name.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return name.data;
}

/** Where the store is, for start-up lines: never the password. */
export function describeStore(settings: StoreSettings): string {
  return settings.kind === 'fs'
    ? `filesystem ${settings.dataDir}`
    : `PostgreSQL ${redactedStoreUrl(settings.url)} schema ${settings.schema}`;
}

/**
 * A client's store: `store` (a PostgreSQL URL or "fs") or `payloadDir` from the caller, else the environment.
 * `declared` says whether anyone named it: a client on an undeclared filesystem store warns when it first writes a
 * payload a worker elsewhere cannot read.
 */
export function clientStoreSettings(
  options: { store?: string; payloadDir?: string },
  env: NodeJS.ProcessEnv = process.env,
): { settings: StoreSettings; declared: boolean } {
  if (options.store !== undefined) {
    return { settings: storeSettingsFromEnv({ ...env, REINS_STORE: options.store }), declared: true };
  }
  if (options.payloadDir !== undefined) {
    const settings = storeSettingsFromEnv({ ...env, REINS_STORE: 'fs', REINS_PAYLOAD_DIR: options.payloadDir });
    return { settings, declared: true };
  }
  const settings = storeSettingsFromEnv(env);
  return { settings, declared: settings.kind === 'postgres' || Boolean(env.REINS_PAYLOAD_DIR) };
}
