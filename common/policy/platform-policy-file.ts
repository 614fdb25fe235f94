import { PlatformPolicySchema } from './platform-policy';
import { teamLoosenings } from './scopes';

/** A policy file as operators write it: the schema, plus the rule that teams only tighten the organisation's rules. */
export const PlatformPolicyFileSchema = PlatformPolicySchema.superRefine((policy, ctx) => {
  for (const loosening of teamLoosenings(policy)) {
    ctx.addIssue({ code: 'custom', path: loosening.path, message: loosening.message });
  }
});
