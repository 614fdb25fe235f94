import { AgentSpecSchema } from '../../common/agent-spec';
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
