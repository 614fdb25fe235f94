import { z } from 'zod';
import { describeZodIssues } from '../../common/zod-issues';

export type EditCheck = { ok: true; args: Record<string, unknown> } | { ok: false; message: string };

/**
 * Checks an approver's edited arguments (JSON text) against the tool's JSON schema as the run will: the run converts
 * the schema with zod's fromJSONSchema too, so what passes here passes there. Without a schema (a run from before
 * requests carried one) only the shape is checked and the run has the last word.
 */
export function checkEditedArgs(text: string, parameters: Record<string, unknown> | undefined): EditCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `editedArgs: not valid JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'editedArgs: must be a JSON object' };
  }
  if (!parameters) return { ok: true, args: value as Record<string, unknown> };
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(parameters as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return { ok: false, message: `editedArgs: the tool's schema cannot be checked (${(error as Error).message})` };
  }
  let result: ReturnType<z.ZodType['safeParse']>;
  try {
    result = schema.safeParse(value);
  } catch (error) {
    return { ok: false, message: `editedArgs: cannot be checked (${(error as Error).message})` };
  }
  return result.success
    ? { ok: true, args: value as Record<string, unknown> }
    : { ok: false, message: `editedArgs: ${describeZodIssues(result.error)}` };
}
