import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { PolicySource } from '../../activities/policy/policy-source';
import { PolicyFileError, readPolicyFile } from '../../shared/policy-file';
import { AgentSpecSchema, type AgentSpec, type AgentSpecInput } from '../../common/agent-spec';
import type { ApprovalRequest } from '../../common/run-state';
import type { ToolDefinition } from '../../common/chat';
import {
  DEFAULT_APPROVAL_TIMEOUT_MS,
  DEFAULT_MAX_STEPS,
  blocksRunningRun,
  describeViolation,
  nameVerdict,
  evaluatePolicy,
  runContextOf,
  type RunContext,
} from '../../common/policy/resolve';
import {
  DEFAULT_TEAM,
  PlatformPolicySchema,
  TeamScopeSchema,
  type LoadedPolicy,
} from '../../common/policy/platform-policy';
import { PlatformPolicyFileSchema } from '../../common/policy/platform-policy-file';
import { diffPolicies, explainPolicy } from '../../common/policy/explain';
import { limitsOf } from '../../common/policy/limits';
import { BUDGET_RULES, scopesFor, teamLoosenings, tightest, TOOL_CLASSES } from '../../common/policy/scopes';
import { RunInputSchema } from '../../common/run-input';
import { toolViolations } from '../../common/policy/tool-checks';
import { mcpServerAddress, modelsOfSpec, policyNameOfSpecTool } from '../../common/policy/spec-reach';
import { ApprovalBook } from '../../workflows/approvals/approval-book';
import { decideToolCall, gateFor } from '../../common/policy/approval-rules';
import { ToolArgsValidator } from '../../workflows/tools/tool-args';
import { callerAccessIdentity, toolAccess, type AccessIdentity } from '../../common/policy/tool-access';

type PolicyInput = z.input<typeof PlatformPolicySchema>;

const HOUR = 3_600_000;

const spec = (extra: Partial<AgentSpecInput> = {}): AgentSpec =>
  AgentSpecSchema.parse({ name: 'pay-bot', instructions: 'i', model: { name: 'gpt-4o-mini' }, ...extra });
const loaded = (policy: PolicyInput, version = 'v1'): LoadedPolicy => ({
  policy: PlatformPolicyFileSchema.parse(policy),
  version,
});
const ctx = (extra: Partial<RunContext> = {}): RunContext => ({ userId: 'alice', team: DEFAULT_TEAM, ...extra });
const resolve = (policy: PolicyInput | undefined, s: AgentSpec = spec(), run: Partial<RunContext> = {}) =>
  evaluatePolicy({ platform: policy ? loaded(policy) : undefined, spec: s, run: ctx(run) });
/** The effective policy, asserting that nothing was refused. */
const effective = (policy: PolicyInput | undefined, s: AgentSpec = spec(), run: Partial<RunContext> = {}) => {
  const { policy: result, violations } = resolve(policy, s, run);
  expect(violations).toEqual([]);
  return result;
};
const violationsOf = (policy: PolicyInput | undefined, s: AgentSpec = spec(), run: Partial<RunContext> = {}) =>
  resolve(policy, s, run).violations;

const def = (
  name: string,
  toolClass: ToolDefinition['class'],
  extra: Partial<ToolDefinition> = {},
): ToolDefinition => ({
  name,
  description: '',
  class: toolClass,
  parameters: { type: 'object' },
  ...extra,
});
const readFile = def('read_file', 'read');
const writeFile = def('write_file', 'write');
const deleteFile = def('delete_file', 'destructive');
const anyone: AccessIdentity = callerAccessIdentity('alice', {}, {});

