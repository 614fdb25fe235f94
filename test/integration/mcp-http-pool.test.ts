import path from 'node:path';
import { byName, closeTestPools, failureOf, mcpActivities } from '../fixtures/mcp/activity-env';
import { startHttpFixture } from '../fixtures/mcp/http-server';
import { fixtureServerSpec, httpServerSpec, readCallLog, scratchDir, serverPid } from '../fixtures/mcp/specs';

afterEach(closeTestPools);

describe('streamable HTTP', () => {
  test('headers carry resolved secrets; a restarted server (unknown session) is reconnected; bad keys fail fast', async () => {
    const dir = scratchDir();
    const callLog = path.join(dir, 'calls.jsonl');
    let fixture = await startHttpFixture({ apiKey: 'key-abc-123', callLog, instance: 'first' });
    const { list, call } = mcpActivities({ values: { REMOTE_KEY: 'key-abc-123', WRONG_KEY: 'nope-nope' } });
    const server = httpServerSpec(fixture.url, { 'x-api-key': { secret: 'REMOTE_KEY' } });
    try {
      const definitions = await list(server);
      expect(byName(definitions, 'remote__delete_item')).toMatchObject({
        class: 'destructive',
        policyName: 'remote.delete_item',
      });
      await expect(call(server, 'whoami', {})).resolves.toEqual({ ok: true, output: `pid ${process.pid} first` });

      const port = fixture.port;
      await fixture.close();
      fixture = await startHttpFixture({ apiKey: 'key-abc-123', callLog, instance: 'second', port });
      // Once the client has seen the old sockets close, the new server answers the old session with 404: the
      // request provably did not run, so the pool reconnects and sends it again within the same attempt.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(call(server, 'whoami', {})).resolves.toEqual({ ok: true, output: `pid ${process.pid} second` });
      expect(readCallLog(dir).map((c) => c.tool)).toEqual(['whoami', 'whoami']);

      const refused = await failureOf(list(httpServerSpec(fixture.url, { 'x-api-key': { secret: 'WRONG_KEY' } })));
      expect(refused).toMatchObject({ type: 'McpAuthFailed', nonRetryable: true });
      expect(refused.message).toContain('MCP server "remote"');
    } finally {
      await fixture.close();
    }
  });

  test('a server that is down fails retryable and names the server', async () => {
    const fixture = await startHttpFixture();
    const url = fixture.url;
    await fixture.close();
    const { list } = mcpActivities();
    const down = await failureOf(list(httpServerSpec(url)));
    expect(down).toMatchObject({ type: 'McpTransportError', nonRetryable: false });
    expect(down.message).toContain('MCP server "remote"');
  });
});

describe('the pool', () => {
  test('close() stops the stdio servers it started', async () => {
    const dir = scratchDir();
    const { call, pool } = mcpActivities();
    await call(fixtureServerSpec(dir), 'get_item', { id: 'x' });
    const pid = serverPid(dir);
    expect(() => process.kill(pid, 0)).not.toThrow();
    await pool.close();
    const deadline = Date.now() + 5_000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(pid, 0);
        await new Promise((resolve) => setTimeout(resolve, 25));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });
});
