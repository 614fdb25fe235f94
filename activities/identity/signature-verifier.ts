/** Verifies a signed decision: a compact JWS over the binding, made with an approver key from the platform policy. */
import { compactVerify, decodeProtectedHeader, errors, importJWK, type JWK } from 'jose';
import { BINDING_FIELDS, bindingPayload, SIGNED_DECISION_MAX_AGE_MS } from '../../common/identity/binding-payload';
import type { CredentialBinding, CredentialVerdict } from '../../common/identity/credentials';
import { CREDENTIAL_ALGORITHMS, type IdentitySettings } from '../../common/identity/identity-settings';
import { ownValue } from '../../common/own';
import { credentialDigest, isoFromSeconds, messageOf, quoted } from '../../shared/identity/credential-text';

/** Approver keys have no clock tolerance of their own; this covers an approver's clock running a little fast. */
const SIGNATURE_CLOCK_TOLERANCE_MS = 30_000;

type Refusal = { ok: false; reason: string };
const refuse = (reason: string): Refusal => ({ ok: false, reason });

/** The signed payload against the binding, field by field: the first difference is the reason, or undefined. */
function payloadMismatch(payload: Record<string, unknown>, binding: CredentialBinding): string | undefined {
  const expected = bindingPayload(binding);
  for (const field of BINDING_FIELDS) {
    const want = expected[field];
    const got = ownValue(payload, field);
    if (got !== want) {
      return `signed decision is for ${field} ${quoted(got)}, not ${quoted(want)}`;
    }
  }
  const allowed = new Set<string>([...BINDING_FIELDS, 'iat']);
  const extra = Object.keys(payload).find((field) => !allowed.has(field));
  return extra === undefined ? undefined : `signed decision has an unexpected field ${quoted(extra)}`;
}

/** Checks a signed decision; answers a verdict and never throws (the evidence has no policyVersion yet). */
export async function verifySignedDecision(
  jws: string,
  binding: CredentialBinding,
  identity: IdentitySettings,
  now: Date = new Date(),
): Promise<CredentialVerdict> {
  if (identity.approverKeys.length === 0) return refuse('the platform policy registers no approver keys');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch (error) {
    return refuse(`malformed signed decision: ${messageOf(error)}`);
  }
  const alg = CREDENTIAL_ALGORITHMS.find((allowed) => allowed === header.alg);
  if (!alg) return refuse(`algorithm ${quoted(header.alg)} not allowed for signed decisions`);
  if (typeof header.kid !== 'string') return refuse('signed decision names no key id (kid)');
  const kid = header.kid;
  const key = identity.approverKeys.find((candidate) => candidate.kid === kid);
  if (!key) return refuse(`unknown key id ${quoted(kid)}`);
  if (key.user !== binding.claimedUser) {
    return refuse(`key ${quoted(kid)} belongs to ${quoted(key.user)}, decision says ${quoted(binding.claimedUser)}`);
  }
  if (key.expires !== undefined && Date.parse(key.expires) <= now.getTime()) {
    return refuse(`key ${quoted(kid)} expired at ${new Date(key.expires).toISOString()}`);
  }

  let payloadBytes: Uint8Array;
  try {
    // The policy schema keeps JWKs open; importJWK checks the shape and refuses anything that is not a key.
    const verifyKey = await importJWK(key.jwk as unknown as JWK, alg);
    ({ payload: payloadBytes } = await compactVerify(jws, verifyKey, { algorithms: [alg] }));
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) return refuse('signature invalid');
    return refuse(`signed decision refused with key ${quoted(kid)}: ${messageOf(error)}`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
  } catch {
    return refuse('signed decision payload is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return refuse('signed decision payload is not a JSON object');
  }
  const fields = payload as Record<string, unknown>;
  const mismatch = payloadMismatch(fields, binding);
  if (mismatch) return refuse(mismatch);

  const iat = ownValue(fields, 'iat');
  const issuedAt = isoFromSeconds(iat);
  if (typeof iat !== 'number' || issuedAt === undefined) return refuse('signed decision has no iat (seconds)');
  const signedAt = iat * 1000;
  if (signedAt > now.getTime() + SIGNATURE_CLOCK_TOLERANCE_MS)
    return refuse(`signed decision is dated ${issuedAt}, in the future`);
  if (now.getTime() - signedAt > SIGNED_DECISION_MAX_AGE_MS + SIGNATURE_CLOCK_TOLERANCE_MS) {
    return refuse(`signed decision was signed at ${issuedAt}, more than 10 minutes ago`);
  }
  return {
    ok: true,
    evidence: {
      kind: 'signature',
      provider: 'approver key',
      subject: key.user,
      userId: key.user,
      keyId: kid,
      algorithm: alg,
      issuedAt,
      // When this signature stops counting; the key itself may live longer.
      expiresAt: new Date(signedAt + SIGNED_DECISION_MAX_AGE_MS).toISOString(),
      digest: credentialDigest(jws),
      roles: [],
    },
  };
}
