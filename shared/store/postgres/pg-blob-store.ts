import type { BlobStore } from '../blob-store';
import { redactedStoreUrl } from '../store-settings';
import type { PostgresStore } from './pg-store';
import { retryTransient } from './transient-errors';

/** Claim-checked payloads as rows of the store's `blobs` table, reachable from every worker and client. */
export class PostgresBlobStore implements BlobStore {
  readonly name = 'postgres';
  readonly type = 'reins.postgres';
  readonly shared = true;

  constructor(private readonly store: PostgresStore) {}

  /**
   * A blob stored again (a retried activity, the same payload for a reused workflow id) is referenced anew: its
   * created_at moves to now, so a sweep counting from an earlier release does not delete what was just referenced.
   */
  async put(key: string, run: string, bytes: Uint8Array): Promise<void> {
    // Keyed and idempotent, so asking again after a dropped connection is safe.
    await retryTransient(() =>
      this.store.query(
        `INSERT INTO ${this.store.table('blobs')} (key, run, body) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET created_at = now()`,
        [key, run, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)],
      ),
    );
  }

  /**
   * Asked again after a dropped connection: a worker turns a claim it cannot read into an undecodable payload, which
   * the workflow records and ignores for good, so a failover must not look like a missing payload.
   */
  async get(key: string, _run: string): Promise<Uint8Array | undefined> {
    const rows = await retryTransient(() =>
      this.store.query<{ body: Buffer }>(`SELECT body FROM ${this.store.table('blobs')} WHERE key = $1`, [key]),
    );
    return rows[0]?.body;
  }

  describe(): string {
    return `the store at ${redactedStoreUrl(this.store.url)} (schema ${this.store.schema})`;
  }
}
