import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCredentialActivities } from '../../activities/identity/credential-activities';
import { verifyCredential } from '../../activities/identity/credential-verifier';
import { PolicySource } from '../../activities/policy/policy-source';
import { bindingPayload } from '../../common/identity/binding-payload';
import type { CredentialBinding, CredentialCheck, CredentialVerdict } from '../../common/identity/credentials';
import { PlatformPolicySchema, type LoadedPolicy } from '../../common/policy/platform-policy';
import { signDecision } from '../../shared/identity/sign-decision';

const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const alice = ec();
const aliceOld = ec();
const stranger = ec();
const bobKey = generateKeyPairSync('ed25519');
const publicJwk = (key: KeyObject) => key.export({ format: 'jwk' });

const identity = {
  approverKeys: [
    { user: 'alice', kid: 'alice-1', jwk: publicJwk(alice.publicKey) },
    { user: 'alice', kid: 'alice-old', jwk: publicJwk(aliceOld.publicKey), expires: '2020-01-01T00:00:00Z' },
    { user: 'bob', kid: 'bob-1', jwk: publicJwk(bobKey.publicKey) },
  ],
};
const loaded: LoadedPolicy = { policy: PlatformPolicySchema.parse({ identity }), version: 'v-keys' };

const binding: CredentialBinding = {
  purpose: 'decision',
  workflowId: 'wf-1',
  requestId: 'req-1',
  decision: 'approve',
  argsDigest: 'a'.repeat(64),
  claimedUser: 'alice',
};

const check = (jws: string, at: CredentialBinding = binding): CredentialCheck => ({
  credential: { kind: 'signature', jws },
  binding: at,
});

function refusal(verdict: CredentialVerdict): string {
  if (verdict.ok) throw new Error(`expected a refusal, got evidence for ${verdict.evidence.userId}`);
  return verdict.reason;
}

describe('bindingPayload', () => {
  it('keeps the fields in canonical order and leaves out the absent ones', () => {
    const shuffled = { claimedUser: 'u', workflowId: 'w', purpose: 'run' } as const;
    expect(JSON.stringify(bindingPayload(shuffled))).toBe('{"purpose":"run","workflowId":"w","claimedUser":"u"}');
    expect(Object.keys(bindingPayload(binding))).toEqual([
      'purpose',
      'workflowId',
      'requestId',
      'decision',
      'argsDigest',
      'claimedUser',
    ]);
  });
});

