import fc from 'fast-check';
import { temporal } from '@temporalio/proto';
import { RunInputInvalidError } from '../../client';
import { AgentSpecSchema } from '../../common/agent-spec';
import type { ScriptFn } from '../../testing/scripted-model';
import { fileClerkSpec, messagesOf, withReins } from '../helpers/harness';
import { ticketTool, TicketsConfigSchema } from '../helpers/ticket-tool';

/**
 * Whatever a spec writes as a worker tool's `config:` — any JSON type, huge strings, values nested past what a
 * recursive walk survives, keys like `__proto__` — the run never fails a workflow task: the client refuses the spec
 * naming the field, or the run ends at start as ToolConfigInvalid naming the tool, or (the config being valid) it
 * completes with the tool's result.
 */

const EventType = temporal.api.enums.v1.EventType;

const hugeText = fc
  .tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 1_000, max: 200_000 }))
  .map(([unit, size]) => unit.repeat(Math.ceil(size / unit.length)));

/** Arrays and objects nested `depth` levels: past 32 the spec refuses it, past a few thousand JSON itself gives up. */
const deepValue = fc
  .tuple(fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 2_000, max: 50_000 })), fc.boolean())
  .map(([depth, objects]) => {
    let value: unknown = 'bottom';
    for (let level = 0; level < depth; level += 1) value = objects && level % 2 ? { k: value } : [value];
    return value;
  });

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ maxLength: 40 }),
  hugeText,
  deepValue,
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, '', '__proto__', 'https://', [], {}),
);
const key = fc.oneof(
  fc.constantFrom('baseUrl', 'project', 'limit', '__proto__', 'constructor', 'toString', ''),
  fc.string({ maxLength: 20 }),
);

/** Mostly near the schema (so some runs pass it), sometimes anything at all, sometimes not an object. */
const config = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record(
      {
        baseUrl: fc.oneof(fc.constant('https://tickets.example.com'), hostileValue),
        project: fc.oneof(fc.constant('OPS'), hostileValue),
        limit: fc.oneof(fc.integer({ min: 1, max: 100 }), hostileValue),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 2, arbitrary: fc.dictionary(key, hostileValue, { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, [], 'text', 7, true, [{ baseUrl: 'x' }]) },
);

/** What the worker will see: the spec as the client parses it, through JSON to the workflow and on to the activity. */
function configAsSent(spec: unknown): unknown {
  const parsed = AgentSpecSchema.safeParse(spec);
  if (!parsed.success) return { refusedBySpec: true };
  const sent = JSON.parse(JSON.stringify(parsed.data)) as { tools: Array<{ config?: unknown }> };
  return { refusedBySpec: false, config: sent.tools[0]?.config };
}

/** Calls the tool once, then answers. */
const script: ScriptFn = (request) =>
  request.messages.at(-1)?.role === 'tool'
    ? { reply: { content: 'done' } }
    : { reply: { toolCalls: [{ name: 'ticket_lookup', arguments: { key: 'OPS-1' } }] } };

describe('hostile tool configs through the real loop', () => {
  test('a config is refused by the client, ends the run as ToolConfigInvalid, or reaches the tool', async () => {
    await withReins({ script, extraTools: [ticketTool] }, async ({ reins, temporal, model }) => {
      const outcomes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(config, async (generated) => {
          const spec = fileClerkSpec({
            tools: [{ name: 'ticket_lookup', ...(generated === undefined ? {} : { config: generated as never }) }],
          });
          const sent = configAsSent(spec) as { refusedBySpec: boolean; config?: unknown };
          let runId: string;
          try {
            ({ runId } = await reins.startRun({ spec, prompt: 'Look up OPS-1', userId: 'u' }));
          } catch (error) {
            expect(error).toBeInstanceOf(RunInputInvalidError);
            expect((error as Error).message).toMatch(/spec\.tools\.0\.config/);
            expect(sent.refusedBySpec).toBe(true);
            outcomes.set('refused by the client', (outcomes.get('refused by the client') ?? 0) + 1);
            return;
          }
          expect(sent.refusedBySpec).toBe(false);
          const requestsBefore = model.requests.length;
          const result = await reins.result(runId);
          const history = await temporal.workflow.getHandle(runId).fetchHistory();
          const failedTasks = (history.events ?? []).filter(
            (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
          );
          expect(failedTasks).toEqual([]);
          const valid = TicketsConfigSchema.safeParse(sent.config);
          if (valid.success) {
            expect(result.status).toBe('completed');
            const toolMessage = messagesOf(model, model.requests.length - 1).find((m) => m.role === 'tool');
            expect(JSON.parse(String(toolMessage?.content))).toMatchObject({
              project: valid.data.project,
              limit: valid.data.limit,
            });
            outcomes.set('completed', (outcomes.get('completed') ?? 0) + 1);
          } else {
            expect(result.status).toBe('failed');
            expect(result.lastError?.type).toBe('ToolConfigInvalid');
            expect(result.lastError?.message).toMatch(/tool "ticket_lookup": config (is invalid|is missing): config/);
            expect(result.lastError?.message.length).toBeLessThan(3_000);
            // Refused before the model was asked anything.
            expect(model.requests.length).toBe(requestsBefore);
            outcomes.set('ToolConfigInvalid', (outcomes.get('ToolConfigInvalid') ?? 0) + 1);
          }
        }),
        { numRuns: 30, seed: 7_2026, endOnFailure: true },
      );
      // The cases reached every outcome, so none of the checks above went unexercised.
      expect([...outcomes.keys()].sort()).toEqual(['ToolConfigInvalid', 'completed', 'refused by the client']);
    });
  }, 600_000);
});
