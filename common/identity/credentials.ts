import { z } from 'zod';

/** Longest credential accepted: bigger than any real ID token, small enough to keep hostile payloads cheap. */
export const MAX_CREDENTIAL_CHARS = 16_384;

/**
 * Proof of who sends a decision (or starts a run): a JWT from the organisation's identity provider, or a compact JWS
 * over the decision itself, signed with a key registered for the approver in the platform policy.
 */
export const CredentialSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('jwt'), token: z.string().min(1).max(MAX_CREDENTIAL_CHARS) }),
  z.strictObject({ kind: z.literal('signature'), jws: z.string().min(1).max(MAX_CREDENTIAL_CHARS) }),
]);
export type Credential = z.output<typeof CredentialSchema>;

/**
 * What a credential must be about. A signed decision signs exactly these fields (as JSON with this key order), so a
 * signature for one request, decision or set of arguments cannot be used for another.
 */
export interface CredentialBinding {
  /** `decision` for an approval, `run` for a run's requester. */
  purpose: 'decision' | 'run';
  workflowId: string;
  /** The approval request; absent for `run`. */
  requestId?: string;
  decision?: 'approve' | 'reject';
  /** SHA-256 (hex) of the edited arguments' canonical JSON, when the decision edits them. */
  argsDigest?: string;
  /** The user the sender says it is (`by`, or the run's userId). */
  claimedUser: string;
}

/** Which claim of a token (or which registered key) gave the identity one of its roles. */
export interface RoleMapping {
  claim: string;
  value: string;
  role: string;
}

/**
 * What a verified credential proves, kept in history and in the run's decisions in place of the credential itself.
 * `digest` (SHA-256 of the credential, hex) lets a run refuse the same credential twice without keeping it.
 */
export interface CredentialEvidence {
  kind: 'jwt' | 'signature';
  /** The identity provider's name in the platform policy, or `approver key`. */
  provider: string;
  issuer?: string;
  subject: string;
  /** The reins user id the credential maps to. */
  userId: string;
  keyId?: string;
  algorithm: string;
  issuedAt?: string;
  expiresAt?: string;
  /** The token's `jti`, when it has one. */
  tokenId?: string;
  digest: string;
  roles: RoleMapping[];
  /** Which version of the platform policy's identity settings verified it. */
  policyVersion?: string;
}

/** The `verifyCredential` activity's answer: evidence, or why the credential proves nothing. Never throws for a bad credential. */
export type CredentialVerdict = { ok: true; evidence: CredentialEvidence } | { ok: false; reason: string };

/** The `verifyCredential` activity's input. */
export interface CredentialCheck {
  credential: Credential;
  binding: CredentialBinding;
}
