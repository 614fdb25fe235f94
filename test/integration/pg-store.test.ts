import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { Header } from 'tar';
import { SnapshotWorkspaceSync, WorkspaceUnavailableError } from '../../activities/sandbox/workspace-sync';
import { createWorkspaceStore } from '../../activities';
import { sandboxSettings } from '../../activities/sandbox/settings';
import { FilesystemRunStateStore } from '../../activities/store/fs-run-state-store';
import { runDirectoryName } from '../../activities/tools/workspace';
import { PostgresRunStateStore } from '../../activities/store/pg-run-state-store';
import type { RunStateStore, WorkspaceSnapshots } from '../../activities/store/run-state-store';
import { parseEncryptionKeys } from '../../shared/codec';
import { FilesystemBlobStore } from '../../shared/store/fs-blob-store';
import { PostgresBlobStore } from '../../shared/store/postgres/pg-blob-store';
import { PostgresStore } from '../../shared/store/postgres/pg-store';
import { RecordSeal, RecordSealError } from '../../shared/store/record-seal';
import { StoreConfigError } from '../../shared/store/store-settings';
import { isTransientStoreError } from '../../shared/store/postgres/transient-errors';

const BASE_URL = process.env.REINS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const suffix = randomBytes(4).toString('hex');
/** Every schema and role this file makes, dropped at the end. */
const schemas: string[] = [];
const roles: string[] = [];
const newSchema = (label: string) => {
  const name = `reins_pgtest_${suffix}_${label}`;
  schemas.push(name);
  return name;
};
const SCHEMA = newSchema('main');

/** REINS_ENCRYPTION_KEYS-style keys: `id:base64`, comma-separated, the last one sealing. */
const keysText = (...ids: string[]) => ids.map((id) => `${id}:${randomBytes(32).toString('base64')}`).join(',');
const KEYS = parseEncryptionKeys(keysText('k2026a', 'k2026b'));

let admin: Client;
const opened: PostgresStore[] = [];
function store(schema = SCHEMA, url = BASE_URL): PostgresStore {
  const db = new PostgresStore(url, schema, { poolSize: 4 });
  opened.push(db);
  return db;
}
const pgState = (db = store(), seal = new RecordSeal(undefined)) => new PostgresRunStateStore(db, seal);
const rows = async <R extends Record<string, unknown>>(sql: string, values: unknown[] = []) =>
  (await admin.query<R>(sql, values)).rows;
const count = async (table: string, where = 'true', values: unknown[] = []) =>
  Number((await rows<{ n: string }>(`SELECT count(*) AS n FROM "${SCHEMA}".${table} WHERE ${where}`, values))[0]?.n);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let tmp: string;
