import { promises as fs } from 'node:fs';
import { Client } from 'pg';
import { checkPostgres, startPrivatePostgres } from '../../scripts/private-postgres';
import { BUBBLEWRAP, MissingSystemDependencies } from '../../scripts/system-deps';

describe('what npm test provisions on a fresh machine', () => {
  test('a private PostgreSQL server starts in a temporary directory, serves a test database, and leaves nothing', async () => {
    const server = await startPrivatePostgres(() => undefined);
    const client = new Client({ connectionString: server.url });
    try {
      await client.connect();
      await client.query('CREATE TABLE t (n int); INSERT INTO t VALUES (41), (1)');
      const { rows } = await client.query<{ sum: string }>('SELECT sum(n) AS sum FROM t');
      expect(Number(rows[0]?.sum)).toBe(42);
    } finally {
      await client.end();
    }
    expect(server.dir).toBeDefined();
    await fs.stat(server.dir!);
    await server.stop();
    await expect(checkPostgres(server.url, 1_000)).rejects.toThrow();
    await expect(fs.stat(server.dir!)).rejects.toThrow(/ENOENT/);
  });

  test('a missing dependency that cannot be installed is named with the command that installs it', () => {
    const error = new MissingSystemDependencies([BUBBLEWRAP], 'apt-get needs root or passwordless sudo');
    expect(error.message).toBe(
      'missing: bubblewrap (bwrap) (apt-get needs root or passwordless sudo). Install with:\n' +
        '  sudo apt-get update && sudo apt-get install -y --no-install-recommends bubblewrap',
    );
  });
});
