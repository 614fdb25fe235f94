import type { ToolCallRequest } from '../../common/chat';
import { formatCount, safeCut, textOf } from '../../common/text';

/** Arguments longer than this are refused unread: room for a file of a few hundred KB written by a tool, no more. */
export const MAX_TOOL_ARGUMENT_CHARS = 256_000;
/** What the transcript keeps of a refused call's arguments: enough for the model to see what it sent. */
export const KEPT_REFUSED_ARGUMENT_CHARS = 1_000;
/** Tool names and call ids are echoed to the model and kept in state: longer ones are cut (providers allow 64). */
export const MAX_TOOL_NAME_CHARS = 128;
export const MAX_TOOL_CALL_ID_CHARS = 128;

/** FNV-1a over UTF-16 code units: a short deterministic fingerprint, so two cut values stay apart. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** A string of at most `max` characters; a longer one keeps its head and a fingerprint of the whole. */
export function boundLabel(value: unknown, max: number): string {
  const text = textOf(value);
  if (text.length <= max) return text;
  const suffix = `…${fingerprint(text)}`;
  return text.slice(0, safeCut(text, max - suffix.length)) + suffix;
}

/**
 * A model's tool calls as the run handles them: an array of calls whose id and name are strings of bounded length and
 * whose arguments are text (a provider may send a number, null or an object there). Never throws, whatever the turn
 * held; entries that are not objects become calls with empty fields, which are then refused like any unknown tool.
 */
export function boundToolCalls(value: unknown, step: number): ToolCallRequest[] {
  if (!Array.isArray(value)) return [];
  const ids = new Set<string>();
  return (value as unknown[]).map((entry, index) => {
    const call = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    let id = boundLabel(call.id, MAX_TOOL_CALL_ID_CHARS);
    // Each result answers one call by id: a missing or repeated id gets one of ours, or the provider refuses the next
    // request.
    if (id === '' || ids.has(id)) id = `call_reins_${step}_${index + 1}`;
    while (ids.has(id)) id += '_';
    ids.add(id);
    return { id, name: boundLabel(call.name, MAX_TOOL_NAME_CHARS), arguments: textOf(call.arguments) };
  });
}

/** A refused call's arguments as the transcript keeps them: the head, and a marker saying what was cut and why. */
export function keptRefusedArguments(text: string): string {
  if (text.length <= KEPT_REFUSED_ARGUMENT_CHARS) return text;
  const head = text.slice(0, safeCut(text, KEPT_REFUSED_ARGUMENT_CHARS));
  return `${head}… [arguments cut: ${formatCount(text.length)} characters, the first ${formatCount(head.length)} kept; the call was refused]`;
}

/**
 * The calls of a turn as the transcript keeps them: calls that run keep their arguments (their size is bounded by the
 * validator); refused calls keep a bounded form. `cut` says whether any arguments were shortened.
 */
export function transcriptCalls(calls: ReadonlyArray<{ request: ToolCallRequest; refusal?: unknown }>): {
  toolCalls: ToolCallRequest[];
  cut: boolean;
} {
  let cut = false;
  const toolCalls = calls.map(({ request, refusal }) => {
    if (!refusal) return request;
    const kept = keptRefusedArguments(request.arguments);
    if (kept === request.arguments) return request;
    cut = true;
    return { ...request, arguments: kept };
  });
  return { toolCalls, cut };
}
