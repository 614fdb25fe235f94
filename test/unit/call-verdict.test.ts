import type { ToolDefinition } from '../../common/chat';
import type { DecisionRecord } from '../../common/run-state';
import { callVerdict } from '../../workflows/tools/call-verdict';
import type { PreparedCall } from '../../workflows/tools/prepare-call';

const definition: ToolDefinition = {
  name: 'write_file',
  description: 'writes',
  class: 'write',
  parameters: { type: 'object' },
};
const call = (extra: Partial<PreparedCall> = {}): PreparedCall => ({
  request: { id: 'c1', name: 'write_file', arguments: '{"path":"a"}' },
  callId: '3-1',
  args: { path: 'a' },
  definition,
  ...extra,
});
const decision = (extra: Partial<DecisionRecord>): DecisionRecord => ({
  requestId: '3-1',
  tool: 'write_file',
  decision: 'approve',
  by: 'alice',
  via: 'update',
  decidedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('callVerdict', () => {
  test('an ungated call runs with its own arguments, summarised by tool and class', () => {
    expect(callVerdict(call(), undefined)).toEqual({
      run: true,
      args: { path: 'a' },
      summary: 'tool write_file · write',
    });
  });

  test('a refused call does not run: its refusal is recorded and read by the model', () => {
    const refusal = { outcome: 'denied' as const, message: 'Error [ToolDenied]: not for you' };
    expect(callVerdict(call({ refusal }), undefined)).toEqual({
      run: false,
      outcome: 'denied',
      detail: refusal.message,
      message: refusal.message,
    });
  });

  test('a call to a tool with no definition is an unknown tool', () => {
    const verdict = callVerdict(call({ definition: undefined }), undefined);
    expect(verdict).toMatchObject({ run: false, outcome: 'unknown_tool', message: 'Error [ToolUnknown]: write_file' });
  });

  test('a gated call runs only once approved, with the edited arguments when a person changed them', () => {
    const gated = call({ approvalRule: 'class write needs approval' });
    expect(callVerdict(gated, decision({}))).toEqual({
      run: true,
      args: { path: 'a' },
      summary: 'tool write_file · write · approved by alice',
    });
    expect(callVerdict(gated, decision({ editedArgs: { path: 'b' } }))).toEqual({
      run: true,
      args: { path: 'b' },
      summary: 'tool write_file · write · approved by alice (edited)',
    });
  });

  test('a rejected or undecided gated call does not run, and the model is told who rejected it and why', () => {
    const gated = call({ approvalRule: 'class write needs approval' });
    expect(callVerdict(gated, decision({ decision: 'reject', by: 'bob', reason: 'no' }))).toEqual({
      run: false,
      outcome: 'rejected',
      detail: 'rejected by bob: no',
      message: 'Error [ToolDenied]: a human did not approve this call (rejected by bob: no)',
    });
    expect(callVerdict(gated, undefined)).toMatchObject({ run: false, detail: 'rejected by nobody' });
  });

  test('an MCP call is summarised by its policy name and class', () => {
    const mcp = call({
      definition: { ...definition, name: 'fs__write', policyName: 'fs/write', class: 'destructive' },
      server: { name: 'fs', transport: 'stdio', command: 'x', args: [] } as never,
      toolClass: 'destructive',
    });
    expect(callVerdict(mcp, undefined)).toMatchObject({ run: true, summary: 'mcp fs/write · destructive' });
  });
});
