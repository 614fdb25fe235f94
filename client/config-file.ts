import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { describeZodIssues } from '../common/zod-issues';
import { ReinsClientError } from './errors';

/** Reads an operator's YAML or JSON file and validates it; errors name the file, and each bad field. */
export function readConfigFile<T extends z.ZodType>(file: string, schema: T, what: string): z.output<T> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReinsClientError(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) throw new ReinsClientError(`${what} ${file} is invalid: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}
