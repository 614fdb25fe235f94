import { AgentSpecSchema, type AgentTool } from '../../common/agent-spec';
import type { ToolDefinition } from '../../common';
import { deleteFile, writeFile } from '../../activities/tools/file-tools';
import { toolDefinition } from '../../activities/tools/registry';
import { conditionHolds } from '../../common/policy/arg-conditions';
import { ApprovalBook } from '../../workflows/approvals/approval-book';
import { evaluatePolicy } from '../../common/policy/resolve';
import { approverRefusal, decideToolCall, gateFor } from '../../common/policy/approval-rules';
import { ToolArgsValidator } from '../../workflows/tools/tool-args';
import { approvalRequest, T0 } from '../helpers/approval-requests';

const definitions = new Map<string, ToolDefinition>(
  [writeFile, deleteFile].map((tool) => [tool.name, toolDefinition(tool)]),
);
const CLASSES = {
  read: { value: 'allow', source: 'default' },
  write: { value: 'allow', source: 'default' },
  destructive: { value: 'approval', source: 'default' },
} as const;

const request = approvalRequest;

describe('approval conditions on arguments', () => {
  test('globs, bounds and equality', () => {
    expect(conditionHolds({ arg: 'path', glob: 'secrets/**' }, { path: 'secrets/a/b.txt' })).toBe(true);
    expect(conditionHolds({ arg: 'path', glob: 'secrets/**' }, { path: 'notes.txt' })).toBe(false);
    expect(conditionHolds({ arg: 'path', glob: '*.env' }, { path: '.env' })).toBe(true);
    expect(conditionHolds({ arg: 'order.amount', above: 100 }, { order: { amount: 250 } })).toBe(true);
    expect(conditionHolds({ arg: 'order.amount', above: 100 }, { order: { amount: 100 } })).toBe(false);
    expect(conditionHolds({ arg: 'order.amount', atLeast: 100 }, { order: { amount: 100 } })).toBe(true);
    expect(conditionHolds({ arg: 'n', below: 0 }, { n: -1 })).toBe(true);
    expect(conditionHolds({ arg: 'mode', equals: 'force' }, { mode: 'force' })).toBe(true);
    expect(conditionHolds({ arg: 'env', oneOf: ['prod', 'staging'] }, { env: 'prod' })).toBe(true);
    // A missing or mistyped argument never matches.
    expect(conditionHolds({ arg: 'amount', above: 1 }, { amount: '500' })).toBe(false);
    expect(conditionHolds({ arg: 'path', glob: '**' }, {})).toBe(false);
  });

  test('a tool with `when` waits only when a condition holds, naming it', () => {
    const tool: AgentTool = { name: 'write_file', approval: { when: [{ arg: 'path', glob: 'config/**' }] } };
    const write = definitions.get('write_file')!;
    expect(decideToolCall(tool, write, { path: 'notes.txt', content: '' }, CLASSES)).toEqual({ kind: 'run' });
    expect(decideToolCall(tool, write, { path: 'config/app.yaml', content: '' }, CLASSES)).toEqual({
      kind: 'approval',
      rule: 'agent spec: write_file approval when path matches config/**',
    });
  });

  test('spec validation names bad conditions and missing escalation groups', () => {
    const base = { name: 'a', instructions: 'i', model: { name: 'm' } };
    const twoTests = AgentSpecSchema.safeParse({
      ...base,
      tools: [{ name: 'write_file', approval: { when: [{ arg: 'x', above: 1, glob: '*' }] } }],
    });
    expect(twoTests.error?.issues[0]?.path).toEqual(['tools', 0, 'approval', 'when', 0]);
    const escalate = AgentSpecSchema.safeParse({ ...base, approvals: { onTimeout: 'escalate' } });
    expect(escalate.error?.issues[0]).toMatchObject({ path: ['approvals', 'escalation'] });
    const ok = AgentSpecSchema.parse({ ...base, approvals: { timeout: '90s' } });
    expect(ok.approvals).toMatchObject({ timeout: 90_000, onTimeout: 'reject', byClass: {} });
  });
});

