import type { ScriptFn } from '../../testing/scripted-model';
import { SUMMARY_PREFIX } from '../../workflows/model/compaction';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

const isSummaryRequest = (messages: Array<{ role: string; content?: unknown }>) =>
  String(messages[0]?.content ?? '').startsWith('You compress an agent conversation');

/** Lists files `steps` times, then answers; answers summary requests with a recognisable summary. */
const listThenAnswer =
  (steps: number): ScriptFn =>
  (request, turn) => {
    if (isSummaryRequest(request.messages)) return { reply: { content: 'SUMMARY: listed the workspace repeatedly.' } };
    return turn < steps
      ? { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } }
      : { reply: { content: `done after ${turn} tool calls` } };
  };

describe('long runs: continue-as-new and context compaction', () => {
  test('a run continues as new every N steps under the same id, keeping usage and transcript', async () => {
    await withReins({ script: listThenAnswer(5) }, async ({ reins, temporal, model }) => {
      const spec = fileClerkSpec({ context: { continueAsNewEvery: 2 } });
      const { runId } = await reins.startRun({ spec, prompt: 'p', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(result.answer).toBe('done after 5 tool calls');
      expect(result.segment).toBe(3);
      expect(result.usage.modelCalls).toBe(6);
      expect(result.usage.toolCalls).toBe(5);
      expect(result.modelCalls).toHaveLength(6);
      expect(result.transcript).toHaveLength(2 + 5 * 2 + 1);
      expect(model.requests).toHaveLength(6);
      // Every model request still saw the whole conversation, though each activity carried only the new messages.
      expect(model.requests.map((r) => r.body.messages.length)).toEqual([2, 4, 6, 8, 10, 12]);
      const executions = [];
      for await (const execution of temporal.workflow.list({ query: `WorkflowId = '${runId}'` }))
        executions.push(execution);
      expect(executions).toHaveLength(3);
      expect(executions.filter((e) => e.status.name === 'CONTINUED_AS_NEW')).toHaveLength(2);
    });
  });

  test('continue-as-new carries a turn waiting on approval; the decision reaches the new execution', async () => {
    const script = [
      { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'x' } }] } },
      { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
      { reply: { content: 'cleaned up' } },
    ];
    await withReins({ script }, async ({ reins, temporal }) => {
      const spec = fileClerkSpec({ context: { continueAsNewEvery: 1 } });
      const { runId } = await reins.startRun({ spec, prompt: 'p', userId: 'u' });
      const waiting = await waitForState(reins, runId, (s) => s.status === 'awaiting_approval' && s);
      expect(waiting.segment).toBe(3);
      expect(waiting.pendingApprovals).toEqual([expect.objectContaining({ requestId: '2-1', tool: 'delete_file' })]);
      expect(waiting.usage.modelCalls).toBe(2);
      await reins.decide(runId, { requestId: '2-1', decision: 'approve', by: 'ops' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(result.decisions).toEqual([expect.objectContaining({ requestId: '2-1', decision: 'approve' })]);
      expect(result.toolCalls.map((c) => c.outcome)).toEqual(['succeeded', 'succeeded']);
      const description = await temporal.workflow.getHandle(runId).describe();
      expect(description.status.name).toBe('COMPLETED');
    });
  });

  test('past the threshold, older turns are summarised; the model then sees the summary, not the old turns', async () => {
    const big = 'x'.repeat(1500);
    const seen: string[][] = [];
    // Compaction removes old assistant turns, so the script counts its own calls instead of using the turn number.
    const script: ScriptFn = (request) => {
      const messages = request.messages as Array<{ role: string; content?: unknown }>;
      if (isSummaryRequest(messages)) return { reply: { content: 'SUMMARY: wrote f0..f4 with 1500 x each.' } };
      const turn = seen.length;
      seen.push(messages.map((m) => String(m.content ?? '').slice(0, 40)));
      return turn < 8
        ? { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `f${turn}.txt`, content: big } }] } }
        : { reply: { content: 'all written' } };
    };
    await withReins({ script }, async ({ reins, model }) => {
      const spec = fileClerkSpec({
        model: { name: 'scripted-1', contextWindow: 3000, outputReserve: 200 },
        context: { keepRecentMessages: 4, compactAt: 0.6 },
      });
      const { runId } = await reins.startRun({ spec, prompt: 'write eight files', userId: 'u', prices: {} });
      const result = await reins.result(runId);
      expect([result.status, result.reason]).toEqual(['completed', undefined]);
      expect(result.compactions.length).toBeGreaterThan(0);
      expect(result.compactions[0]).toMatchObject({
        replacedMessages: expect.any(Number),
        summaryTokens: expect.any(Number),
      });
      expect(result.modelCalls.filter((c) => c.purpose === 'compaction')).toHaveLength(result.compactions.length);
      expect(result.transcript[2]?.content).toMatch(new RegExp(`^\\${SUMMARY_PREFIX}\\nSUMMARY: `));
      // After the first compaction the model got the summary in place of the turns it replaced.
      const afterCompaction = seen.filter((messages) => messages.some((m) => m.startsWith(SUMMARY_PREFIX)));
      expect(afterCompaction.length).toBeGreaterThan(0);
      expect(afterCompaction[0]!.some((m) => m.startsWith('wrote 1500 bytes to f0.txt'))).toBe(false);
      expect(seen[1]!.some((m) => m.startsWith('wrote 1500 bytes to f0.txt'))).toBe(true);
      // Each prompt stayed inside the window.
      for (const call of result.modelCalls) expect(call.inputTokens).toBeLessThan(3000);
      expect(model.requests.some((r) => isSummaryRequest(r.body.messages as never))).toBe(true);
    });
  });
});