describe('org rules apply to a spec that is silent', () => {
  test('budget ceilings: maxSteps is the lower of the default and the ceiling, the others become the limit', () => {
    const budget = {
      maxSteps: 50,
      maxToolCalls: 30,
      maxInputTokens: 10_000,
      maxOutputTokens: 2_000,
      maxTotalTokens: 11_000,
      maxCostUsd: 2,
      maxDuration: '10m',
    };
    const policy = effective({ org: { budget } });
    expect(policy.budget).toEqual({
      maxSteps: { value: DEFAULT_MAX_STEPS, source: 'default' },
      maxToolCalls: { value: 30, source: 'org' },
      maxInputTokens: { value: 10_000, source: 'org' },
      maxOutputTokens: { value: 2_000, source: 'org' },
      maxTotalTokens: { value: 11_000, source: 'org' },
      maxCostUsd: { value: 2, source: 'org' },
      maxDuration: { value: 600_000, source: 'org' },
    });
    expect(limitsOf(policy)).toEqual({
      maxSteps: 20,
      maxToolCalls: 30,
      maxInputTokens: 10_000,
      maxOutputTokens: 2_000,
      maxTotalTokens: 11_000,
      maxCostUsd: 2,
      maxDuration: 600_000,
    });

    const low = effective({ org: { budget: { maxSteps: 8 } } });
    expect(low.budget.maxSteps).toEqual({ value: 8, source: 'org' });
    expect(limitsOf(low)).toEqual({ maxSteps: 8 });
    // A ceiling equal to the default is the org's rule, not the default's.
    expect(effective({ org: { budget: { maxSteps: 20 } } }).budget.maxSteps).toEqual({ value: 20, source: 'org' });
  });

  test('without a platform policy the spec and the defaults decide', () => {
    const policy = effective(undefined);
    expect(policy.version).toBeUndefined();
    expect(policy.budget).toEqual({ maxSteps: { value: 20, source: 'default' } });
    expect(policy.classes).toEqual({
      read: { value: 'allow', source: 'default' },
      write: { value: 'allow', source: 'default' },
      destructive: { value: 'approval', source: 'default' },
    });
    expect(policy.approvalTimeout).toEqual({ value: DEFAULT_APPROVAL_TIMEOUT_MS, source: 'default' });
    expect(policy.maxApprovalTimeout).toBeUndefined();
    expect(policy.codeSandbox).toEqual({ value: 'optional', source: 'default' });
    expect(policy.traceContent).toEqual({ value: true, source: 'default' });
    expect(policy.dailySpendUsd).toBeUndefined();
    // Any team goes when there is no policy to name teams.
    expect(violationsOf(undefined, spec(), { team: 'anything' })).toEqual([]);
  });

  test('a cost ceiling or daily cap from the platform needs a priced model', () => {
    expect(violationsOf({ org: { budget: { maxCostUsd: 2 }, dailySpendUsd: 5 } }, spec(), { priced: false })).toEqual([
      {
        area: 'budget',
        rule: 'budget.maxCostUsd',
        scope: 'org',
        limit: 'a ceiling of $2',
        asked: 'model gpt-4o-mini, which has no price',
        field: 'prices',
      },
      {
        area: 'budget',
        rule: 'dailySpendUsd',
        scope: 'org',
        limit: 'a cap of $5 per user per day',
        asked: 'model gpt-4o-mini, which has no price',
        field: 'prices',
      },
    ]);
    expect(violationsOf({ org: { budget: { maxCostUsd: 2 }, dailySpendUsd: 5 } }, spec(), { priced: true })).toEqual(
      [],
    );
  });

  test('dailySpendUsd caps every user; a run may ask for a lower cap but not a higher one', () => {
    const org = { org: { dailySpendUsd: 5 } };
    expect(effective(org).dailySpendUsd).toEqual({ value: 5, source: 'org' });
    expect(effective(org, spec(), { spendCapUsd: 3 }).dailySpendUsd).toEqual({ value: 3, source: 'run' });
    const { policy, violations } = resolve(org, spec(), { spendCapUsd: 10 });
    expect(violations).toEqual([
      {
        area: 'budget',
        rule: 'dailySpendUsd',
        scope: 'org',
        limit: 'a cap of $5 per user per day',
        asked: '$10',
        field: 'spendCap.dailyUsd',
      },
    ]);
    expect(describeViolation(violations[0]!)).toBe(
      'dailySpendUsd: the org policy sets a cap of $5 per user per day; spendCap.dailyUsd asks for $10',
    );
    expect(policy.dailySpendUsd).toEqual({ value: 5, source: 'org' });
  });

  test('classes: an org approval rule holds over the tool approval setting and a milder class override', () => {
    const policy = effective({ org: { classes: { write: 'approval' } } });
    expect(policy.classes.write).toEqual({ value: 'approval', source: 'org' });
    const orgRule = { kind: 'approval', rule: 'org policy: write tools need approval' };
    expect(decideToolCall(undefined, writeFile, {}, policy.classes)).toEqual(orgRule);
    expect(decideToolCall({ name: 'write_file', approval: 'never' }, writeFile, {}, policy.classes)).toEqual(orgRule);
    // Calling the write tool a read tool does not escape the rule for what it is.
    expect(
      decideToolCall({ name: 'write_file', approval: 'never', class: 'read' }, writeFile, {}, policy.classes),
    ).toEqual(orgRule);
    // A per-call classification of write counts too, even on a tool declared destructive at worst.
    expect(decideToolCall(undefined, def('http_request', 'destructive'), {}, policy.classes, 'write')).toEqual(orgRule);
    // Read tools are untouched.
    expect(decideToolCall(undefined, readFile, {}, policy.classes)).toEqual({ kind: 'run' });
  });

  test('classes: the default destructive approval is the spec own to waive, unlike a platform one', () => {
    const none = effective(undefined);
    expect(decideToolCall({ name: 'delete_file', approval: 'never' }, deleteFile, {}, none.classes)).toEqual({
      kind: 'run',
    });
    expect(decideToolCall(undefined, deleteFile, {}, none.classes)).toEqual({
      kind: 'approval',
      rule: 'delete_file is destructive; destructive tools need approval',
    });
    const org = effective({ org: { classes: { destructive: 'approval' } } });
    expect(decideToolCall({ name: 'delete_file', approval: 'never' }, deleteFile, {}, org.classes)).toEqual({
      kind: 'approval',
      rule: 'org policy: destructive tools need approval',
    });
  });

  test('classes: a spec that repeats the org approval rule keeps it binding', () => {
    const s = spec({
      policy: { classes: { write: 'approval' } },
      tools: [{ name: 'write_file', approval: 'never' }],
    });
    const policy = effective({ org: { classes: { write: 'approval' } } }, s);
    expect(policy.classes.write).toEqual({ value: 'approval', source: 'org' });
    expect(decideToolCall(s.tools[0], writeFile, {}, policy.classes)).toEqual({
      kind: 'approval',
      rule: 'org policy: write tools need approval',
    });
    expect(toolViolations(policy, s, new Map([['write_file', writeFile]]))).toEqual([
      {
        area: 'classes',
        rule: 'classes.write',
        scope: 'org',
        limit: 'approval for every write call',
        asked: 'approval: never',
        field: 'spec.tools.0.approval',
      },
    ]);
  });

  test('tools: org deny and allow lists refuse tools, naming the org policy', () => {
    const denied = effective({ org: { tools: { deny: ['delete_*'] } } });
    expect(toolAccess(deleteFile, spec(), anyone, denied)).toEqual({
      allowed: false,
      rule: "delete_file is on the org policy's deny list (delete_*)",
    });
    expect(toolAccess(writeFile, spec(), anyone, denied)).toEqual({ allowed: true });

    const allowed = effective({ org: { tools: { allow: ['read_file', 'github.*'] } } });
    expect(toolAccess(readFile, spec(), anyone, allowed)).toEqual({ allowed: true });
    expect(toolAccess(writeFile, spec(), anyone, allowed)).toEqual({
      allowed: false,
      rule: "write_file is not on the org policy's allow list",
    });
    // MCP tools are matched by their policy name.
    const issue = def('github__get_issue', 'read', { policyName: 'github.get_issue' });
    expect(toolAccess(issue, spec(), anyone, allowed)).toEqual({ allowed: true });

    // The spec's own lists are a further layer, after the platform's.
    const both = effective({ org: { tools: { deny: ['delete_*'] } } }, spec({ policy: { deny: ['write_*'] } }));
    expect(both.tools.map((layer) => layer.source)).toEqual(['org', 'agent spec']);
    expect(toolAccess(writeFile, spec({ policy: { deny: ['write_*'] } }), anyone, both)).toEqual({
      allowed: false,
      rule: "write_file is on agent pay-bot's deny list (write_*)",
    });
  });

  test('tools: a team deny list adds to the org one and names the team', () => {
    const policy = effective(
      { org: { tools: { deny: ['delete_*'] } }, teams: { payments: { tools: { deny: ['http_request'] } } } },
      spec(),
      { team: 'payments' },
    );
    expect(toolAccess(def('http_request', 'destructive'), spec(), anyone, policy)).toEqual({
      allowed: false,
      rule: "http_request is on the team payments policy's deny list (http_request)",
    });
    expect(toolAccess(deleteFile, spec(), anyone, policy)).toMatchObject({
      rule: "delete_file is on the org policy's deny list (delete_*)",
    });
  });

  test('mcpServers: the allow list matches the server address, not its name', () => {
    const org = { org: { mcpServers: { allow: ['https://mcp.internal.example.com/**'] } } };
    const good = spec({
      mcpServers: [{ name: 'github', transport: 'http', url: 'https://mcp.internal.example.com/gh' }],
    });
    const bad = spec({ mcpServers: [{ name: 'github', transport: 'http', url: 'https://evil.example.com/mcp' }] });
    const tool = def('github__get_issue', 'read', {
      policyName: 'github.get_issue',
      source: { kind: 'mcp', server: 'github', tool: 'get_issue' },
    });

    const goodPolicy = effective(org, good);
    expect(toolAccess(tool, good, anyone, goodPolicy)).toEqual({ allowed: true });

    const { policy, violations } = resolve(org, bad);
    expect(violations).toEqual([
      {
        area: 'mcpServers',
        rule: 'mcpServers.allow',
        scope: 'org',
        limit: 'an allow list without it',
        asked: 'github (https://evil.example.com/mcp)',
        field: 'spec.mcpServers.0',
      },
    ]);
    expect(toolAccess(tool, bad, anyone, policy)).toEqual({
      allowed: false,
      rule: 'MCP server github is not allowed by the org policy',
    });
    // Worker tools are not MCP tools: the server rules do not touch them.
    expect(toolAccess(readFile, bad, anyone, policy)).toEqual({ allowed: true });
  });

  test('mcpServers: a stdio server is matched by its command line', () => {
    const server = { name: 'git', transport: 'stdio' as const, command: 'uvx', args: ['mcp-server-git'] };
    const s = spec({ mcpServers: [server] });
    expect(mcpServerAddress(s.mcpServers[0]!)).toBe('uvx mcp-server-git');
    expect(violationsOf({ org: { mcpServers: { deny: ['uvx mcp-server-*'] } } }, s)).toEqual([
      {
        area: 'mcpServers',
        rule: 'mcpServers.deny',
        scope: 'org',
        limit: 'deny uvx mcp-server-*',
        asked: 'git (uvx mcp-server-git)',
        field: 'spec.mcpServers.0',
      },
    ]);
  });

  test('models: the spec model, routed candidates and the summary model are checked as provider/model', () => {
    const org = { org: { models: { allow: ['default/gpt-4o*'] } } };
    expect(violationsOf(org)).toEqual([]);
    expect(violationsOf(org, spec({ model: { name: 'claude-3-opus' } }))).toEqual([
      {
        area: 'models',
        rule: 'models.allow',
        scope: 'org',
        limit: 'an allow list without it',
        asked: 'default/claude-3-opus',
        field: 'spec.model.name',
      },
    ]);
    expect(violationsOf(org, spec({ context: { summaryModel: 'o1-mini' } }))).toMatchObject([
      { asked: 'default/o1-mini', field: 'spec.context.summaryModel' },
    ]);

    // `openai` is the worker's own provider under another name, so it counts as `default`.
    const routed = spec({
      models: {
        candidates: [
          { provider: 'openai', model: 'gpt-4o-mini' },
          { provider: 'azure', model: 'gpt-4o' },
        ],
      },
    });
    expect(violationsOf(org, routed)).toEqual([
      {
        area: 'models',
        rule: 'models.allow',
        scope: 'org',
        limit: 'an allow list without it',
        asked: 'azure/gpt-4o',
        field: 'spec.models.candidates.1',
      },
    ]);
    expect(violationsOf({ org: { models: { deny: ['azure/*'] } } }, routed)).toEqual([
      {
        area: 'models',
        rule: 'models.deny',
        scope: 'org',
        limit: 'deny azure/*',
        asked: 'azure/gpt-4o',
        field: 'spec.models.candidates.1',
      },
    ]);
  });

  test('modelsOfSpec names every model a run may call', () => {
    expect(modelsOfSpec(spec({ context: { summaryModel: 'small' } }))).toEqual([
      { model: 'default/gpt-4o-mini', field: 'spec.model.name' },
      { model: 'default/small', field: 'spec.context.summaryModel' },
    ]);
    const routed = spec({
      context: { summaryModel: 'small' },
      models: { candidates: [{ provider: 'azure', model: 'big' }, { model: 'other' }] },
    });
    expect(modelsOfSpec(routed)).toEqual([
      { model: 'azure/big', field: 'spec.models.candidates.0' },
      { model: 'default/other', field: 'spec.models.candidates.1' },
      { model: 'azure/small', field: 'spec.context.summaryModel' },
    ]);
    const withPurpose = spec({
      models: {
        candidates: [{ provider: 'azure', model: 'big' }],
        purposes: { summary: { candidates: [{ provider: 'openai', model: 'mini' }] } },
      },
    });
    expect(modelsOfSpec(withPurpose)).toEqual([
      { model: 'azure/big', field: 'spec.models.candidates.0' },
      { model: 'default/mini', field: 'spec.models.purposes.summary.candidates.0' },
    ]);
  });

  test('approvers: platform groups are required on every gate, and a decider must be in each', () => {
    const policyInput: PolicyInput = {
      org: { approvals: { approvers: { roles: ['security'] } } },
      teams: { payments: { approvals: { byClass: { destructive: { users: ['pam'] } } } } },
    };
    const s = spec({ approvals: { approvers: { roles: ['dev'] } } });
    const orgOnly = effective(policyInput, s);
    expect(gateFor(s, undefined, 'destructive', orgOnly)).toEqual({
      approvers: { users: [], roles: ['dev'] },
      required: [{ source: 'org', approvers: { users: [], roles: ['security'] } }],
      timeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS,
      onTimeout: 'reject',
      quorum: 1,
      quorumGroups: [],
      requesterMayApprove: true,
    });
    const team = effective(policyInput, s, { team: 'payments' });
    expect(gateFor(s, undefined, 'destructive', team).required).toEqual([
      { source: 'org', approvers: { users: [], roles: ['security'] } },
      { source: 'team payments', approvers: { users: ['pam'], roles: [] } },
    ]);
    // byClass replaces a scope's general approvers for that class only; the team names none for write.
    expect(gateFor(s, undefined, 'write', team).required).toEqual([
      { source: 'org', approvers: { users: [], roles: ['security'] } },
    ]);
    expect(gateFor(s, undefined, 'write', effective(undefined, s)).required).toEqual([]);

    const roles = { dev: ['dev'], sec: ['security'], both: ['dev', 'security'] };
    const book = new ApprovalBook(new ToolArgsValidator(new Map([['delete_file', deleteFile]])), roles);
    const gate = gateFor(s, undefined, 'destructive', orgOnly);
    const request: ApprovalRequest = {
      requestId: '1-1',
      step: 1,
      toolCallId: 'c',
      tool: 'delete_file',
      toolClass: 'destructive',
      args: {},
      rule: 'test',
      requestedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T01:00:00.000Z',
      onTimeout: gate.onTimeout,
      stage: 'primary',
      ...(gate.approvers ? { approvers: gate.approvers } : {}),
      requiredApprovers: gate.required,
    };
    book.open(request);
    expect(book.check({ requestId: '1-1', decision: 'approve', by: 'dev' })).toEqual({
      ok: false,
      why: 'dev may not decide delete_file (1-1): approvers are roles security (required by the org policy)',
    });
    expect(book.check({ requestId: '1-1', decision: 'approve', by: 'sec' })).toEqual({
      ok: false,
      why: 'sec may not decide delete_file (1-1): approvers are roles dev',
    });
    expect(book.check({ requestId: '1-1', decision: 'approve', by: 'both' })).toEqual({ ok: true });

    // Without spec approvers, the platform group alone decides who may.
    const open = new ApprovalBook(new ToolArgsValidator(new Map()), roles);
    open.open({ ...request, requestId: '2-1', approvers: undefined });
    expect(open.check({ requestId: '2-1', decision: 'reject', by: 'sec' })).toEqual({ ok: true });
    expect(open.check({ requestId: '2-1', decision: 'reject', by: 'dev' })).toMatchObject({
      ok: false,
      why: expect.stringContaining('(required by the org policy)'),
    });
  });

  test('approvals.maxTimeout: the default wait shrinks to a shorter ceiling, a longer one leaves the default', () => {
    const short = effective({ org: { approvals: { maxTimeout: '1h' } } });
    expect(short.approvalTimeout).toEqual({ value: HOUR, source: 'org' });
    expect(short.escalationTimeout).toEqual({ value: HOUR, source: 'org' });
    expect(short.maxApprovalTimeout).toEqual({ value: HOUR, source: 'org' });
    expect(gateFor(spec(), undefined, 'destructive', short).timeoutMs).toBe(HOUR);

    const long = effective({ org: { approvals: { maxTimeout: '2d' } } });
    expect(long.approvalTimeout).toEqual({ value: DEFAULT_APPROVAL_TIMEOUT_MS, source: 'default' });
    expect(long.maxApprovalTimeout).toEqual({ value: 2 * DEFAULT_APPROVAL_TIMEOUT_MS, source: 'org' });

    const asked = spec({ approvals: { timeout: '30m' } });
    expect(effective({ org: { approvals: { maxTimeout: '1h' } } }, asked).approvalTimeout).toEqual({
      value: 1_800_000,
      source: 'agent spec',
    });
  });

  test('approvals.maxTimeout: a longer spec, tool or escalation wait is refused and capped', () => {
    const s = spec({
      tools: [{ name: 'delete_file', timeout: '3h' }],
      approvals: {
        timeout: '2h',
        onTimeout: 'escalate',
        escalation: { approvers: { users: ['boss'] }, timeout: '90m' },
      },
    });
    const { policy, violations } = resolve({ org: { approvals: { maxTimeout: '1h' } } }, s);
    expect(violations).toEqual([
      {
        area: 'approvals',
        rule: 'approvals.maxTimeout',
        scope: 'org',
        limit: 'gates of at most 1h',
        asked: '2h',
        field: 'spec.approvals.timeout',
      },
      {
        area: 'approvals',
        rule: 'approvals.maxTimeout',
        scope: 'org',
        limit: 'gates of at most 1h',
        asked: '90m',
        field: 'spec.approvals.escalation.timeout',
      },
      {
        area: 'approvals',
        rule: 'approvals.maxTimeout',
        scope: 'org',
        limit: 'gates of at most 1h',
        asked: '3h',
        field: 'spec.tools.0.timeout',
      },
    ]);
    expect(describeViolation(violations[0]!)).toBe(
      'approvals.maxTimeout: the org policy sets gates of at most 1h; spec.approvals.timeout asks for 2h',
    );
    expect(policy.approvalTimeout).toEqual({ value: HOUR, source: 'org' });
    expect(policy.escalationTimeout).toEqual({ value: HOUR, source: 'org' });
    // The tool's own wait is capped where the gate is built.
    expect(gateFor(s, s.tools[0], 'destructive', policy).timeoutMs).toBe(HOUR);
  });

  test('sandbox.codeTools required: unsandboxed code tools are refused, sandboxed ones allowed', () => {
    const policy = effective({ org: { sandbox: { codeTools: 'required' } } });
    expect(policy.codeSandbox).toEqual({ value: 'required', source: 'org' });
    expect(
      toolAccess(def('run_code', 'destructive', { runsCode: { sandboxed: false } }), spec(), anyone, policy),
    ).toEqual({
      allowed: false,
      rule: 'the org policy requires a sandbox for code tools, and run_code runs unsandboxed on this worker',
    });
    expect(
      toolAccess(def('run_code', 'destructive', { runsCode: { sandboxed: true } }), spec(), anyone, policy),
    ).toEqual({ allowed: true });
    // Tools that run no code are not affected.
    expect(toolAccess(writeFile, spec(), anyone, policy)).toEqual({ allowed: true });
    // Without the rule, an unsandboxed code tool is the worker operator's business.
    expect(
      toolAccess(def('run_code', 'destructive', { runsCode: { sandboxed: false } }), spec(), anyone, effective({})),
    ).toEqual({ allowed: true });
  });

  test('traces.content: forbidden, opt-in and allowed against the spec telemetry setting', () => {
    const optIn = spec({ telemetry: { recordContent: true } });
    const optOut = spec({ telemetry: { recordContent: false } });

    expect(effective({ org: { traces: { content: 'forbidden' } } }).traceContent).toEqual({
      value: false,
      source: 'org',
    });
    expect(effective({ org: { traces: { content: 'opt-in' } } }).traceContent).toEqual({ value: false, source: 'org' });
    expect(effective({ org: { traces: { content: 'opt-in' } } }, optIn).traceContent).toEqual({
      value: true,
      source: 'agent spec',
    });
    expect(effective({ org: { traces: { content: 'allowed' } } }).traceContent).toEqual({ value: true, source: 'org' });
    expect(effective({ org: { traces: { content: 'allowed' } } }, optOut).traceContent).toEqual({
      value: false,
      source: 'agent spec',
    });

    const { policy, violations } = resolve({ org: { traces: { content: 'forbidden' } } }, optIn);
    expect(violations).toEqual([
      {
        area: 'traces',
        rule: 'traces.content',
        scope: 'org',
        limit: 'no message content on traces',
        asked: 'recordContent: true',
        field: 'spec.telemetry.recordContent',
      },
    ]);
    expect(policy.traceContent).toEqual({ value: false, source: 'org' });
  });
});