describe('approvers', () => {
  const spec = AgentSpecSchema.parse({
    name: 'a',
    instructions: 'i',
    model: { name: 'm' },
    tools: [{ name: 'delete_file', approvers: { users: ['dana'] }, timeout: '5m' }, { name: 'write_file' }],
    approvals: { approvers: { roles: ['ops'] }, byClass: { write: { users: ['wes'] } }, timeout: '1h' },
  });
  const policy = evaluatePolicy({ platform: undefined, spec: spec, run: { userId: 'u', team: 'default' } }).policy;

  test('tool approvers win over class approvers, which win over the default', () => {
    expect(gateFor(spec, spec.tools[0], 'destructive', policy)).toMatchObject({
      approvers: { users: ['dana'] },
      timeoutMs: 300_000,
    });
    expect(gateFor(spec, spec.tools[1], 'write', policy)).toMatchObject({
      approvers: { users: ['wes'] },
      timeoutMs: 3_600_000,
    });
    expect(gateFor(spec, undefined, 'read', policy)).toMatchObject({ approvers: { roles: ['ops'], users: [] } });
  });

  test('users by name or by role; everyone else is refused with the rule', () => {
    const set = { users: ['dana'], roles: ['ops'] };
    const roles = { olga: ['ops'], mike: ['dev'] };
    expect(approverRefusal(set, 'dana', roles, 'x')).toBeUndefined();
    expect(approverRefusal(set, 'olga', roles, 'x')).toBeUndefined();
    expect(approverRefusal(set, 'mike', roles, 'delete_file (1-1)')).toBe(
      'mike may not decide delete_file (1-1): approvers are users dana or roles ops',
    );
    expect(approverRefusal(undefined, 'anyone', roles, 'x')).toBeUndefined();
  });
});

describe('approval book', () => {
  const spec = AgentSpecSchema.parse({
    name: 'a',
    instructions: 'i',
    model: { name: 'm' },
    approvals: { onTimeout: 'escalate', escalation: { approvers: { users: ['boss'] }, timeout: '2m' } },
  });
  // The escalation wait as the run resolves it: the spec's 2m, capped by any platform maximum.
  const escalationMs = evaluatePolicy({ platform: undefined, spec: spec, run: { userId: 'u', team: 'default' } }).policy
    .escalationTimeout.value;

  test('judges decisions the same way for every door', () => {
    const book = new ApprovalBook(new ToolArgsValidator(definitions), {});
    book.open(request({ approvers: { users: ['x'], roles: [] } }));
    expect(book.check({ requestId: '2-1', decision: 'approve', by: 'x' })).toEqual({
      ok: false,
      why: 'no pending request 2-1',
    });
    expect(book.check({ requestId: '1-1', decision: 'approve', by: 'y' })).toMatchObject({
      ok: false,
      why: expect.stringMatching(/^y may not decide/),
    });
    expect(book.check({ requestId: '1-1', decision: 'reject', by: 'x', editedArgs: { path: 'b' } })).toEqual({
      ok: false,
      why: 'editedArgs only go with an approval',
    });
    expect(book.check({ requestId: '1-1', decision: 'approve', by: 'x', editedArgs: { path: 7 } })).toMatchObject({
      ok: false,
      why: expect.stringMatching(/^editedArgs do not fit delete_file: path: /),
    });
    expect(book.check({ requestId: '1-1', decision: 'approve', by: 'x', editedArgs: { path: 'b' } })).toEqual({
      ok: true,
    });
    book.apply({ requestId: '1-1', decision: 'approve', by: 'x', editedArgs: { path: 'b' } }, 'update', T0);
    expect(book.pending).toEqual([]);
    expect(book.requests).toHaveLength(1);
    expect(book.decisionFor('1-1')).toMatchObject({ decision: 'approve', editedArgs: { path: 'b' }, via: 'update' });
    expect(book.check({ requestId: '1-1', decision: 'reject', by: 'y' })).toEqual({
      ok: false,
      why: 'request 1-1 was already decided (approve by x)',
    });
  });

  test('an expired gate escalates once, then rejects', () => {
    const book = new ApprovalBook(new ToolArgsValidator(definitions), {});
    book.open(request({ onTimeout: 'escalate' }));
    book.open(request({ requestId: '1-2', expiresAt: new Date(T0 + 120_000).toISOString() }));
    expect(book.nextDeadline()).toBe(T0 + 60_000);
    expect(book.expire(T0 + 59_999, spec, escalationMs)).toBe(false);
    expect(book.pending.map((r) => r.stage)).toEqual(['primary', 'primary']);
    expect(book.expire(T0 + 60_000, spec, escalationMs)).toBe(true);
    expect(book.pending[0]).toMatchObject({ stage: 'escalated', approvers: { users: ['boss'] } });
    expect(book.pending[0]?.expiresAt).toBe(new Date(T0 + 180_000).toISOString());
    book.expire(T0 + 120_000, spec, escalationMs);
    expect(book.decisionFor('1-2')).toMatchObject({
      decision: 'reject',
      via: 'timeout',
      reason: 'no decision within 2m',
    });
    expect(book.expire(T0 + 180_000, spec, escalationMs)).toBe(true);
    expect(book.decisionFor('1-1')).toMatchObject({
      decision: 'reject',
      reason: 'no decision within 2m after escalation',
    });
    expect(book.pending).toEqual([]);
    expect(book.expire(T0 + 999_999, spec, escalationMs)).toBe(false);
  });
});
