import { mkdtempSync, writeFileSync } from 'node:fs';
import { FilesystemRunStateStore } from '../../activities/store/fs-run-state-store';
import { RecordSeal } from '../../shared/store/record-seal';
import os from 'node:os';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import path from 'node:path';
import { PAGED_TOOLS } from '../fixtures/mcp/paged-tools';
import { rawToolsList } from '../fixtures/mcp/raw-wire';
import { byName, closeTestPools, failureOf, mcpActivities } from '../fixtures/mcp/activity-env';
import type { McpServerSpec } from '../../common/mcp-server';
import {
  filesystemServerSpec,
  fixtureServerSpec,
  killAndWait,
  pagedServerSpec,
  readCallLog,
  scratchDir,
  serverPid,
} from '../fixtures/mcp/specs';

afterEach(closeTestPools);

describe('listMcpTools', () => {
  test('names, classes from annotations, source, and schemas exactly as the server sent them', async () => {
    const dir = scratchDir();
    const server = fixtureServerSpec(dir);
    const { list } = mcpActivities();
    const definitions = await list(server);

    expect(byName(definitions, 'fixture__get_item')).toMatchObject({
      policyName: 'fixture.get_item',
      description: 'Reads an item by id.',
      class: 'read',
      source: { kind: 'mcp', server: 'fixture', tool: 'get_item' },
    });
    expect(byName(definitions, 'fixture__update_item').class).toBe('write');
    expect(byName(definitions, 'fixture__delete_item').class).toBe('destructive');
    // Both hints: read-only wins.
    expect(byName(definitions, 'fixture__inspect_item').class).toBe('read');

    const wire = (await rawToolsList(server as Extract<McpServerSpec, { transport: 'stdio' }>)) as Array<{
      name: string;
      inputSchema: unknown;
    }>;
    expect(definitions.map((d) => d.source)).toEqual(
      wire.map((t) => ({ kind: 'mcp', server: 'fixture', tool: t.name })),
    );
    // Serialised, so key order counts too.
    expect(JSON.stringify(definitions.map((d) => d.parameters))).toBe(JSON.stringify(wire.map((t) => t.inputSchema)));
    const order = byName(definitions, 'fixture__create_order').parameters as {
      properties: { customer: { properties: { tier: unknown } }; priority: unknown };
    };
    expect(order.properties.customer.properties.tier).toEqual({
      type: 'string',
      enum: ['free', 'pro', 'enterprise'],
      description: 'Pricing tier',
    });
    expect(order.properties.priority).toMatchObject({ default: 'normal', enum: ['low', 'normal', 'urgent'] });
  });

  test('follows nextCursor through every page; raw declarations survive byte for byte; odd names are made safe', async () => {
    const dir = scratchDir();
    const { list } = mcpActivities();
    const definitions = await list(pagedServerSpec(dir));

    // legacy_lookup's schema has an external $ref the workflow could not check arguments against: left out.
    const usable = PAGED_TOOLS.filter((tool) => tool.name !== 'legacy_lookup');
    expect(definitions.map((d) => d.source)).toEqual(
      usable.map((tool) => ({ kind: 'mcp', server: 'paged', tool: tool.name })),
    );
    expect(JSON.stringify(definitions.map((d) => d.parameters))).toBe(
      JSON.stringify(usable.map((tool) => tool.inputSchema)),
    );
    expect(definitions.map((d) => [d.name, d.class])).toEqual([
      ['paged__search_tickets', 'read'],
      ['paged__close_ticket', 'destructive'],
      ['paged__comment', 'write'],
      ['paged__report_summary', 'read'],
      ['paged__ping', 'read'],
    ]);
    // A title stands in for a missing description.
    expect(byName(definitions, 'paged__comment').description).toBe('Comment on a ticket');
    const renamed = byName(definitions, 'paged__report_summary');
    expect(renamed.policyName).toBe('paged.report.summary');
    expect(renamed.warnings).toEqual([expect.stringContaining('"report.summary" of server "paged" is offered')]);
  });

  test('the published filesystem server: tools listed with their annotations', async () => {
    const root = scratchDir('reins-fs-');
    const { list, call } = mcpActivities();
    const server = filesystemServerSpec(root);
    const definitions = await list(server);
    expect(byName(definitions, 'fs__read_text_file').class).toBe('read');
    expect(byName(definitions, 'fs__write_file').class).toBe('destructive');
    expect(byName(definitions, 'fs__create_directory').class).toBe('write');

    writeFileSync(path.join(root, 'hello.txt'), 'hello from disk');
    await expect(call(server, 'read_text_file', { path: path.join(root, 'hello.txt') })).resolves.toEqual({
      ok: true,
      output: 'hello from disk',
    });
  });
});

