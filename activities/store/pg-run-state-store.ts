import type { RecordSeal } from '../../shared/store/record-seal';
import type { PostgresStore } from '../../shared/store/postgres/pg-store';
import type {
  ConversationRecords,
  LedgerRecords,
  RunRelease,
  RunStateStore,
  WorkspaceSnapshot,
  WorkspaceSnapshots,
} from './run-state-store';
import { LedgerEntrySchema, RESULT_GRACE_MINUTES } from './run-state-store';

export { RESULT_GRACE_MINUTES } from './run-state-store';

/**
 * Run state in PostgreSQL, shared by every worker: rows keyed by run (the workflow id) and position or call, written
 * with `ON CONFLICT`, so concurrent workers and retried attempts never read-modify-write. Bodies are sealed with the
 * payload keys when they are set; the record's table and key are bound to the seal.
 */
export class PostgresRunStateStore implements RunStateStore {
  readonly kind = 'postgres';

  constructor(
    private readonly db: PostgresStore,
    private readonly seal: RecordSeal,
    /** How long ownerless payloads (stored by a client outside any workflow) are kept; null keeps them. */
    private readonly orphanPayloadsAfterMs: number | null = 30 * 86_400_000,
  ) {}

  private t(name: string): string {
    return this.db.table(name);
  }

  readonly conversations: ConversationRecords = {
    putMessages: async (run, conversation, from, bodies) => {
      if (bodies.length === 0) return;
      const positions = bodies.map((_, offset) => from + offset);
      const sealed = bodies.map((body, offset) =>
        this.seal.seal(Buffer.from(body), `conversation:${conversation}:${from + offset}`),
      );
      await this.db.query(
        `INSERT INTO ${this.t('conversation_messages')} (conversation, position, run, body)
         SELECT $1, position, $3, body FROM unnest($2::integer[], $4::bytea[]) AS m(position, body)
         ON CONFLICT (conversation, position) DO NOTHING`,
        [conversation, positions, run, sealed],
      );
    },
    putTools: async (run, conversation, body) => {
      await this.db.query(
        `INSERT INTO ${this.t('conversation_tools')} (conversation, run, body) VALUES ($1, $2, $3)
         ON CONFLICT (conversation) DO NOTHING`,
        [conversation, run, this.seal.seal(Buffer.from(body), `conversation:${conversation}:tools`)],
      );
    },
    readMessages: async (_run, conversation, from, to) => {
      if (to <= from) return [];
      const rows = await this.db.query<{ position: number; body: Buffer }>(
        `SELECT position, body FROM ${this.t('conversation_messages')}
         WHERE conversation = $1 AND position >= $2 AND position < $3`,
        [conversation, from, to],
      );
      const found = new Map(rows.map((row) => [row.position, row.body]));
      return Array.from({ length: to - from }, (_, index) => {
        const body = found.get(from + index);
        return body && this.seal.open(body, `conversation:${conversation}:${from + index}`).toString('utf8');
      });
    },
    readTools: async (_run, conversation) => {
      const rows = await this.db.query<{ body: Buffer }>(
        `SELECT body FROM ${this.t('conversation_tools')} WHERE conversation = $1`,
        [conversation],
      );
      return rows[0] && this.seal.open(rows[0].body, `conversation:${conversation}:tools`).toString('utf8');
    },
  };

  readonly ledger: LedgerRecords = {
    // An entry from before the run's release belongs to an earlier run with the same workflow id.
    read: async (run, callId) => {
      const rows = await this.db.query<{ body: Buffer }>(
        `SELECT l.body FROM ${this.t('call_ledger')} l LEFT JOIN ${this.t('run_retention')} r ON r.run = l.run
         WHERE l.run = $1 AND l.call_id = $2 AND (r.released_at IS NULL OR l.updated_at > r.released_at)`,
        [run, callId],
      );
      if (!rows[0]) return undefined;
      const text = this.seal.open(rows[0].body, `ledger:${run}:${callId}`).toString('utf8');
      return LedgerEntrySchema.parse(JSON.parse(text));
    },
    write: async (run, callId, entry) => {
      await this.db.query(
        `INSERT INTO ${this.t('call_ledger')} (run, call_id, body) VALUES ($1, $2, $3)
         ON CONFLICT (run, call_id) DO UPDATE SET body = excluded.body, updated_at = now()`,
        [run, callId, this.seal.seal(Buffer.from(JSON.stringify(entry)), `ledger:${run}:${callId}`)],
      );
    },
  };

