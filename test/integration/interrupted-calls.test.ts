import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defineTool } from '../../common/tools/define-tool';
import { runDirectoryName } from '../../activities/tools/workspace';
import { fileClerkSpec, messagesOf, waitForState, withReins } from '../helpers/harness';

/**
 * The state a worker lost mid-call leaves behind: the call's ledger says an attempt started and nothing more. (The
 * real SIGKILL is in worker-crash.test.ts; here the ledger is laid down before the run so the gate can be tested fast.)
 */
function leaveStartedAttempt(dataDir: string, runId: string, callId: string): void {
  const dir = path.join(dataDir, 'ledger', runDirectoryName(runId));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${callId}.json`), JSON.stringify({ status: 'started', attempt: 1 }));
}

function countingAppend(file: string) {
  return defineTool({
    name: 'raw_append',
    description: 'Append a line to a file outside the workspace.',
    class: 'write',
    schema: z.strictObject({ line: z.string().min(1) }),
    async execute({ line }) {
      await fs.appendFile(file, `${line}\n`);
      return `appended "${line}"`;
    },
  });
}

const script = [
  { reply: { toolCalls: [{ name: 'raw_append', arguments: { line: 'charged card 7' } }] } },
  { reply: { content: 'done' } },
];
const uniqueId = (prefix: string) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

describe('calls interrupted with their outcome unknown', () => {
  test('by default the call is not run again and the model is told', async () => {
    const effects = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-effects-')), 'effects.txt');
    await withReins({ script, extraTools: [countingAppend(effects)] }, async ({ reins, dataDir, model }) => {
      const runId = uniqueId('interrupted');
      leaveStartedAttempt(dataDir, runId, '1-1');
      const spec = fileClerkSpec({ tools: [{ name: 'raw_append' }] });
      await reins.startRun({ spec, prompt: 'p', userId: 'u' }, { runId });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(existsSync(effects)).toBe(false);
      expect(result.toolCalls).toEqual([expect.objectContaining({ callId: '1-1', outcome: 'interrupted' })]);
      expect(result.approvalRequests).toEqual([]);
      expect(messagesOf(model, 1).at(-1)?.content).toMatch(/^Error \[ToolOutcomeUnknown\]: .*may or may not/);
    });
  });

  test('idempotent tools and reads are retried as they are', async () => {
    const writes = [{ reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'x' } }] } }];
    await withReins({ script: [...writes, { reply: { content: 'done' } }] }, async ({ reins, dataDir }) => {
      const runId = uniqueId('idempotent');
      leaveStartedAttempt(dataDir, runId, '1-1');
      await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u' }, { runId });
      const result = await reins.result(runId);
      expect(result.toolCalls).toEqual([expect.objectContaining({ callId: '1-1', outcome: 'succeeded' })]);
      const written = path.join(dataDir, 'workspaces', runDirectoryName(runId), 'a.txt');
      expect(readFileSync(written, 'utf8')).toBe('x');
    });
  });

  test('with onOutcomeUnknown: approval a person decides whether it runs again, and it runs once more at most', async () => {
    const effects = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-effects-')), 'effects.txt');
    await withReins({ script, extraTools: [countingAppend(effects)] }, async ({ reins, dataDir, model }) => {
      const runId = uniqueId('rerun');
      leaveStartedAttempt(dataDir, runId, '1-1');
      const spec = fileClerkSpec({
        tools: [{ name: 'raw_append' }],
        approvals: { onOutcomeUnknown: 'approval', approvers: { users: ['dana'] } },
      });
      await reins.startRun({ spec, prompt: 'p', userId: 'u' }, { runId });
      const pending = await waitForState(reins, runId, (s) => s.pendingApprovals[0]);
      expect(pending).toMatchObject({ requestId: '1-1-rerun', tool: 'raw_append', args: { line: 'charged card 7' } });
      expect(pending.rule).toMatch(/interrupted/);
      expect(existsSync(effects)).toBe(false);

      await reins.decide(runId, { requestId: '1-1-rerun', decision: 'approve', by: 'dana' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(readFileSync(effects, 'utf8')).toBe('charged card 7\n');
      expect(result.toolCalls.map((c) => [c.callId, c.outcome])).toEqual([
        ['1-1', 'interrupted'],
        ['1-1-rerun', 'succeeded'],
      ]);
      const told = String(messagesOf(model, 1).at(-1)?.content);
      expect(told).toContain('Error [ToolOutcomeUnknown]');
      expect(told).toContain('A person was asked whether to run it again: appended "charged card 7"');
    });
  });
});
