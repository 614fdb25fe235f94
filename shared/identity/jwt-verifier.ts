/**
 * Verifies a JWT from one of the identity providers in the platform policy: the activity that checks approvers'
 * credentials and the codec server that checks the Web UI's users both use it, so both accept the same tokens.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { MAX_CREDENTIAL_CHARS, type CredentialVerdict, type RoleMapping } from '../../common/identity/credentials';
import type { IdentityProvider } from '../../common/identity/identity-settings';
import { ownValue } from '../../common/own';
import { credentialDigest, isoFromSeconds, messageOf, quoted } from './credential-text';

/** The longest user id a token may map to (as ApproverKeySchema allows for keys). */
const MAX_USER_ID_CHARS = 200;
/** Group values read from a roles claim; a token listing more is not made more powerful by the rest. */
const MAX_GROUPS = 256;

type ProtectedHeader = ReturnType<typeof decodeProtectedHeader>;

/**
 * Remote key sets by URL, shared by every check: jose refetches a set when a token names a key it lacks (a rotation),
 * at most once per cooldown, so a flood of tokens with made-up key ids cannot turn into a flood of fetches.
 */
const remoteKeySets = new Map<string, JWTVerifyGetKey>();
const MAX_REMOTE_KEY_SETS = 64;

function keySetFor(provider: IdentityProvider): JWTVerifyGetKey {
  // The policy schema keeps JWKs open; jose checks each key and refuses a set that holds anything else.
  if (provider.jwks) return createLocalJWKSet(provider.jwks as unknown as Parameters<typeof createLocalJWKSet>[0]);
  const url = provider.jwksUrl as string;
  let keySet = remoteKeySets.get(url);
  if (!keySet) {
    // Bounded by the number of providers a policy names; the cap only guards against a policy that churns URLs.
    if (remoteKeySets.size >= MAX_REMOTE_KEY_SETS) remoteKeySets.clear();
    keySet = createRemoteJWKSet(new URL(url), {
      timeoutDuration: 5_000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
    remoteKeySets.set(url, keySet);
  }
  return keySet;
}

/** Why jose refused a token, in words an operator can act on. */
function refusal(error: unknown, provider: IdentityProvider, kid: unknown): string {
  const name = `provider ${quoted(provider.name)}`;
  if (error instanceof errors.JWTExpired) {
    if (error.claim === 'iat')
      return `token issued at ${isoFromSeconds(error.payload.iat)}, longer ago than ${name}'s maxTokenAge`;
    return `token expired at ${isoFromSeconds(error.payload.exp) ?? quoted(error.payload.exp)}`;
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const { claim, payload } = error;
    if (claim === 'aud')
      return `audience ${quoted(payload.aud)} not accepted (${name} wants ${quoted(provider.audience)})`;
    if (claim === 'iss') return `issuer ${quoted(payload.iss)} does not match ${name}`;
    if (claim === 'nbf') return `token not valid before ${isoFromSeconds(payload.nbf) ?? quoted(payload.nbf)}`;
    if (claim === 'iat' && error.reason === 'missing') return `token has no iat, and ${name} limits token age`;
    return `token claim ${quoted(claim)} refused: ${messageOf(error)}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return `unknown key id ${quoted(kid)}: no key of ${name} matches`;
  if (error instanceof errors.JWKSMultipleMatchingKeys) return `key id ${quoted(kid)} matches several keys of ${name}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return `algorithm not allowed by ${name}`;
  if (error instanceof errors.JWKSTimeout) return `${name}'s keys could not be fetched in time`;
  if (error instanceof errors.JWKSInvalid || error instanceof errors.JWKInvalid) return `${name}'s keys are invalid`;
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid)
    return `malformed token: ${messageOf(error)}`;
  return `token refused by ${name}: ${messageOf(error)}`;
}

/** Roles a verified token gives through the provider's roleMap; values not in the map give none. */
function rolesOf(payload: JWTPayload, provider: IdentityProvider): RoleMapping[] {
  if (!provider.rolesClaim) return [];
  const claim = provider.rolesClaim;
  const raw = ownValue(payload as Record<string, unknown>, claim);
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.slice(0, MAX_GROUPS) : [];
  const roles: RoleMapping[] = [];
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const role = ownValue(provider.roleMap, value);
    if (role !== undefined) roles.push({ claim, value, role });
  }
  return roles;
}

/**
 * Checks a token against the providers configured for the issuer it names (the first that accepts it): signature with the provider's keys, allowed algorithms,
 * issuer, audience, exp/nbf (with the clock tolerance) and maxTokenAge. Answers a verdict, never throws, and never
 * quotes the token. The evidence has no policyVersion; the caller knows which policy it used.
 */
export async function verifyProviderToken(
  token: string,
  providers: readonly IdentityProvider[],
  now: Date = new Date(),
): Promise<CredentialVerdict> {
  if (typeof token !== 'string' || token.length === 0) return { ok: false, reason: 'no token' };
  if (token.length > MAX_CREDENTIAL_CHARS)
    return { ok: false, reason: `token longer than ${MAX_CREDENTIAL_CHARS} characters` };
  if (providers.length === 0) return { ok: false, reason: 'the platform policy configures no identity providers' };
  let header: ProtectedHeader;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch (error) {
    return { ok: false, reason: `malformed token: ${messageOf(error)}` };
  }
  const issuer = unverified.iss;
  if (typeof issuer !== 'string') return { ok: false, reason: 'token names no issuer (iss)' };
  // One issuer may be configured more than once (an audience for the Web UI, another for approvers' tools).
  const candidates = providers.filter((p) => p.issuer === issuer);
  if (candidates.length === 0) return { ok: false, reason: `issuer ${quoted(issuer)} is not configured` };
  let first: CredentialVerdict | undefined;
  for (const provider of candidates) {
    const verdict = await verifyWith(provider, token, header, now);
    if (verdict.ok) return verdict;
    first ??= verdict;
  }
  return first as CredentialVerdict;
}

async function verifyWith(
  provider: IdentityProvider,
  token: string,
  header: ProtectedHeader,
  now: Date,
): Promise<CredentialVerdict> {
  // Checked before jose so the reason names the algorithm; jose refuses it again with the same allow-list.
  const algorithms: readonly string[] = provider.algorithms;
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    return {
      ok: false,
      reason: `algorithm ${quoted(header.alg)} not allowed (provider ${quoted(provider.name)} accepts ${provider.algorithms.join(', ')})`,
    };
  }

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keySetFor(provider), {
      issuer: provider.issuer,
      audience: provider.audience,
      algorithms: provider.algorithms,
      clockTolerance: provider.clockTolerance / 1000,
      maxTokenAge: provider.maxTokenAge === undefined ? undefined : provider.maxTokenAge / 1000,
      currentDate: now,
    }));
  } catch (error) {
    return { ok: false, reason: refusal(error, provider, header.kid) };
  }

  const userId = ownValue(payload as Record<string, unknown>, provider.userClaim);
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_CHARS) {
    return {
      ok: false,
      reason: `token's ${quoted(provider.userClaim)} claim is not a user id (a string of 1-${MAX_USER_ID_CHARS} characters)`,
    };
  }
  return {
    ok: true,
    evidence: {
      kind: 'jwt',
      provider: provider.name,
      issuer: provider.issuer,
      subject: typeof payload.sub === 'string' ? payload.sub.slice(0, 500) : userId,
      userId,
      keyId: typeof header.kid === 'string' ? header.kid.slice(0, 200) : undefined,
      algorithm: header.alg,
      issuedAt: isoFromSeconds(payload.iat),
      expiresAt: isoFromSeconds(payload.exp),
      tokenId: typeof payload.jti === 'string' ? payload.jti.slice(0, 200) : undefined,
      digest: credentialDigest(token),
      roles: rolesOf(payload, provider),
    },
  };
}
