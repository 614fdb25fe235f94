import { ErrorType } from '../../common/errors';
import type { ToolOutcome } from '../../common/chat';
import { cutMiddle } from '../../common/text';
import type { Scrubber } from '../secrets/scrub';
import { limitOutput } from './output-limit';

/** Deeper than this, a result is refused rather than walked: a recursion this deep is a bug, not data. */
export const MAX_RESULT_DEPTH = 200;

class NotJson extends Error {}

const label = (path: readonly string[]) => (path.length > 0 ? ` at ${path.join('.')}` : '');

function kindOf(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'object' && value !== null) return `a ${value.constructor?.name ?? 'null-prototype'} object`;
  return `a ${typeof value}`;
}

/**
 * The value as plain JSON data with every string (keys too) scrubbed, or NotJson naming the first part that is not
 * JSON. Strings are scrubbed before they are serialized: a secret with a quote or a backslash in it is escaped in
 * the JSON text, and would no longer match there. Values with `toJSON` (a Date) become what JSON.stringify makes.
 */
function plain(value: unknown, scrub: (text: string) => string, path: string[], open: Set<object>): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new NotJson(`${kindOf(value)}${label(path)}`);
  }
  if (typeof value !== 'object') throw new NotJson(`${kindOf(value)}${label(path)}`);
  if (path.length >= MAX_RESULT_DEPTH)
    throw new NotJson(`data nested deeper than ${MAX_RESULT_DEPTH} levels${label(path)}`);
  if (open.has(value)) throw new NotJson(`a cycle${label(path)}`);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return plain(toJSON.call(value), scrub, path, open);
  open.add(value);
  try {
    if (Array.isArray(value)) return value.map((item, index) => plain(item, scrub, [...path, String(index)], open));
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw new NotJson(`${kindOf(value)}${label(path)}`);
    const entries = Object.entries(value).map(([key, item]) => [scrub(key), plain(item, scrub, [...path, key], open)]);
    return Object.fromEntries(entries);
  } finally {
    open.delete(value);
  }
}

/**
 * What a tool's return value becomes for the model: text as it is, anything else as compact JSON text. Secrets are
 * scrubbed before the output is cut to `maxChars`, so a cut cannot leave half a secret behind for the scrubber to miss;
 * the limit counts the serialized text, which is what the model's context pays for. A value that is not JSON data
 * is the tool's bug: the model is told, and the call is not retried (it would return the same thing).
 */
export function toolOutcomeOfResult(
  tool: string,
  result: unknown,
  scrubber: Scrubber | undefined,
  maxChars: number,
): ToolOutcome {
  const scrub = (text: string) => (scrubber ? scrubber.text(text) : text);
  if (typeof result === 'string') return { ok: true, output: limitOutput(scrub(result), maxChars) };
  let text: string;
  try {
    text = scrub(JSON.stringify(plain(result, scrub, [], new Set())));
  } catch (error) {
    const what = error instanceof NotJson ? error.message : 'a value JSON cannot hold';
    const message = `tool ${tool} returned ${what}; tools return text or JSON data (objects, arrays, strings, numbers, booleans, null)`;
    return { ok: false, error: { type: ErrorType.ToolResultInvalid, message: cutMiddle(scrub(message), 2_000) } };
  }
  return { ok: true, output: limitOutput(text, maxChars) };
}