describe('loosening attempts are refused with the rule, the scope and what was asked', () => {
  test('each violation names its area; only a forbidden model, MCP server, team or member blocks a running run', () => {
    const strict: PolicyInput = {
      org: { budget: { maxSteps: 5 }, models: { deny: ['default/*'] }, mcpServers: { allow: [] } },
      teams: { payments: { members: ['bob'] } },
    };
    const s = spec({
      maxSteps: 10,
      mcpServers: [{ name: 'docs', transport: 'http', url: 'http://127.0.0.1:1/mcp' }],
    });
    const found = violationsOf(strict, s, { team: 'payments' });
    expect(found.map((v) => [v.area, blocksRunningRun(v)])).toEqual(
      expect.arrayContaining([
        ['team', true],
        ['budget', false],
        ['mcpServers', true],
        ['models', true],
      ]),
    );
    expect(
      violationsOf(strict, s, { team: 'growth' })
        .filter((v) => v.rule === 'teams')
        .map(blocksRunningRun),
    ).toEqual([true]);
  });

  const ceilings: PolicyInput = {
    org: { budget: { maxSteps: 80, maxCostUsd: 2, maxDuration: '1h', maxToolCalls: 40 } },
    teams: { payments: { budget: { maxSteps: 50 } } },
  };

  test('spec maxSteps above the team ceiling', () => {
    const { policy, violations } = resolve(ceilings, spec({ maxSteps: 100 }), { team: 'payments' });
    expect(violations).toEqual([
      {
        area: 'budget',
        rule: 'budget.maxSteps',
        scope: 'team payments',
        limit: 'a ceiling of 50',
        asked: '100',
        field: 'spec.maxSteps',
      },
    ]);
    expect(describeViolation(violations[0]!)).toBe(
      'budget.maxSteps: the team payments policy sets a ceiling of 50; spec.maxSteps asks for 100',
    );
    expect(policy.budget.maxSteps).toEqual({ value: 50, source: 'team payments' });
    // Outside the team the org ceiling applies.
    expect(violationsOf(ceilings, spec({ maxSteps: 100 }))).toMatchObject([
      { scope: 'org', limit: 'a ceiling of 80', asked: '100' },
    ]);
  });

  test('spec budget above the org ceilings', () => {
    const { policy, violations } = resolve(ceilings, spec({ budget: { maxCostUsd: 5, maxDuration: '2h' } }));
    expect(violations.map(describeViolation)).toEqual([
      'budget.maxCostUsd: the org policy sets a ceiling of $2; spec.budget.maxCostUsd asks for $5',
      'budget.maxDuration: the org policy sets a ceiling of 1h; spec.budget.maxDuration asks for 2h',
    ]);
    expect(policy.budget.maxCostUsd).toEqual({ value: 2, source: 'org' });
    expect(policy.budget.maxDuration).toEqual({ value: HOUR, source: 'org' });
  });

  test('a run budget override above the ceiling', () => {
    const { policy, violations } = resolve(ceilings, spec(), { budget: { maxToolCalls: 50 } });
    expect(violations).toEqual([
      {
        area: 'budget',
        rule: 'budget.maxToolCalls',
        scope: 'org',
        limit: 'a limit of 40',
        asked: '50',
        field: 'budget.maxToolCalls',
      },
    ]);
    expect(describeViolation(violations[0]!)).toBe(
      'budget.maxToolCalls: the org policy sets a limit of 40; budget.maxToolCalls asks for 50',
    );
    expect(policy.budget.maxToolCalls).toEqual({ value: 40, source: 'org' });

    // Above the spec's own (lower) limit, the spec is the scope named.
    const own = resolve(ceilings, spec({ budget: { maxCostUsd: 1 } }), { budget: { maxCostUsd: 1.5 } }).violations;
    expect(own).toEqual([
      {
        area: 'budget',
        rule: 'budget.maxCostUsd',
        scope: 'agent spec',
        limit: 'a limit of $1',
        asked: '$1.5',
        field: 'budget.maxCostUsd',
      },
    ]);
    expect(describeViolation(own[0]!)).toBe(
      'budget.maxCostUsd: agent spec sets a limit of $1; budget.maxCostUsd asks for $1.5',
    );

    // A lower override is the run's.
    const lower = effective(ceilings, spec(), { budget: { maxToolCalls: 10, maxSteps: 5 } });
    expect(lower.budget.maxToolCalls).toEqual({ value: 10, source: 'run' });
    expect(lower.budget.maxSteps).toEqual({ value: 5, source: 'run' });
  });

  test('spec classes.destructive: allow under an org approval rule', () => {
    const s = spec({ policy: { classes: { destructive: 'allow' } } });
    const { policy, violations } = resolve({ org: { classes: { destructive: 'approval' } } }, s);
    expect(violations).toEqual([
      {
        area: 'classes',
        rule: 'classes.destructive',
        scope: 'org',
        limit: 'approval for every destructive call',
        asked: 'allow',
        field: 'spec.policy.classes.destructive',
      },
    ]);
    expect(policy.classes.destructive).toEqual({ value: 'approval', source: 'org' });
    // Without a platform rule, waiving the default is the spec's call.
    expect(effective(undefined, s).classes.destructive).toEqual({ value: 'allow', source: 'agent spec' });
  });

  test('a spec tool on the org deny list, by its policy name', () => {
    const s = spec({
      mcpServers: [{ name: 'github', transport: 'http', url: 'https://mcp.example.com/gh' }],
      tools: [{ name: 'read_file' }, { name: 'delete_file' }, { name: 'github__delete_repo' }],
    });
    expect(policyNameOfSpecTool(s, 'github__delete_repo')).toBe('github.delete_repo');
    expect(policyNameOfSpecTool(s, 'delete_file')).toBe('delete_file');
    expect(violationsOf({ org: { tools: { deny: ['delete_*', 'github.delete_*'] } } }, s)).toEqual([
      {
        area: 'tools',
        rule: 'tools.deny',
        scope: 'org',
        limit: 'deny delete_*',
        asked: 'delete_file',
        field: 'spec.tools.1.name',
      },
      {
        area: 'tools',
        rule: 'tools.deny',
        scope: 'org',
        limit: 'deny github.delete_*',
        asked: 'github.delete_repo',
        field: 'spec.tools.2.name',
      },
    ]);
    expect(violationsOf({ org: { tools: { allow: ['read_file'] } } }, s)).toMatchObject([
      { rule: 'tools.allow', limit: 'an allow list without it', asked: 'delete_file', field: 'spec.tools.1.name' },
      { rule: 'tools.allow', asked: 'github.delete_repo', field: 'spec.tools.2.name' },
    ]);
  });

  test('a team the policy does not define', () => {
    const withTeams: PolicyInput = { teams: { payments: {}, search: {} } };
    expect(violationsOf(withTeams, spec(), { team: 'growth' })).toEqual([
      {
        area: 'team',
        rule: 'teams',
        scope: 'org',
        limit: 'the teams payments, search',
        asked: 'growth',
        field: 'team',
      },
    ]);
    expect(describeViolation(violationsOf({}, spec(), { team: 'growth' })[0]!)).toBe(
      'teams: the org policy sets no teams; team asks for growth',
    );
    // The default team needs no scope of its own.
    expect(violationsOf(withTeams, spec(), { team: DEFAULT_TEAM })).toEqual([]);
  });

  test('a user outside a team with a members list', () => {
    const teams: PolicyInput = { teams: { payments: { members: ['alice', 'bob'] } } };
    expect(violationsOf(teams, spec(), { team: 'payments', userId: 'bob' })).toEqual([]);
    const refused = violationsOf(teams, spec(), { team: 'payments', userId: 'mallory' });
    expect(refused).toEqual([
      {
        area: 'team',
        rule: 'members',
        scope: 'team payments',
        limit: 'members alice, bob',
        asked: 'mallory',
        field: 'userId',
      },
    ]);
    expect(describeViolation(refused[0]!)).toBe(
      'members: the team payments policy sets members alice, bob; userId asks for mallory',
    );
  });

  test('toolViolations: approval never and class downgrades under a platform approval rule', () => {
    const definitions = new Map([
      ['delete_file', deleteFile],
      ['write_file', writeFile],
    ]);
    const s = spec({
      tools: [
        { name: 'delete_file', approval: 'never' },
        { name: 'write_file', approval: 'never' },
        { name: 'unknown_tool', approval: 'never' },
      ],
    });
    const org = effective({ org: { classes: { destructive: 'approval' } } }, s);
    expect(toolViolations(org, s, definitions)).toEqual([
      {
        area: 'classes',
        rule: 'classes.destructive',
        scope: 'org',
        limit: 'approval for every destructive call',
        asked: 'approval: never',
        field: 'spec.tools.0.approval',
      },
    ]);
    // The same spec under only the default rules is fine: the default is the spec's to waive.
    expect(toolViolations(effective(undefined, s), s, definitions)).toEqual([]);

    const downgraded = spec({ tools: [{ name: 'delete_file', class: 'write' }] });
    const policy = effective({ org: { classes: { destructive: 'approval' } } }, downgraded);
    expect(toolViolations(policy, downgraded, definitions)).toEqual([
      {
        area: 'classes',
        rule: 'classes.destructive',
        scope: 'org',
        limit: 'approval for every destructive call',
        asked: 'class write for delete_file, a destructive tool',
        field: 'spec.tools.0.class',
      },
    ]);
    // Downgrading to a class that needs approval too loses nothing.
    const both = effective({ org: { classes: { destructive: 'approval', write: 'approval' } } }, downgraded);
    expect(toolViolations(both, downgraded, definitions)).toEqual([]);

    const conditional = spec({
      tools: [{ name: 'delete_file', approval: { when: [{ arg: 'path', glob: 'prod/**' }] } }],
    });
    expect(
      toolViolations(
        effective({ teams: { payments: { classes: { destructive: 'approval' } } } }, conditional, {
          team: 'payments',
        }),
        conditional,
        definitions,
      ),
    ).toEqual([
      {
        area: 'classes',
        rule: 'classes.destructive',
        scope: 'team payments',
        limit: 'approval for every destructive call',
        asked: 'approval only under conditions',
        field: 'spec.tools.0.approval',
      },
    ]);
  });
});

