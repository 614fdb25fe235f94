import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { createCredentialActivities } from '../../activities/identity/credential-activities';
import { PolicySource } from '../../activities/policy/policy-source';
import type { CredentialCheck } from '../../common/identity/credentials';

// A policy with both kinds of trust configured, so hostile input reaches every branch of the verifier. Inline keys:
// no network, and every made-up token is checked against a real key.
const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...signing.publicKey.export({ format: 'jwk' }), kid: 'k1' };
const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-cred-prop-')), 'policy.yaml');
const ISSUER = 'https://login.example.test';
writeFileSync(
  file,
  JSON.stringify({
    identity: {
      providers: [{ name: 'corp', issuer: ISSUER, audience: 'api', jwks: { keys: [jwk] }, rolesClaim: 'groups' }],
      approverKeys: [{ user: 'alice', kid: 'k1', jwk }],
    },
  }),
);
const { verifyCredential } = createCredentialActivities(new PolicySource(file));

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');

/** Three dot-separated segments whose header and claims are arbitrary JSON, sometimes close to a real token. */
const tokenLike = fc
  .tuple(
    fc.oneof(
      fc.jsonValue(),
      fc.record({
        alg: fc.constantFrom('none', 'ES256', 'RS256', 'HS256', 'EdDSA'),
        kid: fc.oneof(fc.constant('k1'), fc.string()),
      }),
    ),
    fc.oneof(
      fc.jsonValue(),
      fc.record({
        iss: fc.oneof(fc.constant(ISSUER), fc.string()),
        aud: fc.oneof(fc.constant('api'), fc.jsonValue()),
        sub: fc.jsonValue(),
        exp: fc.oneof(fc.double(), fc.integer()),
        iat: fc.oneof(fc.double(), fc.integer()),
        groups: fc.jsonValue(),
      }),
    ),
    fc.string(),
  )
  .map(([header, claims, signature]) => `${b64(header)}.${b64(claims)}.${signature}`);

const credentialText = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), tokenLike);

const check = fc.oneof(
  fc.anything(),
  fc.record({
    credential: fc.oneof(
      fc.anything(),
      fc.record({ kind: fc.constant('jwt'), token: credentialText }),
      fc.record({ kind: fc.constant('signature'), jws: credentialText }),
    ),
    binding: fc.oneof(
      fc.anything(),
      fc.record({ purpose: fc.constant('decision'), workflowId: fc.string(), claimedUser: fc.constant('alice') }),
    ),
  }),
);

describe('hostile credentials', () => {
  it('anything sent as a credential check is refused with a reason, never thrown on', async () => {
    await fc.assert(
      fc.asyncProperty(check, async (input) => {
        const verdict = await verifyCredential(input as CredentialCheck);
        expect(verdict.ok).toBe(false);
        expect(!verdict.ok && typeof verdict.reason === 'string' && verdict.reason.length > 0).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