beforeAll(async () => {
  admin = new Client({ connectionString: BASE_URL });
  await admin.connect();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'reins-pgtest-'));
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close().catch(() => undefined)));
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  for (const role of roles) await admin.query(`DROP ROLE IF EXISTS "${role}"`);
  await admin.end();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('migrations', () => {
  const TABLES = [
    'blobs',
    'call_ledger',
    'conversation_messages',
    'conversation_tools',
    'run_retention',
    'schema_version',
    'workspace_snapshots',
  ];
  const tablesOf = async (schema: string) =>
    (
      await rows<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [schema],
      )
    ).map((row) => row.table_name);
  const versionsOf = async (schema: string) =>
    (await rows<{ version: number }>(`SELECT version FROM "${schema}".schema_version ORDER BY version`)).map(
      (row) => row.version,
    );

  test('create the schema and its tables, and change nothing when run again', async () => {
    const schema = newSchema('mig');
    await store(schema).check();
    expect(await tablesOf(schema)).toEqual(TABLES);
    expect(await versionsOf(schema)).toEqual([1]);
    // A second process, and the first one reopened, find it migrated.
    await store(schema).check();
    const again = store(schema);
    await again.check();
    await again.close();
    await again.check();
    expect(await versionsOf(schema)).toEqual([1]);
  });

  test('six workers (separate pools) starting at once migrate once, and all can write', async () => {
    const schema = newSchema('race');
    const workers = Array.from({ length: 6 }, () => store(schema));
    await Promise.all(workers.map((db) => db.check()));
    expect(await versionsOf(schema)).toEqual([1]);
    await Promise.all(workers.map((db, i) => new PostgresBlobStore(db).put(`k${i}`, 'r', Buffer.from([i]))));
    expect(Number((await rows<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".blobs`))[0]?.n)).toBe(6);
  });

  test('work for a role that owns its schema but may not create schemas in the database', async () => {
    const role = `reins_lp_${suffix}`;
    roles.push(role);
    const schema = newSchema('lp');
    await admin.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'lp-password-1' NOCREATEDB NOCREATEROLE`);
    const database = (await rows<{ db: string }>('SELECT current_database() AS db'))[0]!.db;
    // Not granted by default since PostgreSQL 15 (nor to PUBLIC); asserted rather than revoked, as the database is shared.
    const [granted] = await rows<{ ok: boolean }>(`SELECT has_database_privilege($1, $2, 'CREATE') AS ok`, [
      role,
      database,
    ]);
    expect(granted?.ok).toBe(false);
    await admin.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
    const url = new URL(BASE_URL);
    url.username = role;
    url.password = 'lp-password-1';
    const asRole = store(schema, url.toString());
    await asRole.check();
    const blobs = new PostgresBlobStore(asRole);
    await blobs.put('k', 'r', Buffer.from('least privilege'));
    expect(Buffer.from((await blobs.get('k', 'r'))!).toString()).toBe('least privilege');
    // Where it owns nothing, it is refused with the server's reason, and without its password.
    const elsewhere = store(newSchema('lp_denied'), url.toString());
    const error = await elsewhere.check().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreConfigError);
    expect((error as Error).message).toMatch(/permission denied/);
    expect((error as Error).message).not.toContain('lp-password-1');
  });

  test('a server that does not answer at first use is refused with a code that says to ask again', async () => {
    // Nothing listens on the port: the refusal is the store's, and it is the kind a blob read retries.
    const closed = store(newSchema('closed'), 'postgres://u:closed-secret@127.0.0.1:1/x');
    const error = await closed.check().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(StoreConfigError);
    expect(error?.message).not.toContain('closed-secret');
    expect(isTransientStoreError(error)).toBe(true);
  });

  test("the server's own error repeats no part of a password the URL mistyped", async () => {
    // `user:<port>/s3cretpart@db` meant user, password `<port>/s3cretpart`, host db; pg reads host, port, and a
    // database named `s3cretpart@db/x`, which the server repeats in its refusal.
    const base = new URL(BASE_URL);
    const secret = `${base.port || '5432'}/s3cretpart`;
    const url = `postgres://${base.hostname}:${secret}@db/x?user=${encodeURIComponent(decodeURIComponent(base.username))}`;
    const error = await store(newSchema('leak'), url)
      .check()
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error).toBeInstanceOf(StoreConfigError);
    expect(error?.message).toMatch(/does not exist/);
    expect(error?.message).not.toContain('s3cretpart');
  });
});

describe('blobs', () => {
  test('put, get, missing, and a second put of the same key', async () => {
    const blobs = new PostgresBlobStore(store());
    const bytes = randomBytes(3000);
    await blobs.put('blob-1', 'run-b', bytes);
    expect(Buffer.from((await blobs.get('blob-1', 'run-b'))!)).toEqual(bytes);
    expect(await blobs.get('blob-missing', 'run-b')).toBeUndefined();
    await blobs.put('blob-1', 'run-b', bytes);
    expect(await count('blobs', 'key = $1', ['blob-1'])).toBe(1);
    expect(blobs.describe()).not.toContain('password');
  });

  test('a blob stored again is referenced again: its created_at moves to now', async () => {
    const blobs = new PostgresBlobStore(store());
    await blobs.put('blob-again', 'run-b2', Buffer.from('x'));
    await admin.query(`UPDATE "${SCHEMA}".blobs SET created_at = now() - interval '2 hours' WHERE key = 'blob-again'`);
    await blobs.put('blob-again', 'run-b2', Buffer.from('x'));
    const [row] = await rows<{ age: number }>(
      `SELECT extract(epoch FROM now() - created_at)::float AS age FROM "${SCHEMA}".blobs WHERE key = 'blob-again'`,
    );
    expect(row!.age).toBeLessThan(60);
  });
  test('a read cut off by a dropped connection (a failover, a restart) is asked again, not reported missing', async () => {
    const blobs = new PostgresBlobStore(store());
    await blobs.put('blob-failover', 'run-f', Buffer.from('still here'));
    // The read waits on a lock held here; its connection is then terminated by the server, mid-query.
    const locker = new Client({ connectionString: BASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${SCHEMA}".blobs IN ACCESS EXCLUSIVE MODE`);
      const pending = blobs.get('blob-failover', 'run-f');
      let terminated = 0;
      for (let i = 0; i < 100 && terminated === 0; i++) {
        await pause(20);
        const [row] = await rows<{ n: string }>(
          `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND query LIKE '%blobs%' AND pid <> pg_backend_pid()`,
        );
        terminated = Number(row?.n);
      }
      expect(terminated).toBe(1);
      await locker.query('COMMIT');
      expect(Buffer.from((await pending)!).toString()).toBe('still here');
    } finally {
      await locker.end();
    }
  });
});

describe('concurrent writers on separate pools', () => {
  const writers = () => Array.from({ length: 4 }, () => pgState());

  test('conversation messages: overlapping retried writes keep exactly one row per position', async () => {
    const all = writers();
    const body = (i: number) => JSON.stringify({ role: 'user', content: `message ${i}` });
    // Each writer stores positions from a different start, all of them up to 60, as retried model calls do.
    await Promise.all(
      all.map((w, n) =>
        w.conversations.putMessages(
          'run-conc',
          'conv-conc',
          n * 10,
          Array.from({ length: 60 - n * 10 }, (_, i) => body(n * 10 + i)),
        ),
      ),
    );
    await Promise.all(all.map((w) => w.conversations.putTools('run-conc', 'conv-conc', '[{"name":"t"}]')));
    expect(await count('conversation_messages', 'conversation = $1', ['conv-conc'])).toBe(60);
    expect(await count('conversation_tools', 'conversation = $1', ['conv-conc'])).toBe(1);
    const read = await all[3]!.conversations.readMessages('run-conc', 'conv-conc', 0, 62);
    expect(read).toEqual([...Array.from({ length: 60 }, (_, i) => body(i)), undefined, undefined]);
  });

  test('call ledger: every call of every writer, once, in its last state', async () => {
    const all = writers();
    const calls = Array.from({ length: 40 }, (_, i) => `call-${i}`);
    await Promise.all(
      all.map(async (w, n) => {
        for (const callId of calls.filter((_, i) => i % all.length === n)) {
          await w.ledger.write('run-ledger', callId, { status: 'started', attempt: 1 });
        }
      }),
    );
    await Promise.all(
      calls.map((callId, i) =>
        all[(i + 1) % all.length]!.ledger.write('run-ledger', callId, {
          status: 'done',
          attempt: 1,
          outcome: { ok: true, output: callId },
        }),
      ),
    );
    expect(await count('call_ledger', 'run = $1', ['run-ledger'])).toBe(40);
    const entries = await Promise.all(calls.map((callId, i) => all[i % all.length]!.ledger.read('run-ledger', callId)));
    expect(entries.map((e) => e?.status === 'done' && e.outcome.ok && e.outcome.output)).toEqual(calls);
  });

  test('workspace snapshots: concurrent first writes get distinct generations; the last one is kept', async () => {
    const all = writers();
    const archive = (n: number) => {
      const body = Buffer.from(`archive ${n}`);
      return { digest: createHash('sha256').update(body).digest('hex'), body };
    };
    const generations = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        all[n % all.length]!.snapshots.write('run/snap-conc', 'snap-conc', 0, archive(n)),
      ),
    );
    expect([...generations].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const latest = await all[0]!.snapshots.latest('run/snap-conc', 'snap-conc');
    expect(latest?.generation).toBe(12);
    const winner = generations.indexOf(12);
    expect(latest?.digest).toBe(archive(winner).digest);
    expect((await all[1]!.snapshots.read('run/snap-conc', 12))?.toString()).toBe(`archive ${winner}`);
    expect(await all[1]!.snapshots.read('run/snap-conc', 11)).toBeUndefined();
  });
});

describe('retention sweep', () => {
  const put = async (state: PostgresRunStateStore, run: string, label: string) => {
    await state.conversations.putMessages(run, `${run}-conv-${label}`, 0, [`{"m":"${label}"}`]);
    await state.conversations.putTools(run, `${run}-conv-${label}`, `[]`);
    await state.ledger.write(run, `call-${label}`, { status: 'started', attempt: 1 });
  };
  const ofRun = async (run: string) => ({
    messages: await count('conversation_messages', 'run = $1', [run]),
    tools: await count('conversation_tools', 'run = $1', [run]),
    ledger: await count('call_ledger', 'run = $1', [run]),
    snapshots: await count('workspace_snapshots', 'run = $1', [run]),
    blobs: await count('blobs', 'run = $1', [run]),
  });
  /** Moves a run's release (and the rows written before it) back in time, as if it ended `minutes` ago. */
  const releasedAgo = async (run: string, minutes: number) => {
    await admin.query(
      `UPDATE "${SCHEMA}".run_retention SET released_at = released_at - $2 * interval '1 minute' WHERE run = $1`,
      [run, minutes],
    );
    for (const [table, column] of [
      ['conversation_messages', 'created_at'],
      ['conversation_tools', 'created_at'],
      ['call_ledger', 'updated_at'],
      ['workspace_snapshots', 'updated_at'],
      ['blobs', 'created_at'],
    ]) {
      await admin.query(
        `UPDATE "${SCHEMA}".${table} SET ${column} = ${column} - ($2 + 1) * interval '1 minute' WHERE run = $1`,
        [run, minutes],
      );
    }
  };
  const blob = (label: string) => Buffer.from(`payload ${label}`);

  test("deletes an expired run's rows, keeps a reused id's later rows, and payloads by their own expiry", async () => {
    const state = pgState();
    const blobs = new PostgresBlobStore(store());
    const run = `run-sweep-${suffix}`;
    await put(state, run, 'old');
    await state.snapshots.write(`run/${run}`, run, 0, { digest: 'd', body: Buffer.from('ws') });
    await blobs.put('b-before', run, blob('before'));
    await state.release(run, { stateAfterMs: 0, payloadsAfterMs: 3_600_000 });
    await releasedAgo(run, 30);
    // The run's result, stored just after its release (within the grace), and the same workflow id started again.
    await blobs.put('b-result', run, blob('result'));
    await admin.query(
      `UPDATE "${SCHEMA}".blobs b SET created_at = r.released_at + interval '5 minutes'
       FROM "${SCHEMA}".run_retention r WHERE b.key = 'b-result' AND r.run = b.run`,
    );
    await put(state, run, 'new');
    await blobs.put('b-new', run, blob('new'));
    // Before the sweep, the earlier run's ledger entry is not the new run's.
    expect(await state.ledger.read(run, 'call-old')).toBeUndefined();
    expect(await state.ledger.read(run, 'call-new')).toEqual({ status: 'started', attempt: 1 });

    await state.sweep();
    expect(await ofRun(run)).toEqual({ messages: 1, tools: 1, ledger: 1, snapshots: 0, blobs: 3 });
    expect(await state.conversations.readMessages(run, `${run}-conv-new`, 0, 1)).toEqual(['{"m":"new"}']);

    // Payloads expire later: those of the run and its grace go, the later run's stay.
    await admin.query(
      `UPDATE "${SCHEMA}".run_retention SET payloads_expire_at = now() - interval '1 second' WHERE run = $1`,
      [run],
    );
    await state.sweep();
    expect(await blobs.get('b-before', run)).toBeUndefined();
    expect(await blobs.get('b-result', run)).toBeUndefined();
    expect(Buffer.from((await blobs.get('b-new', run))!).toString()).toBe('payload new');
    expect(await count('run_retention', 'run = $1', [run])).toBe(0);
  });

  test('a payload stored again after the release is kept: its second put refreshed it', async () => {
    const state = pgState();
    const blobs = new PostgresBlobStore(store());
    const run = `run-reput-${suffix}`;
    await blobs.put('b-reput', run, blob('reput'));
    await state.release(run, { stateAfterMs: 0, payloadsAfterMs: 0 });
    await releasedAgo(run, 30);
    // A reused workflow id stores the same bytes: same key, referenced again.
    await blobs.put('b-reput', run, blob('reput'));
    await pause(5);
    await state.sweep();
    expect(Buffer.from((await blobs.get('b-reput', run))!).toString()).toBe('payload reput');
  });

  test('keeps everything until its time, and what was released to be kept', async () => {
    const state = pgState();
    const blobs = new PostgresBlobStore(store());
    for (const [run, release] of [
      [`run-later-${suffix}`, { stateAfterMs: 3_600_000, payloadsAfterMs: 3_600_000 }],
      [`run-kept-${suffix}`, { stateAfterMs: null, payloadsAfterMs: null }],
    ] as const) {
      await put(state, run, 'x');
      await blobs.put(`b-${run}`, run, blob(run));
      await state.release(run, release);
      await state.sweep();
      expect(await ofRun(run)).toEqual({ messages: 1, tools: 1, ledger: 1, snapshots: 0, blobs: 1 });
    }
  });
});

describe('filesystem payloads expire as the PostgreSQL blobs do', () => {
  test("the run's own and its result go; a reused id's, and one stored again, stay", async () => {
    const dataDir = await fs.mkdtemp(path.join(tmp, 'fs-payloads-'));
    const payloadDir = path.join(dataDir, 'payloads');
    const blobs = new FilesystemBlobStore(payloadDir);
    const state = new FilesystemRunStateStore(dataDir, new RecordSeal(undefined), payloadDir);
    const run = 'run-fs-payloads';
    const minutes = (m: number) => new Date(Date.now() + m * 60_000);
    const age = async (key: string, when: Date) => fs.utimes(path.join(blobs.runDir(run), key), when, when);
    for (const key of ['before', 'again', 'result']) await blobs.put(key, run, Buffer.from(key));
    await state.release(run, { stateAfterMs: null, payloadsAfterMs: 3_600_000 });
    // As the PostgreSQL test does: the release moved half an hour back, its expiry to now.
    const expiry = path.join(dataDir, 'retention', `payloads-${runDirectoryName(run)}.expiry`);
    const written = JSON.parse(await fs.readFile(expiry, 'utf8')) as Record<string, string>;
    await fs.writeFile(
      expiry,
      JSON.stringify({ ...written, releasedAt: minutes(-30).toISOString(), expiresAt: minutes(0).toISOString() }),
    );
    await age('before', minutes(-40));
    await age('again', minutes(-40));
    await age('result', minutes(-25));
    await blobs.put('again', run, Buffer.from('again'));
    await blobs.put('new', run, Buffer.from('new'));
    await state.sweep(minutes(1));
    expect(await blobs.get('before', run)).toBeUndefined();
    expect(await blobs.get('result', run)).toBeUndefined();
    expect((await blobs.get('again', run))?.toString()).toBe('again');
    expect((await blobs.get('new', run))?.toString()).toBe('new');
  });
});

describe('sealed records', () => {
  const sealed = (keys = KEYS) => pgState(store(), new RecordSeal(keys));

  test('round-trip under REINS_ENCRYPTION_KEYS-style keys, hide their text, and open after a key rotation', async () => {
    const state = sealed(KEYS.slice(0, 1));
    const secretText = `{"content":"the plaintext ${suffix}"}`;
    await state.conversations.putMessages('run-seal', 'conv-seal', 0, [secretText]);
    await state.ledger.write('run-seal', 'call-seal', {
      status: 'done',
      attempt: 2,
      outcome: { ok: true, output: secretText },
    });
    const [stored] = await rows<{ body: Buffer }>(
      `SELECT body FROM "${SCHEMA}".conversation_messages WHERE conversation = 'conv-seal'`,
    );
    expect(stored!.body.includes(Buffer.from('the plaintext'))).toBe(false);
    // A worker with the next key added still opens what the first key sealed.
    const rotated = sealed(KEYS);
    expect(await rotated.conversations.readMessages('run-seal', 'conv-seal', 0, 1)).toEqual([secretText]);
    expect(await rotated.ledger.read('run-seal', 'call-seal')).toEqual({
      status: 'done',
      attempt: 2,
      outcome: { ok: true, output: secretText },
    });
    // Without the key, the record is refused by name, not misread.
    await expect(pgState().conversations.readMessages('run-seal', 'conv-seal', 0, 1)).rejects.toThrow(/k2026a/);
    await expect(sealed(parseEncryptionKeys(keysText('other'))).ledger.read('run-seal', 'call-seal')).rejects.toThrow(
      RecordSealError,
    );
  });

  test('a record moved to another place fails to open', async () => {
    const state = sealed();
    await state.conversations.putMessages('run-move', 'conv-move', 0, ['{"m":0}', '{"m":1}']);
    await state.ledger.write('run-move', 'call-a', { status: 'started', attempt: 1 });
    await state.snapshots.write('run/move', 'run-move', 0, { digest: 'd1', body: Buffer.from('archive') });
    await admin.query(
      `UPDATE "${SCHEMA}".conversation_messages SET position = 7 WHERE conversation = 'conv-move' AND position = 1`,
    );
    await admin.query(`UPDATE "${SCHEMA}".call_ledger SET call_id = 'call-b' WHERE run = 'run-move'`);
    await admin.query(
      `UPDATE "${SCHEMA}".conversation_tools SET conversation = 'x' WHERE false; ` +
        `UPDATE "${SCHEMA}".workspace_snapshots SET generation = 2 WHERE workspace = 'run/move'`,
    );
    expect(await state.conversations.readMessages('run-move', 'conv-move', 0, 1)).toEqual(['{"m":0}']);
    await expect(state.conversations.readMessages('run-move', 'conv-move', 7, 8)).rejects.toThrow(RecordSealError);
    await expect(state.ledger.read('run-move', 'call-b')).rejects.toThrow(/failed authentication/);
    await expect(state.snapshots.read('run/move', 2)).rejects.toThrow(RecordSealError);
  });
});

/**
 * The same cases against both stores: what a worker reads back must not depend on where run state lives. Expiry is
 * by the store's clock (the database's for PostgreSQL), so the cases release with a millisecond and wait a little.
 */
describe.each([
  [
    'fs',
    async (seal: RecordSeal): Promise<RunStateStore> =>
      new FilesystemRunStateStore(await fs.mkdtemp(path.join(tmp, 'fs-')), seal),
  ],
  ['postgres', async (seal: RecordSeal): Promise<RunStateStore> => pgState(store(), seal)],
])('run state store contract (%s)', (_kind, make) => {
  const run = () => `run-${randomBytes(4).toString('hex')}`;
  /** How many records of `run` the store still holds anywhere (files, or rows), read behind its back. */
  const held = async (state: RunStateStore, r: string): Promise<number> => {
    if (state instanceof FilesystemRunStateStore) {
      const files = await fs.readdir(state.dataDir, { recursive: true, withFileTypes: true });
      const name = runDirectoryName(r);
      return files.filter((f) => f.isFile() && f.parentPath.includes(name) && f.name.endsWith('.json')).length;
    }
    return (await count('conversation_messages', 'run = $1', [r])) + (await count('call_ledger', 'run = $1', [r]));
  };
  const sweepSoon = async (state: RunStateStore) => {
    await pause(20);
    await state.sweep(new Date());
  };
  const cases: Array<[string, (state: RunStateStore) => Promise<void>]> = [
    [
      'messages read back by position; missing positions are undefined',
      async (state) => {
        const r = run();
        await state.conversations.putMessages(r, `${r}-c`, 0, ['{"a":0}', '{"a":1}']);
        await state.conversations.putMessages(r, `${r}-c`, 3, ['{"a":3}']);
        expect(await state.conversations.readMessages(r, `${r}-c`, 0, 5)).toEqual([
          '{"a":0}',
          '{"a":1}',
          undefined,
          '{"a":3}',
          undefined,
        ]);
        expect(await state.conversations.readMessages(r, `${r}-c`, 2, 2)).toEqual([]);
        expect(await state.conversations.putMessages(r, `${r}-c`, 9, [])).toBeUndefined();
      },
    ],
    [
      'a retried write of the same messages changes nothing',
      async (state) => {
        const r = run();
        await state.conversations.putMessages(r, `${r}-c`, 0, ['{"a":0}', '{"a":1}']);
        await state.conversations.putMessages(r, `${r}-c`, 0, ['{"a":0}', '{"a":1}']);
        await state.conversations.putTools(r, `${r}-c`, '[1]');
        await state.conversations.putTools(r, `${r}-c`, '[1]');
        expect(await state.conversations.readMessages(r, `${r}-c`, 0, 2)).toEqual(['{"a":0}', '{"a":1}']);
        expect(await state.conversations.readTools(r, `${r}-c`)).toBe('[1]');
        expect(await state.conversations.readTools(r, `${r}-other`)).toBeUndefined();
      },
    ],
    [
      'the ledger holds the last state of each call, with odd call ids kept apart',
      async (state) => {
        const r = run();
        await state.ledger.write(r, 'call/1', { status: 'started', attempt: 1 });
        await state.ledger.write(r, 'call:1', { status: 'started', attempt: 3 });
        await state.ledger.write(r, 'call/1', {
          status: 'done',
          attempt: 2,
          outcome: { ok: false, error: { type: 'T', message: 'm' } },
        });
        expect(await state.ledger.read(r, 'call/1')).toEqual({
          status: 'done',
          attempt: 2,
          outcome: { ok: false, error: { type: 'T', message: 'm' } },
        });
        expect(await state.ledger.read(r, 'call:1')).toEqual({ status: 'started', attempt: 3 });
        expect(await state.ledger.read(r, 'call-none')).toBeUndefined();
        expect(await state.ledger.read(run(), 'call/1')).toBeUndefined();
      },
    ],
    [
      'a run released to be removed loses its conversations and ledger at the next sweep',
      async (state) => {
        const r = run();
        await state.conversations.putMessages(r, `${r}-c`, 0, ['{"a":0}']);
        await state.ledger.write(r, 'c1', { status: 'started', attempt: 1 });
        await state.release(r, { stateAfterMs: 1, payloadsAfterMs: 1 });
        await sweepSoon(state);
        expect(await held(state, r)).toBe(0);
        expect(await state.conversations.readMessages(r, `${r}-c`, 0, 1)).toEqual([undefined]);
        expect(await state.ledger.read(r, 'c1')).toBeUndefined();
      },
    ],
    [
      "a run released to be kept, or not yet expired, keeps its state through a sweep, out of a reused id's sight",
      async (state) => {
        for (const release of [
          { stateAfterMs: null, payloadsAfterMs: null },
          { stateAfterMs: 3_600_000, payloadsAfterMs: 3_600_000 },
        ]) {
          const r = run();
          await state.conversations.putMessages(r, `${r}-c`, 0, ['{"a":0}']);
          await state.ledger.write(r, 'c1', { status: 'started', attempt: 1 });
          await state.release(r, release);
          await sweepSoon(state);
          expect(await held(state, r)).toBe(2);
          expect(await state.ledger.read(r, 'c1')).toBeUndefined();
        }
      },
    ],
    [
      'a workflow id used again after its release keeps what its new run writes',
      async (state) => {
        const r = run();
        await state.ledger.write(r, 'old', { status: 'started', attempt: 1 });
        await state.release(r, { stateAfterMs: 1, payloadsAfterMs: 1 });
        await sweepSoon(state);
        await state.ledger.write(r, 'new', { status: 'started', attempt: 1 });
        await state.conversations.putMessages(r, `${r}-c2`, 0, ['{"b":0}']);
        await sweepSoon(state);
        expect(await state.ledger.read(r, 'new')).toEqual({ status: 'started', attempt: 1 });
        expect(await state.ledger.read(r, 'old')).toBeUndefined();
        expect(await state.conversations.readMessages(r, `${r}-c2`, 0, 1)).toEqual(['{"b":0}']);
      },
    ],
    [
      "a reused workflow id does not read the earlier run's ledger entry for the same call",
      async (state) => {
        const r = run();
        await state.ledger.write(r, 'call-1', { status: 'done', attempt: 1, outcome: { ok: true, output: 'old run' } });
        await state.release(r, { stateAfterMs: 3_600_000, payloadsAfterMs: 3_600_000 });
        await pause(5);
        // The new run's first look at its call: nothing, or it would answer with the earlier run's result.
        expect(await state.ledger.read(r, 'call-1')).toBeUndefined();
        await state.ledger.write(r, 'call-1', { status: 'started', attempt: 1 });
        expect(await state.ledger.read(r, 'call-1')).toEqual({ status: 'started', attempt: 1 });
      },
    ],
    [
      'sealed records read back under rotated keys, and not without them',
      async () => {
        const first = await make(new RecordSeal(KEYS.slice(0, 1)));
        const r = run();
        await first.conversations.putMessages(r, `${r}-c`, 0, ['{"s":1}']);
        await first.ledger.write(r, 'c', { status: 'started', attempt: 4 });
        // Same place, a second instance: for the filesystem store, the same data dir.
        const again =
          first instanceof FilesystemRunStateStore
            ? new FilesystemRunStateStore(first.dataDir, new RecordSeal(KEYS))
            : pgState(store(), new RecordSeal(KEYS));
        expect(await again.conversations.readMessages(r, `${r}-c`, 0, 1)).toEqual(['{"s":1}']);
        expect(await again.ledger.read(r, 'c')).toEqual({ status: 'started', attempt: 4 });
        const keyless =
          first instanceof FilesystemRunStateStore
            ? new FilesystemRunStateStore(first.dataDir, new RecordSeal(undefined))
            : pgState(store(), new RecordSeal(undefined));
        await expect(keyless.ledger.read(r, 'c')).rejects.toThrow(RecordSealError);
      },
    ],
  ];
  test.each(cases)('%s', async (_name, check) => {
    await check(await make(new RecordSeal(undefined)));
  });
});

describe('workspace snapshots through SnapshotWorkspaceSync', () => {
  let n = 0;
  /** Two workers: their own workspace directories and sync state, one store. */
  async function twoWorkers(snapshots: WorkspaceSnapshots = pgState().snapshots!) {
    const base = await fs.mkdtemp(path.join(tmp, 'ws-'));
    const key = `run/ws-${suffix}-${++n}`;
    const worker = (name: string) => ({
      sync: new SnapshotWorkspaceSync(snapshots, path.join(base, name, 'sync')),
      dir: path.join(base, name, 'workspace'),
    });
    return { base, key, run: key.slice(4), a: worker('a'), b: worker('b') };
  }

  test("a workspace's files, and its links as links, follow the run to another worker", async () => {
    const { base, key, run, a, b } = await twoWorkers();
    const outside = path.join(base, 'outside');
    await fs.mkdir(path.join(outside, 'dir'), { recursive: true });
    await fs.writeFile(path.join(outside, 'secret.txt'), 'not in the workspace');
    await fs.mkdir(path.join(a.dir, 'sub'), { recursive: true });
    await fs.writeFile(path.join(a.dir, 'sub', 'notes.txt'), 'hello');
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(a.dir, 'absolute-link'));
    await fs.symlink('../../outside/dir', path.join(a.dir, 'escaping-link'));
    await fs.symlink('sub/notes.txt', path.join(a.dir, 'inner-link'));
    await fs.writeFile(path.join(a.dir, 'setuid'), '#!/bin/sh\n', { mode: 0o755 });
    await fs.chmod(path.join(a.dir, 'setuid'), 0o4755);
    await a.sync.push(key, run, a.dir);
    await b.sync.pull(key, run, b.dir);
    expect(await fs.readFile(path.join(b.dir, 'sub', 'notes.txt'), 'utf8')).toBe('hello');
    expect(await fs.readlink(path.join(b.dir, 'absolute-link'))).toBe(path.join(outside, 'secret.txt'));
    expect(await fs.readlink(path.join(b.dir, 'escaping-link'))).toBe('../../outside/dir');
    expect(await fs.readlink(path.join(b.dir, 'inner-link'))).toBe('sub/notes.txt');
    // Modes come along, set-id bits do not.
    expect((await fs.stat(path.join(b.dir, 'setuid'))).mode & 0o7777).toBe(0o755);
    // The links were not followed: what they point at was not archived as the workspace's own.
    expect((await fs.lstat(path.join(b.dir, 'absolute-link'))).isSymbolicLink()).toBe(true);
    expect(await fs.readdir(path.join(outside, 'dir'))).toEqual([]);
  });

  test('a FIFO made in the workspace does not stall the push', async () => {
    const { key, run, a, b } = await twoWorkers();
    await fs.mkdir(a.dir, { recursive: true });
    await fs.writeFile(path.join(a.dir, 'file.txt'), 'x');
    // With links beside it, node-tar opens the FIFO to read it, and waits for a writer that never comes.
    await fs.symlink('/etc/hostname', path.join(a.dir, 'abs'));
    await fs.symlink('../../elsewhere', path.join(a.dir, 'esc'));
    execFileSync('mkfifo', [path.join(a.dir, 'pipe')]);
    await a.sync.push(key, run, a.dir);
    await b.sync.pull(key, run, b.dir);
    expect((await fs.readdir(b.dir)).sort()).toEqual(['abs', 'esc', 'file.txt']);
  }, 20_000);

  /** A snapshot written straight to the store, as a hostile or broken worker might. */
  async function plant(snapshots: WorkspaceSnapshots, key: string, run: string, body: Buffer): Promise<void> {
    await snapshots.write(key, run, 0, { digest: createHash('sha256').update(body).digest('hex'), body });
  }

  async function tarOf(
    entries: Array<{ path: string; type: 'File' | 'SymbolicLink'; linkpath?: string; body?: string }>,
  ) {
    const blocks: Buffer[] = [];
    for (const entry of entries) {
      const body = Buffer.from(entry.body ?? '');
      const header = Buffer.alloc(512);
      new Header({
        path: entry.path,
        type: entry.type,
        linkpath: entry.linkpath,
        size: entry.type === 'File' ? body.length : 0,
        mode: 0o644,
        mtime: new Date(0),
      }).encode(header, 0);
      blocks.push(header);
      if (entry.type === 'File') blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return gzipSync(Buffer.concat(blocks));
  }

  test('a restore never writes outside the workspace, through a link or a path, and leaves no half copy', async () => {
    const snapshots = pgState().snapshots!;
    const { base, key, run, b } = await twoWorkers(snapshots);
    const outside = path.join(base, 'outside');
    await fs.mkdir(outside, { recursive: true });
    for (const entries of [
      // A link to a directory outside, then a file written "into" it.
      [
        { path: 'out', type: 'SymbolicLink' as const, linkpath: outside },
        { path: 'out/planted.txt', type: 'File' as const, body: 'x' },
      ],
      [{ path: '../planted.txt', type: 'File' as const, body: 'x' }],
      [
        { path: 'ok.txt', type: 'File' as const, body: 'x' },
        { path: '../link', type: 'SymbolicLink' as const, linkpath: '/' },
      ],
    ]) {
      await fs.rm(b.dir, { recursive: true, force: true });
      await fs.mkdir(b.dir, { recursive: true });
      await fs.writeFile(path.join(b.dir, 'before.txt'), 'the copy before');
      await plant(snapshots, key, run, await tarOf(entries));
      const outcome = await b.sync.pull(key, run, b.dir).then(
        () => 'restored',
        (error: unknown) => error,
      );
      expect(await fs.readdir(outside)).toEqual([]);
      expect(await fs.readdir(base)).not.toContain('planted.txt');
      expect(await fs.readdir(base)).not.toContain('link');
      if (outcome === 'restored') {
        // node-tar may skip an entry instead: then nothing of it is in the workspace either.
        expect(await fs.readdir(b.dir)).not.toContain('planted.txt');
      } else {
        expect(outcome).toBeInstanceOf(WorkspaceUnavailableError);
        expect(await fs.readFile(path.join(b.dir, 'before.txt'), 'utf8')).toBe('the copy before');
      }
      // No temporary directories are left beside the workspace.
      expect((await fs.readdir(path.dirname(b.dir))).filter((name) => name.includes('.restore-'))).toEqual([]);
    }
  });

  test('a corrupt or unopenable snapshot is WorkspaceUnavailable, and the copy before stays whole', async () => {
    const db = store();
    const snapshots = pgState(db).snapshots!;
    const { key, run, a, b } = await twoWorkers(snapshots);
    await fs.mkdir(b.dir, { recursive: true });
    await fs.writeFile(path.join(b.dir, 'before.txt'), 'the copy before');
    // Not gzip at all; then a sealed record under a key this worker lacks; then a body that misses its digest.
    await plant(snapshots, key, run, Buffer.from('not an archive'));
    await expect(b.sync.pull(key, run, b.dir)).rejects.toThrow(WorkspaceUnavailableError);
    await pgState(db, new RecordSeal(KEYS)).snapshots!.write(key, run, 0, { digest: 'x', body: Buffer.from('y') });
    await expect(b.sync.pull(key, run, b.dir)).rejects.toThrow(WorkspaceUnavailableError);
    await fs.mkdir(a.dir, { recursive: true });
    await fs.writeFile(path.join(a.dir, 'f'), 'good');
    await a.sync.push(key, run, a.dir);
    await admin.query(`UPDATE "${SCHEMA}".workspace_snapshots SET body = $2 WHERE workspace = $1`, [
      key,
      Buffer.concat([Buffer.from([0]), randomBytes(64)]),
    ]);
    await expect(b.sync.pull(key, run, b.dir)).rejects.toThrow(/does not match its digest/);
    expect(await fs.readdir(b.dir)).toEqual(['before.txt']);
  });

  test('a pull or push asks again after a dropped connection, a bounded number of times', async () => {
    const real = pgState().snapshots!;
    let failures = 0;
    let calls = 0;
    const dropped = () =>
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const flaky: WorkspaceSnapshots = {
      latest: async (...args) => {
        calls++;
        if (failures-- > 0) throw dropped();
        return real.latest(...args);
      },
      read: async (...args) => {
        calls++;
        if (failures-- > 0) throw dropped();
        return real.read(...args);
      },
      write: async (...args) => {
        if (failures-- > 0) throw dropped();
        return real.write(...args);
      },
    };
    const { key, run, a, b } = await twoWorkers(flaky);
    await fs.mkdir(a.dir, { recursive: true });
    await fs.writeFile(path.join(a.dir, 'f'), 'through a failover');
    // The push after a call that acted: a dropped connection must not turn a done call into an unknown one.
    failures = 1;
    await a.sync.push(key, run, a.dir);
    failures = 2;
    await b.sync.pull(key, run, b.dir);
    expect(await fs.readFile(path.join(b.dir, 'f'), 'utf8')).toBe('through a failover');
    // Down for good: it gives up after three tries and the activity's retry takes over.
    const c = (await twoWorkers(flaky)).b;
    failures = 100;
    calls = 0;
    await expect(c.sync.pull(key, run, c.dir)).rejects.toMatchObject({ code: '57P01' });
    expect(calls).toBe(3);
  });

  test('a copy removed from disk is restored again, though this worker had pulled it', async () => {
    const { key, run, a, b } = await twoWorkers();
    await fs.mkdir(a.dir, { recursive: true });
    await fs.writeFile(path.join(a.dir, 'f'), 'kept in the store');
    await a.sync.push(key, run, a.dir);
    await b.sync.pull(key, run, b.dir);
    await fs.rm(b.dir, { recursive: true });
    await b.sync.pull(key, run, b.dir);
    expect(await fs.readFile(path.join(b.dir, 'f'), 'utf8')).toBe('kept in the store');
  });
});

describe("workers' copies of a shared-store workspace", () => {
  let n = 0;
  /** Two workers as activities build them: their own data dirs, one PostgreSQL store. */
  async function twoWorkers(snapshotMaxBytes?: number) {
    const base = await fs.mkdtemp(path.join(tmp, 'copies-'));
    const worker = (name: string) =>
      createWorkspaceStore({
        dataDir: path.join(base, name),
        runState: pgState(),
        workspaceRetention: { kind: 'expire', afterMs: 3_600_000 },
        sandbox: sandboxSettings({ mode: 'unsafe-host' }),
        ...(snapshotMaxBytes ? { snapshotMaxBytes } : {}),
      });
    return { run: `copies-${suffix}-${++n}`, a: worker('a'), b: worker('b') };
  }
  const selection = { workspace: 'run' } as const;
  const later = (hours: number) => new Date(Date.now() + hours * 3_600_000);

  test('a copy on a worker that did not release the run expires once unused; the next call there restores it', async () => {
    const { run, a, b } = await twoWorkers();
    await fs.writeFile(path.join(await a.open(run, selection), 'notes.txt'), 'v1');
    await a.written(run, selection);
    const onB = await b.open(run, selection);
    expect(await fs.readFile(path.join(onB, 'notes.txt'), 'utf8')).toBe('v1');
    // Still in use within the retention: nothing goes.
    await b.sweep(later(0.5));
    expect(await fs.readFile(path.join(onB, 'notes.txt'), 'utf8')).toBe('v1');
    await b.sweep(later(2));
    await expect(fs.stat(onB)).rejects.toMatchObject({ code: 'ENOENT' });
    // A later call on that worker gets the files back from the store.
    expect(await fs.readFile(path.join(await b.open(run, selection), 'notes.txt'), 'utf8')).toBe('v1');
  });

  test("the releasing worker's copy follows the release, and a copy too large to store never expires", async () => {
    const { run, a } = await twoWorkers(64);
    const onA = await a.open(run, selection);
    await fs.writeFile(path.join(onA, 'big.txt'), randomBytes(4096).toString('hex'));
    await a.written(run, selection);
    // Over the cap, this copy is the only one: an idle sweep must not take it.
    await a.sweep(later(48));
    expect((await fs.stat(path.join(onA, 'big.txt'))).size).toBe(8192);
    await a.release(run, selection, new Date());
    await a.sweep(later(0.5));
    expect((await fs.stat(path.join(onA, 'big.txt'))).size).toBe(8192);
    await a.sweep(later(2));
    await expect(fs.stat(onA)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
