import { createHash, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { verifyCredential } from '../../activities/identity/credential-verifier';
import type { CredentialBinding, CredentialVerdict } from '../../common/identity/credentials';
import { PlatformPolicySchema, type LoadedPolicy } from '../../common/policy/platform-policy';
import {
  type OidcProvider,
  SHORT_LIVED_AUDIENCE,
  startOidcProvider,
  TEST_AUDIENCE,
  TEST_CLIENT_ID,
} from '../helpers/oidc-provider';

let idp: OidcProvider;

beforeAll(async () => {
  idp = await startOidcProvider({
    alice: { groups: ['eng', 'approvers', 'constructor'], email: 'alice@example.com' },
    bob: { groups: ['eng'] },
  });
});
afterAll(() => idp?.close());

const binding: CredentialBinding = {
  purpose: 'decision',
  workflowId: 'wf-1',
  requestId: 'req-1',
  decision: 'approve',
  claimedUser: 'alice',
};

/** The platform policy's identity settings with one provider: the test's OpenID provider, unless overridden. */
function policyWith(overrides: Record<string, unknown> = {}): LoadedPolicy {
  const provider = {
    name: 'corp',
    issuer: idp.issuer,
    audience: TEST_AUDIENCE,
    jwksUrl: idp.jwksUrl,
    rolesClaim: 'groups',
    roleMap: { approvers: 'approver', eng: 'engineer' },
    ...overrides,
  };
  return { policy: PlatformPolicySchema.parse({ identity: { providers: [provider] } }), version: 'v-test' };
}

const verifyToken = (token: string, policy = policyWith(), claimedUser = 'alice') =>
  verifyCredential({ credential: { kind: 'jwt', token }, binding: { ...binding, claimedUser } }, policy);

function refusal(verdict: CredentialVerdict): string {
  if (verdict.ok) throw new Error(`expected a refusal, got evidence for ${verdict.evidence.userId}`);
  return verdict.reason;
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

describe('tokens from an OpenID provider', () => {
  it('a valid access token proves its user, with the roles its groups map to', async () => {
    const token = await idp.tokenFor('alice');
    const verdict = await verifyToken(token);
    expect(verdict).toEqual({
      ok: true,
      evidence: {
        kind: 'jwt',
        provider: 'corp',
        issuer: idp.issuer,
        subject: 'alice',
        userId: 'alice',
        keyId: 'test-rs256',
        algorithm: 'RS256',
        issuedAt: expect.any(String),
        expiresAt: expect.any(String),
        tokenId: claimsOf(token).jti,
        digest: createHash('sha256').update(token).digest('hex'),
        // `constructor` is a group, not a key of roleMap's prototype.
        roles: [
          { claim: 'groups', value: 'eng', role: 'engineer' },
          { claim: 'groups', value: 'approvers', role: 'approver' },
        ],
        policyVersion: 'v-test',
      },
    });
    expect(JSON.stringify(verdict)).not.toContain(token);
  });

  it('an ID token proves its user when the provider is configured with the client as audience', async () => {
    const token = await idp.tokenFor('bob', { kind: 'id' });
    const verdict = await verifyToken(token, policyWith({ audience: [TEST_CLIENT_ID], userClaim: 'sub' }), 'bob');
    expect(verdict.ok && verdict.evidence.roles).toEqual([{ claim: 'groups', value: 'eng', role: 'engineer' }]);
  });

  it('inline keys verify the same way as the published key set', async () => {
    const jwks: unknown = await (await fetch(idp.jwksUrl)).json();
    const verdict = await verifyToken(await idp.tokenFor('alice'), policyWith({ jwksUrl: undefined, jwks }));
    expect(verdict.ok).toBe(true);
  });

  it('refuses an expired token and one older than maxTokenAge', async () => {
    const short = await idp.tokenFor('alice', { audience: SHORT_LIVED_AUDIENCE });
    const old = await idp.tokenFor('alice');
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const exp = claimsOf(short).exp as number;
    expect(
      refusal(await verifyToken(short, policyWith({ audience: SHORT_LIVED_AUDIENCE, clockTolerance: '1ms' }))),
    ).toBe(`token expired at ${new Date(exp * 1000).toISOString()}`);
    expect(refusal(await verifyToken(old, policyWith({ maxTokenAge: '1s', clockTolerance: '1ms' })))).toMatch(
      /^token issued at .*, longer ago than provider "corp"'s maxTokenAge$/,
    );
  });

  it('tries each provider configured for the issuer, so one issuer can serve several audiences', async () => {
    const ui = policyWith({ name: 'corp-ui', audience: 'temporal-ui' }).policy.identity!.providers;
    const api = policyWith().policy.identity!.providers;
    const both = PlatformPolicySchema.parse({ identity: { providers: [...ui, ...api] } });
    const verdict = await verifyToken(await idp.tokenFor('alice'), { policy: both, version: 'v-two' });
    expect(verdict.ok && verdict.evidence.provider).toBe('corp');
  });

  it('refuses a token for another audience, naming it', async () => {
    const token = await idp.tokenFor('alice', { audience: 'https://other.test/api' });
    expect(refusal(await verifyToken(token))).toBe(
      'audience "https://other.test/api" not accepted (provider "corp" wants "https://reins.test/api")',
    );
  });

  it('refuses a token whose issuer is not configured, naming it', async () => {
    const token = await idp.tokenFor('alice');
    expect(refusal(await verifyToken(token, policyWith({ issuer: 'https://login.elsewhere.test' })))).toBe(
      `issuer "${idp.issuer}" is not configured`,
    );
  });

  it('refuses tampered claims and a tampered signature', async () => {
    const token = await idp.tokenFor('bob');
    const [header, , signature = ''] = token.split('.');
    const forged = `${header}.${segment({ ...claimsOf(token), sub: 'alice' })}.${signature}`;
    expect(refusal(await verifyToken(forged))).toBe('signature invalid');
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect(refusal(await verifyToken(`${header}.${segment(claimsOf(token))}.${flipped}`, policyWith(), 'bob'))).toBe(
      'signature invalid',
    );
  });

  it('refuses alg none and HMAC tokens', async () => {
    const claims = claimsOf(await idp.tokenFor('alice'));
    const unsigned = `${segment({ alg: 'none', typ: 'JWT' })}.${segment(claims)}.`;
    expect(refusal(await verifyToken(unsigned))).toMatch(/^algorithm "none" not allowed \(provider "corp" accepts/);
    const hmac = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
    expect(refusal(await verifyToken(hmac))).toMatch(/^algorithm "HS256" not allowed/);
  });

  it('refuses a token signed with a key the provider does not publish', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rogue = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rogue' })
      .setIssuer(idp.issuer)
      .setAudience(TEST_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(refusal(await verifyToken(rogue))).toBe('unknown key id "rogue": no key of provider "corp" matches');
  });

  it('refuses a valid token for another user than the decision names', async () => {
    const token = await idp.tokenFor('alice');
    expect(refusal(await verifyToken(token, policyWith(), 'bob'))).toBe('token is for "alice", decision says "bob"');
  });

  it('refuses a user claim that is not a user id', async () => {
    const token = await idp.tokenFor('alice');
    expect(refusal(await verifyToken(token, policyWith({ userClaim: 'groups' })))).toBe(
      'token\'s "groups" claim is not a user id (a string of 1-200 characters)',
    );
  });
});
