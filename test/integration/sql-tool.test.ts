import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createSqlTool } from '../../activities/tools/sql';
import type { ToolContext } from '../../common/tools/define-tool';
import { SecretResolver } from '../../activities/secrets/secret-resolver';
import { loadAgentFile } from '../../client/agent-file';
import type { AgentSpecInput } from '../../common/agent-spec';
import { messagesOf, waitForState, withReins } from '../helpers/harness';

const BASE_URL = process.env.REINS_TEST_PG_URL ?? 'postgresql://root@127.0.0.1:5432/test';
const schema = `reins_test_${randomBytes(5).toString('hex')}`;
const url = `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
const SECRET = 'REINS_SQL_TEST_URL';
const secrets = new SecretResolver([{ get: (name) => (name === SECRET ? url : undefined), describe: () => 'test' }]);
const tool = createSqlTool({ secrets });

function context(config: Record<string, unknown> = {}): ToolContext {
  return {
    runId: 'sql-test',
    callId: '1-1',
    userId: 'u',
    idempotencyKey: 'sql-test/1-1',
    attempt: 1,
    earlierAttemptStarted: false,
    workspace: '/nonexistent',
    config: { connection: { secret: SECRET }, ...config },
    signal: new AbortController().signal,
    heartbeat: () => undefined,
  };
}
const run = (sql: string, config: Record<string, unknown> = {}) => tool.execute({ sql }, context(config));

let admin: Client;
const count = async (table: string) =>
  Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0]?.n);

beforeAll(async () => {
  admin = new Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`SET search_path = ${schema}`);
  await admin.query(`
    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE audit (note text);
    INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 250) g;
    CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS $$ INSERT INTO audit VALUES ('sneaked'); SELECT 1 $$;
  `);
});

afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describe('sql tool', () => {
  test('classifies each call by its statements', async () => {
    const classify = (sql: string) => tool.classify?.({ sql }, undefined);
    expect(await classify('SELECT * FROM customers')).toBe('read');
    expect(await classify("UPDATE customers SET name = 'x'")).toBe('write');
    expect(await classify('DELETE FROM customers')).toBe('destructive');
    expect(await classify('SELECT 1; DROP TABLE customers')).toBe('destructive');
    expect(await classify('VACUUM customers')).toBe('destructive');
  });

  test('reads run and show at most maxRows rows, counting the rest', async () => {
    const output = await run('SELECT id, name FROM customers ORDER BY id', { maxRows: 3 });
    expect(output).toContain('#1 SELECT: 250 rows; columns: id, name');
    expect(output).toContain('{"id":1,"name":"customer 1"}');
    expect(output).toContain('{"id":3,"name":"customer 3"}');
    expect(output).not.toContain('"id":4');
    expect(output).toContain('… 247 more rows omitted (row cap 3)');
  });

  test('a read-only transaction refuses a write hidden in a function call', async () => {
    expect(await tool.classify?.({ sql: 'SELECT sneaky()' }, undefined)).toBe('read');
    await expect(run('SELECT sneaky()')).rejects.toMatchObject({
      type: 'SqlReadOnly',
      message: expect.stringContaining('read-only transaction'),
    });
    expect(await count('audit')).toBe(0);
  });

  test('writes run in one transaction, committed together or not at all', async () => {
    const output = await run("INSERT INTO audit VALUES ('a'); UPDATE customers SET name = 'renamed' WHERE id = 1");
    expect(output).toBe('#1 INSERT: 1 rows affected\n\n#2 UPDATE: 1 rows affected');
    expect(await count('audit')).toBe(1);
    await expect(run("INSERT INTO audit VALUES ('b'); INSERT INTO nowhere VALUES (1)")).rejects.toMatchObject({
      type: 'SqlError',
    });
    expect(await count('audit')).toBe(1);
    await admin.query(`DELETE FROM ${schema}.audit`);
  });

  test('every statement has a timeout', async () => {
    const started = Date.now();
    await expect(run('SELECT pg_sleep(5)', { statementTimeoutSeconds: 1 })).rejects.toMatchObject({
      type: 'SqlTimeout',
      message: expect.stringContaining('statement timeout 1 s'),
    });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  test('an unparseable statement is destructive and reaches the database as written', async () => {
    expect(await tool.classify?.({ sql: 'SELEKT 1' }, undefined)).toBe('destructive');
    await expect(run('SELEKT 1')).rejects.toMatchObject({ type: 'SqlError', message: /syntax error/ });
  });

  test('a DELETE waits for an approver and runs only after approval, with the exact statement shown', async () => {
    process.env[SECRET] = url;
    const deleteSql = 'DELETE FROM customers WHERE id = 2';
    const spec: AgentSpecInput = {
      name: 'db',
      instructions: 'Answer questions about the database.',
      model: { name: 'scripted-1' },
      tools: [{ name: 'sql', config: { connection: { secret: SECRET } } }],
      approvals: { approvers: { users: ['dana'] } },
    };
    const script = [
      { reply: { toolCalls: [{ name: 'sql', arguments: { sql: 'SELECT count(*) AS n FROM customers' } }] } },
      { reply: { toolCalls: [{ name: 'sql', arguments: { sql: deleteSql } }] } },
      { reply: { content: 'deleted' } },
    ];
    try {
      await withReins({ script }, async ({ reins, model }) => {
        const runId = `sql-approval-${Date.now()}`;
        await reins.startRun({ spec, prompt: 'remove customer 2', userId: 'u' }, { runId });
        const pending = await waitForState(reins, runId, (s) => s.pendingApprovals[0]);
        expect(pending).toMatchObject({ tool: 'sql', toolClass: 'destructive', args: { sql: deleteSql } });
        // The read before it ran without a gate.
        expect(messagesOf(model, 1).at(-1)).toMatchObject({ content: expect.stringContaining('{"n":"250"}') });
        expect(await count('customers')).toBe(250);

        await reins.decide(runId, { requestId: pending.requestId, decision: 'approve', by: 'dana' });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        expect(await count('customers')).toBe(249);
        expect(messagesOf(model, 2).at(-1)).toMatchObject({ content: '#1 DELETE: 1 rows affected' });
      });
    } finally {
      delete process.env[SECRET];
    }
  });

  test('the example database assistant reads freely and asks before changing data', async () => {
    const shop = `${schema}_shop`;
    const sample = readFileSync(path.join(__dirname, '..', '..', 'agents', 'db-assistant.sql'), 'utf8');
    await admin.query(sample.replace(/\bshop\b/g, shop));
    process.env.SHOP_DATABASE_URL = `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${shop}`)}`;
    const spec = await loadAgentFile(path.join(__dirname, '..', '..', 'agents', 'db-assistant.yaml'));
    const update = "UPDATE orders SET status = 'cancelled' WHERE id = 3";
    const script = [
      {
        reply: {
          toolCalls: [{ name: 'sql', arguments: { sql: "SELECT count(*) AS n FROM orders WHERE status = 'pending'" } }],
        },
      },
      { reply: { toolCalls: [{ name: 'sql', arguments: { sql: update } }] } },
      { reply: { content: 'cancelled order 3' } },
    ];
    try {
      await withReins({ script }, async ({ reins, model }) => {
        const runId = `db-assistant-${Date.now()}`;
        await reins.startRun({ spec, prompt: 'cancel the pending order', userId: 'u' }, { runId });
        const pending = await waitForState(reins, runId, (s) => s.pendingApprovals[0]);
        expect(pending).toMatchObject({ tool: 'sql', toolClass: 'write', args: { sql: update } });
        expect(messagesOf(model, 1).at(-1)).toMatchObject({ content: expect.stringContaining('{"n":"1"}') });
        await reins.decide(runId, { requestId: pending.requestId, decision: 'approve', by: 'dana' });
        expect((await reins.result(runId)).status).toBe('completed');
        const status = await admin.query<{ status: string }>(`SELECT status FROM ${shop}.orders WHERE id = 3`);
        expect(status.rows[0]?.status).toBe('cancelled');
      });
    } finally {
      delete process.env.SHOP_DATABASE_URL;
      await admin.query(`DROP SCHEMA IF EXISTS ${shop} CASCADE`);
    }
  });
});
