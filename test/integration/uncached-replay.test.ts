import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { stringify } from 'yaml';
import { runDirectoryName } from '../../activities/tools/workspace';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';
import type { ScriptFn } from '../../testing/scripted-model';

/**
 * With no workflow cache, a worker replays a run's whole history for every task and every query: what a restarted
 * worker, or a worker answering a query for a run it never held, does once. A run that reaches gates after local
 * activities (platform policy, directory, resolved paths) must replay at each of them.
 */
test('with no workflow cache every task replays the history: a gated run under a policy and a directory completes', async () => {
  const config = mkdtempSync(path.join(os.tmpdir(), 'reins-uncached-'));
  const policyFile = path.join(config, 'policy.yaml');
  writeFileSync(policyFile, stringify({ org: { classes: { write: 'approval' } } }));
  const rolesFile = path.join(config, 'roles.yaml');
  writeFileSync(rolesFile, stringify({ roles: { dev: {}, ops: {} }, users: { alice: ['dev'], olga: ['ops'] } }));
  const script = [
    {
      reply: {
        toolCalls: [
          { name: 'write_file', arguments: { path: 'notes.txt', content: 'kept' } },
          { name: 'delete_file', arguments: { path: 'old.log' } },
        ],
      },
    },
    { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } },
    { reply: { content: 'notes written, old.log kept' } },
  ];
  await withReins(
    { script, policyFile, rolesFile, workerOptions: { maxCachedWorkflows: 0 } },
    async ({ reins, dataDir, temporal }) => {
      const runId = `uncached-${Date.now()}`;
      const workspace = path.join(dataDir, 'workspaces', runDirectoryName(runId));
      mkdirSync(workspace, { recursive: true });
      writeFileSync(path.join(workspace, 'old.log'), 'stale');
      await reins.startRun({ spec: fileClerkSpec(), prompt: 'tidy up', userId: 'alice' }, { runId });
      const pending = await waitForState(reins, runId, (s) => s.pendingApprovals.length === 2 && s.pendingApprovals);
      expect(pending.map((p) => p.tool).sort()).toEqual(['delete_file', 'write_file']);
      await reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'olga' });
      await reins.decide(runId, { requestId: '1-2', decision: 'reject', by: 'olga', reason: 'keep it' });
      const result = await reins.result(runId);
      expect(result).toMatchObject({ status: 'completed', answer: 'notes written, old.log kept' });
      expect(result.toolCalls.map((c) => c.outcome)).toEqual(['succeeded', 'rejected', 'succeeded']);
      // The gate's timer says in the Temporal UI what it is for.
      const history = await temporal.workflow.getHandle(runId).fetchHistory();
      const summaries = (history.events ?? [])
        .filter((e) => e.timerStartedEventAttributes)
        .map((e) => e.userMetadata?.summary)
        .map((payload) => (payload ? (defaultPayloadConverter.fromPayload(payload) as string) : undefined));
      expect(summaries).toContain('approvals 1-1, 1-2 time out');
    },
  );
});

test('with no workflow cache, a long run that compacts, continues as new and passes a gate completes', async () => {
  const script: ScriptFn = (request) => {
    const messages = request.messages as Array<{ role: string; content?: unknown }>;
    if (String(messages[0]?.content ?? '').startsWith('You compress')) return { reply: { content: 'SUMMARY: files.' } };
    const all = JSON.stringify(messages);
    const count = (all.match(/bytes to f\d\.txt/g) ?? []).length;
    if (!all.includes('SUMMARY') && count < 4)
      return {
        reply: { toolCalls: [{ name: 'write_file', arguments: { path: `f${count}.txt`, content: 'y'.repeat(1200) } }] },
      };
    if (!all.includes('old.log'))
      return { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'old.log' } }] } };
    return { reply: { content: 'long done' } };
  };
  await withReins({ script, workerOptions: { maxCachedWorkflows: 0 } }, async ({ reins, dataDir }) => {
    const runId = `uncached-long-${Date.now()}`;
    const workspace = path.join(dataDir, 'workspaces', runDirectoryName(runId));
    mkdirSync(workspace, { recursive: true });
    writeFileSync(path.join(workspace, 'old.log'), 'stale');
    const spec = fileClerkSpec({
      model: { name: 'scripted-1', contextWindow: 2048, outputReserve: 200 },
      context: { continueAsNewEvery: 2, keepRecentMessages: 4, compactAt: 0.5 },
    });
    await reins.startRun({ spec, prompt: 'long', userId: 'u', prices: {} }, { runId });
    await waitForState(reins, runId, (s) => s.pendingApprovals.length === 1);
    await reins.decide(runId, {
      requestId: (await reins.getState(runId)).pendingApprovals[0]!.requestId,
      decision: 'approve',
      by: 'ops',
    });
    const result = await reins.result(runId);
    expect(result).toMatchObject({ status: 'completed', answer: 'long done' });
    const state = await reins.getState(runId);
    expect(state.segment).toBeGreaterThanOrEqual(2);
    expect(state.compactions.length).toBeGreaterThanOrEqual(1);
  });
});
