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
