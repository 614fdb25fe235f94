import { z } from 'zod';
import { CredentialSchema, type CredentialCheck, type CredentialVerdict } from '../../common/identity/credentials';
import { describeZodIssues } from '../../common/zod-issues';
import type { PolicySource } from '../policy/policy-source';
import { verifyCredential } from './credential-verifier';

const Id = z.string().min(1).max(500);

/** The activity's input as the workflow sends it; anything else is refused, never thrown on. */
const CredentialCheckSchema = z.strictObject({
  credential: CredentialSchema,
  binding: z.strictObject({
    purpose: z.enum(['decision', 'run']),
    workflowId: Id,
    requestId: Id.optional(),
    decision: z.enum(['approve', 'reject']).optional(),
    argsDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex')
      .optional(),
    claimedUser: z.string().min(1).max(200),
  }),
}) satisfies z.ZodType<CredentialCheck>;

/**
 * `verifyCredential`, run as a local activity: the verdict on a decision's or run's credential, against the worker's
 * platform policy as it is now. Refuses (never throws) without a policy, or when the policy vouches for no one.
 */
export function createCredentialActivities(policy: PolicySource | undefined) {
  return {
    async verifyCredential(check: CredentialCheck): Promise<CredentialVerdict> {
      const parsed = CredentialCheckSchema.safeParse(check);
      if (!parsed.success)
        return { ok: false, reason: `credential check is invalid: ${describeZodIssues(parsed.error)}` };
      if (!policy)
        return { ok: false, reason: 'the worker has no platform policy, so no identity settings to verify with' };
      let loaded;
      try {
        loaded = policy.get();
      } catch (error) {
        return { ok: false, reason: `no platform policy in force: ${(error as Error).message}` };
      }
      return verifyCredential(parsed.data, loaded);
    },
  };
}
