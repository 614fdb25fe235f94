import fc from 'fast-check';
import {
  boundToolCalls,
  KEPT_REFUSED_ARGUMENT_CHARS,
  MAX_TOOL_ARGUMENT_CHARS,
  MAX_TOOL_CALL_ID_CHARS,
  MAX_TOOL_NAME_CHARS,
  transcriptCalls,
} from '../../workflows/tools/tool-call-bounds';
import { ToolArgsValidator } from '../../workflows/tools/tool-args';

const definitions = new Map([
  [
    't',
    {
      name: 't',
      description: 'd',
      class: 'read' as const,
      parameters: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
    },
  ],
]);

describe('a model turn becomes calls of bounded strings, whatever it holds', () => {
  test('any value: an array of calls with string ids, names and arguments; ids unique, ids and names bounded', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.array(fc.record({ id: fc.anything(), name: fc.anything(), arguments: fc.anything() })),
        (junk, calls) => {
          for (const value of [junk, calls]) {
            const bounded = boundToolCalls(value, 3);
            for (const call of bounded) {
              expect(typeof call.arguments).toBe('string');
              expect(call.id.length).toBeGreaterThan(0);
              expect(call.id.length).toBeLessThanOrEqual(MAX_TOOL_CALL_ID_CHARS);
              expect(call.name.length).toBeLessThanOrEqual(MAX_TOOL_NAME_CHARS);
            }
            expect(new Set(bounded.map((c) => c.id)).size).toBe(bounded.length);
          }
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  test('long ids and names keep a fingerprint of the whole, so two long values stay apart', () => {
    const [a, b] = boundToolCalls(
      [
        { id: `${'x'.repeat(500)}1`, name: `${'n'.repeat(500)}1`, arguments: '{}' },
        { id: `${'x'.repeat(500)}2`, name: `${'n'.repeat(500)}2`, arguments: { a: 'b' } },
      ],
      1,
    );
    expect(a!.id).not.toBe(b!.id);
    expect(a!.name).not.toBe(b!.name);
    expect(b!.arguments).toBe('{"a":"b"}');
    expect(boundToolCalls([{ id: 'same' }, { id: 'same' }, { id: '' }], 4).map((c) => c.id)).toEqual([
      'same',
      'call_reins_4_2',
      'call_reins_4_3',
    ]);
  });

  test('oversized arguments are refused unread; non-objects and deep nesting are refused, not thrown', () => {
    const validator = new ToolArgsValidator(definitions);
    const huge = JSON.stringify({ a: 'x'.repeat(MAX_TOOL_ARGUMENT_CHARS) });
    expect(validator.checkRaw('t', huge)).toEqual({
      ok: false,
      message: `arguments are ${huge.length.toLocaleString('en-US')} characters long; at most 256,000 are accepted`,
    });
    for (const raw of [null, 42, [1], 'null', '"s"', '[1]', true]) {
      expect(validator.checkRaw('t', raw)).toMatchObject({ ok: false });
    }
    expect(validator.checkRaw('t', { a: 'b' })).toEqual({ ok: true, args: { a: 'b' } });
    const deep = `${'{"a":'.repeat(10_000)}"x"${'}'.repeat(10_000)}`;
    expect(validator.checkRaw('t', deep)).toMatchObject({ ok: false });
  });

  test('refused calls keep a bounded form of their arguments, with a marker; calls that run keep theirs', () => {
    const big = 'y'.repeat(100_000);
    const kept = transcriptCalls([
      { request: { id: '1', name: 't', arguments: big }, refusal: { outcome: 'invalid_args' } },
      { request: { id: '2', name: 't', arguments: '{"a":"ok"}' } },
      { request: { id: '3', name: 't', arguments: '{"a":' }, refusal: { outcome: 'invalid_args' } },
    ]);
    expect(kept.cut).toBe(true);
    expect(kept.toolCalls[0]!.arguments.length).toBeLessThan(KEPT_REFUSED_ARGUMENT_CHARS + 120);
    expect(kept.toolCalls[0]!.arguments).toMatch(
      /\[arguments cut: 100,000 characters, the first 1,000 kept; the call was refused\]$/,
    );
    expect(kept.toolCalls[1]!.arguments).toBe('{"a":"ok"}');
    expect(kept.toolCalls[2]!.arguments).toBe('{"a":');
  });
});
