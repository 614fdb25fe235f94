import { z } from 'zod';
import { describeZodIssues } from './zod-issues';
import { CredentialSchema } from './identity/credentials';
import type { ParseResult } from './run-input';

export const ApprovalDecisionSchema = z.strictObject({
  requestId: z.string().min(1, 'requestId must not be empty').max(200),
  decision: z.enum(['approve', 'reject']),
  by: z.string().min(1, 'by must name who decides').max(200),
  reason: z.string().max(2000).optional(),
  /** Replaces the model's arguments; validated against the tool's schema before it runs. */
  editedArgs: z.record(z.string(), z.unknown()).optional(),
  /** Proof that `by` is who it says: verified by the worker; the run keeps the evidence, never the credential. */
  credential: CredentialSchema.optional(),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;

export function parseApprovalDecision(raw: unknown): ParseResult<ApprovalDecision> {
  const result = ApprovalDecisionSchema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, message: describeZodIssues(result.error) };
}
