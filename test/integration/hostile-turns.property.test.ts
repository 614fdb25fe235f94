import fc from 'fast-check';
import type { ScriptFn } from '../../testing/scripted-model';
import { fileClerkSpec, withReins } from '../helpers/harness';
import {
  isSummaryRequest,
  rawToolCallTurn,
  resultWithin,
  sizedOutput,
  workflowTaskFailures,
} from '../helpers/hostile-model';

/** Arguments a model or a provider might send for sized_output, none of them valid. */
const badArguments = fc.oneof(
  // Truncated JSON (cut anywhere, down to nothing).
  fc
    .tuple(fc.integer({ min: 0, max: 99_999 }), fc.nat())
    .map(([size, at]) => JSON.stringify({ size }).slice(0, at % 12)),
  // Too large to be read at all.
  fc.integer({ min: 64_001, max: 200_000 }).map((n) => JSON.stringify({ size: 1, pad: 'x'.repeat(n) })),
  // JSON text that is not an object.
  fc
    .jsonValue({ maxDepth: 2 })
    .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v) ?? 'null'),
  // Values that are not text at all, as a broken provider sends them.
  fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 4 })),
  // Any text, any code points.
  fc.string({ unit: 'binary', maxLength: 2_000 }),
  fc.constant(''),
);

const anyName = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ minLength: 500, maxLength: 3_000 }),
  fc.constant(null),
);
const anyId = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ minLength: 200, maxLength: 2_000 }), fc.integer());

type Call =
  | { kind: 'valid'; id: unknown; size: number }
  | { kind: 'invalid'; id: unknown; args: unknown }
  | { kind: 'unknown'; id: unknown; name: unknown; args: unknown };

const call: fc.Arbitrary<Call> = fc.oneof(
  fc.record({ kind: fc.constant('valid' as const), id: anyId, size: fc.integer({ min: 0, max: 16_000 }) }),
  fc.record({ kind: fc.constant('invalid' as const), id: anyId, args: badArguments }),
  fc.record({ kind: fc.constant('unknown' as const), id: anyId, name: anyName, args: badArguments }),
);

const runCase = fc.record({
  contextWindow: fc.integer({ min: 2_048, max: 8_192 }),
  outputReserve: fc.integer({ min: 128, max: 512 }),
  calls: fc.array(call, { minLength: 1, maxLength: 3 }),
});

const wire = (c: Call) =>
  c.kind === 'valid'
    ? { id: c.id, name: 'sized_output', arguments: JSON.stringify({ size: c.size }) }
    : { id: c.id, name: c.kind === 'invalid' ? 'sized_output' : c.name, arguments: c.args };

const expectedPrefix = (c: Call) =>
  c.kind === 'valid' ? undefined : c.kind === 'invalid' ? 'Error [ToolArgsInvalid]' : 'Error [ToolUnknown]';

test('whatever tool calls the model sends and whatever size their outputs, the run ends typed and never crashes', async () => {
  await withReins({ script: [], extraTools: [sizedOutput] }, async ({ reins, model, temporal }) => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(runCase, async ({ contextWindow, outputReserve, calls }) => {
        n += 1;
        let turns = 0;
        const script: ScriptFn = (request) => {
          if (isSummaryRequest(request)) return { reply: { content: 'SUMMARY: odd calls were refused.' } };
          turns += 1;
          return turns === 1 ? rawToolCallTurn(calls.map(wire)) : { reply: { content: 'done' } };
        };
        model.setScript(script);
        const first = model.requests.length;
        const spec = fileClerkSpec({
          model: { name: 'scripted-1', contextWindow, outputReserve },
          tools: [{ name: 'sized_output' }],
          maxSteps: 4,
        });
        const { runId } = await reins.startRun({ spec, prompt: `case ${n}`, userId: 'u', prices: {} });
        const result = await resultWithin(reins, runId, 90_000);

        expect(await workflowTaskFailures(temporal, runId)).toEqual([]);
        expect(['completed', 'budget_exhausted', 'failed']).toContain(result.status);
        if (result.status === 'failed') expect(result.lastError?.type).not.toBe('ContextOverflow');
        if (result.status === 'failed') expect(result.lastError?.type).toEqual(expect.any(String));

        // The model's next request answers every call, the refused ones with their tool error.
        const next = model.requests.slice(first).filter((r) => !isSummaryRequest(r.body))[1];
        expect(next).toBeDefined();
        const results = next!.body.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
        expect(results).toHaveLength(calls.length);
        calls.forEach((c, i) => {
          const prefix = expectedPrefix(c);
          if (prefix) expect(results[i]!.startsWith(prefix)).toBe(true);
          else expect(results[i]!.startsWith('Error')).toBe(false);
        });
      }),
      { numRuns: 18, seed: 20261201, endOnFailure: true },
    );
  });
}, 600_000);
