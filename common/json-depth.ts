/**
 * Where a JSON-like value first goes deeper than `max` levels of arrays and objects, or undefined when it does not.
 * Walks no further than `max` levels itself, so a value too deep for a recursive walk (or for JSON.stringify, which
 * gives up a few thousand levels down) gets a message naming where, not a stack overflow.
 */
export function tooDeepAt(
  value: unknown,
  max: number,
  path: Array<string | number> = [],
): Array<string | number> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (path.length >= max) return path;
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const found = tooDeepAt(item, max, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
