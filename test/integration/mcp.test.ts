import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { closeAllMcpPools } from '../../activities/mcp';
import type { AgentSpecInput } from '../../common/agent-spec';
import type { McpServerSpec } from '../../common/mcp-server';
import type { ScriptFn } from '../../testing/scripted-model';
import { messagesOf, waitForState, withReins } from '../helpers/harness';
import { workflowBundle } from '../helpers/temporal';
import { startHttpFixture } from '../fixtures/mcp/http-server';
import { rawToolsList } from '../fixtures/mcp/raw-wire';
import {
  filesystemServerSpec,
  fixtureServerSpec,
  httpServerSpec,
  killAndWait,
  readCallLog,
  scratchDir,
  serverPid,
} from '../fixtures/mcp/specs';

// Each test's worker has its own MCP pool; stop the servers it started before the next test.
afterEach(closeAllMcpPools);

const uniqueId = (prefix: string) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

function agent(servers: McpServerSpec[], overrides: Partial<AgentSpecInput> = {}): AgentSpecInput {
  return {
    name: 'mcp-agent',
    instructions: 'Use the tools of your MCP servers.',
    model: { name: 'scripted-1' },
    mcpServers: servers,
    maxSteps: 6,
    ...overrides,
  };
}

type Call = { name: string; arguments: unknown };
const calls = (...toolCalls: Call[]) => ({ reply: { toolCalls } });
const answer = (content: string) => ({ reply: { content } });

/** The tool names the model was offered on its `index`-th request. */
function offeredTools(model: { requests: Array<{ body: unknown }> }, index = 0): string[] {
  const body = model.requests[index]?.body as { tools?: Array<{ function: { name: string } }> } | undefined;
  return (body?.tools ?? []).map((tool) => tool.function.name).sort();
}

/** What the model read for each tool call, in order, on its `index`-th request. */
function toolReplies(model: Parameters<typeof messagesOf>[0], index: number): string[] {
  return messagesOf(model, index)
    .filter((message) => message.role === 'tool')
    .map((message) => String(message.content));
}

/** The summaries of the run's activities, as the Temporal UI shows them. */
async function activitySummaries(temporal: Client, runId: string): Promise<string[]> {
  const history = await temporal.workflow.getHandle(runId).fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.activityTaskScheduledEventAttributes)
    .map((event) => event.userMetadata?.summary)
    .filter((payload) => payload !== undefined && payload !== null)
    .map((payload) => defaultPayloadConverter.fromPayload<string>(payload));
}

