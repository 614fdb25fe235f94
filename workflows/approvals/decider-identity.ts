import { isCancellation, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { ApprovalDecision } from '../../common/approval';
import { decisionBinding } from '../../common/identity/binding-payload';
import type { IdentityActivities } from '../../common/identity/directory';
import type { CredentialEvidence } from '../../common/identity/credentials';
import type { RunIdentity } from '../../common/identity/run-identity';
import { IDENTITY_ACTIVITY_OPTIONS } from '../activity-options';
import type { Decider } from './approval-votes';

const { lookupDirectory, verifyCredential } = proxyLocalActivities<IdentityActivities>(IDENTITY_ACTIVITY_OPTIONS);

export type Identified = { ok: true; decider: Decider } | { ok: false; why: string };

/**
 * Who sent a decision, as the platform vouches for it: the roles the worker's directory gives `by` now (not when the
 * run started, so a role taken away stops counting at once), plus what its credential proves. Both answers are local
 * activities, so history keeps the roles and the evidence that judged the decision, never the credential itself.
 * A run whose worker has no directory keeps reading the roles in its input, as a single-user setup does.
 */
export async function identifyDecider(
  decision: ApprovalDecision,
  identity: RunIdentity,
  callerRoles: (by: string) => readonly string[],
): Promise<Identified> {
  try {
    let evidence: CredentialEvidence | undefined;
    if (decision.credential) {
      const verdict = await verifyCredential({
        credential: decision.credential,
        binding: decisionBinding(workflowInfo().workflowId, decision),
      });
      if (!verdict.ok) return { ok: false, why: `the credential does not prove ${decision.by}: ${verdict.reason}` };
      evidence = verdict.evidence;
    }
    const mapped = evidence?.roles.map((mapping) => mapping.role) ?? [];
    if (identity.source === 'directory') {
      const answer = await lookupDirectory({ userIds: [decision.by], roleDefinitions: false });
      if (!answer) return { ok: false, why: 'the worker has no directory to look the approver up in' };
      const listed = answer.entries.find((entry) => entry.userId === decision.by)?.roles ?? [];
      const roles = [...new Set([...listed, ...mapped])];
      return { ok: true, decider: { by: decision.by, roles, vouchedRoles: roles, ...(evidence ? { evidence } : {}) } };
    }
    const roles = [...new Set([...callerRoles(decision.by), ...mapped])];
    return { ok: true, decider: { by: decision.by, roles, vouchedRoles: mapped, ...(evidence ? { evidence } : {}) } };
  } catch (error) {
    if (isCancellation(error)) throw error;
    return { ok: false, why: `the approver could not be identified: ${(error as Error).message}` };
  }
}