describe('tightening is accepted', () => {
  test('spec limits below the ceilings are the spec own', () => {
    const policy = effective(
      { org: { budget: { maxSteps: 50, maxCostUsd: 2, maxDuration: '1h' }, dailySpendUsd: 10 } },
      spec({ maxSteps: 5, budget: { maxCostUsd: 1, maxDuration: '10m' } }),
    );
    expect(policy.budget.maxSteps).toEqual({ value: 5, source: 'agent spec' });
    expect(policy.budget.maxCostUsd).toEqual({ value: 1, source: 'agent spec' });
    expect(policy.budget.maxDuration).toEqual({ value: 600_000, source: 'agent spec' });
    // A spec asking for exactly the ceiling is fine too.
    expect(effective({ org: { budget: { maxSteps: 50 } } }, spec({ maxSteps: 50 })).budget.maxSteps).toEqual({
      value: 50,
      source: 'agent spec',
    });
    // An explicit maxSteps above the default is honoured when nothing caps it.
    expect(effective(undefined, spec({ maxSteps: 60 })).budget.maxSteps).toEqual({ value: 60, source: 'agent spec' });
  });

  test('a spec adding approval for write', () => {
    const s = spec({ policy: { classes: { write: 'approval' } } });
    const policy = effective({ org: { classes: { write: 'allow' } } }, s);
    expect(policy.classes.write).toEqual({ value: 'approval', source: 'agent spec' });
    expect(decideToolCall(undefined, writeFile, {}, policy.classes)).toEqual({
      kind: 'approval',
      rule: 'write_file is write; write tools need approval',
    });
  });

  test('a team lowering the org ceilings and tightening its rules', () => {
    const policyInput: PolicyInput = {
      org: {
        budget: { maxCostUsd: 5, maxSteps: 15 },
        dailySpendUsd: 20,
        approvals: { maxTimeout: '1h' },
        traces: { content: 'opt-in' },
        sandbox: { codeTools: 'optional' },
      },
      teams: {
        x: {
          budget: { maxCostUsd: 2, maxSteps: 15 },
          dailySpendUsd: 8,
          classes: { write: 'approval' },
          approvals: { maxTimeout: '30m' },
          traces: { content: 'forbidden' },
          sandbox: { codeTools: 'required' },
        },
      },
    };
    const policy = effective(policyInput, spec(), { team: 'x' });
    expect(policy.budget.maxCostUsd).toEqual({ value: 2, source: 'team x' });
    // On a tie the higher scope is named.
    expect(policy.budget.maxSteps).toEqual({ value: 15, source: 'org' });
    expect(policy.dailySpendUsd).toEqual({ value: 8, source: 'team x' });
    expect(policy.classes.write).toEqual({ value: 'approval', source: 'team x' });
    expect(decideToolCall(undefined, writeFile, {}, policy.classes)).toEqual({
      kind: 'approval',
      rule: 'team x policy: write tools need approval',
    });
    expect(policy.approvalTimeout).toEqual({ value: 1_800_000, source: 'team x' });
    expect(policy.maxApprovalTimeout).toEqual({ value: 1_800_000, source: 'team x' });
    expect(policy.traceContent).toEqual({ value: false, source: 'team x' });
    expect(policy.codeSandbox).toEqual({ value: 'required', source: 'team x' });
    // A spec below the team ceiling is its own.
    expect(effective(policyInput, spec({ budget: { maxCostUsd: 1 } }), { team: 'x' }).budget.maxCostUsd).toEqual({
      value: 1,
      source: 'agent spec',
    });
  });

  test('tightest and scopesFor pick the lowest value and the scopes of the run team', () => {
    const policy = PlatformPolicyFileSchema.parse({
      org: { budget: { maxToolCalls: 10 } },
      teams: { a: { budget: { maxToolCalls: 4 } }, b: {} },
    });
    expect(scopesFor(undefined, 'a')).toEqual([]);
    expect(scopesFor(policy, 'a').map((scope) => scope.source)).toEqual(['org', 'team a']);
    expect(scopesFor(policy, 'nobody').map((scope) => scope.source)).toEqual(['org']);
    expect(tightest(scopesFor(policy, 'a'), (rules) => rules.budget?.maxToolCalls)).toEqual({
      value: 4,
      source: 'team a',
    });
    expect(tightest(scopesFor(policy, 'b'), (rules) => rules.budget?.maxToolCalls)).toEqual({
      value: 10,
      source: 'org',
    });
    expect(tightest(scopesFor(policy, 'b'), (rules) => rules.budget?.maxCostUsd)).toBeUndefined();
  });

  test('nameVerdict: deny wins within a layer, the first refusing layer is named', () => {
    const layers = [
      { source: 'org', allow: ['github.*'], deny: ['github.delete_*'] },
      { source: 'team a', deny: ['github.admin_*'] },
    ];
    expect(nameVerdict(layers, 'github.get_issue')).toEqual({ allowed: true });
    expect(nameVerdict(layers, 'github.delete_repo')).toEqual({
      allowed: false,
      source: 'org',
      rule: 'deny',
      glob: 'github.delete_*',
    });
    expect(nameVerdict(layers, 'read_file')).toEqual({ allowed: false, source: 'org', rule: 'allow' });
    expect(nameVerdict(layers, 'github.admin_reset')).toEqual({
      allowed: false,
      source: 'team a',
      rule: 'deny',
      glob: 'github.admin_*',
    });
    expect(nameVerdict([{ source: 'org', allow: [], deny: [] }], 'anything')).toMatchObject({ allowed: false });
  });

  test('runContextOf reads the caller side of a run input', () => {
    const input = RunInputSchema.parse({
      spec: { name: 'pay-bot', instructions: 'i', model: { name: 'gpt-4o-mini' }, team: 'payments' },
      prompt: 'p',
      userId: 'alice',
      budget: { maxToolCalls: 3 },
      spendCap: { dailyUsd: 4 },
      prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },
    });
    expect(runContextOf(input)).toEqual({
      userId: 'alice',
      team: 'payments',
      budget: { maxToolCalls: 3 },
      spendCapUsd: 4,
      priced: true,
    });
    const other = RunInputSchema.parse({
      spec: { name: 'pay-bot', instructions: 'i', model: { name: 'local-model' }, team: 'payments' },
      prompt: 'p',
      userId: 'bob',
      team: 'search',
    });
    expect(runContextOf(other)).toEqual({ userId: 'bob', team: 'search', budget: {}, priced: false });
    const plain = RunInputSchema.parse({
      spec: { name: 'a', instructions: 'i', model: { name: 'm' } },
      prompt: 'p',
      userId: 'u',
    });
    expect(runContextOf(plain).team).toBe(DEFAULT_TEAM);
  });
});

