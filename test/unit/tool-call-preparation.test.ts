import { callerAccessIdentity } from '../../common/policy/tool-access';
import { AgentSpecSchema, type AgentSpecInput } from '../../common/agent-spec';
import { builtInDefinitions } from '../../common/builtin-tools';
import type { ToolCallRequest, ToolDefinition } from '../../common/chat';
import { evaluatePolicy } from '../../common/policy/resolve';
import { ApprovalBook } from '../../workflows/approvals/approval-book';
import { openGates } from '../../workflows/approvals/approval-gate';
import { estimatePromptTokens } from '../../workflows/budget/prompt-estimate';
import { ToolArgsValidator } from '../../workflows/tools/tool-args';
import { capToolCalls, prepareCall, type ToolCatalog } from '../../workflows/tools/prepare-call';
import { RunPatches } from '../../workflows/run/run-patches';

const definitions: Map<string, ToolDefinition> = builtInDefinitions();
definitions.set('docs__search', {
  name: 'docs__search',
  description: 'search the docs',
  parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'], additionalProperties: false },
  class: 'read',
  source: { kind: 'mcp', server: 'docs', tool: 'search' },
});

function catalogFor(input: Partial<AgentSpecInput>, roles: Record<string, string[]> = {}): ToolCatalog {
  const spec = AgentSpecSchema.parse({ name: 'a', instructions: 'x', model: { name: 'm' }, ...input });
  const policy = evaluatePolicy({ platform: undefined, spec, run: { userId: 'alice', team: 'default' } }).policy;
  return {
    definitions,
    agentTools: new Map(spec.tools.map((tool) => [tool.name, tool])),
    validator: new ToolArgsValidator(definitions),
    spec,
    identity: callerAccessIdentity('alice', roles, {}),
    policy: () => policy,
    patches: RunPatches.assumeCurrent(),
  };
}

const call = (name: string, args: unknown, id = 'c1'): ToolCallRequest => ({
  id,
  name,
  arguments: typeof args === 'string' ? args : JSON.stringify(args),
});

const fileTools = { tools: [{ name: 'read_file' }, { name: 'write_file' }, { name: 'delete_file' }] };

describe('prepareCall: validation and policy before anything runs', () => {
  test('an unknown tool is refused with the tools that exist', () => {
    const prepared = prepareCall(call('format_disk', {}), '1-1', catalogFor(fileTools));
    expect(prepared.refusal).toEqual({
      outcome: 'unknown_tool',
      message: expect.stringMatching(
        /^Error \[ToolUnknown\]: there is no tool "format_disk"; available tools: .*read_file/,
      ),
    });
  });

  test('an MCP tool whose server the spec does not list is refused, not sent anywhere', () => {
    const prepared = prepareCall(call('docs__search', { q: 'x' }), '1-1', catalogFor(fileTools));
    expect(prepared.refusal?.outcome).toBe('unknown_tool');
    expect(prepared.refusal?.message).toMatch(/MCP server "docs" is not in the spec/);
  });

  test('arguments that do not match the schema are refused naming the field', () => {
    const prepared = prepareCall(call('write_file', { path: 'a' }), '1-1', catalogFor(fileTools));
    expect(prepared.refusal).toEqual({
      outcome: 'invalid_args',
      message: expect.stringMatching(/^Error \[ToolArgsInvalid\]: invalid arguments for write_file: content: /),
    });
  });

  test('a tool the spec denies is refused with the rule, and its arguments are kept for the record', () => {
    const catalog = catalogFor({ ...fileTools, policy: { deny: ['delete_*'] } });
    const prepared = prepareCall(call('delete_file', { path: 'a' }), '1-1', catalog);
    expect(prepared.refusal).toEqual({ outcome: 'denied', message: expect.stringMatching(/^Error \[ToolDenied\]: /) });
    expect(prepared.args).toEqual({ path: 'a' });
  });

  test('a destructive call carries the rule that sends it to a person; a read call runs', () => {
    const catalog = catalogFor(fileTools);
    const destroy = prepareCall(call('delete_file', { path: 'a' }), '1-1', catalog);
    expect(destroy).toMatchObject({ callId: '1-1', toolClass: 'destructive', args: { path: 'a' } });
    expect(destroy.approvalRule).toMatch(/destructive/);
    const read = prepareCall(call('read_file', { path: 'a' }), '1-2', catalog);
    expect(read.refusal).toBeUndefined();
    expect(read.approvalRule).toBeUndefined();
    expect(read.idempotent).toBe(true);
  });

  test('a per-call class from the worker decides the gate: a write classified destructive waits', () => {
    const catalog = catalogFor(fileTools);
    const write = prepareCall(call('write_file', { path: 'a', content: 'b' }), '1-1', catalog, 'destructive');
    expect(write.toolClass).toBe('destructive');
    expect(write.approvalRule).toBeDefined();
  });
});

