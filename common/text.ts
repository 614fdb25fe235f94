/**
 * Text helpers that accept any value: transcripts, histories and other workers may hand over anything, and neither
 * counting nor cutting may throw on it. Pure: used by activities and by workflow code alike.
 */

/** The text of any value: strings as they are, nothing for null and undefined, JSON (or String) for the rest. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value !== 'object') return '';
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return ''; // cyclic, or holds a BigInt: nothing a decoded payload can be, so nothing worth counting
  }
}

/** A non-negative integer, or undefined for anything else (NaN, negative, non-numbers). */
export function countOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** Moves a cut off the middle of a surrogate pair, so no half of an emoji is kept. */
export function safeCut(text: string, index: number): number {
  const code = text.charCodeAt(index - 1);
  return code >= 0xd800 && code <= 0xdbff ? index - 1 : index;
}

const markerFor = (omitted: number, total: number, why: string) =>
  `\n… [${formatCount(omitted)} characters omitted of ${formatCount(total)}${why}] …\n`;

/**
 * Cuts the middle out of a text: keeps the head (where most tools put what matters) and the tail (where errors and
 * totals land) and says how much was left out, and why when `why` is given (e.g. ` to fit the context window`).
 * The result, marker included, is at most `maxChars` long.
 */
export function cutMiddle(text: string, maxChars: number, why = ''): string {
  if (!Number.isInteger(maxChars) || maxChars < 1) throw new RangeError('maxChars must be a positive integer');
  if (text.length <= maxChars) return text;
  // The marker's length depends on the count it prints; grow the cut until the count and the marker agree.
  let omitted = text.length - maxChars;
  let marker = markerFor(omitted, text.length, why);
  while (text.length - omitted + marker.length > maxChars && omitted < text.length) {
    omitted = Math.min(text.length, text.length - maxChars + marker.length);
    marker = markerFor(omitted, text.length, why);
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