describe('team scopes may only tighten the org (policy file validation)', () => {
  const issuesOf = (policy: PolicyInput) => {
    const parsed = PlatformPolicyFileSchema.safeParse(policy);
    expect(parsed.success).toBe(false);
    return parsed.error!.issues.map((issue) => ({ path: issue.path, message: issue.message }));
  };

  test('raising a budget ceiling or the daily cap', () => {
    expect(
      issuesOf({
        org: { budget: { maxCostUsd: 5, maxDuration: '1h' }, dailySpendUsd: 5 },
        teams: { payments: { budget: { maxCostUsd: 10, maxDuration: '2h' }, dailySpendUsd: 10 } },
      }),
    ).toEqual([
      {
        path: ['teams', 'payments', 'budget', 'maxCostUsd'],
        message: 'may only lower the org ceiling of $5, not raise it to $10',
      },
      {
        path: ['teams', 'payments', 'budget', 'maxDuration'],
        message: 'may only lower the org ceiling of 1h, not raise it to 2h',
      },
      {
        path: ['teams', 'payments', 'dailySpendUsd'],
        message: 'may only lower the org cap of $5, not raise it to $10',
      },
    ]);
  });

  test('waiving an org class approval', () => {
    expect(
      issuesOf({
        org: { classes: { destructive: 'approval' } },
        teams: { ops: { classes: { destructive: 'allow' } } },
      }),
    ).toEqual([
      {
        path: ['teams', 'ops', 'classes', 'destructive'],
        message: 'the org requires approval for destructive tools; a team may not waive it',
      },
    ]);
  });

  test('relaxing the sandbox or trace content', () => {
    expect(
      issuesOf({
        org: { sandbox: { codeTools: 'required' }, traces: { content: 'forbidden' } },
        teams: { ops: { sandbox: { codeTools: 'optional' }, traces: { content: 'opt-in' } } },
      }),
    ).toEqual([
      { path: ['teams', 'ops', 'sandbox', 'codeTools'], message: 'the org requires a sandbox for code tools' },
      {
        path: ['teams', 'ops', 'traces', 'content'],
        message: 'the org sets trace content to forbidden; a team may not loosen it to opt-in',
      },
    ]);
    expect(
      issuesOf({ org: { traces: { content: 'opt-in' } }, teams: { ops: { traces: { content: 'allowed' } } } }),
    ).toMatchObject([{ path: ['teams', 'ops', 'traces', 'content'] }]);
  });

  test('extending the approval maxTimeout', () => {
    expect(
      issuesOf({ org: { approvals: { maxTimeout: '1h' } }, teams: { ops: { approvals: { maxTimeout: '1d' } } } }),
    ).toEqual([
      {
        path: ['teams', 'ops', 'approvals', 'maxTimeout'],
        message: "may only shorten the org's 1h, not extend it to 1d",
      },
    ]);
  });

  test('every loosening of every team is reported; tightening and silence parse', () => {
    const policy = PlatformPolicySchema.parse({
      org: { budget: { maxSteps: 10 }, classes: { write: 'approval' } },
      teams: { a: { budget: { maxSteps: 11 } }, b: { classes: { write: 'allow' } }, c: { budget: { maxSteps: 9 } } },
    });
    // The plain schema accepts it; the file schema adds the check.
    expect(teamLoosenings(policy).map((found) => found.path.join('.'))).toEqual([
      'teams.a.budget.maxSteps',
      'teams.b.classes.write',
    ]);

    const ok = PlatformPolicyFileSchema.safeParse({
      org: {
        budget: { maxCostUsd: 5 },
        classes: { destructive: 'approval' },
        approvals: { maxTimeout: '1h' },
        sandbox: { codeTools: 'required' },
        traces: { content: 'opt-in' },
      },
      teams: {
        payments: {
          budget: { maxCostUsd: 5, maxSteps: 100 },
          classes: { destructive: 'approval', write: 'approval' },
          approvals: { maxTimeout: '30m' },
          sandbox: { codeTools: 'required' },
          traces: { content: 'forbidden' },
          // Name lists layer on top of the org's, so any list is a tightening.
          tools: { allow: ['*'] },
        },
        quiet: {},
      },
    });
    expect(ok.success).toBe(true);
    // Where the org is silent a team may set anything.
    expect(PlatformPolicyFileSchema.safeParse({ teams: { a: { classes: { destructive: 'allow' } } } }).success).toBe(
      true,
    );
  });

  test('schema shape: defaults, strict keys, team names and members only on teams', () => {
    expect(PlatformPolicyFileSchema.parse({})).toEqual({ org: {}, teams: {} });
    expect(PlatformPolicySchema.safeParse({ org: { budgets: {} } }).success).toBe(false);
    expect(PlatformPolicySchema.safeParse({ org: { members: ['a'] } }).success).toBe(false);
    expect(PlatformPolicySchema.safeParse({ teams: { Payments: {} } }).success).toBe(false);
    expect(PlatformPolicySchema.safeParse({ org: { dailySpendUsd: 0 } }).success).toBe(false);
    expect(TeamScopeSchema.parse({ members: ['alice'] })).toEqual({ members: ['alice'] });
    expect(PlatformPolicySchema.parse({ org: { tools: { allow: ['a'] } } }).org.tools).toEqual({
      allow: ['a'],
      deny: [],
    });
  });
});

