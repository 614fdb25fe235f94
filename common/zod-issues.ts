import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

const joinPath = (parts: ReadonlyArray<PropertyKey | undefined>) =>
  parts
    .filter((part) => part !== undefined && part !== '')
    .map(String)
    .join('.');

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/**
 * What a union wanted, in words: `expected one of "default", "never", "always", or an object`. When one alternative
 * got past its type check (the value is an object, but a field in it is wrong), that alternative's own issues are the
 * real complaint and are returned instead.
 */
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>, path: PropertyKey[]): string[] {
  const options: string[] = [];
  for (const branch of issue.errors) {
    const [only] = branch;
    if (branch.length === 1 && only && only.path.length === 0) {
      if (only.code === 'invalid_value') options.push(...only.values.map((value) => JSON.stringify(value)));
      else if (only.code === 'invalid_type') options.push(article(only.expected));
      else if (only.code === 'invalid_format') options.push(`${article(only.format)} string`);
      else options.push(only.message);
      continue;
    }
    if (branch.length > 0) return branch.flatMap((inner) => describeIssue(inner, path));
  }
  if (options.length === 0) return [`${joinPath(path) || '(root)'}: ${issue.message}`];
  const list = options.length > 1 ? `one of ${options.slice(0, -1).join(', ')}, or ${options.at(-1)}` : options[0];
  return [`${joinPath(path) || '(root)'}: expected ${list}`];
}

function describeIssue(issue: Issue, prefix: PropertyKey[]): string[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) return describeUnion(issue, path);
  if (issue.code === 'invalid_value' && issue.values.length > 0) {
    const allowed = issue.values.map((value) => JSON.stringify(value)).join(', ');
    return [`${joinPath(path) || '(root)'}: expected one of ${allowed}`];
  }
  return [`${joinPath(path) || '(root)'}: ${issue.message}`];
}

/**
 * One line per problem, each naming the field path, e.g. `spec.maxSteps: Too small: expected number to be >0`, and for
 * a choice of values every value allowed. Used wherever outside input is refused so the sender learns what to fix.
 */
export function describeZodIssues(error: z.ZodError, root?: string): string {
  return error.issues.flatMap((issue) => describeIssue(issue, root ? [root] : [])).join('; ');
}

/** Adds an issue at `<list>.<index>.name` for every entry whose name an earlier entry already used. */
export function reportDuplicateNames(
  ctx: z.RefinementCtx,
  items: ReadonlyArray<{ name: string }>,
  list: string,
  what: string,
): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.name)) {
      ctx.addIssue({ code: 'custom', path: [list, index, 'name'], message: `${what} "${item.name}" is listed twice` });
    }
    seen.add(item.name);
  });
}