describe('capToolCalls: the tool-call budget over a turn', () => {
  const catalog = catalogFor(fileTools);
  const calls = [1, 2, 3].map((n) => prepareCall(call('read_file', { path: `${n}` }, `c${n}`), `1-${n}`, catalog));

  test('calls past the limit are refused before they can wait for anyone; refused calls do not count', () => {
    const unknown = prepareCall(call('nope', {}), '1-0', catalog);
    const capped = capToolCalls([unknown, ...calls], 5, 3);
    expect(capped.map((c) => c.refusal?.outcome ?? 'runs')).toEqual(['unknown_tool', 'runs', 'runs', 'denied']);
    expect(capped[3]!.refusal!.message).toMatch(/^Error \[BudgetExhausted\]: maxToolCalls budget of 5 reached/);
    expect(capped[3]!.approvalRule).toBeUndefined();
  });

  test('no limit leaves the turn as it is; a used-up budget refuses every call', () => {
    expect(capToolCalls(calls, undefined, 100)).toBe(calls);
    expect(capToolCalls(calls, 2, 2).every((c) => c.refusal?.outcome === 'denied')).toBe(true);
  });
});

describe('openGates: a request per call that needs a person', () => {
  test('only gated calls open requests, with the model call id, the timer and the approvers of the spec', () => {
    const catalog = catalogFor({
      ...fileTools,
      approvals: { approvers: { users: ['ops-lead'] }, timeout: '10m' },
    });
    const calls = [
      prepareCall(call('read_file', { path: 'a' }, 'model-1'), '4-1', catalog),
      prepareCall(call('delete_file', { path: 'a' }, 'model-2'), '4-2', catalog),
    ];
    const book = new ApprovalBook(catalog.validator, {});
    const before = Date.now();
    openGates(book, calls, {
      spec: catalog.spec,
      policy: catalog.policy(),
      agentTools: catalog.agentTools,
      step: 4,
      userId: 'alice',
    });
    expect(book.pending).toHaveLength(1);
    const [request] = book.pending;
    expect(request).toMatchObject({
      requestId: '4-2',
      toolCallId: 'model-2',
      tool: 'delete_file',
      toolClass: 'destructive',
      args: { path: 'a' },
      stage: 'primary',
      approvers: { users: ['ops-lead'] },
    });
    const timeout = Date.parse(request!.expiresAt) - Date.parse(request!.requestedAt);
    expect(timeout).toBe(10 * 60_000);
    expect(Date.parse(request!.requestedAt)).toBeGreaterThanOrEqual(before - 1);
    // The tool's schema travels with the waiting request (the console checks edits against it), and is dropped once
    // the request is decided.
    expect(request!.parameters).toMatchObject({ type: 'object', properties: { path: expect.anything() } });
    book.apply({ requestId: '4-2', decision: 'approve', by: 'ops-lead' }, 'update', Date.now());
    expect(book.lists().approvalRequests[0]?.parameters).toBeUndefined();
  });
});

describe('estimatePromptTokens: a high estimate for spend reservations', () => {
  test('grows with the messages and the tools, and takes anything without failing', () => {
    const tools = [...definitions.values()];
    const small = estimatePromptTokens([{ role: 'user', content: 'hi' }], []);
    const withTools = estimatePromptTokens([{ role: 'user', content: 'hi' }], tools);
    const long = estimatePromptTokens([{ role: 'user', content: 'x'.repeat(10_000) }], []);
    expect(withTools).toBeGreaterThan(small);
    expect(long).toBeGreaterThanOrEqual(5_000);
    expect(estimatePromptTokens('not a transcript' as never, [])).toBe(estimatePromptTokens([], []));
  });
});
