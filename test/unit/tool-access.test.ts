import { AgentSpecSchema, type AgentSpec, type AgentSpecInput } from '../../common/agent-spec';
import type { ToolDefinition } from '../../common/chat';
import { evaluatePolicy } from '../../common/policy/resolve';
import { callerAccessIdentity, toolAccess, type AccessIdentity } from '../../common/policy/tool-access';

const def = (name: string, toolClass: ToolDefinition['class'], policyName?: string): ToolDefinition => ({
  name,
  description: '',
  class: toolClass,
  parameters: { type: 'object' },
  ...(policyName ? { policyName } : {}),
});
const spec = (extra: Partial<AgentSpecInput> = {}) =>
  AgentSpecSchema.parse({ name: 'ops-bot', instructions: 'i', model: { name: 'm' }, ...extra });
/** Access under the spec's own rules (no platform policy). */
const access = (definition: ToolDefinition, s: AgentSpec, identity: AccessIdentity) =>
  toolAccess(
    definition,
    s,
    identity,
    evaluatePolicy({ platform: undefined, spec: s, run: { userId: identity.userId, team: 'default' } }).policy,
  );
const anyone: AccessIdentity = callerAccessIdentity('alice', {}, {});

describe('tool access: agent allow/deny lists and user roles', () => {
  const readIssues = def('github__get_issue', 'read', 'github.get_issue');
  const deleteRepo = def('github__delete_repo', 'destructive', 'github.delete_repo');
  const readFile = def('read_file', 'read');

  test('deny globs win over allow globs and name the rule', () => {
    const s = spec({ policy: { allow: ['github.*', 'read_file'], deny: ['github.delete_*'] } });
    expect(access(readIssues, s, anyone)).toEqual({ allowed: true });
    expect(access(readFile, s, anyone)).toEqual({ allowed: true });
    expect(access(deleteRepo, s, anyone)).toEqual({
      allowed: false,
      rule: "github.delete_repo is on agent ops-bot's deny list (github.delete_*)",
    });
    expect(access(def('write_file', 'write'), s, anyone)).toEqual({
      allowed: false,
      rule: "write_file is not on agent ops-bot's allow list",
    });
  });

  test('roles limit tools and classes; users without roles fall back to the default role', () => {
    const roleDefinitions = { analyst: { classes: ['read' as const] }, admin: {}, default: { tools: ['read_file'] } };
    const identity = (userId: string, definitions: AccessIdentity['roleDefinitions'] = roleDefinitions) =>
      callerAccessIdentity(userId, { ana: ['analyst'], root: ['admin'] }, definitions);
    const s = spec();
    expect(access(readIssues, s, identity('ana'))).toEqual({ allowed: true });
    expect(access(deleteRepo, s, identity('ana'))).toEqual({
      allowed: false,
      rule: 'user ana (roles: analyst) may not use destructive tool github.delete_repo',
    });
    expect(access(deleteRepo, s, identity('root'))).toEqual({ allowed: true });
    expect(access(readFile, s, identity('guest'))).toEqual({ allowed: true });
    expect(access(readIssues, s, identity('guest'))).toMatchObject({ allowed: false });
    const noDefault = identity('guest', { analyst: { classes: ['read' as const] } });
    expect(access(readFile, s, noDefault)).toEqual({
      allowed: false,
      rule: 'user guest (no roles) may not use read tool read_file',
    });
  });

  test('a directory that defines no roles leaves its users no tools: an empty list never means every tool', () => {
    const restricted: AccessIdentity = { userId: 'ana', roles: ['analyst'], roleDefinitions: {}, restricted: true };
    expect(access(readFile, spec(), restricted)).toEqual({
      allowed: false,
      rule: 'user ana (roles: analyst) may not use read tool read_file',
    });
    expect(access(readFile, spec(), { ...restricted, roles: [] })).toMatchObject({ allowed: false });
  });

  test('a class override in the spec is what roles see', () => {
    const s = spec({ tools: [{ name: 'read_file', class: 'destructive' }] });
    const identity = callerAccessIdentity('ana', { ana: ['analyst'] }, { analyst: { classes: ['read'] } });
    expect(access(readFile, s, identity)).toMatchObject({
      allowed: false,
      rule: expect.stringContaining('destructive tool'),
    });
  });
});
