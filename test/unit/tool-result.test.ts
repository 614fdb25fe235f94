import { Scrubber } from '../../activities/secrets/scrub';
import { MAX_RESULT_DEPTH, toolOutcomeOfResult } from '../../activities/tools/tool-result';

// A quote and a backslash: JSON text escapes both, so the value would not be found in the serialized output.
const SECRET = 'tok"3f9a\\8b7c6d5e';
const scrubber = new Scrubber([{ name: 'API_TOKEN', value: SECRET }]);
const outcome = (result: unknown, maxChars = 16_000) => toolOutcomeOfResult('report', result, scrubber, maxChars);

describe('tool results for the model', () => {
  test('text goes as it is; structured data as compact JSON text', () => {
    expect(outcome('plain text')).toEqual({ ok: true, output: 'plain text' });
    expect(outcome({ rows: [1, 'a', null, true], nested: { ok: false } })).toEqual({
      ok: true,
      output: '{"rows":[1,"a",null,true],"nested":{"ok":false}}',
    });
    expect(outcome([])).toEqual({ ok: true, output: '[]' });
    expect(outcome(42)).toEqual({ ok: true, output: '42' });
    expect(outcome(null)).toEqual({ ok: true, output: 'null' });
    expect(outcome(false)).toEqual({ ok: true, output: 'false' });
    // What JSON.stringify does with a Date; a value met twice without a cycle is fine.
    const shared = { id: 1 };
    expect(outcome({ at: new Date(0), a: shared, b: shared })).toEqual({
      ok: true,
      output: '{"at":"1970-01-01T00:00:00.000Z","a":{"id":1},"b":{"id":1}}',
    });
  });

  test('secrets are scrubbed from every string and key, before JSON escaping could hide them', () => {
    const result = outcome({ token: SECRET, [`key ${SECRET}`]: [`Bearer ${SECRET}`], n: 1 });
    expect(result.ok).toBe(true);
    const output = result.ok ? result.output : '';
    expect(output).not.toContain('3f9a');
    expect(JSON.parse(output)).toEqual({
      token: '[redacted:API_TOKEN]',
      'key [redacted:API_TOKEN]': ['Bearer [redacted:API_TOKEN]'],
      n: 1,
    });
    expect(outcome(`text with ${SECRET}`)).toEqual({ ok: true, output: 'text with [redacted:API_TOKEN]' });
  });

  test('the size limit counts the serialized text, and a cut never leaves part of a secret', () => {
    const rows = Array.from({ length: 2_000 }, (_, index) => ({ index, name: `row ${index}` }));
    const serialized = JSON.stringify({ rows });
    const result = outcome({ rows }, 1_000);
    expect(result.ok).toBe(true);
    const output = result.ok ? result.output : '';
    expect(output.length).toBeLessThanOrEqual(1_000);
    expect(output.startsWith('{"rows":[{"index":0,"name":"row 0"}')).toBe(true);
    expect(output).toContain(`characters omitted of ${serialized.length.toLocaleString('en-US')}`);
    // The secret straddles where the cut falls: scrubbed first, so no fragment of it survives either side of the cut.
    for (const result of [
      outcome('x'.repeat(660) + SECRET + 'y'.repeat(600), 1_000),
      outcome({ s: 'x'.repeat(654) + SECRET + 'y'.repeat(600) }, 1_000),
    ]) {
      const text = result.ok ? result.output : '';
      expect(text).not.toContain('3f9a');
      expect(text).not.toContain('8b7c');
    }
  });

  test.each<[string, unknown, RegExp]>([
    ['a function', { rows: [{ format: () => 'x' }] }, /returned a function at rows\.0\.format/],
    ['a bigint', { total: 10n }, /returned a bigint at total/],
    ['undefined', undefined, /returned undefined;/],
    ['undefined in an object', { a: undefined }, /returned undefined at a/],
    ['a symbol', [Symbol('s')], /returned a symbol at 0/],
    ['NaN', { ratio: Number.NaN }, /returned the number NaN at ratio/],
    ['Infinity', [Infinity], /returned the number Infinity at 0/],
    ['a Map', { m: new Map([['a', 1]]) }, /returned a Map object at m/],
    ['a class instance', { c: new (class Thing {})() }, /returned a Thing object at c/],
  ])('%s is refused for the model, naming the tool and where', (_what, value, message) => {
    const result = outcome(value);
    expect(result).toEqual({
      ok: false,
      error: { type: 'ToolResultInvalid', message: expect.stringMatching(message) },
    });
    expect(result.ok ? '' : result.error.message).toMatch(/^tool report returned /);
  });

  test('a cycle, a throwing getter and data nested too deep are refused, not crashed on', () => {
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = { back: cycle };
    expect(outcome(cycle)).toMatchObject({ ok: false, error: { message: /returned a cycle at self\.back/ } });

    const getter = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(outcome(getter)).toMatchObject({ ok: false, error: { type: 'ToolResultInvalid' } });

    let deep: unknown = 'bottom';
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    expect(outcome(deep)).toMatchObject({
      ok: false,
      error: { message: new RegExp(`nested deeper than ${MAX_RESULT_DEPTH} levels`) },
    });
  });

  test('a secret in a refused value does not leave through the message either', () => {
    const result = outcome({ [SECRET]: () => 1 });
    expect(result.ok ? '' : result.error.message).not.toContain('3f9a');
  });
});
