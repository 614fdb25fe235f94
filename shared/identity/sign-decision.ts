/** Signs a decision for a client: the `signature` credential an approver's registered key vouches for. */
import { type JsonWebKey, KeyObject } from 'node:crypto';
import { CompactSign, importJWK, type JWK } from 'jose';
import { bindingPayload } from '../../common/identity/binding-payload';
import type { CredentialBinding } from '../../common/identity/credentials';
import { CREDENTIAL_ALGORITHMS } from '../../common/identity/identity-settings';

type CredentialAlgorithm = (typeof CREDENTIAL_ALGORITHMS)[number];

/** The algorithm a private key signs with when its JWK names none: the usual one for its type and curve. */
function algorithmFor(key: KeyObject | JsonWebKey): CredentialAlgorithm {
  const jwk = (key instanceof KeyObject ? key.export({ format: 'jwk' }) : key) as JWK;
  const named = CREDENTIAL_ALGORITHMS.find((alg) => alg === jwk.alg);
  if (named) return named;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  if (jwk.kty === 'EC' && jwk.crv === 'P-521') return 'ES512';
  throw new Error(`cannot sign decisions with a ${jwk.kty ?? 'unknown'} key: use RSA, EC (P-256/384/521) or Ed25519`);
}

export interface SignDecisionOptions {
  /** When the signature says it was made; now by default. A verifier refuses one older than ten minutes. */
  issuedAt?: Date;
}

/**
 * A compact JWS over the binding's canonical form plus `iat`, with `kid` naming the key registered for the approver
 * in the platform policy (`identity.approverKeys`). Pass it as the decision's credential `{ kind: 'signature', jws }`.
 */
export async function signDecision(
  binding: CredentialBinding,
  privateKey: KeyObject | JsonWebKey,
  kid: string,
  options: SignDecisionOptions = {},
): Promise<string> {
  const alg = algorithmFor(privateKey);
  const key = privateKey instanceof KeyObject ? privateKey : await importJWK(privateKey as JWK, alg);
  const iat = Math.floor((options.issuedAt ?? new Date()).getTime() / 1000);
  const payload = new TextEncoder().encode(JSON.stringify({ ...bindingPayload(binding), iat }));
  return new CompactSign(payload).setProtectedHeader({ alg, kid }).sign(key);
}
