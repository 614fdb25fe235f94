import picomatch from 'picomatch';

const matchers = new Map<string, (input: string) => boolean>();

/** Globs compile once per process; `windows: false` keeps matching independent of the worker's platform. */
export function globMatcher(glob: string): (input: string) => boolean {
  let matcher = matchers.get(glob);
  if (!matcher) {
    matcher = picomatch(glob, { windows: false, dot: true });
    matchers.set(glob, matcher);
  }
  return matcher;
}

/** The first glob that matches `name`, for messages that say which rule applied. */
export const firstMatch = (globs: readonly string[], name: string) => globs.find((glob) => globMatcher(glob)(name));
