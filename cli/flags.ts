import type { z } from 'zod';
import { UsageError } from './exit-codes';

function flagName(path: readonly PropertyKey[]): string {
  const [first] = path;
  if (first === undefined) return 'options';
  return `--${String(first).replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** Validates a command's options; each problem names the flag as the user typed it. */
export function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new UsageError(parsed.error.issues.map((issue) => `${flagName(issue.path)}: ${issue.message}`).join('; '));
}