  readonly snapshots: WorkspaceSnapshots = {
    latest: async (workspace, run) => {
      const rows = await this.db.query<{ generation: string; digest: string | null; bytes: string }>(
        `SELECT s.generation, s.digest, s.bytes FROM ${this.t('workspace_snapshots')} s
         LEFT JOIN ${this.t('run_retention')} r ON r.run = $2
         WHERE s.workspace = $1 AND (r.released_at IS NULL OR s.updated_at > r.released_at)`,
        [workspace, run],
      );
      const row = rows[0];
      return row
        ? ({ generation: Number(row.generation), digest: row.digest, bytes: Number(row.bytes) } as WorkspaceSnapshot)
        : undefined;
    },
    read: async (workspace, generation) => {
      const rows = await this.db.query<{ body: Buffer | null }>(
        `SELECT body FROM ${this.t('workspace_snapshots')} WHERE workspace = $1 AND generation = $2`,
        [workspace, generation],
      );
      const body = rows[0]?.body;
      return body ? this.seal.open(body, `workspace:${workspace}:${generation}`) : undefined;
    },
    write: async (workspace, run, after, archive) => {
      // The next generation after the newest one anyone wrote: a writer that started from an older one still wins
      // (last write), and the numbers never go back.
      const bytes = archive.digest === null ? archive.bytes : archive.body.length;
      if (!this.seal.encrypts) {
        // Unsealed, the body does not depend on its generation: one upsert does it. Its conflict path locks the row,
        // and a writer racing the first insert waits for it and then takes the next number.
        const rows = await this.db.query<{ generation: string }>(
          `INSERT INTO ${this.t('workspace_snapshots')} AS s (workspace, run, generation, digest, bytes, body)
           VALUES ($1, $2, $3::bigint + 1, $4, $5, $6)
           ON CONFLICT (workspace) DO UPDATE SET run = excluded.run,
             generation = GREATEST(s.generation, $3::bigint) + 1, digest = excluded.digest, bytes = excluded.bytes,
             body = excluded.body, updated_at = now()
           RETURNING generation`,
          [
            workspace,
            run,
            after,
            archive.digest,
            bytes,
            archive.digest === null ? null : this.seal.seal(archive.body, ''),
          ],
        );
        return Number(rows[0]!.generation);
      }
      return this.db.transaction(async (client) => {
        // FOR UPDATE locks nothing while the workspace has no row yet: writers of its first snapshot would all take
        // generation 1. A transaction lock on the workspace's name serialises them too.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `reins-snapshot:${this.db.schema}:${workspace}`,
        ]);
        const current = await client.query<{ generation: string }>(
          `SELECT generation FROM ${this.t('workspace_snapshots')} WHERE workspace = $1 FOR UPDATE`,
          [workspace],
        );
        const generation = Math.max(after, Number(current.rows[0]?.generation ?? 0)) + 1;
        const body =
          archive.digest === null ? null : this.seal.seal(archive.body, `workspace:${workspace}:${generation}`);
        await client.query(
          `INSERT INTO ${this.t('workspace_snapshots')} (workspace, run, generation, digest, bytes, body)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (workspace) DO UPDATE SET run = excluded.run, generation = excluded.generation,
             digest = excluded.digest, bytes = excluded.bytes, body = excluded.body, updated_at = now()`,
          [workspace, run, generation, archive.digest, bytes, body],
        );
        return generation;
      });
    },
  };

  async release(run: string, release: RunRelease): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.t('run_retention')} (run, released_at, state_expires_at, payloads_expire_at)
       VALUES ($1, now(), now() + $2 * interval '1 millisecond', now() + $3 * interval '1 millisecond')
       ON CONFLICT (run) DO UPDATE SET released_at = excluded.released_at,
         state_expires_at = excluded.state_expires_at, payloads_expire_at = excluded.payloads_expire_at`,
      [run, release.stateAfterMs, release.payloadsAfterMs],
    );
  }

  /** Deletes expired state and payloads, by the database's clock, so workers' clocks never disagree about it. */
  async sweep(): Promise<number> {
    const expired = (column: string) =>
      `SELECT run, released_at FROM ${this.t('run_retention')} WHERE ${column} IS NOT NULL AND ${column} <= now()`;
    const statements = [
      `DELETE FROM ${this.t('conversation_messages')} c USING (${expired('state_expires_at')}) e
       WHERE c.run = e.run AND c.created_at <= e.released_at`,
      `DELETE FROM ${this.t('conversation_tools')} c USING (${expired('state_expires_at')}) e
       WHERE c.run = e.run AND c.created_at <= e.released_at`,
      `DELETE FROM ${this.t('call_ledger')} l USING (${expired('state_expires_at')}) e
       WHERE l.run = e.run AND l.updated_at <= e.released_at`,
      `DELETE FROM ${this.t('workspace_snapshots')} s USING (${expired('state_expires_at')}) e
       WHERE s.run = e.run AND s.workspace LIKE 'run/%' AND s.updated_at <= e.released_at`,
      // The run's final result is stored as the workflow completes, just after its release: it goes with the rest.
      `DELETE FROM ${this.t('blobs')} b USING (${expired('payloads_expire_at')}) e
       WHERE b.run = e.run AND b.created_at <= e.released_at + interval '${RESULT_GRACE_MINUTES} minutes'`,
      `DELETE FROM ${this.t('run_retention')} WHERE state_expires_at IS NOT NULL AND state_expires_at <= now()
       AND payloads_expire_at IS NOT NULL AND payloads_expire_at <= now()`,
    ];
    let removed = 0;
    for (const statement of statements) {
      removed += (await this.db.query(`WITH gone AS (${statement} RETURNING 1) SELECT count(*)::int AS n FROM gone`))
        .map((row) => Number(row.n))
        .reduce((a, b) => a + b, 0);
    }
    if (this.orphanPayloadsAfterMs !== null) {
      const rows = await this.db.query(
        `WITH gone AS (DELETE FROM ${this.t('blobs')} WHERE run = '' AND
           created_at <= now() - $1 * interval '1 millisecond' RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        [this.orphanPayloadsAfterMs],
      );
      removed += Number(rows[0]?.n ?? 0);
    }
    return removed;
  }

  async check(): Promise<void> {
    await this.db.check();
  }
}
