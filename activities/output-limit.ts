/** What an MCP tool result may cost the model's context: beyond this, the middle is cut out. */
export const MCP_OUTPUT_LIMIT = 16_000;
/** The same cap for the worker's own tools. */
export const TOOL_OUTPUT_LIMIT = 16_000;

const count = (n: number) => n.toLocaleString('en-US');
const markerFor = (omitted: number, total: number) =>
  `\n… [${count(omitted)} characters omitted of ${count(total)}] …\n`;

/** Moves a cut off the middle of a surrogate pair, so no half of an emoji reaches the model. */
function safeCut(text: string, index: number): number {
  const code = text.charCodeAt(index - 1);
  return code >= 0xd800 && code <= 0xdbff ? index - 1 : index;
}

/**
 * Caps a tool's output for the model. Keeps the head (where most tools put what matters) and the tail (where errors
 * and totals land) and says how much was left out, so the model knows the output is partial. The result, marker
 * included, is at most `maxChars` long.
 */
export function limitOutput(text: string, maxChars: number): string {
  if (!Number.isInteger(maxChars) || maxChars < 1) throw new RangeError('maxChars must be a positive integer');
  if (text.length <= maxChars) return text;
  // The marker's length depends on the count it prints; grow the cut until the count and the marker agree.
  let omitted = text.length - maxChars;
  let marker = markerFor(omitted, text.length);
  while (text.length - omitted + marker.length > maxChars && omitted < text.length) {
    omitted = Math.min(text.length, text.length - maxChars + marker.length);
    marker = markerFor(omitted, text.length);
  }
  const kept = text.length - omitted;
  // A cap smaller than the marker itself: the head is all that fits.
  if (kept <= 0 || marker.length > maxChars) return text.slice(0, safeCut(text, maxChars));
  const headChars = Math.ceil(kept * 0.7);
  const tailStart = text.length - (kept - headChars);
  // Starting inside a pair would open the tail with half a character: skip it instead.
  const tailFrom = safeCut(text, tailStart) === tailStart ? tailStart : tailStart + 1;
  return `${text.slice(0, safeCut(text, headChars))}${marker}${text.slice(tailFrom)}`;
}
