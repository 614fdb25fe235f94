import fc from 'fast-check';
import type { ApprovalDecision } from '../../common/approval';
import type { ApprovalRequest, ToolDefinition } from '../../common';
import { approvalProgress } from '../../common/approval-progress';
import type { CredentialEvidence } from '../../common/identity/credentials';
import { AgentSpecSchema } from '../../common/agent-spec';
import { evaluatePolicy } from '../../common/policy/resolve';
import { gateFor } from '../../common/policy/approval-rules';
import type { LoadedPolicy } from '../../common/policy/platform-policy';
import { PlatformPolicySchema } from '../../common/policy/platform-policy';
import { PlatformPolicyFileSchema } from '../../common/policy/platform-policy-file';
import { deleteFile } from '../../activities/tools/file-tools';
import { toolDefinition } from '../../activities/tools/registry';
import { ApprovalBook } from '../../workflows/approvals/approval-book';
import type { Decider } from '../../workflows/approvals/approval-votes';
import { ToolArgsValidator } from '../../workflows/tools/tool-args';
import { approvalRequest, T0 } from '../helpers/approval-requests';

const definitions = new Map<string, ToolDefinition>([[deleteFile.name, toolDefinition(deleteFile)]]);

const request = (overrides: Partial<ApprovalRequest> = {}): ApprovalRequest =>
  approvalRequest({ approvers: { users: [], roles: ['ops', 'security'] }, ...overrides });

const bookWith = (open: ApprovalRequest) => {
  const book = new ApprovalBook(new ToolArgsValidator(definitions), {});
  book.open(open);
  return book;
};
const approve = (by: string, extra: Partial<ApprovalDecision> = {}): ApprovalDecision => ({
  requestId: '1-1',
  decision: 'approve',
  by,
  ...extra,
});
const evidence = (userId: string, digest: string, tokenId?: string): CredentialEvidence => ({
  kind: 'jwt',
  provider: 'corp',
  issuer: 'https://idp.example',
  subject: userId,
  userId,
  algorithm: 'RS256',
  digest,
  roles: [],
  ...(tokenId ? { tokenId } : {}),
});

/** Checks and applies a decision as the workflow does; returns the check's refusal, if any. */
function send(book: ApprovalBook, decision: ApprovalDecision, decider: Decider): string | undefined {
  const check = book.check(decision, decider);
  if (!check.ok) return check.why;
  book.apply(decision, 'update', T0 + 1000, decider);
  return undefined;
}

describe('quorums: distinct approvers, groups, one rejection ends it', () => {
  test('a quorum of two settles on the second distinct approver, keeping both approvals', () => {
    const book = bookWith(request({ quorum: 2 }));
    expect(send(book, approve('olga'), { by: 'olga', roles: ['ops'] })).toBeUndefined();
    expect(book.pending).toHaveLength(1);
    expect(approvalProgress(book.pending[0]!)).toBe('approvals 1 of 2 (olga); still needed: 1 more');
    expect(send(book, approve('olga'), { by: 'olga', roles: ['ops'] })).toBe(
      'olga already approved delete_file (1-1); it needs 2 distinct approvers',
    );
    expect(send(book, approve('sam'), { by: 'sam', roles: ['security'] })).toBeUndefined();
    expect(book.pending).toHaveLength(0);
    expect(book.decisionFor('1-1')).toMatchObject({
      decision: 'approve',
      by: 'sam',
      approvals: [
        { by: 'olga', roles: ['ops'] },
        { by: 'sam', roles: ['security'] },
      ],
    });
  });

  test('groups must each be represented; more approvers from one group do not stand in for another', () => {
    const book = bookWith(
      request({
        quorum: 2,
        quorumGroups: [
          { users: [], roles: ['ops'] },
          { users: [], roles: ['security'] },
        ],
      }),
    );
    send(book, approve('olga'), { by: 'olga', roles: ['ops'] });
    send(book, approve('otto'), { by: 'otto', roles: ['ops'] });
    expect(book.pending).toHaveLength(1);
    expect(approvalProgress(book.pending[0]!)).toBe(
      'approvals 2 of 2 (olga, otto); still needed: one from role security',
    );
    send(book, approve('sam'), { by: 'sam', roles: ['security'] });
    expect(book.decisionFor('1-1')?.approvals?.map((v) => v.by)).toEqual(['olga', 'otto', 'sam']);
  });

  test('one authorised rejection ends the request, whatever approvals it had', () => {
    const book = bookWith(request({ quorum: 3 }));
    send(book, approve('olga'), { by: 'olga', roles: ['ops'] });
    expect(
      send(book, { requestId: '1-1', decision: 'reject', by: 'sam', reason: 'no' }, { by: 'sam', roles: ['security'] }),
    ).toBeUndefined();
    expect(book.decisionFor('1-1')).toMatchObject({ decision: 'reject', by: 'sam', approvals: [{ by: 'olga' }] });
  });

  test('an unauthorised sender neither approves nor rejects', () => {
    const book = bookWith(request({ quorum: 2 }));
    expect(send(book, { requestId: '1-1', decision: 'reject', by: 'mike' }, { by: 'mike', roles: ['dev'] })).toMatch(
      /^mike may not decide delete_file \(1-1\)/,
    );
    expect(book.pending).toHaveLength(1);
  });

  test('edited arguments need the whole quorum again: approvals of other arguments do not carry over', () => {
    const book = bookWith(request({ quorum: 2 }));
    send(book, approve('olga'), { by: 'olga', roles: ['ops'] });
    send(book, approve('sam', { editedArgs: { path: 'b' } }), { by: 'sam', roles: ['security'] });
    expect(book.pending[0]).toMatchObject({ editedArgs: { path: 'b' }, approvals: [{ by: 'sam' }] });
    send(book, approve('olga'), { by: 'olga', roles: ['ops'] });
    expect(book.decisionFor('1-1')).toMatchObject({
      editedArgs: { path: 'b' },
      approvals: [{ by: 'sam' }, { by: 'olga' }],
    });
  });
});

