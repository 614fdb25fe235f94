import type { ToolDefinition } from '../../common/chat';
import { ApprovalBook } from '../../workflows/approvals';
import { checkBudget } from '../../workflows/budget';
import { decideToolCall } from '../../workflows/policy';
import { ToolArgsValidator } from '../../workflows/tool-args';
import { deleteFile, writeFile } from '../../activities/tools/file-tools';
import { toolDefinition } from '../../activities/tools/registry';

const definitions = new Map<string, ToolDefinition>(
  [writeFile, deleteFile].map((tool) => [tool.name, toolDefinition(tool)]),
);

describe('tool argument validation (JSON Schema recorded at run start)', () => {
  const validator = new ToolArgsValidator(definitions);

  test('accepts valid arguments and names the field of invalid ones', () => {
    expect(validator.checkRaw('write_file', '{"path":"a","content":"b"}')).toEqual({
      ok: true,
      args: { path: 'a', content: 'b' },
    });
    expect(validator.checkRaw('write_file', '{"path":"a"}')).toEqual({
      ok: false,
      message: expect.stringMatching(/^content: /),
    });
    expect(validator.checkRaw('write_file', '{"path":"a","content":"b","mode":1}')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/mode/),
    });
  });

  test('refuses malformed JSON, non-objects and unknown tools', () => {
    expect(validator.checkRaw('write_file', '{"path": ')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not valid JSON/),
    });
    expect(validator.checkRaw('write_file', '[1]')).toEqual({ ok: false, message: 'arguments must be a JSON object' });
    expect(validator.check('nope', {})).toEqual({ ok: false, message: 'no schema for tool "nope"' });
  });
});

describe('policy', () => {
  const write = definitions.get('write_file')!;
  const destroy = definitions.get('delete_file')!;

  test('destructive tools wait for approval by default; the spec can require or waive it', () => {
    expect(decideToolCall({ name: 'write_file', approval: 'default' }, write, {})).toEqual({ kind: 'run' });
    expect(decideToolCall({ name: 'delete_file', approval: 'default' }, destroy, {})).toMatchObject({
      kind: 'approval',
    });
    expect(decideToolCall({ name: 'write_file', approval: 'always' }, write, {})).toMatchObject({ kind: 'approval' });
    expect(decideToolCall({ name: 'delete_file', approval: 'never' }, destroy, {})).toEqual({ kind: 'run' });
  });

  test('a tool missing from the agent spec is denied with the rule named', () => {
    expect(decideToolCall(undefined, write, {})).toEqual({
      kind: 'deny',
      rule: 'tool "write_file" is not in this agent\'s tool list',
    });
  });
});

