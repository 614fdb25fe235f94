import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { argsDigest, auditRun } from '../../client/audit';
import { chainTrail, trailJsonl } from '../../client/audit-chain';
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

test('an exported trail verifies through the CLI, and an edited one does not', async () => {
  const approvalScript = [
    { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'numbers' } }] } },
    { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
    { reply: { content: 'done' } },
  ];
  await withReins({ script: approvalScript }, async ({ reins, taskQueue }) => {
    const runId = `audit-verify-${Date.now()}`;
    await reins.startRun({ spec: fileClerkSpec(), prompt: 'tidy', userId: 'ursula', prices }, { runId });
    await waitForState(reins, runId, (s) => s.pendingApprovals[0]?.requestId === '2-1');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-audit-'));
    // Exported while the run waits: the history gains entries after it, and still matches what it holds.
    const midway = await runCli(['--task-queue', taskQueue, 'audit', runId]);
    expect(midway.code).toBe(0);
    const midwayFile = path.join(dir, 'midway.jsonl');
    writeFileSync(midwayFile, midway.stdout);
    await reins.decide(runId, { requestId: '2-1', decision: 'approve', by: 'olga' });
    await reins.result(runId);
    const later = await runCli(['audit', '--verify', midwayFile, '--against-history']);
    expect(later.code).toBe(0);
    expect(later.stdout).toContain(`verified ${lines(midway.stdout).length} entries of run ${runId}`);
    expect(later.stdout).toContain("the history has 3 entries after the file's last");

    const keys = generateKeyPairSync('ed25519');
    const privateKey = path.join(dir, 'signing.pem');
    const publicKey = path.join(dir, 'signing.pub.pem');
    writeFileSync(privateKey, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(publicKey, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    const exported = await runCli(['--task-queue', taskQueue, 'audit', runId], {
      REINS_AUDIT_SIGNING_KEY: privateKey,
    });
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const file = path.join(dir, 'trail.jsonl');
    writeFileSync(file, exported.stdout);
    const entries = lines(exported.stdout);
    const head = JSON.parse(exported.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(head).toMatchObject({ kind: 'audit_head', workflowId: runId, count: entries.length });
    expect(head.signature).toMatchObject({ alg: 'ed25519' });
    const decision = entries.findIndex((entry) => entry.kind === 'approval_decision');
    expect(entries[decision]).toMatchObject({ seq: decision, approver: 'olga' });

    const verified = await runCli(['audit', '--verify', file, '--public-key', publicKey, '--against-history']);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`verified ${entries.length} entries of run ${runId}`);
    expect(verified.stdout).toContain('signature verified');
    expect(verified.stdout).toContain("matches the run's history");
    const asJson = await runCli(['--json', 'audit', runId, '--verify', file]);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      verified: true,
      entries: entries.length,
      signature: 'unchecked',
    });

    // One field edited in place: the entry's hash no longer matches it.
    const edited = path.join(dir, 'edited.jsonl');
    writeFileSync(edited, exported.stdout.replace('"approver":"olga"', '"approver":"mallory"'));
    const editedOutcome = await runCli(['audit', '--verify', edited]);
    expect(editedOutcome.code).toBe(1);
    expect(editedOutcome.stdout).toBe('');
    expect(editedOutcome.stderr).toContain(
      `entry seq ${decision} (line ${decision + 1}): its hash does not match its content: it was edited`,
    );

    // An entry removed.
    const removed = path.join(dir, 'removed.jsonl');
    writeFileSync(
      removed,
      exported.stdout
        .split('\n')
        .filter((_, index) => index !== decision)
        .join('\n'),
    );
    const removedOutcome = await runCli(['audit', '--verify', removed]);
    expect(removedOutcome.code).toBe(1);
    expect(removedOutcome.stderr).toContain(`entry seq ${decision} is missing`);

    // The edit re-chained with a new head: only the key or the history tells.
    const records = entries.map(({ seq: _seq, prev: _prev, hash: _hash, ...record }) =>
      record.kind === 'approval_decision' ? { ...record, approver: 'mallory' } : record,
    );
    const rechained = path.join(dir, 'rechained.jsonl');
    writeFileSync(rechained, trailJsonl(chainTrail(records, runId, { exportedAt: new Date().toISOString() })));
    expect((await runCli(['audit', '--verify', rechained])).code).toBe(0);
    const unsigned = await runCli(['audit', '--verify', rechained, '--public-key', publicKey]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('the head is not signed');
    const againstHistory = await runCli(['audit', '--verify', rechained, '--against-history']);
    expect(againstHistory.code).toBe(1);
    expect(againstHistory.stderr).toContain(`entry seq ${decision} differs from the run's history in approver`);

    // Garbage and a missing file: a clear message, no stack trace.
    const garbage = path.join(dir, 'garbage.jsonl');
    writeFileSync(garbage, '\u0000\u0001 not a trail {');
    const garbageOutcome = await runCli(['audit', '--verify', garbage]);
    expect(garbageOutcome.code).toBe(1);
    expect(garbageOutcome.stderr).toContain('line 1 is not JSON');
    expect(garbageOutcome.stderr).not.toMatch(/\n\s+at /);
    const missing = await runCli(['audit', '--verify', path.join(dir, 'none.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ENOENT');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
