import type * as Pg from 'pg';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { checkedStoreSchema, redactedStoreUrl, scrubStoreSecrets, StoreConfigError } from '../store-settings';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';

/** Connections per process: the activity slots that touch the store at once, with room for the client side. */
const DEFAULT_POOL_SIZE = 10;

/**
 * One process's connection to a PostgreSQL store: a pool, opened on first use, that has created or migrated the
 * schema before its first query. Workers and clients in one process share it (`postgresStore`).
 */
export class PostgresStore {
  private pool: Pool | undefined;
  private ready: Promise<Pool> | undefined;
  readonly schema: string;

  constructor(
    readonly url: string,
    schema: string,
    private readonly options: { poolSize?: number; warn?: (message: string) => void } = {},
  ) {
    // Checked here too, not only where settings are read: the name is put into SQL (quoted, never as a parameter).
    this.schema = checkedStoreSchema(schema);
  }

  /** A table's qualified name; `name` is always one of reins' own table names, never outside input. */
  table(name: string): string {
    return `"${this.schema}".${name}`;
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const pool = await this.open();
    try {
      return (await pool.query<R>(text, values)).rows;
    } catch (error) {
      throw this.scrubbed(error);
    }
  }

  /** Runs `work` in one transaction on one connection. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const pool = await this.open();
    try {
      return await inTransaction(pool, work);
    } catch (error) {
      throw this.scrubbed(error);
    }
  }

  /**
   * A pool reconnecting after the server dropped it fails with pg's or the server's words, which repeat the user,
   * host or database: the password when the URL put it there. The error keeps its type and code (callers match
   * on them); only its text loses the password.
   */
  private scrubbed(error: unknown): unknown {
    if (error instanceof Error) {
      const message = scrubStoreSecrets(error.message, this.url);
      if (message !== error.message) {
        error.message = message;
        if (error.stack) error.stack = scrubStoreSecrets(error.stack, this.url);
      }
      // A server error's detail and hint repeat names too.
      const fields = error as Error & { detail?: unknown; hint?: unknown };
      for (const field of ['detail', 'hint'] as const) {
        const value = fields[field];
        if (typeof value === 'string') fields[field] = scrubStoreSecrets(value, this.url);
      }
    }
    return error;
  }

  /** Connects and migrates now: a worker calls it at start so a wrong URL stops it before it takes work. */
  async check(): Promise<void> {
    await this.open();
  }

  private open(): Promise<Pool> {
    this.ready ??= this.connect().catch((error: unknown) => {
      this.ready = undefined;
      const reason = scrubStoreSecrets(error instanceof Error ? error.message : String(error), this.url);
      const refused = new StoreConfigError(`the store at ${redactedStoreUrl(this.url)} cannot be used: ${reason}`);
      // The driver's or server's code goes along, so a caller can tell a server that is down for a moment (worth
      // asking again) from a wrong setting.
      const code = (error as { code?: unknown } | undefined)?.code;
      if (typeof code === 'string') Object.assign(refused, { code });
      throw refused;
    });
    return this.ready;
  }

  private async connect(): Promise<Pool> {
    // Loaded here, so processes on the filesystem store (and `reins --help`) never load the driver. A require, not
    // an import(): compiled to CommonJS, a dynamic import fails where no ESM loader is set up (jest's vm).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Pool } = require('pg') as typeof Pg;
    const pool = new Pool({
      connectionString: this.url,
      max: this.options.poolSize ?? DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      // An idle pool never keeps a finished CLI command or a stopped worker's process alive.
      allowExitOnIdle: true,
    });
    // An idle connection dropped by the server must not take the process down; the pool replaces it.
    pool.on('error', () => undefined);
    try {
      await this.migrate(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    this.pool = pool;
    return pool;
  }

  /**
   * Creates the schema and applies the migrations it lacks, in one transaction under an advisory lock, so workers
   * starting together migrate once. A database on a newer version is used as it is (migrations are additive).
   */
  private async migrate(pool: Pool): Promise<void> {
    const current = await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`reins-store:${this.schema}`]);
      // CREATE SCHEMA checks the database's CREATE privilege before IF NOT EXISTS: a least-privilege role that owns
      // the schema an administrator made for it would be refused. Only a missing schema is created.
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.table('schema_version')} (
           version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const rows = await client.query<{ version: number }>(
        `SELECT coalesce(max(version), 0) AS version FROM ${this.table('schema_version')}`,
      );
      const version = Number(rows.rows[0]?.version ?? 0);
      await client.query(`SET LOCAL search_path TO "${this.schema}"`);
      for (const migration of MIGRATIONS.filter((m) => m.version > version)) {
        await client.query(migration.sql);
        await client.query(`INSERT INTO schema_version (version, description) VALUES ($1, $2)`, [
          migration.version,
          migration.description,
        ]);
      }
      return version;
    });
    if (current > SCHEMA_VERSION) {
      this.options.warn?.(
        `reins: the store's schema is at version ${current}, newer than this process knows (${SCHEMA_VERSION}); ` +
          'using it as it is',
      );
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.ready = undefined;
    await pool?.end();
  }
}

const stores = new Map<string, PostgresStore>();

/** The process's store for a URL and schema, shared by every worker and client in it. */
export function postgresStore(url: string, schema: string): PostgresStore {
  const id = `${schema}\u0000${url}`;
  let store = stores.get(id);
  if (!store) {
    store = new PostgresStore(url, schema, { warn: (message) => console.warn(message) });
    stores.set(id, store);
  }
  return store;
}

/** Closes every store this process opened (tests, and a worker's shutdown). */
export async function closePostgresStores(): Promise<void> {
  const all = [...stores.values()];
  stores.clear();
  await Promise.all(all.map((store) => store.close()));
}

/** `work` in one transaction on one pooled connection: committed when it resolves, rolled back when it throws. */
async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
