import { isCancellation, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { ErrorType } from '../../common/errors';
import type { CredentialEvidence } from '../../common/identity/credentials';
import type { IdentityActivities } from '../../common/identity/directory';
import type { RunIdentity } from '../../common/identity/run-identity';
import { callerAccessIdentity } from '../../common/policy/tool-access';
import type { RunInput } from '../../common/run-input';
import type { RunRecord } from '../../common/run-state';
import { IDENTITY_ACTIVITY_OPTIONS } from '../activity-options';
import { failureOf } from './failures';
import type { RunPatches } from './run-patches';

const { lookupDirectory, verifyCredential } = proxyLocalActivities<IdentityActivities>(IDENTITY_ACTIVITY_OPTIONS);

/** Runs recorded before identities were settled at start replay without asking the worker's directory. */
export const RUN_IDENTITY_PATCH = 'reins-run-identity';

type Refusal = { type: string; message: string };
const refuse = (message: string): Refusal => ({ type: ErrorType.IdentityRefused, message });

/**
 * Settles who a new run acts for, once, from what the platform says: the credential that proves its userId (when the
 * platform asks for one, or the caller sent one), then the worker's directory, whose answer is the run's roles and
 * teams. With a directory, roles in the run input are refused: a caller does not say what it may do. Without one,
 * the input's roles apply (a single-user setup), and nothing the platform decides depends on them.
 * The answers are local activities, so the history holds the roles and evidence the run got.
 */
export async function settleIdentity(
  input: RunInput,
  record: RunRecord,
  patches: RunPatches,
): Promise<Refusal | undefined> {
  if (!patches.has(RUN_IDENTITY_PATCH)) return undefined;
  try {
    const proved = await provedRequester(input, record);
    if ('type' in proved) return proved;
    const answer = await lookupDirectory({ userIds: [input.userId], roleDefinitions: true });
    const mapped = proved.evidence?.roles.map((m) => m.role) ?? [];
    if (!answer) {
      const access = callerAccessIdentity(input.userId, input.roles, input.roleDefinitions);
      record.identity = {
        source: 'caller',
        userId: input.userId,
        known: true,
        roles: [...new Set([...access.roles, ...mapped])],
        teams: [],
        roleDefinitions: input.roleDefinitions,
        restricted: access.restricted,
        ...(proved.evidence ? { evidence: proved.evidence } : {}),
      };
      return undefined;
    }
    const brought = [
      ...(Object.keys(input.roles).length ? ['roles'] : []),
      ...(Object.keys(input.roleDefinitions).length ? ['roleDefinitions'] : []),
    ];
    if (brought.length) {
      return refuse(
        `${brought.join(' and ')}: this worker's directory (${answer.source}) says who holds which role; a run may not bring its own`,
      );
    }
    const entry = answer.entries.find((e) => e.userId === input.userId);
    if (!entry || (!entry.known && entry.roles.length === 0)) {
      return refuse(
        `userId: ${input.userId} is not in the directory (${answer.source}), which defines no default role`,
      );
    }
    if (entry.teams.length > 0 && !entry.teams.includes(record.team ?? '')) {
      // A run that names no team is refused too, rather than put in one: which scope's rules apply is the caller's
      // to say and the directory's to allow, and the default team must not be a way around a team's stricter rules.
      return refuse(
        `team: the directory puts ${input.userId} in ${entry.teams.join(', ')}; the run is for ${record.team ?? 'no team'}`,
      );
    }
    const identity: RunIdentity = {
      source: 'directory',
      userId: input.userId,
      directory: answer.source,
      known: entry.known,
      roles: [...new Set([...entry.roles, ...mapped])],
      teams: entry.teams,
      roleDefinitions: answer.roleDefinitions ?? {},
      restricted: true,
      ...(proved.evidence ? { evidence: proved.evidence } : {}),
    };
    record.identity = identity;
    if (answer.stale) {
      record.warnings.push(`the directory is invalid (${answer.stale}); this run started under its last good version`);
    }
    return undefined;
  } catch (error) {
    if (isCancellation(error)) throw error;
    return failureOf(error);
  }
}

/** The requester's credential, verified; refused when the platform asks for one and none came, or it proves nothing. */
async function provedRequester(
  input: RunInput,
  record: RunRecord,
): Promise<{ evidence?: CredentialEvidence } | Refusal> {
  if (!input.credential) {
    return record.policy?.requesterCredential === 'required'
      ? refuse(`credential: the platform policy requires a credential that proves the run's userId (${input.userId})`)
      : {};
  }
  const verdict = await verifyCredential({
    credential: input.credential,
    binding: { purpose: 'run', workflowId: workflowInfo().workflowId, claimedUser: input.userId },
  });
  return verdict.ok
    ? { evidence: verdict.evidence }
    : refuse(`credential: it does not prove ${input.userId}: ${verdict.reason}`);
}
