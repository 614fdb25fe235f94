import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runDirectoryName } from '../../activities/tools/workspace';
import type { AgentSpecInput } from '../../common/agent-spec';
import { fileClerkSpec, messagesOf, waitForState, withReins } from '../helpers/harness';

const workspaceOf = (dataDir: string, runId: string) => path.join(dataDir, 'workspaces', runDirectoryName(runId));
const seed = (dataDir: string, runId: string, files: Record<string, string>) => {
  mkdirSync(workspaceOf(dataDir, runId), { recursive: true });
  for (const [name, content] of Object.entries(files))
    writeFileSync(path.join(workspaceOf(dataDir, runId), name), content);
};
const uniqueId = (prefix: string) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

const deleteThenAnswer = (file: string) => [
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: file } }] } },
  { reply: { content: 'done' } },
];

describe('approval gates', () => {
  test('only named approvers may decide; a bad signal is recorded as ignored and changes nothing', async () => {
    const spec: AgentSpecInput = fileClerkSpec({
      approvals: { approvers: { users: ['dana'], roles: ['ops'] } },
    });
    await withReins({ script: deleteThenAnswer('a.txt') }, async ({ reins, dataDir }) => {
      const runId = uniqueId('approvers');
      seed(dataDir, runId, { 'a.txt': 'x' });
      await reins.startRun({ spec, prompt: 'p', userId: 'u', roles: { olga: ['ops'], mike: ['dev'] } }, { runId });
      const pending = await waitForState(reins, runId, (s) => s.pendingApprovals[0]);
      expect(pending.approvers).toEqual({ users: ['dana'], roles: ['ops'] });

      await expect(reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'mike' })).rejects.toThrow(
        'mike may not decide delete_file (1-1): approvers are users dana or roles ops',
      );
      await reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'mike' }, { via: 'signal' });
      await reins.decide(runId, { requestId: '7-7', decision: 'approve', by: 'dana' }, { via: 'signal' });
      const state = await waitForState(reins, runId, (s) => s.ignoredDecisions.length === 2 && s);
      expect(state.ignoredDecisions.map((i) => i.why)).toEqual([
        expect.stringMatching(/^mike may not decide/),
        'no pending request 7-7',
      ]);
      expect(state.status).toBe('awaiting_approval');
      expect(existsSync(path.join(workspaceOf(dataDir, runId), 'a.txt'))).toBe(true);

      // Olga holds the ops role.
      await reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'olga', reason: 'cleanup ok' });
      const result = await reins.result(runId);
      expect(result.decisions).toEqual([expect.objectContaining({ by: 'olga', via: 'update', reason: 'cleanup ok' })]);
      expect(result.ignoredDecisions).toHaveLength(2);
      expect(result.approvalRequests).toEqual([expect.objectContaining({ requestId: '1-1', tool: 'delete_file' })]);
      expect(existsSync(path.join(workspaceOf(dataDir, runId), 'a.txt'))).toBe(false);
    });
  });

  test('an approval with edited args runs the edited call; invalid edits are refused', async () => {
    const spec = fileClerkSpec({
      tools: [{ name: 'write_file', approval: { when: [{ arg: 'path', glob: 'config/**' }] } }],
    });
    const script = [
      { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'notes.txt', content: 'free' } }] } },
      {
        reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'config/app.yaml', content: 'debug: true' } }] },
      },
      { reply: { content: 'configured' } },
    ];
    await withReins({ script }, async ({ reins, dataDir }) => {
      const runId = uniqueId('edit');
      await reins.startRun({ spec, prompt: 'p', userId: 'u' }, { runId });
      const pending = await waitForState(reins, runId, (s) => s.pendingApprovals[0]);
      // The first write did not match the condition and ran without a gate.
      expect(pending).toMatchObject({ requestId: '2-1', rule: expect.stringContaining('path matches config/**') });

      await expect(
        reins.decide(runId, {
          requestId: '2-1',
          decision: 'approve',
          by: 'rev',
          editedArgs: { path: 'config/app.yaml' },
        }),
      ).rejects.toThrow(/editedArgs do not fit write_file: content: /);
      await reins.decide(runId, {
        requestId: '2-1',
        decision: 'approve',
        by: 'rev',
        editedArgs: { path: 'config/app.yaml', content: 'debug: false' },
      });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      const workspace = workspaceOf(dataDir, runId);
      expect(readFileSync(path.join(workspace, 'notes.txt'), 'utf8')).toBe('free');
      expect(readFileSync(path.join(workspace, 'config/app.yaml'), 'utf8')).toBe('debug: false');
    });
  });

  test('path conditions match the path the tool will write, through dot segments and symlinks', async () => {
    const spec = fileClerkSpec({
      tools: [{ name: 'write_file', approval: { when: [{ arg: 'path', glob: 'config/**' }] } }],
    });
    const writes = ['./config/a.yaml', 'x/../config/b.yaml', 'config/./c.yaml', 'link/d.yaml', '../e.yaml', 'ok.txt'];
    const script = [
      { reply: { toolCalls: writes.map((p) => ({ name: 'write_file', arguments: { path: p, content: 'x' } })) } },
      { reply: { content: 'done' } },
    ];
    await withReins({ script }, async ({ reins, dataDir }) => {
      const runId = uniqueId('paths');
      mkdirSync(path.join(workspaceOf(dataDir, runId), 'config'), { recursive: true });
      // Planted by earlier code: a relative link into config/ that the raw string does not show.
      symlinkSync('config', path.join(workspaceOf(dataDir, runId), 'link'));
      await reins.startRun({ spec, prompt: 'p', userId: 'u' }, { runId });
      const state = await waitForState(reins, runId, (s) => s.pendingApprovals.length === 5 && s);
      expect(state.pendingApprovals.map((r) => r.paths)).toEqual([
        [{ arg: 'path', requested: './config/a.yaml', resolved: 'config/a.yaml' }],
        [{ arg: 'path', requested: 'x/../config/b.yaml', resolved: 'config/b.yaml' }],
        [{ arg: 'path', requested: 'config/./c.yaml', resolved: 'config/c.yaml' }],
        [{ arg: 'path', requested: 'link/d.yaml', resolved: 'config/d.yaml' }],
        [{ arg: 'path', requested: '../e.yaml', resolved: null }],
      ]);
      for (const request of state.pendingApprovals) {
        await reins.decide(runId, { requestId: request.requestId, decision: 'reject', by: 'rev' });
      }
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      const workspace = workspaceOf(dataDir, runId);
      expect(readdirSync(path.join(workspace, 'config'))).toEqual([]);
      expect(readFileSync(path.join(workspace, 'ok.txt'), 'utf8')).toBe('x');
    });
  });

  test('a gate that times out rejects the call and the model hears why', async () => {
    const spec = fileClerkSpec({ approvals: { timeout: '2s' } });
    await withReins({ script: deleteThenAnswer('a.txt') }, async ({ reins, model, dataDir }) => {
      const runId = uniqueId('timeout');
      seed(dataDir, runId, { 'a.txt': 'x' });
      await reins.startRun({ spec, prompt: 'p', userId: 'u' }, { runId });
      const result = await reins.result(runId);
      expect(result.decisions).toEqual([
        expect.objectContaining({
          decision: 'reject',
          by: 'reins:timeout',
          via: 'timeout',
          reason: 'no decision within 2s',
        }),
      ]);
      expect(messagesOf(model, 1).at(-1)).toMatchObject({ content: expect.stringMatching(/no decision within 2s/) });
      expect(existsSync(path.join(workspaceOf(dataDir, runId), 'a.txt'))).toBe(true);
    });
  });

  test('a gate escalates to the second group after its timeout; that group decides', async () => {
    const spec = fileClerkSpec({
      approvals: {
        approvers: { users: ['ops'] },
        timeout: '2s',
        onTimeout: 'escalate',
        escalation: { approvers: { users: ['boss'] }, timeout: '1h' },
      },
    });
    await withReins({ script: deleteThenAnswer('a.txt') }, async ({ reins, dataDir }) => {
      const runId = uniqueId('escalate');
      seed(dataDir, runId, { 'a.txt': 'x' });
      await reins.startRun({ spec, prompt: 'p', userId: 'u' }, { runId });
      const escalated = await waitForState(
        reins,
        runId,
        (s) => s.pendingApprovals[0]?.stage === 'escalated' && s.pendingApprovals[0],
      );
      expect(escalated.approvers).toEqual({ users: ['boss'], roles: [] });
      await expect(reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'ops' })).rejects.toThrow(
        /ops may not decide/,
      );
      await reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'boss' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(result.approvalRequests[0]).toMatchObject({ stage: 'escalated', escalatedAt: expect.any(String) });
      expect(existsSync(path.join(workspaceOf(dataDir, runId), 'a.txt'))).toBe(false);
    });
  });

  test('several gated calls in one turn wait together and may be decided in any order', async () => {
    const script = [
      {
        reply: {
          toolCalls: ['a.txt', 'b.txt', 'c.txt'].map((file) => ({ name: 'delete_file', arguments: { path: file } })),
        },
      },
      { reply: { content: 'done' } },
    ];
    await withReins({ script }, async ({ reins, model, dataDir }) => {
      const runId = uniqueId('parallel');
      seed(dataDir, runId, { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
      await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u' }, { runId });
      const pending = await waitForState(reins, runId, (s) => s.pendingApprovals.length === 3 && s.pendingApprovals);
      expect(pending.map((r) => r.requestId)).toEqual(['1-1', '1-2', '1-3']);

      await reins.decide(runId, { requestId: '1-3', decision: 'approve', by: 'x' }, { via: 'signal' });
      await reins.decide(runId, { requestId: '1-1', decision: 'reject', by: 'x', reason: 'keep a' });
      const state = await reins.getState(runId);
      expect(state.status).toBe('awaiting_approval');
      expect(state.pendingApprovals.map((r) => r.requestId)).toEqual(['1-2']);
      // Nothing runs until every gate of the turn is decided.
      expect(existsSync(path.join(workspaceOf(dataDir, runId), 'c.txt'))).toBe(true);
      await reins.decide(runId, { requestId: '1-2', decision: 'approve', by: 'y' });

      const result = await reins.result(runId);
      const workspace = workspaceOf(dataDir, runId);
      expect(['a.txt', 'b.txt', 'c.txt'].map((f) => existsSync(path.join(workspace, f)))).toEqual([true, false, false]);
      expect(result.toolCalls.map((c) => [c.callId, c.outcome])).toEqual([
        ['1-1', 'rejected'],
        ['1-2', 'succeeded'],
        ['1-3', 'succeeded'],
      ]);
      const toolMessages = messagesOf(model, 1).filter((m) => m.role === 'tool');
      expect(toolMessages.map((m) => m.tool_call_id)).toEqual(['call_0_0', 'call_0_1', 'call_0_2']);
    });
  });
});
