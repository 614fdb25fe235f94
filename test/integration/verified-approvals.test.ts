import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ReinsClient } from '../../client';
import { readAuditTrail } from '../../client/audit';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';
import { type OidcProvider, SHORT_LIVED_AUDIENCE, startOidcProvider, TEST_AUDIENCE } from '../helpers/oidc-provider';

let idp: OidcProvider;
beforeAll(async () => {
  idp = await startOidcProvider({
    olga: { groups: ['ops-admins'] },
    sam: { groups: ['sec'] },
    mike: { groups: ['eng'] },
    alice: { groups: ['eng'] },
  });
});
afterAll(() => idp?.close());

/** A platform policy trusting the test's provider, whose groups map to reins roles. */
function policyFile(rules: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-verified-')), 'policy.yaml');
  const provider = {
    name: 'corp',
    issuer: idp.issuer,
    audience: [TEST_AUDIENCE, SHORT_LIVED_AUDIENCE],
    jwksUrl: idp.jwksUrl,
    rolesClaim: 'groups',
    roleMap: { 'ops-admins': 'ops', sec: 'security' },
    clockTolerance: '1ms',
  };
  writeFileSync(file, stringify({ ...rules, identity: { providers: [provider], ...(rules.identity as object) } }));
  return file;
}

const spec = fileClerkSpec({ approvals: { approvers: { users: [], roles: ['ops', 'security'] } } });
const deletesTwice = [
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'b.txt' } }] } },
  { reply: { content: 'done' } },
];
const jwt = (token: string) => ({ kind: 'jwt' as const, token });

async function decideWith(reins: ReinsClient, runId: string, requestId: string, by: string, token?: string) {
  return reins.decide(runId, { requestId, decision: 'approve', by, ...(token ? { credential: jwt(token) } : {}) });
}

