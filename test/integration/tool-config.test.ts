import { z } from 'zod';
import { defineTool, RunInputInvalidError, type JsonValue } from '../../client';
import type { AgentSpecInput } from '../../common/agent-spec';
import { fileClerkSpec, messagesOf, withReins } from '../helpers/harness';
import {
  ticketTool as tickets,
  TICKETS_TOKEN as TOKEN,
  TICKETS_TOKEN_NAME as TOKEN_NAME,
} from '../helpers/ticket-tool';

/**
 * A worker tool's `configSchema` is checked when the run starts, as a built-in tool's config is checked when the spec
 * is parsed: a bad config ends the run before the model is asked anything, naming the tool and the field. A good one
 * reaches `execute` parsed, defaults filled in, and what the tool returns reaches the model as JSON text, scrubbed.
 */

const broken = defineTool({
  name: 'broken_result',
  description: 'Returns something JSON cannot carry.',
  class: 'read',
  schema: z.object({}),
  async execute() {
    return { format: () => 'x' } as unknown as JsonValue;
  },
});

const specWith = (tools: AgentSpecInput['tools']) => fileClerkSpec({ tools });
const toolMessage = (model: Parameters<typeof messagesOf>[0], request: number) =>
  String(messagesOf(model, request).find((message) => message.role === 'tool')?.content);

describe('worker tool configs and results', () => {
  const saved = process.env[TOKEN_NAME];
  beforeAll(() => {
    process.env[TOKEN_NAME] = TOKEN;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env[TOKEN_NAME];
    else process.env[TOKEN_NAME] = saved;
  });

  test('a valid config reaches execute parsed; the structured result reaches the model as scrubbed JSON', async () => {
    const script = [
      { reply: { toolCalls: [{ name: 'ticket_lookup', arguments: { key: 'OPS-7' } }] } },
      { reply: { content: 'OPS-7 is urgent' } },
    ];
    await withReins({ script, extraTools: [tickets] }, async ({ reins, model }) => {
      const spec = specWith([
        { name: 'ticket_lookup', config: { baseUrl: 'https://tickets.example.com', project: 'OPS' } },
      ]);
      const { runId } = await reins.startRun({ spec, prompt: 'Look up OPS-7', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      const text = toolMessage(model, 1);
      expect(JSON.parse(text)).toEqual({
        key: 'OPS-7',
        url: 'https://tickets.example.com/browse/OPS-7',
        project: 'OPS',
        limit: 20,
        seenWith: `[redacted:${TOKEN_NAME}]`,
        tags: ['urgent', null, 3, true],
      });
      expect(JSON.stringify(model.requests)).not.toContain('s3cret');
    });
  });

  test('an invalid or missing config ends the run at start, naming the tool and each bad field', async () => {
    await withReins({ script: [{ reply: { content: 'unused' } }], extraTools: [tickets] }, async ({ reins, model }) => {
      const bad = specWith([{ name: 'read_file' }, { name: 'ticket_lookup', config: { baseUrl: 'nope', limit: 0 } }]);
      const { runId } = await reins.startRun({ spec: bad, prompt: 'x', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.status).toBe('failed');
      expect(result.lastError?.type).toBe('ToolConfigInvalid');
      expect(result.lastError?.message).toMatch(/tool "ticket_lookup": config is invalid: /);
      expect(result.lastError?.message).toContain('config.baseUrl: ');
      expect(result.lastError?.message).toContain('config.project: ');
      expect(result.lastError?.message).toContain('config.limit: ');

      const missing = await reins.startRun({ spec: specWith([{ name: 'ticket_lookup' }]), prompt: 'x', userId: 'u' });
      const second = await reins.result(missing.runId);
      expect(second.status).toBe('failed');
      expect(second.lastError).toMatchObject({
        type: 'ToolConfigInvalid',
        message: expect.stringContaining('tool "ticket_lookup": config is missing'),
      });
      expect(model.requests).toHaveLength(0);
    });
  });

  test('a config nested too deep for JSON is refused by the client before the run starts', async () => {
    await withReins({ script: [], extraTools: [tickets] }, async ({ reins, model }) => {
      let deep: unknown = 'bottom';
      for (let level = 0; level < 20_000; level += 1) deep = [deep];
      const spec = specWith([{ name: 'ticket_lookup', config: { baseUrl: 'https://x.example.com', deep } }]);
      const started = reins.startRun({ spec, prompt: 'x', userId: 'u' });
      await expect(started).rejects.toThrow(RunInputInvalidError);
      await expect(started).rejects.toThrow(/spec\.tools\.0\.config\.deep(\.0)+: nested deeper than 32 levels/);
      expect(model.requests).toHaveLength(0);
    });
  });

  test('a result that is not JSON data reaches the model as an error naming the tool; the run goes on', async () => {
    const script = [
      { reply: { toolCalls: [{ name: 'broken_result', arguments: {} }] } },
      { reply: { content: 'The tool is broken' } },
    ];
    await withReins({ script, extraTools: [broken] }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({ spec: specWith([{ name: 'broken_result' }]), prompt: 'x', userId: 'u' });
      expect((await reins.result(runId)).status).toBe('completed');
      expect(toolMessage(model, 1)).toMatch(
        /^Error \[ToolResultInvalid\]: tool broken_result returned a function at format; tools return text or JSON data/,
      );
    });
  });
});
