import { AgentSpecSchema } from '../../common/agent-spec';
import { approvalProgress } from '../../common/approval-progress';
import type { CredentialEvidence } from '../../common/identity/credentials';
import { gateFor } from '../../common/policy/approval-rules';
import { PlatformPolicySchema } from '../../common/policy/platform-policy';
import { evaluatePolicy } from '../../common/policy/resolve';

// The per-tool quorum docs/approvals.md describes: it replaces the spec's, and the platform's floor still holds.
test("a tool's quorum replaces the spec's; the platform quorum stays a floor", () => {
  const spec = AgentSpecSchema.parse({
    name: 'clerk',
    instructions: 'x',
    model: { name: 'm' },
    approvals: { quorum: 3 },
    tools: [{ name: 'delete_file', quorum: 1 }, { name: 'write_file' }],
  });
  const [deleteFile, writeFile] = spec.tools;
  const none = evaluatePolicy({ platform: undefined, spec, run: { userId: 'u', team: 'default' } }).policy;
  expect(gateFor(spec, deleteFile, 'destructive', none).quorum).toBe(1);
  expect(gateFor(spec, writeFile, 'write', none).quorum).toBe(3);
  const platform = { policy: PlatformPolicySchema.parse({ org: { approvals: { quorum: 2 } } }), version: 'v1' };
  const floor = evaluatePolicy({ platform, spec, run: { userId: 'u', team: 'default' } }).policy;
  expect(gateFor(spec, deleteFile, 'destructive', floor).quorum).toBe(2);
});

// The line `reins pending` and `reins status` show under a waiting request (client/cli/format.ts).
test('what a waiting request has and needs: approvals, verified ones marked, verification and the excluded requester', () => {
  const evidence: CredentialEvidence = {
    kind: 'signature',
    provider: 'approver key',
    subject: 'olga',
    userId: 'olga',
    keyId: 'olga-1',
    algorithm: 'EdDSA',
    digest: 'd',
    roles: [],
  };
  const line = approvalProgress({
    requestId: '1-1',
    step: 1,
    toolCallId: 'c',
    tool: 'delete_file',
    toolClass: 'destructive',
    args: {},
    rule: 'test',
    requestedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-02T00:00:00.000Z',
    onTimeout: 'reject',
    stage: 'primary',
    quorum: 2,
    quorumGroups: [{ users: [], roles: ['security'] }],
    approvals: [{ by: 'olga', roles: ['ops'], evidence, via: 'update', at: '2026-01-01T00:01:00.000Z' }],
    verifiedRule: 'the org policy requires verified approvals for destructive tools',
    requesterExcluded: 'alice',
  });
  expect(line).toBe(
    'approvals 1 of 2 (olga (verified)); still needed: 1 more, one from role security · verified approvals only · ' +
      'alice (who started the run) may not approve',
  );
});
