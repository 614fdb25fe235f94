import { z } from 'zod';
import { AgentSpecSchema } from './agent-spec';
import { describeZodIssues } from './zod-issues';

export const RunInputSchema = z.strictObject({
  spec: AgentSpecSchema,
  prompt: z.string().min(1, 'prompt must not be empty'),
  /** Who the run acts for; recorded on every call and shown in the Temporal UI. */
  userId: z.string().min(1, 'userId must not be empty').max(200),
  /** Roles per user id, e.g. from the operator's roles file; approver rules that name roles are checked against it. */
  roles: z.record(z.string(), z.array(z.string().min(1))).default({}),
});
export type RunInput = z.output<typeof RunInputSchema>;
export type RunInputArgs = z.input<typeof RunInputSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates a run's input; the message names every bad field (e.g. `spec.model.name: ...`). */
export function parseRunInput(raw: unknown): ParseResult<RunInput> {
  const result = RunInputSchema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, message: describeZodIssues(result.error) };
}
