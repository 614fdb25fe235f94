import type { ScriptFn } from '../../testing/scripted-model';
import { fileClerkSpec, messagesOf, withReins } from '../helpers/harness';
import {
  isSummaryRequest,
  rawToolCallTurn,
  resultWithin,
  sizedOutput,
  workflowTaskFailures,
} from '../helpers/hostile-model';

type Message = { role: string; content?: unknown; tool_calls?: Array<{ function: { arguments: string } }> };
const modelRequests = (requests: Array<{ body: { messages: unknown[] } }>) =>
  requests.filter((r) => !isSummaryRequest(r.body as never)).map((r) => r.body.messages as Message[]);

/** A small window: 4,096 tokens, 512 of them kept for the answer. */
const smallWindow = { name: 'scripted-1', contextWindow: 4096, outputReserve: 512 };

describe('context fit: nothing the model or a tool sends ends a run by its size', () => {
  test('one tool output larger than the window is cut to fit, with a marker, and the run goes on', async () => {
    let calls = 0;
    const script: ScriptFn = (request) => {
      if (isSummaryRequest(request)) return { reply: { content: 'SUMMARY: listed, then dumped a lot.' } };
      calls += 1;
      if (calls === 1) return { reply: { toolCalls: [{ name: 'sized_output', arguments: { size: 40 } }] } };
      if (calls === 2) return { reply: { toolCalls: [{ name: 'sized_output', arguments: { size: 13_600 } }] } };
      return { reply: { content: 'read it' } };
    };
    await withReins({ script, extraTools: [sizedOutput] }, async ({ reins, model, temporal }) => {
      const spec = fileClerkSpec({ model: smallWindow, tools: [{ name: 'sized_output' }] });
      const { runId } = await reins.startRun({ spec, prompt: 'dump', userId: 'u', prices: {} });
      const result = await resultWithin(reins, runId, 60_000);
      expect([result.status, result.lastError]).toEqual(['completed', undefined]);
      expect(await workflowTaskFailures(temporal, runId)).toEqual([]);
      const third = modelRequests(model.requests)[2]!;
      const output = String(third[third.length - 1]?.content);
      expect(output).toMatch(/^w0 w1 w2 /);
      expect(output).toMatch(/\[[\d,]+ characters omitted of 13,600 to fit the context window\]/);
      expect(output.length).toBeLessThan(13_600);
      // The cut left room to spare: the prompt the model got is inside the window.
      for (const call of result.modelCalls) expect(call.inputTokens).toBeLessThan(4096 - 512);
    });
  });

  test('truncated and 1 MB arguments: the next request carries both tool errors and a bounded form of each call', async () => {
    const huge = JSON.stringify({ size: 1, pad: 'p'.repeat(1024 * 1024) });
    let calls = 0;
    const script: ScriptFn = () => {
      calls += 1;
      if (calls > 1) return { reply: { content: 'gave up' } };
      return {
        reply: {
          toolCalls: [
            { name: 'sized_output', rawArguments: '{"size": 12' },
            { name: 'sized_output', rawArguments: huge },
          ],
        },
      };
    };
    await withReins({ script, extraTools: [sizedOutput] }, async ({ reins, model, temporal }) => {
      const spec = fileClerkSpec({ tools: [{ name: 'sized_output' }] });
      const { runId } = await reins.startRun({ spec, prompt: 'args', userId: 'u', prices: {} });
      const result = await resultWithin(reins, runId, 60_000);
      expect([result.status, result.answer]).toEqual(['completed', 'gave up']);
      expect(await workflowTaskFailures(temporal, runId)).toEqual([]);
      const second = messagesOf(model, 1) as Message[];
      const errors = second.filter((m) => m.role === 'tool').map((m) => String(m.content));
      expect(errors).toEqual([
        expect.stringMatching(
          /^Error \[ToolArgsInvalid\]: invalid arguments for sized_output: arguments are not valid JSON/,
        ),
        expect.stringContaining('arguments are 1,048,595 characters long; at most 256,000 are accepted'),
      ]);
      const sent = second.find((m) => m.role === 'assistant')!.tool_calls!.map((c) => c.function.arguments);
      expect(sent[0]).toBe('{"size": 12');
      expect(sent[1]!.length).toBeLessThan(1200);
      expect(sent[1]).toMatch(/\[arguments cut: 1,048,595 characters, the first 1,000 kept; the call was refused\]$/);
      expect(result.toolCalls.map((c) => c.outcome)).toEqual(['invalid_args', 'invalid_args']);
    });
  });

  test('arguments, ids and names that are not strings are refused as tool errors; nothing crashes', async () => {
    let calls = 0;
    const script: ScriptFn = () => {
      calls += 1;
      if (calls > 1) return { reply: { content: 'understood' } };
      return rawToolCallTurn([
        { id: 'a', name: 'sized_output', arguments: null },
        { id: 'b', name: 'sized_output', arguments: 42 },
        { id: 'c', name: 'sized_output', arguments: [1, 2] },
        { id: 7, name: null, arguments: { size: 1 } },
        { id: 'e'.repeat(5000), name: 'n'.repeat(5000), arguments: '"just a string"' },
      ]);
    };
    await withReins({ script, extraTools: [sizedOutput] }, async ({ reins, model, temporal }) => {
      const spec = fileClerkSpec({ tools: [{ name: 'sized_output' }] });
      const { runId } = await reins.startRun({ spec, prompt: 'odd', userId: 'u', prices: {} });
      const result = await resultWithin(reins, runId, 60_000);
      expect([result.status, result.answer]).toEqual(['completed', 'understood']);
      expect(await workflowTaskFailures(temporal, runId)).toEqual([]);
      const second = messagesOf(model, 1) as Array<Message & { tool_call_id?: string }>;
      const tools = second.filter((m) => m.role === 'tool');
      expect(tools.map((m) => String(m.content).slice(0, 60))).toEqual([
        expect.stringContaining('Error [ToolArgsInvalid]'),
        expect.stringContaining('Error [ToolArgsInvalid]'),
        expect.stringContaining('Error [ToolArgsInvalid]'),
        expect.stringContaining('Error [ToolUnknown]'),
        expect.stringContaining('Error [ToolUnknown]'),
      ]);
      expect(tools.map((m) => m.tool_call_id!.length <= 128)).toEqual([true, true, true, true, true]);
      expect(String(tools[4]!.content).length).toBeLessThan(600);
      expect(result.toolCalls.every((c) => c.tool.length <= 128)).toBe(true);
    });
  });
});