describe('MCP tools in agent runs', () => {
  test('classes from annotations; a destructive tool waits for approval, then runs; schemas reach the model intact', async () => {
    const dir = scratchDir();
    const server = fixtureServerSpec(dir);
    const script = [
      calls(
        { name: 'fixture__get_item', arguments: { id: 'a7' } },
        { name: 'fixture__delete_item', arguments: { id: 'a7' } },
      ),
      answer('deleted a7'),
    ];
    await withReins({ script }, async ({ reins, model, temporal }) => {
      const runId = uniqueId('mcp-approval');
      await reins.startRun({ spec: agent([server]), prompt: 'Delete item a7', userId: 'u' }, { runId });
      const pending = await waitForState(reins, runId, (s) => s.pendingApprovals[0]);
      expect(pending).toMatchObject({
        requestId: '1-2',
        tool: 'fixture__delete_item',
        toolClass: 'destructive',
        rule: expect.stringContaining('destructive tools need approval'),
      });
      // Nothing ran while the turn waits for its approval.
      expect(readCallLog(dir)).toEqual([]);

      await reins.decide(runId, { requestId: '1-2', decision: 'approve', by: 'dana' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(readCallLog(dir).map((c) => [c.tool, c.args])).toEqual([
        ['get_item', { id: 'a7' }],
        ['delete_item', { id: 'a7' }],
      ]);
      expect(toolReplies(model, 1)).toEqual(['item a7: a teapot', 'deleted item a7']);
      expect(await activitySummaries(temporal, runId)).toEqual(
        expect.arrayContaining([
          'mcp fixture · list tools',
          'mcp fixture.get_item · read',
          'mcp fixture.delete_item · destructive · approved by dana',
        ]),
      );

      // Every tool of the server was offered, with its input schema exactly as the server declared it.
      const wire = (await rawToolsList(server as Extract<McpServerSpec, { transport: 'stdio' }>)) as Array<{
        name: string;
        inputSchema: unknown;
      }>;
      const body = model.requests[0]!.body as unknown as {
        tools: Array<{ function: { name: string; parameters: unknown } }>;
      };
      const sent = body.tools;
      expect(JSON.stringify(sent.map((t) => [t.function.name, t.function.parameters]))).toBe(
        JSON.stringify(wire.map((t) => [`fixture__${t.name}`, t.inputSchema])),
      );

      const history = await temporal.workflow.getHandle(runId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, runId);
    });
  });

  test('denied, unknown and invalid calls never reach the server; tool and protocol errors go back to the model', async () => {
    const dir = scratchDir();
    const script = [
      calls(
        { name: 'fixture__delete_item', arguments: { id: 'a1' } },
        { name: 'fixture__no_such_tool', arguments: {} },
        {
          name: 'fixture__create_order',
          arguments: { customer: { name: 'Ada', tier: 'platinum' }, items: [{ sku: 'x', quantity: 1 }] },
        },
        { name: 'fixture__fail_item', arguments: { id: 'a1' } },
        { name: 'fixture__needs_login', arguments: {} },
      ),
      answer('done'),
    ];
    await withReins({ script }, async ({ reins, model }) => {
      const spec = agent([fixtureServerSpec(dir)], { policy: { deny: ['fixture.delete_*'] } });
      const { runId } = await reins.startRun({ spec, prompt: 'Try everything', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');

      expect(offeredTools(model)).not.toContain('fixture__delete_item');
      expect(offeredTools(model)).toContain('fixture__update_item');
      const [denied, unknown, invalid, toolError, protocol] = toolReplies(model, 1);
      expect(denied).toBe(
        "Error [ToolDenied]: denied by policy: fixture.delete_item is on agent mcp-agent's deny list (fixture.delete_*)",
      );
      expect(unknown).toMatch(/^Error \[ToolUnknown\]: there is no tool "fixture__no_such_tool"/);
      expect(invalid).toMatch(
        /^Error \[ToolArgsInvalid\]: invalid arguments for fixture__create_order: customer\.tier/,
      );
      expect(toolError).toBe('Error [ToolError]: item a1 is locked by another user');
      expect(protocol).toMatch(/^Error \[McpProtocolError\]: MCP server "fixture", tools\/call "needs_login": /);
      expect(result.toolCalls.map((c) => c.outcome)).toEqual([
        'denied',
        'unknown_tool',
        'invalid_args',
        'failed',
        'failed',
      ]);

      // The server's own log: only the two calls that passed validation and policy ran.
      expect(readCallLog(dir).map((c) => c.tool)).toEqual(['fail_item', 'needs_login']);
    });
  });

  test("a user whose roles lack a class is never offered that class's tools, and cannot call them", async () => {
    const dir = scratchDir();
    const script = [calls({ name: 'fixture__update_item', arguments: { id: 'a1', value: 'blue' } }), answer('no')];
    await withReins({ script }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({
        spec: agent([fixtureServerSpec(dir)]),
        prompt: 'Paint a1 blue',
        userId: 'rita',
        roles: { rita: ['reader'] },
        roleDefinitions: { reader: { classes: ['read'] } },
      });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      const offered = offeredTools(model);
      expect(offered).toContain('fixture__get_item');
      expect(offered).toContain('fixture__inspect_item');
      for (const hidden of ['fixture__update_item', 'fixture__delete_item', 'fixture__create_order']) {
        expect(offered).not.toContain(hidden);
      }
      expect(toolReplies(model, 1)).toEqual([
        'Error [ToolDenied]: denied by policy: user rita (roles: reader) may not use write tool fixture.update_item',
      ]);
      expect(readCallLog(dir)).toEqual([]);
    });
  });

  test('the stdio server is killed between two calls; the second call starts a new one and the run completes', async () => {
    const dir = scratchDir();
    const pids: number[] = [];
    const script: ScriptFn = async (_request, turn) => {
      if (turn === 0) return calls({ name: 'fixture__whoami', arguments: {} });
      if (turn === 1) {
        pids.push(serverPid(dir));
        await killAndWait(pids[0]!);
        return calls({ name: 'fixture__whoami', arguments: {} });
      }
      pids.push(serverPid(dir));
      return answer('survived');
    };
    await withReins({ script }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({ spec: agent([fixtureServerSpec(dir)]), prompt: 'Who?', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(result.answer).toBe('survived');
      expect(pids[1]).not.toBe(pids[0]);
      expect(toolReplies(model, 2)).toEqual([`pid ${pids[0]}`, `pid ${pids[1]}`]);
      expect(result.toolCalls.map((c) => c.outcome)).toEqual(['succeeded', 'succeeded']);
    });
  });

  test('a streamable HTTP server, its key a secret reference resolved from the worker environment', async () => {
    const dir = scratchDir();
    const fixture = await startHttpFixture({ apiKey: 'http-key-2468', callLog: path.join(dir, 'calls.jsonl') });
    process.env.REINS_TEST_MCP_HTTP_KEY = 'http-key-2468';
    const script = [calls({ name: 'remote__update_item', arguments: { id: 'h1', value: 'green' } }), answer('ok')];
    try {
      await withReins({ script }, async ({ reins, model }) => {
        const server = httpServerSpec(fixture.url, { 'x-api-key': { secret: 'REINS_TEST_MCP_HTTP_KEY' } });
        const { runId } = await reins.startRun({ spec: agent([server]), prompt: 'Paint h1 green', userId: 'u' });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        expect(toolReplies(model, 1)).toEqual(['item h1 is now green']);
        expect(readCallLog(dir).map((c) => c.tool)).toEqual(['update_item']);
        expect(fixture.refused).toBe(0);
        // Only the reference is in the run's history, never the value.
        expect(JSON.stringify(result)).not.toContain('http-key-2468');
      });
    } finally {
      delete process.env.REINS_TEST_MCP_HTTP_KEY;
      await fixture.close();
    }
  });

  test('the published filesystem server from npm: its tools are listed and a read runs end to end', async () => {
    const root = scratchDir('reins-fs-');
    writeFileSync(path.join(root, 'notes.txt'), 'buy milk\ncall Bob');
    const script = [
      calls({ name: 'fs__read_text_file', arguments: { path: path.join(root, 'notes.txt') } }),
      answer('milk and Bob'),
    ];
    await withReins({ script }, async ({ reins, model }) => {
      const spec = agent([filesystemServerSpec(root)], { policy: { allow: ['fs.read_*', 'fs.list_*'] } });
      const { runId } = await reins.startRun({ spec, prompt: 'What is in my notes?', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(offeredTools(model)).toEqual(
        expect.arrayContaining(['fs__list_directory', 'fs__read_multiple_files', 'fs__read_text_file']),
      );
      expect(offeredTools(model)).not.toContain('fs__write_file');
      expect(toolReplies(model, 1)).toEqual(['buy milk\ncall Bob']);
    });
  });
});
