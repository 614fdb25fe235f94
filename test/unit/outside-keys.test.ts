import { callerAccessIdentity } from '../../common/policy/tool-access';
import type { ToolDefinition } from '../../common';
import { AgentSpecSchema } from '../../common/agent-spec';
import { evaluatePolicy } from '../../common/policy/resolve';
import { priceFor } from '../../common/pricing';
import { deleteFile } from '../../activities/tools/file-tools';
import { toolDefinition } from '../../activities/tools/registry';
import { conditionHolds } from '../../common/policy/arg-conditions';
import { ApprovalBook } from '../../workflows/approvals/approval-book';
import { approverRefusal } from '../../common/policy/approval-rules';
import { resolveCandidates } from '../../workflows/model/routing';
import { toolAccess } from '../../common/policy/tool-access';
import { ToolArgsValidator } from '../../workflows/tools/tool-args';

/** Names every plain object answers from its prototype. */
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('outside strings are never read from an object prototype', () => {
  test.each(PROTOTYPE_NAMES)('an approver named %s is refused with the rule, not a crash', (by) => {
    const roles = { olga: ['ops'] };
    expect(approverRefusal({ users: [], roles: ['ops'] }, by, roles, 'delete_file (1-1)')).toBe(
      `${by} may not decide delete_file (1-1): approvers are roles ops`,
    );
    const book = new ApprovalBook(new ToolArgsValidator(new Map()), roles);
    book.open({
      requestId: '1-1',
      step: 1,
      toolCallId: 'c',
      tool: 'delete_file',
      toolClass: 'destructive',
      args: {},
      rule: 'test',
      requestedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T01:00:00.000Z',
      onTimeout: 'reject',
      stage: 'primary',
      approvers: { users: [], roles: ['ops'] },
    });
    expect(book.check({ requestId: '1-1', decision: 'approve', by })).toMatchObject({ ok: false });
  });

  test('a role map that names such a user holds that user roles, as written', () => {
    expect(approverRefusal({ users: [], roles: ['ops'] }, 'constructor', { constructor: ['ops'] }, 'x')).toBe(
      undefined,
    );
  });

  test.each(PROTOTYPE_NAMES)('a user named %s gets only the roles the roles file gives', (userId) => {
    const spec = AgentSpecSchema.parse({ name: 'a', instructions: 'i', model: { name: 'm' } });
    const definition: ToolDefinition = toolDefinition(deleteFile);
    const policy = evaluatePolicy({ platform: undefined, spec: spec, run: { userId, team: 'default' } }).policy;
    const identity = callerAccessIdentity(userId, {}, { ops: { classes: ['destructive' as const] } });
    expect(toolAccess(definition, spec, identity, policy)).toEqual({
      allowed: false,
      rule: `user ${userId} (no roles) may not use destructive tool delete_file`,
    });
  });

  test('argument conditions read only the arguments own fields', () => {
    expect(conditionHolds({ arg: 'constructor.name', equals: 'Object' }, {})).toBe(false);
    expect(conditionHolds({ arg: 'toString', oneOf: [] }, {})).toBe(false);
    expect(conditionHolds({ arg: 'constructor', equals: 'x' }, { constructor: 'x' })).toBe(true);
  });

  test.each(PROTOTYPE_NAMES)('a model named %s has no price unless the table names it', (model) => {
    expect(priceFor({}, model)).toBeUndefined();
    expect(priceFor({ [model]: { input: 1, output: 2 } }, model)).toEqual({ input: 1, output: 2 });
  });

  test('a provider or model named after a prototype member resolves to nothing known', () => {
    const [candidate] = resolveCandidates(
      [{ provider: 'constructor', model: 'toString' }],
      { providers: {} },
      {},
      8192,
    );
    expect(candidate).toEqual({
      provider: 'constructor',
      model: 'toString',
      contextWindow: 8192,
      capabilities: { tools: true, jsonOutput: false },
    });
  });
});
