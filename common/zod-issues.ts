import type { z } from 'zod';

/**
 * One line per problem, each naming the field path, e.g. `spec.maxSteps: Too small: expected number to be >0`.
 * Used wherever outside input is refused so the sender learns exactly what to fix.
 */
export function describeZodIssues(error: z.ZodError, root?: string): string {
  return error.issues
    .map((issue) => {
      const path = [root, ...issue.path.map(String)].filter((part) => part !== undefined && part !== '').join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
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