describe('policy explanation', () => {
  const policyInput: PolicyInput = {
    org: {
      budget: { maxCostUsd: 5, maxToolCalls: 40 },
      dailySpendUsd: 20,
      classes: { write: 'approval' },
      tools: { deny: ['delete_*'] },
      models: { allow: ['default/*'] },
      approvals: { approvers: { roles: ['security'] }, maxTimeout: '1h' },
      sandbox: { codeTools: 'required' },
      traces: { content: 'forbidden' },
    },
    teams: {
      payments: {
        budget: { maxCostUsd: 2 },
        tools: { deny: ['http_request'] },
        approvals: { byClass: { destructive: { users: ['pam'] } } },
      },
    },
  };
  const s = spec({ maxSteps: 12, policy: { deny: ['shell'] } });

  test('every rule is listed once with its value and source', () => {
    const rows = explainPolicy(effective(policyInput, s, { team: 'payments' }));
    expect(rows.slice(0, 2)).toEqual([
      { rule: 'team', value: 'payments', source: 'run' },
      { rule: 'policy.version', value: 'v1', source: 'worker' },
    ]);
    for (const row of [
      { rule: 'budget.maxSteps', value: '12', source: 'agent spec' },
      { rule: 'budget.maxToolCalls', value: '40', source: 'org' },
      { rule: 'budget.maxCostUsd', value: '$2', source: 'team payments' },
      { rule: 'budget.maxInputTokens', value: 'no limit', source: 'default' },
      { rule: 'dailySpendUsd', value: '$20', source: 'org' },
      { rule: 'classes.read', value: 'allow', source: 'default' },
      { rule: 'classes.write', value: 'approval', source: 'org' },
      { rule: 'classes.destructive', value: 'approval', source: 'default' },
      { rule: 'tools.deny', value: 'delete_*', source: 'org' },
      { rule: 'tools.deny', value: 'http_request', source: 'team payments' },
      { rule: 'tools.deny', value: 'shell', source: 'agent spec' },
      { rule: 'mcpServers', value: 'no restriction', source: 'default' },
      { rule: 'models.allow', value: 'default/*', source: 'org' },
      { rule: 'approvals.approvers', value: 'roles security', source: 'org' },
      { rule: 'approvals.byClass.destructive', value: 'users pam', source: 'team payments' },
      { rule: 'approvals.timeout', value: '1h', source: 'org' },
      { rule: 'approvals.escalation.timeout', value: '1h', source: 'org' },
      { rule: 'approvals.maxTimeout', value: '1h', source: 'org' },
      { rule: 'sandbox.codeTools', value: 'required', source: 'org' },
      { rule: 'traces.content', value: 'not recorded', source: 'org' },
    ]) {
      expect(rows).toContainEqual(row);
    }
    const names = rows.map((row) => row.rule);
    for (const rule of BUDGET_RULES) expect(names.filter((name) => name === `budget.${rule}`)).toHaveLength(1);
    for (const toolClass of TOOL_CLASSES) {
      expect(names.filter((name) => name === `classes.${toolClass}`)).toHaveLength(1);
    }
    expect(names.filter((name) => name === 'tools.deny')).toHaveLength(3);
  });

  test('without a platform policy', () => {
    const rows = explainPolicy(effective(undefined));
    expect(rows).toContainEqual({ rule: 'policy.version', value: 'none (no platform policy)', source: 'worker' });
    expect(rows).toContainEqual({ rule: 'tools', value: 'no restriction', source: 'default' });
    expect(rows).toContainEqual({ rule: 'dailySpendUsd', value: 'no cap', source: 'default' });
    expect(rows).toContainEqual({
      rule: 'traces.content',
      value: 'recorded (when the worker records content)',
      source: 'default',
    });
    expect(rows.map((row) => row.rule)).not.toContain('approvals.maxTimeout');
  });

  test('diffPolicies reports only the rules that changed', () => {
    const before = effective(policyInput, s, { team: 'payments' });
    expect(diffPolicies(before, effective(policyInput, s, { team: 'payments' }))).toEqual([]);

    const changed: PolicyInput = {
      ...policyInput,
      teams: { payments: { ...policyInput.teams!.payments, budget: { maxCostUsd: 1 } } },
    };
    const after = evaluatePolicy({ platform: loaded(changed, 'v2'), spec: s, run: ctx({ team: 'payments' }) });
    expect(after.violations).toEqual([]);
    expect(diffPolicies(before, after.policy)).toEqual([
      'policy.version: v1 (worker) -> v2 (worker)',
      'budget.maxCostUsd: $2 (team payments) -> $1 (team payments)',
    ]);

    // Grouped rows (several layers of one rule) compare as a whole.
    const noTeamDeny: PolicyInput = {
      ...policyInput,
      teams: { payments: { ...policyInput.teams!.payments, tools: { deny: [] } } },
    };
    expect(diffPolicies(before, effective(noTeamDeny, s, { team: 'payments' }))).toEqual([
      'tools.deny: delete_* (org); http_request (team payments); shell (agent spec) -> delete_* (org); shell (agent spec)',
    ]);

    // Rules that appear or vanish read as unset.
    const plain = effective(undefined, s);
    const timed = effective({ org: { approvals: { maxTimeout: '2h' } } }, s);
    expect(diffPolicies(plain, timed)).toEqual([
      'policy.version: none (no platform policy) (worker) -> v1 (worker)',
      'approvals.timeout: 1d (default) -> 2h (org)',
      'approvals.escalation.timeout: 1d (default) -> 2h (org)',
      'approvals.maxTimeout: unset -> 2h (org)',
    ]);
    expect(diffPolicies(timed, plain)).toContain('approvals.maxTimeout: 2h (org) -> unset');
    const fromNothing = diffPolicies(undefined, plain);
    expect(fromNothing).toHaveLength(explainPolicy(plain).length);
    expect(fromNothing[0]).toBe('team: unset -> default (run)');
  });
});