describe('signed decisions', () => {
  it('a decision signed with the approver key proves its user', async () => {
    const jws = await signDecision(binding, alice.privateKey, 'alice-1');
    const verdict = await verifyCredential(check(jws), loaded);
    expect(verdict).toEqual({
      ok: true,
      evidence: expect.objectContaining({
        kind: 'signature',
        provider: 'approver key',
        subject: 'alice',
        userId: 'alice',
        keyId: 'alice-1',
        algorithm: 'ES256',
        roles: [],
        policyVersion: 'v-keys',
      }),
    });
  });

  it('an Ed25519 key given as a JWK signs as EdDSA', async () => {
    const at = { ...binding, claimedUser: 'bob', argsDigest: undefined };
    const jws = await signDecision(at, bobKey.privateKey.export({ format: 'jwk' }), 'bob-1');
    const verdict = await verifyCredential(check(jws, at), loaded);
    expect(verdict.ok && verdict.evidence.algorithm).toBe('EdDSA');
  });

  it('a signature for one request, decision or set of arguments does not count for another', async () => {
    const jws = await signDecision(binding, alice.privateKey, 'alice-1');
    expect(refusal(await verifyCredential(check(jws, { ...binding, requestId: 'req-2' }), loaded))).toBe(
      'signed decision is for requestId "req-1", not "req-2"',
    );
    expect(refusal(await verifyCredential(check(jws, { ...binding, decision: 'reject' }), loaded))).toBe(
      'signed decision is for decision "approve", not "reject"',
    );
    expect(refusal(await verifyCredential(check(jws, { ...binding, argsDigest: 'b'.repeat(64) }), loaded))).toMatch(
      /^signed decision is for argsDigest "a{64}", not "b{64}"$/,
    );
    expect(refusal(await verifyCredential(check(jws, { ...binding, argsDigest: undefined }), loaded))).toMatch(
      /^signed decision is for argsDigest "a{64}", not \(none\)$/,
    );
  });

  it('refuses an expired key, an unknown key id and a key registered for someone else', async () => {
    const old = await signDecision(binding, aliceOld.privateKey, 'alice-old');
    expect(refusal(await verifyCredential(check(old), loaded))).toBe(
      'key "alice-old" expired at 2020-01-01T00:00:00.000Z',
    );
    const unknown = await signDecision(binding, alice.privateKey, 'nobody');
    expect(refusal(await verifyCredential(check(unknown), loaded))).toBe('unknown key id "nobody"');
    const asBob = await signDecision({ ...binding, claimedUser: 'mallory' }, bobKey.privateKey, 'bob-1');
    expect(refusal(await verifyCredential(check(asBob, { ...binding, claimedUser: 'mallory' }), loaded))).toBe(
      'key "bob-1" belongs to "bob", decision says "mallory"',
    );
  });

  it('refuses a signature made with another key under the approver key id', async () => {
    const jws = await signDecision(binding, stranger.privateKey, 'alice-1');
    expect(refusal(await verifyCredential(check(jws), loaded))).toBe('signature invalid');
  });

  it('refuses a stale or future-dated signature', async () => {
    const stale = await signDecision(binding, alice.privateKey, 'alice-1', {
      issuedAt: new Date(Date.now() - 11 * 60_000),
    });
    expect(refusal(await verifyCredential(check(stale), loaded))).toMatch(/, more than 10 minutes ago$/);
    const future = await signDecision(binding, alice.privateKey, 'alice-1', {
      issuedAt: new Date(Date.now() + 5 * 60_000),
    });
    expect(refusal(await verifyCredential(check(future), loaded))).toMatch(/, in the future$/);
  });
});

describe('the verifyCredential activity', () => {
  const policyFile = (content: unknown) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-cred-')), 'policy.yaml');
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  it('checks against the policy as it is now: a key removed from the file stops vouching at once', async () => {
    const file = policyFile({ identity });
    const { verifyCredential: activity } = createCredentialActivities(new PolicySource(file));
    const jws = await signDecision(binding, alice.privateKey, 'alice-1');
    expect((await activity(check(jws))).ok).toBe(true);
    writeFileSync(file, JSON.stringify({ identity: { approverKeys: identity.approverKeys.slice(1) } }));
    expect(refusal(await activity(check(jws)))).toBe('unknown key id "alice-1"');
  });

  it('refuses without a platform policy, without keys, and for input that is not a credential check', async () => {
    const jws = await signDecision(binding, alice.privateKey, 'alice-1');
    expect(refusal(await createCredentialActivities(undefined).verifyCredential(check(jws)))).toMatch(
      /^the worker has no platform policy/,
    );
    const empty = createCredentialActivities(new PolicySource(policyFile({})));
    expect(refusal(await empty.verifyCredential(check(jws)))).toBe('the platform policy registers no approver keys');
    expect(refusal(await empty.verifyCredential({ credential: { kind: 'jwt', token: 'x' }, binding }))).toBe(
      'the platform policy configures no identity providers',
    );
    const bad = { credential: { kind: 'password', secret: 'x' }, binding } as unknown as CredentialCheck;
    expect(refusal(await empty.verifyCredential(bad))).toMatch(/^credential check is invalid: /);
    const missing = path.join(os.tmpdir(), 'reins-cred-missing', 'policy.yaml');
    expect(refusal(await createCredentialActivities(new PolicySource(missing)).verifyCredential(check(jws)))).toMatch(
      /^no platform policy in force: /,
    );
  });
});
