import { argsDigest, auditRun } from '../../client/audit';
import type { AuditRecord } from '../../client/audit-record';
import { runCli } from '../helpers/cli';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

const script = [
  { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'quarterly numbers' } }] } },
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'b.txt' } }] } },
  { reply: { content: 'done' } },
];
const prices = { 'scripted-1': { input: 1, output: 2 } };
/** The exported entries, without the head record that closes them. */
const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as AuditRecord & Record<string, unknown>);

test('reins audit prints the run step for step: model calls, tool calls, requests and decisions', async () => {
  await withReins({ script }, async ({ reins, taskQueue }) => {
    const runId = `audit-${Date.now()}`;
    await reins.startRun({ spec: fileClerkSpec(), prompt: 'tidy', userId: 'ursula', prices }, { runId });
    await waitForState(reins, runId, (s) => s.pendingApprovals[0]?.requestId === '2-1');
    // While the run waits, its trail so far is already there.
    const sofar = await auditRun(reins, runId);
    // The rules the run started under come first: its team (no platform policy here, so no version).
    expect(sofar.map((r) => r.kind)).toEqual(['policy', 'model_call', 'tool_call', 'model_call', 'approval_request']);
    expect(sofar[0]).toEqual(expect.not.objectContaining({ version: expect.anything() }));
    expect(sofar[0]).toMatchObject({ kind: 'policy', team: 'default', step: 0 });
    await reins.decide(runId, { requestId: '2-1', decision: 'approve', by: 'olga' });
    await waitForState(reins, runId, (s) => s.pendingApprovals[0]?.requestId === '3-1');
    await reins.decide(runId, { requestId: '9-9', decision: 'approve', by: 'mallory' }, { via: 'signal' });
    await waitForState(reins, runId, (s) => s.ignoredDecisions.length === 1);
    await reins.decide(runId, { requestId: '3-1', decision: 'reject', by: 'olga', reason: 'keep b' });
    const result = await reins.result(runId);
    expect(result.answer).toBe('done');

    const cli = await runCli(['--task-queue', taskQueue, 'audit', runId], { REINS_AUDIT_HASH_ARGS: 'write_*' });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const records = lines(cli.stdout);
    expect(records.map((r) => `${r.kind}:${r.step}`)).toEqual([
      'policy:0',
      'model_call:1',
      'tool_call:1',
      'model_call:2',
      'approval_request:2',
      'approval_decision:2',
      'tool_call:2',
      'model_call:3',
      'approval_request:3',
      'ignored_decision:0',
      'approval_decision:3',
      'tool_call:3',
      'model_call:4',
    ]);
    for (const record of records) expect(record).toMatchObject({ runId, agent: 'file-clerk', user: 'ursula' });

    const models = records.filter((r) => r.kind === 'model_call');
    expect(models).toHaveLength(result.modelCalls.length);
    models.forEach((record, index) => {
      const call = result.modelCalls[index]!;
      expect(record).toMatchObject({
        at: call.at,
        model: 'scripted-1',
        inputTokens: call.inputTokens,
        outputTokens: call.outputTokens,
        costUsd: call.costUsd,
        latencyMs: call.latencyMs,
        attempt: 1,
      });
    });
    const tools = records.filter((r) => r.kind === 'tool_call');
    expect(tools.map((r) => [r.callId, r.tool, r.outcome])).toEqual(
      result.toolCalls.map((c) => [c.callId, c.tool, c.outcome]),
    );
    // write_* tools are hashed; the others are written as they were.
    expect(tools[0]).toMatchObject({
      argsSha256: argsDigest({ path: 'a.txt', content: 'quarterly numbers' }),
      attempt: 1,
      latencyMs: expect.any(Number),
    });
    expect(tools[0]).not.toHaveProperty('args');
    expect(cli.stdout).not.toContain('quarterly numbers');
    expect(tools[1]).toMatchObject({ args: { path: 'a.txt' }, outcome: 'succeeded', approvedBy: 'olga', attempt: 1 });
    expect(tools[2]).toMatchObject({ args: { path: 'b.txt' }, outcome: 'rejected' });
    expect(tools[2]).not.toHaveProperty('attempt');

    const decisions = records.filter((r) => r.kind === 'approval_decision');
    expect(decisions).toEqual([
      expect.objectContaining({ requestId: '2-1', decision: 'approve', approver: 'olga', via: 'update' }),
      expect.objectContaining({ requestId: '3-1', decision: 'reject', approver: 'olga', reason: 'keep b' }),
    ]);
    expect(records.find((r) => r.kind === 'ignored_decision')).toMatchObject({ approver: 'mallory', via: 'signal' });

    // --hash-args hashes every tool's arguments.
    const hashed = lines((await runCli(['audit', runId, '--hash-args'])).stdout);
    const withArgs = hashed.filter((r) => r.kind === 'tool_call' || r.kind === 'approval_request');
    expect(withArgs.every((r) => typeof r.argsSha256 === 'string' && !('args' in r))).toBe(true);
  });
});