describe('policy file on disk', () => {
  let dir: string;
  let file: string;
  let tick = 0;
  /** Writes new content with an mtime no earlier write had, so the change is seen whatever the clock resolution. */
  const write = (text: string) => {
    fs.writeFileSync(file, text);
    tick += 1;
    const when = new Date(Date.UTC(2030, 0, 1, 0, 0, tick));
    fs.utimesSync(file, when, when);
  };
  const versionOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reins-policy-'));
    file = path.join(dir, 'policy.yaml');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('readPolicyFile validates and versions the file', () => {
    const text = 'org:\n  budget:\n    maxCostUsd: 2\nteams:\n  payments:\n    members: [alice]\n';
    write(text);
    expect(readPolicyFile(file)).toEqual({
      policy: { org: { budget: { maxCostUsd: 2 } }, teams: { payments: { members: ['alice'] } } },
      version: versionOf(text),
    });
    write('');
    expect(readPolicyFile(file)).toEqual({ policy: { org: {}, teams: {} }, version: versionOf('') });

    write('org:\n  budget:\n    maxCostUsd: 2\nteams:\n  payments:\n    budget:\n      maxCostUsd: 3\n');
    expect(() => readPolicyFile(file)).toThrow(PolicyFileError);
    expect(() => readPolicyFile(file)).toThrow(
      `platform policy ${file} is invalid: teams.payments.budget.maxCostUsd: may only lower the org ceiling of $2, not raise it to $3`,
    );
    write('org: [unclosed\n');
    expect(() => readPolicyFile(file)).toThrow(`cannot read the platform policy ${file}`);
  });

  test('PolicySource loads, picks up changes, keeps the last good version on a bad change', () => {
    const first = 'org:\n  budget:\n    maxCostUsd: 2\n';
    write(first);
    const source = new PolicySource(file);
    const initial = source.get();
    expect(initial).toEqual({ policy: { org: { budget: { maxCostUsd: 2 } }, teams: {} }, version: versionOf(first) });
    expect(initial.stale).toBeUndefined();
    // Unchanged file: the same loaded object, not a re-read.
    expect(source.get()).toBe(initial);

    const second = 'org:\n  budget:\n    maxCostUsd: 3\n';
    write(second);
    const changed = source.get();
    expect(changed.version).toBe(versionOf(second));
    expect(changed.version).not.toBe(initial.version);
    expect(changed.policy.org.budget).toEqual({ maxCostUsd: 3 });
    expect(changed.stale).toBeUndefined();

    write('org:\n  budget:\n    maxCostUsd: -1\n');
    const stale = source.get();
    expect(stale.version).toBe(versionOf(second));
    expect(stale.policy.org.budget).toEqual({ maxCostUsd: 3 });
    expect(stale.stale).toContain(`platform policy ${file} is invalid: org.budget.maxCostUsd`);
    // Still stale on the next look while the file stays bad.
    expect(source.get().stale).toBe(stale.stale);

    const third = 'org:\n  budget:\n    maxCostUsd: 1\n';
    write(third);
    const fixed = source.get();
    expect(fixed.version).toBe(versionOf(third));
    expect(fixed.stale).toBeUndefined();

    fs.rmSync(file);
    const gone = source.get();
    expect(gone.version).toBe(versionOf(third));
    expect(gone.stale).toContain(`cannot read the platform policy ${file}`);
  });

  test('PolicySource throws while the file has never been valid', () => {
    const source = new PolicySource(file);
    expect(() => source.get()).toThrow(PolicyFileError);
    expect(() => source.get()).toThrow(`cannot read the platform policy ${file}`);

    write('org:\n  traces:\n    content: sometimes\n');
    expect(() => source.get()).toThrow(`platform policy ${file} is invalid: org.traces.content`);

    const good = 'org:\n  traces:\n    content: forbidden\n';
    write(good);
    expect(source.get()).toEqual({
      policy: { org: { traces: { content: 'forbidden' } }, teams: {} },
      version: versionOf(good),
    });
  });
});