describe('separation of duties and verified approvals', () => {
  test("the run's own user may not approve, but may reject", () => {
    const book = bookWith(request({ requesterExcluded: 'olga' }));
    expect(send(book, approve('olga'), { by: 'olga', roles: ['ops'] })).toBe(
      'olga started this run and may not approve its calls (separation of duties)',
    );
    expect(book.precheck(approve('olga'))).toMatchObject({ ok: false });
    expect(
      send(book, { requestId: '1-1', decision: 'reject', by: 'olga' }, { by: 'olga', roles: ['ops'] }),
    ).toBeUndefined();
  });

  test('a verified-only gate refuses a decision without a credential before and after identification', () => {
    const book = bookWith(
      request({ verifiedRule: 'the org policy requires verified approvals for destructive tools' }),
    );
    expect(book.precheck(approve('olga'))).toEqual({
      ok: false,
      why: 'the org policy requires verified approvals for destructive tools: a decision on delete_file (1-1) needs a credential that proves who sends it',
    });
    const sent = approve('olga', { credential: { kind: 'jwt', token: 'x.y.z' } });
    expect(book.precheck(sent)).toEqual({ ok: true });
    // The credential proved nothing: identification gives no evidence, and the check refuses.
    expect(send(book, sent, { by: 'olga', roles: ['ops'] })).toMatch(/needs a credential that proves who sends it/);
    expect(send(book, sent, { by: 'olga', roles: ['ops'], evidence: evidence('olga', 'd1') })).toBeUndefined();
    expect(book.decisionFor('1-1')).toMatchObject({
      evidence: { digest: 'd1' },
      approvals: [{ evidence: { digest: 'd1' } }],
    });
  });

  test('a credential counts once in a run: by digest, or by the same token id from the same issuer', () => {
    const book = new ApprovalBook(new ToolArgsValidator(definitions), {});
    book.open(request({ quorum: 2 }));
    book.open(request({ requestId: '1-2' }));
    send(book, approve('olga'), { by: 'olga', roles: ['ops'], evidence: evidence('olga', 'd1', 'jti-1') });
    expect(send(book, approve('sam'), { by: 'sam', roles: ['security'], evidence: evidence('sam', 'd1') })).toMatch(
      /was already used in this run/,
    );
    expect(
      send(
        book,
        { ...approve('sam'), requestId: '1-2' },
        { by: 'sam', roles: ['security'], evidence: evidence('sam', 'd2', 'jti-1') },
      ),
    ).toMatch(/was already used in this run/);
    expect(
      send(
        book,
        { ...approve('sam'), requestId: '1-2' },
        { by: 'sam', roles: ['security'], evidence: evidence('sam', 'd3', 'jti-3') },
      ),
    ).toBeUndefined();
  });

  test('property: whatever arrives, a request settles as approved only with its quorum of distinct authorised non-requester approvals', () => {
    const people = fc.constantFrom('olga', 'sam', 'otto', 'mike', 'alice', '__proto__', 'constructor');
    const rolesOf = (by: string) => (['olga', 'otto'].includes(by) ? ['ops'] : by === 'sam' ? ['security'] : []);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.record({ by: people, decision: fc.constantFrom('approve' as const, 'reject' as const) }), {
          maxLength: 12,
        }),
        (quorum, sent) => {
          const book = bookWith(request({ quorum, requesterExcluded: 'alice' }));
          for (const { by, decision } of sent) {
            send(book, { requestId: '1-1', decision, by }, { by, roles: rolesOf(by) });
          }
          const record = book.decisionFor('1-1');
          if (record?.decision !== 'approve') return;
          const approvers = (record.approvals ?? [{ by: record.by }]).map((v) => v.by);
          expect(new Set(approvers).size).toBe(approvers.length);
          expect(approvers.length).toBeGreaterThanOrEqual(quorum);
          for (const by of approvers) {
            expect(by).not.toBe('alice');
            expect(rolesOf(by).length).toBeGreaterThan(0);
          }
        },
      ),
      { seed: 20261207, numRuns: 300 },
    );
  });
});