describe('verified approvals: tokens from a real OpenID provider, judged in the run', () => {
  test('only a valid token for the sender counts, its groups give the roles, and each token counts once', async () => {
    const file = policyFile({
      org: { approvals: { verified: { classes: ['destructive'] }, quorum: { destructive: 2 } } },
    });
    await withReins({ script: deletesTwice, policyFile: file }, async ({ reins }) => {
      const { runId } = await reins.startRun({ spec, prompt: 'delete a.txt and b.txt', userId: 'alice' });
      await waitForState(reins, runId, (s) => s.pendingApprovals.length === 1, 120_000);
      const olgaToken = await idp.tokenFor('olga');

      await expect(decideWith(reins, runId, '1-1', 'olga')).rejects.toThrow(
        /the org policy requires verified approvals for destructive tools: a decision on delete_file \(1-1\) needs a credential/,
      );
      await expect(decideWith(reins, runId, '1-1', 'sam', olgaToken)).rejects.toThrow(
        /the credential does not prove sam: token is for "olga"/,
      );
      await expect(decideWith(reins, runId, '1-1', 'mike', await idp.tokenFor('mike'))).rejects.toThrow(
        /mike may not decide delete_file \(1-1\): approvers are roles ops, security/,
      );
      await expect(
        decideWith(
          reins,
          runId,
          '1-1',
          'olga',
          // An ID token is for the client that asked for it, not for reins.
          await idp.tokenFor('olga', { kind: 'id' }),
        ),
      ).rejects.toThrow(/the credential does not prove olga: .*audience/);
      await expect(decideWith(reins, runId, '1-1', 'olga', 'not.a.token')).rejects.toThrow(
        /the credential does not prove olga/,
      );
      const expiring = await idp.tokenFor('olga', { audience: SHORT_LIVED_AUDIENCE });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await expect(decideWith(reins, runId, '1-1', 'olga', expiring)).rejects.toThrow(
        /the credential does not prove olga: .*expired/,
      );
      expect((await reins.getState(runId)).status).toBe('awaiting_approval');

      const first = await decideWith(reins, runId, '1-1', 'olga', olgaToken);
      expect(first).toMatchObject({
        awaiting: { approvals: 1, quorum: 2 },
        evidence: {
          kind: 'jwt',
          provider: 'corp',
          issuer: idp.issuer,
          subject: 'olga',
          userId: 'olga',
          roles: [{ claim: 'groups', value: 'ops-admins', role: 'ops' }],
        },
      });
      const samToken = await idp.tokenFor('sam');
      expect(await decideWith(reins, runId, '1-1', 'sam', samToken)).toMatchObject({ decision: 'approve', by: 'sam' });

      // The second call's gate: the tokens already used do not count again; fresh ones do.
      await waitForState(reins, runId, (s) => s.pendingApprovals[0]?.requestId === '2-1');
      await expect(decideWith(reins, runId, '2-1', 'olga', olgaToken)).rejects.toThrow(
        /the credential sent for delete_file \(2-1\) was already used in this run/,
      );
      await decideWith(reins, runId, '2-1', 'olga', await idp.tokenFor('olga'));
      await decideWith(reins, runId, '2-1', 'sam', await idp.tokenFor('sam'));
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(result.decisions.map((d) => d.approvals?.map((v) => `${v.by}:${v.evidence?.subject}`))).toEqual([
        ['olga:olga', 'sam:sam'],
        ['olga:olga', 'sam:sam'],
      ]);
      // What the run keeps and the audit trail exports is the evidence, never the token.
      const kept = JSON.stringify(result);
      const { records } = await readAuditTrail(reins, runId);
      for (const token of [olgaToken, samToken]) {
        expect(kept).not.toContain(token);
        expect(JSON.stringify(records)).not.toContain(token);
        expect(kept).not.toContain(token.split('.')[2]);
      }
    });
  });

  test("without a directory, a caller's roles never satisfy the platform's approver group; a token's groups do", async () => {
    const file = policyFile({ org: { approvals: { approvers: { users: [], roles: ['ops'] } } } });
    await withReins({ script: deletesTwice.slice(1), policyFile: file }, async ({ reins }) => {
      const input = { spec, prompt: 'delete b.txt', userId: 'alice', roles: { olga: ['ops'], mallory: ['ops'] } };
      const { runId } = await reins.startRun(input);
      await waitForState(reins, runId, (s) => s.pendingApprovals.length === 1, 120_000);
      await expect(decideWith(reins, runId, '1-1', 'mallory')).rejects.toThrow(
        /mallory may not decide delete_file \(1-1\): approvers are roles ops \(required by the org policy, which counts only roles the directory or a verified credential gives\)/,
      );
      expect(await decideWith(reins, runId, '1-1', 'olga', await idp.tokenFor('olga'))).toMatchObject({
        decision: 'approve',
        evidence: { roles: [{ claim: 'groups', value: 'ops-admins', role: 'ops' }] },
      });
      expect((await reins.result(runId)).status).toBe('completed');
    });
  });

  test('a platform that requires a proven requester refuses a run without one, or with a token for someone else', async () => {
    const file = policyFile({ identity: { requester: 'required' } });
    await withReins({ script: [{ reply: { content: 'done' } }], policyFile: file }, async ({ reins }) => {
      const failure = async (input: Partial<Parameters<ReinsClient['startRun']>[0]>) => {
        const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'alice', ...input });
        return reins.result(runId);
      };
      expect((await failure({})).lastError).toMatchObject({
        type: 'IdentityRefused',
        message: "credential: the platform policy requires a credential that proves the run's userId (alice)",
      });
      const aliceToken = await idp.tokenFor('alice');
      expect((await failure({ userId: 'bob', credential: jwt(aliceToken) })).lastError).toMatchObject({
        type: 'IdentityRefused',
        message: expect.stringMatching(/^credential: it does not prove bob: token is for "alice"/),
      });
      const proven = await failure({ credential: jwt(aliceToken) });
      expect(proven.status).toBe('completed');
      expect(proven.identity).toMatchObject({
        source: 'caller',
        userId: 'alice',
        evidence: { subject: 'alice', issuer: idp.issuer },
      });
      expect(JSON.stringify(proven)).not.toContain(aliceToken.split('.')[2]);
    });
  });
});