describe('callMcpTool', () => {
  test('text, tool errors, images, structured results, large outputs and protocol errors', async () => {
    const dir = scratchDir();
    const server = fixtureServerSpec(dir);
    const { call } = mcpActivities({ outputLimit: 1_000 });

    await expect(call(server, 'get_item', { id: 'a1' })).resolves.toEqual({ ok: true, output: 'item a1: a teapot' });
    await expect(call(server, 'fail_item', { id: 'a1' })).resolves.toEqual({
      ok: false,
      error: { type: 'ToolError', message: 'item a1 is locked by another user' },
    });
    await expect(call(server, 'get_picture', {})).resolves.toEqual({
      ok: true,
      output: '[image image/png, 1,234 bytes]',
    });
    await expect(call(server, 'get_stats', {})).resolves.toEqual({ ok: true, output: '{"count":3,"tags":["a","b"]}' });

    const big = await call(server, 'big_output', { chars: 5_000 });
    if (!big.ok) throw new Error(big.error.message);
    expect(big.output.length).toBeLessThanOrEqual(1_000);
    expect(big.output.startsWith('HEAD-')).toBe(true);
    expect(big.output.endsWith('-TAIL')).toBe(true);
    expect(big.output).toMatch(/… \[\d[\d,]* characters omitted of 5,000\] …/);

    const protocol = await failureOf(call(server, 'needs_login', {}));
    expect(protocol.type).toBe('McpProtocolError');
    expect(protocol.nonRetryable).toBe(true);
    expect(protocol.message).toMatch(/MCP server "fixture", tools\/call "needs_login": .*sign in/);

    await expect(call(server, 'get_item', ['a1'])).resolves.toEqual({
      ok: false,
      error: { type: 'ToolArgsInvalid', message: 'arguments must be a JSON object' },
    });
    expect(readCallLog(dir).map((c) => c.tool)).toEqual([
      'get_item',
      'fail_item',
      'get_picture',
      'get_stats',
      'big_output',
      'needs_login',
    ]);
  });

  test('secrets: resolved for the server only, scrubbed from results, per user, missing ones named', async () => {
    const dir = scratchDir();
    process.env.REINS_MCP_WORKER_ONLY = 'worker-private-value';
    const server = fixtureServerSpec(dir, {
      env: { FIXTURE_TOKEN: { secret: 'SHARED_TOKEN' }, USER_TOKEN: { secret: 'USER_TOKEN', perUser: true } },
    });
    const { call, pool } = mcpActivities({
      values: { SHARED_TOKEN: 'tok-shared-123', USER_TOKEN__alice: 'tok-alice-456', USER_TOKEN__bob: 'tok-bob-789' },
    });
    try {
      await expect(call(server, 'echo_env', { name: 'FIXTURE_TOKEN' }, 'alice')).resolves.toEqual({
        ok: true,
        output: 'FIXTURE_TOKEN=[redacted:SHARED_TOKEN]',
      });
      await expect(call(server, 'echo_env', { name: 'USER_TOKEN' }, 'bob')).resolves.toEqual({
        ok: true,
        output: 'USER_TOKEN=[redacted:USER_TOKEN__bob]',
      });
      // The worker's own environment never reaches a server.
      await expect(call(server, 'echo_env', { name: 'REINS_MCP_WORKER_ONLY' }, 'alice')).resolves.toEqual({
        ok: true,
        output: 'REINS_MCP_WORKER_ONLY=(unset)',
      });
      // Per-user credentials: one server process per user.
      expect(pool.size).toBe(2);
      const missing = await failureOf(call(server, 'get_item', { id: 'x' }, 'carol'));
      expect(missing).toMatchObject({ type: 'SecretMissing', nonRetryable: true });
      expect(missing.message).toContain('USER_TOKEN__carol');
      expect(missing.message).not.toMatch(/tok-/);
    } finally {
      delete process.env.REINS_MCP_WORKER_ONLY;
    }
  });

  test('a stdio server that died between calls is restarted; one that dies mid-call fails retryable, unrepeated', async () => {
    const dir = scratchDir();
    const server = fixtureServerSpec(dir);
    const { call, list } = mcpActivities();

    const first = await call(server, 'whoami', {});
    const firstPid = serverPid(dir);
    expect(first).toEqual({ ok: true, output: `pid ${firstPid}` });
    await killAndWait(firstPid);
    const second = await call(server, 'whoami', {});
    const secondPid = serverPid(dir);
    expect(secondPid).not.toBe(firstPid);
    expect(second).toEqual({ ok: true, output: `pid ${secondPid}` });

    await killAndWait(secondPid);
    expect((await list(server)).length).toBeGreaterThan(5);

    // Killed while the call runs: the call may have had effects, so it is not silently repeated here.
    const slow = call(server, 'slow', { ms: 10_000 });
    const deadline = Date.now() + 10_000;
    while (!readCallLog(dir).some((c) => c.tool === 'slow') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await killAndWait(serverPid(dir));
    const lost = await failureOf(slow);
    expect(lost.type).toBe('McpTransportError');
    expect(lost.nonRetryable).toBeFalsy();
    expect(lost.message).toContain('MCP server "fixture", tools/call "slow"');
    expect(readCallLog(dir).filter((c) => c.tool === 'slow')).toHaveLength(1);
    await expect(call(server, 'get_item', { id: 'b' })).resolves.toEqual({ ok: true, output: 'item b: a teapot' });
  });

  test('a write interrupted after it was sent is not sent again: the retry reports its outcome unknown', async () => {
    const dir = scratchDir();
    const server = fixtureServerSpec(dir);
    const ledgers = mkdtempSync(path.join(os.tmpdir(), 'reins-mcp-ledger-'));
    const { activities } = mcpActivities({
      ledger: new FilesystemRunStateStore(ledgers, new RecordSeal(undefined)).ledger,
    });
    const attemptEnv = (attempt: number) =>
      new MockActivityEnvironment(
        { attempt, startToCloseTimeoutMs: 60_000, currentAttemptScheduledTimestampMs: Date.now() },
        { logger: new DefaultLogger('ERROR') },
      );
    const call = (attempt: number, callId: string, extra: Record<string, unknown> = {}) =>
      attemptEnv(attempt).run(activities.callMcpTool, {
        server,
        tool: 'slow',
        args: { ms: 10_000 },
        callId,
        userId: 'u',
        toolClass: 'write' as const,
        ...extra,
      });
    const slowCalls = () => readCallLog(dir).filter((c) => c.tool === 'slow').length;

    for (const [callId, extra] of [
      ['1-1', {}],
      ['1-2', { idempotent: true }],
    ] as const) {
      const before = slowCalls();
      const first = call(1, callId, extra);
      // Generous: a server starting on a loaded machine can take long to take the call.
      const deadline = Date.now() + 120_000;
      while (slowCalls() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      await killAndWait(serverPid(dir));
      expect((await failureOf(first)).type).toBe('McpTransportError');
      if (callId === '1-1') {
        const retried = await call(2, callId, { ...extra, args: { ms: 1 } });
        expect(retried).toMatchObject({ ok: false, error: { type: 'ToolOutcomeUnknown' } });
        expect(slowCalls()).toBe(before + 1);
      } else {
        // Vouched idempotent: sent again.
        await expect(call(2, callId, { ...extra, args: { ms: 1 } })).resolves.toMatchObject({ ok: true });
        expect(slowCalls()).toBe(before + 2);
      }
    }
  }, 600_000);

  test('a slow tool: heartbeats while waiting, a retryable timeout past the request limit, prompt cancellation', async () => {
    const dir = scratchDir();
    const server = fixtureServerSpec(dir);
    const { call, environment } = mcpActivities({ requestTimeoutMs: 1_500 });

    const watched = environment();
    const beats: unknown[] = [];
    watched.on('heartbeat', (details: unknown) => beats.push(details));
    await expect(call(server, 'slow', { ms: 400 }, 'u', watched)).resolves.toEqual({
      ok: true,
      output: 'slept 400 ms',
    });
    expect(beats.length).toBeGreaterThan(0);
    expect(beats[0]).toMatchObject({ server: 'fixture', tool: 'slow', callId: '1-1' });

    const timedOut = await failureOf(call(server, 'slow', { ms: 5_000 }));
    expect(timedOut).toMatchObject({ type: 'McpTimeout', nonRetryable: false });

    const cancelled = environment();
    const pending = call(server, 'slow', { ms: 5_000 }, 'u', cancelled);
    setTimeout(() => cancelled.cancel(), 200);
    const started = Date.now();
    await expect(pending).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
