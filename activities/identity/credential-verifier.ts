/**
 * Verifies a credential against the identity settings of the platform policy in force now (not the one a run started
 * under), so a key or provider removed from the policy stops vouching at once.
 */
import type { CredentialCheck, CredentialVerdict } from '../../common/identity/credentials';
import type { LoadedPolicy } from '../../common/policy/platform-policy';
import { NO_IDENTITY_SETTINGS } from '../../common/identity/identity-settings';
import { quoted } from '../../shared/identity/credential-text';
import { verifyProviderToken } from '../../shared/identity/jwt-verifier';
import { verifySignedDecision } from './signature-verifier';

/** What the sender says it is, in a refusal's words. */
function claimant(check: CredentialCheck): string {
  return check.binding.purpose === 'run' ? 'run says' : 'decision says';
}

/**
 * A token must be for the user the decision (or run) names; a signature's key must belong to that user (checked in
 * verifySignedDecision, which also checks what was signed). Never throws for a bad credential.
 */
export async function verifyCredential(
  check: CredentialCheck,
  loaded: LoadedPolicy,
  now: Date = new Date(),
): Promise<CredentialVerdict> {
  const identity = loaded.policy.identity ?? NO_IDENTITY_SETTINGS;
  const { credential, binding } = check;
  let verdict: CredentialVerdict;
  if (credential.kind === 'jwt') {
    verdict = await verifyProviderToken(credential.token, identity.providers, now);
    if (verdict.ok && verdict.evidence.userId !== binding.claimedUser) {
      return {
        ok: false,
        reason: `token is for ${quoted(verdict.evidence.userId)}, ${claimant(check)} ${quoted(binding.claimedUser)}`,
      };
    }
  } else {
    verdict = await verifySignedDecision(credential.jws, binding, identity, now);
  }
  return verdict.ok ? { ok: true, evidence: { ...verdict.evidence, policyVersion: loaded.version } } : verdict;
}
