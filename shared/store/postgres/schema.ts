/**
 * The store's tables, one migration per version, applied in order by `migrate` (pg-store.ts). A published migration
 * never changes; a new version is appended. Every statement runs inside the reins schema (search_path), and every
 * migration is additive, so a worker on the previous version keeps working while a newer one is rolled out.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; description: string; sql: string }> = [
  {
    version: 1,
    description: 'claim-check payloads, conversations, call ledgers, workspace snapshots, run retention',
    sql: `
      -- Claim-check payloads: the key is a digest of the owning run and the bytes, so a retried store is harmless.
      CREATE TABLE blobs (
        key text PRIMARY KEY,
        run text NOT NULL,
        body bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX blobs_by_run ON blobs (run);

      -- Messages are append-only within a conversation: the same position always holds the same message.
      CREATE TABLE conversation_messages (
        conversation text NOT NULL,
        position integer NOT NULL,
        run text NOT NULL,
        body bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (conversation, position)
      );
      CREATE INDEX conversation_messages_by_run ON conversation_messages (run);
      CREATE TABLE conversation_tools (
        conversation text PRIMARY KEY,
        run text NOT NULL,
        body bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX conversation_tools_by_run ON conversation_tools (run);

      CREATE TABLE call_ledger (
        run text NOT NULL,
        call_id text NOT NULL,
        body bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run, call_id)
      );

      -- The latest snapshot of each workspace (run/<id> or agent/<name>); generation counts writes.
      CREATE TABLE workspace_snapshots (
        workspace text PRIMARY KEY,
        run text,
        generation bigint NOT NULL,
        digest text,
        bytes bigint NOT NULL,
        body bytea,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX workspace_snapshots_by_run ON workspace_snapshots (run);

      -- A released run: its state (conversations, ledger, snapshot) and its payloads expire at these times (null:
      -- kept). Rows written after released_at belong to a later run with the same workflow id and are left alone.
      CREATE TABLE run_retention (
        run text PRIMARY KEY,
        released_at timestamptz NOT NULL,
        state_expires_at timestamptz,
        payloads_expire_at timestamptz
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
