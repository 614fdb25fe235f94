/**
 * Showing what a model, a tool or a caller sent to the person who approves it. Everything is shown (or the exact count
 * of what is not, with the command that shows it), and nothing in it can hide or fake text: control characters (ANSI
 * escapes start with one), format characters (bidi overrides, zero-width spaces, tag characters), line separators,
 * private-use, surrogate and unassigned code points are written as visible `\uXXXX` escapes.
 */

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;
const INVISIBLE_KEEPING_LINES = /(?![\n\t])[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

function escapeCodePoint(char: string): string {
  // UTF-16 units, so an escape inside a JSON string still parses back to the same character.
  let out = '';
  for (let i = 0; i < char.length; i += 1) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/** `text` with every invisible or text-moving character escaped; `keepLines` keeps newlines and tabs as they are. */
export function visible(text: string, options: { keepLines?: boolean } = {}): string {
  return text.replace(options.keepLines ? INVISIBLE_KEEPING_LINES : INVISIBLE, escapeCodePoint);
}

/** Arguments as JSON, all of them: one line when short, else indented; always with invisible characters escaped. */
export function argsJson(args: unknown, options: { oneLineUpTo?: number } = {}): string {
  const compact = JSON.stringify(args) ?? 'undefined';
  const oneLine = visible(compact);
  if (oneLine.length <= (options.oneLineUpTo ?? 100)) return oneLine;
  // Strings inside JSON hold no raw line breaks: the ones left are the indentation's own.
  return visible(JSON.stringify(args, null, 2) ?? 'undefined', { keepLines: true });
}

/** The head of `text` within `max` characters, and how many characters were left out (0 when it all fits). */
export function clipText(text: string, max: number): { shown: string; omitted: number } {
  if (text.length <= max) return { shown: text, omitted: 0 };
  let cut = Math.max(0, Math.floor(max));
  // Never split a surrogate pair: half a character would print as garbage.
  const before = text.charCodeAt(cut - 1);
  if (cut > 0 && before >= 0xd800 && before <= 0xdbff) cut -= 1;
  return { shown: text.slice(0, cut), omitted: text.length - cut };
}

/** A value quoted for a POSIX shell, only when it needs quoting. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command that shows a request in full, whatever its size. */
export function showRequestCommand(runId: string, requestId: string): string {
  return `reins status ${shellQuote(runId)} --request ${shellQuote(requestId)}`;
}

/** A workspace path argument as the tool resolves it, for the approver: `path: "x/../a" → "a"`. */
export interface ResolvedPath {
  arg: string;
  requested: string;
  resolved: string | null;
}

export function pathLine(path: ResolvedPath, maxRequested = 1_000): string {
  const requested = clipText(visible(JSON.stringify(path.requested)), maxRequested);
  const more = requested.omitted > 0 ? `… (${requested.omitted} more characters)` : '';
  const target =
    path.resolved === null ? 'does not resolve inside the workspace' : visible(JSON.stringify(path.resolved));
  return `${visible(path.arg)}: ${requested.shown}${more} → ${target}`;
}

/** Inline markdown that renders as exactly `text`: no emphasis, links, HTML, entities or line breaks can come of it. */
export function markdownText(text: string): string {
  return visible(text).replace(/[\\`*_[\]<>!|~&#]/g, '\\$&');
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** A markdown code span holding `text` verbatim (after escaping invisible characters), whatever backticks it has. */
export function markdownCode(text: string): string {
  const shown = visible(text);
  const fence = '`'.repeat(longestRun(shown, '`') + 1);
  const pad = shown.startsWith('`') || shown.endsWith('`') || /^ .* $/.test(shown) ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/** A fenced markdown code block, indented by `indent`, whose fence no line of `text` can close. */
export function markdownBlock(text: string, indent = '', language = 'json'): string[] {
  const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1));
  return [`${indent}${fence}${language}`, ...text.split('\n').map((line) => `${indent}${line}`), `${indent}${fence}`];
}

/**
 * The Temporal CLI command that approves a request through the run's `decide` update, ready to paste: plain ASCII
 * quotes, the input as one shell-quoted JSON argument. `<you>` is for the approver to replace.
 */
export function temporalDecideCommand(runId: string, requestId: string): string {
  const input = JSON.stringify({ requestId, decision: 'approve', by: '<you>' });
  return `temporal workflow update execute --workflow-id ${shellQuote(runId)} --name decide --input ${shellQuote(input)}`;
}
