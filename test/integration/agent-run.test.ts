import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { runDirectoryName } from '../../activities/tools/workspace';
import { RunInputInvalidError, DecisionRefusedError } from '../../client';
import { fileClerkSpec, messagesOf, waitForState, withReins } from '../helpers/harness';
import { workflowBundle } from '../helpers/temporal';

const workspaceOf = (dataDir: string, runId: string) => path.join(dataDir, 'workspaces', runDirectoryName(runId));

describe('agentRun on a real Temporal server', () => {
  test('calls the model, runs a tool, feeds the result back and returns the answer; the history replays', async () => {
    await withReins(
      {
        script: [
          {
            reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'notes/hello.txt', content: 'hi there' } }] },
          },
          { reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'notes/hello.txt' } }] } },
          { reply: { content: 'The file says: hi there' } },
        ],
      },
      async ({ reins, model, dataDir, temporal }) => {
        const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'Write a greeting', userId: 'alice' });
        const result = await reins.result(runId);

        expect(result.status).toBe('completed');
        expect(result.answer).toBe('The file says: hi there');
        expect(result.step).toBe(3);
        expect(result.usage.modelCalls).toBe(3);
        expect(result.usage.toolCalls).toBe(2);
        expect(result.usage.totalTokens).toBe(result.usage.inputTokens + result.usage.outputTokens);
        expect(result.usage.inputTokens).toBeGreaterThan(0);
        expect(readFileSync(path.join(workspaceOf(dataDir, runId), 'notes/hello.txt'), 'utf8')).toBe('hi there');

        // The tool's output went back to the model as a tool message answering the right call.
        const third = messagesOf(model, 2);
        expect(third.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_1_0', content: 'hi there' });
        expect(model.requests[0]!.body).toMatchObject({ model: 'scripted-1' });
        const sentTools = (model.requests[0]!.body as { tools?: Array<{ function: { name: string } }> }).tools ?? [];
        expect(sentTools.map((t) => t.function.name).sort()).toEqual([
          'delete_file',
          'list_files',
          'read_file',
          'write_file',
        ]);

        // Determinism: the recorded history replays against the current workflow code.
        const history = await temporal.workflow.getHandle(runId).fetchHistory();
        await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, runId);
      },
    );
  });

  test('a destructive call waits for approval; an approving signal resumes it and the file is deleted', async () => {
    await withReins(
      {
        script: [
          { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'old.log' } }] } },
          { reply: { content: 'Deleted old.log' } },
        ],
      },
      async ({ reins, dataDir, temporal }) => {
        const runId = 'approval-signal-' + Date.now();
        mkdirSync(workspaceOf(dataDir, runId), { recursive: true });
        writeFileSync(path.join(workspaceOf(dataDir, runId), 'old.log'), 'stale');
        await reins.startRun({ spec: fileClerkSpec(), prompt: 'Clean up', userId: 'bob' }, { runId });

        const pending = await waitForState(
          reins,
          runId,
          (s) => s.status === 'awaiting_approval' && s.pendingApprovals[0],
        );
        expect(pending).toMatchObject({
          requestId: '1-1',
          tool: 'delete_file',
          toolClass: 'destructive',
          args: { path: 'old.log' },
        });
        // Nothing ran while waiting.
        expect(existsSync(path.join(workspaceOf(dataDir, runId), 'old.log'))).toBe(true);
        const description = await temporal.workflow.getHandle(runId).describe();
        expect(description.searchAttributes).toMatchObject({
          ReinsStatus: ['awaiting_approval'],
          ReinsPendingApprovals: [1],
        });

        await reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'ops-lead' }, { via: 'signal' });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        expect(result.decisions).toEqual([
          expect.objectContaining({ requestId: '1-1', decision: 'approve', by: 'ops-lead', via: 'signal' }),
        ]);
        expect(existsSync(path.join(workspaceOf(dataDir, runId), 'old.log'))).toBe(false);
      },
    );
  });

  test('a rejection goes back to the model as a tool error and the run goes on; bad updates are refused', async () => {
    await withReins(
      {
        script: [
          { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'keep.txt' } }] } },
          { reply: { content: 'Understood, I left the file alone.' } },
        ],
      },
      async ({ reins, model, dataDir }) => {
        const runId = 'approval-reject-' + Date.now();
        mkdirSync(workspaceOf(dataDir, runId), { recursive: true });
        writeFileSync(path.join(workspaceOf(dataDir, runId), 'keep.txt'), 'precious');
        await reins.startRun({ spec: fileClerkSpec(), prompt: 'Tidy up', userId: 'bob' }, { runId });
        await waitForState(reins, runId, (s) => s.status === 'awaiting_approval');

        await expect(reins.decide(runId, { requestId: '9-9', decision: 'approve', by: 'x' })).rejects.toThrow(
          new DecisionRefusedError('no pending request 9-9'),
        );
        await expect(
          reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'x', editedArgs: { path: 42 } }),
        ).rejects.toThrow(/editedArgs do not fit delete_file: path/);
        const record = await reins.decide(runId, {
          requestId: '1-1',
          decision: 'reject',
          by: 'carol',
          reason: 'we keep it',
        });
        expect(record).toMatchObject({ decision: 'reject', by: 'carol', via: 'update' });
        await expect(reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'x' })).rejects.toThrow(
          /already decided/,
        );

        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        expect(result.toolCalls).toEqual([expect.objectContaining({ callId: '1-1', outcome: 'rejected' })]);
        expect(messagesOf(model, 1).at(-1)).toMatchObject({
          role: 'tool',
          content: expect.stringMatching(/rejected by carol: we keep it/),
        });
        expect(readFileSync(path.join(workspaceOf(dataDir, runId), 'keep.txt'), 'utf8')).toBe('precious');
      },
    );
  });

  test('maxSteps ends the run as budget_exhausted and keeps the partial transcript', async () => {
    const listForever = { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } };
    await withReins({ script: [listForever, listForever, listForever, listForever] }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec({ maxSteps: 3 }), prompt: 'Loop', userId: 'dan' });
      const result = await reins.result(runId);
      expect(result.status).toBe('budget_exhausted');
      expect(result.reason).toMatch(/maxSteps budget of 3/);
      expect(model.requests).toHaveLength(3);
      // system + user + 3 × (assistant + tool)
      expect(result.transcript).toHaveLength(8);
      expect(result.transcript.at(-1)).toMatchObject({ role: 'tool', content: '(empty directory)' });
    });
  });

  test('malformed, invalid and unknown tool calls reach the model as tool errors; the run completes', async () => {
    await withReins(
      {
        script: [
          {
            reply: {
              toolCalls: [
                { name: 'write_file', rawArguments: '{"path": "a.txt", "content": ' },
                { name: 'write_file', arguments: { path: 'a.txt' } },
                { name: 'format_disk', arguments: {} },
              ],
            },
          },
          { reply: { content: 'I will stop here.' } },
        ],
      },
      async ({ reins, model }) => {
        const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'Write', userId: 'erin' });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        const toolMessages = messagesOf(model, 1).filter((m) => m.role === 'tool');
        expect(toolMessages.map((m) => m.content)).toEqual([
          expect.stringMatching(
            /^Error \[ToolArgsInvalid\]: invalid arguments for write_file: arguments are not valid JSON/,
          ),
          expect.stringMatching(/^Error \[ToolArgsInvalid\]: invalid arguments for write_file: content: /),
          expect.stringMatching(/^Error \[ToolUnknown\]: there is no tool "format_disk"/),
        ]);
        expect(result.toolCalls.map((c) => c.outcome)).toEqual(['invalid_args', 'invalid_args', 'unknown_tool']);
        expect(result.usage.toolCalls).toBe(0);
      },
    );
  });

  test('an invalid agent spec is refused before anything starts, naming the field', async () => {
    await withReins({ script: [] }, async ({ reins, model, temporal, taskQueue }) => {
      const bad = fileClerkSpec({ maxSteps: 0, model: { name: '' } });
      await expect(reins.startRun({ spec: bad, prompt: 'x', userId: 'u' }, { runId: 'never-started' })).rejects.toThrow(
        RunInputInvalidError,
      );
      await expect(reins.startRun({ spec: bad, prompt: 'x', userId: 'u' })).rejects.toThrow(
        /spec\.model\.name: .*; spec\.maxSteps: /,
      );
      await expect(
        reins.startRun({ spec: { ...fileClerkSpec(), maxStep: 3 } as never, prompt: 'x', userId: 'u' }),
      ).rejects.toThrow(/spec: Unrecognized key: "maxStep"/);
      expect(model.requests).toHaveLength(0);
      const started = await temporal.workflow.count(`TaskQueue = '${taskQueue}'`).catch(() => ({ count: 0 }));
      expect(started.count).toBe(0);
      await expect(temporal.workflow.getHandle('never-started').describe()).rejects.toThrow();
    });
  });

  test('a tool the worker does not have fails the run at start with the name', async () => {
    await withReins({ script: [{ reply: { content: 'unused' } }] }, async ({ reins, model }) => {
      const spec = fileClerkSpec({ tools: [{ name: 'read_file' }, { name: 'launch_rockets' }] });
      const { runId } = await reins.startRun({ spec, prompt: 'x', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.status).toBe('failed');
      expect(result.lastError).toMatchObject({
        type: 'ToolUnknown',
        message: expect.stringContaining('launch_rockets'),
      });
      expect(model.requests).toHaveLength(0);
    });
  });
});