describe("the platform's approver groups count only roles the platform vouches for", () => {
  test("a caller's own roles satisfy the spec's approvers but never a platform group; a directory's or a token's do", () => {
    const open = () =>
      bookWith(
        request({
          approvers: { users: [], roles: ['ops'] },
          requiredApprovers: [{ source: 'org', approvers: { users: [], roles: ['ops'] } }],
        }),
      );
    expect(send(open(), approve('olga'), { by: 'olga', roles: ['ops'], vouchedRoles: [] })).toBe(
      'olga may not decide delete_file (1-1): approvers are roles ops (required by the org policy, which counts only roles the directory or a verified credential gives)',
    );
    expect(send(open(), approve('olga'), { by: 'olga', roles: ['ops'], vouchedRoles: ['ops'] })).toBeUndefined();
  });
});

describe('gates take quorums, verification and separation of duties from the platform', () => {
  const policyOf = (raw: unknown): LoadedPolicy => ({ policy: PlatformPolicySchema.parse(raw), version: 'v1' });
  const spec = AgentSpecSchema.parse({ name: 'payments-bot', instructions: 'x', model: { name: 'm' } });

  test('the platform quorum is a floor, verification follows classes and agents, and self-approval can be banned', () => {
    const platform = policyOf({
      org: {
        approvals: { quorum: { destructive: 2 }, verified: { classes: ['destructive'], agents: ['payments-*'] } },
      },
      teams: { payments: { approvals: { quorum: 3, requesterMayApprove: false } } },
    });
    const org = evaluatePolicy({ platform, spec, run: { userId: 'alice', team: 'default' } }).policy;
    expect(gateFor(spec, undefined, 'destructive', org)).toMatchObject({
      quorum: 2,
      verifiedRule: 'the org policy requires verified approvals for destructive tools',
      requesterMayApprove: true,
    });
    expect(gateFor(spec, undefined, 'write', org)).toMatchObject({ quorum: 1 });
    expect(gateFor(spec, undefined, 'write', org).verifiedRule).toBeUndefined();
    const team = evaluatePolicy({ platform, spec, run: { userId: 'alice', team: 'payments' } }).policy;
    expect(gateFor(spec, undefined, 'write', team)).toMatchObject({ quorum: 3, requesterMayApprove: false });
    const asksMore = AgentSpecSchema.parse({
      ...spec,
      approvals: { quorum: { approvals: 4, groups: [{ roles: ['ops'] }] } },
    });
    expect(gateFor(asksMore, undefined, 'destructive', org)).toMatchObject({
      quorum: 4,
      quorumGroups: [{ users: [], roles: ['ops'] }],
    });
    const other = AgentSpecSchema.parse({ ...spec, name: 'notes-bot' });
    expect(gateFor(other, undefined, 'destructive', org).verifiedRule).toBeUndefined();
  });

  test('a team may not allow what the org forbids: approving your own runs', () => {
    const parsed = PlatformPolicyFileSchema.safeParse({
      org: { approvals: { requesterMayApprove: false } },
      teams: { payments: { approvals: { requesterMayApprove: true } } },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['teams', 'payments', 'approvals', 'requesterMayApprove'],
        message: "the org forbids approving one's own runs; a team may not allow it",
      }),
    ]);
  });
});
