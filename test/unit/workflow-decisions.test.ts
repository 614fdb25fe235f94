import type { ToolDefinition } from '../../common/chat';
import { decideToolCall } from '../../common/policy/approval-rules';
import { ToolArgsValidator } from '../../workflows/tools/tool-args';
import { deleteFile, writeFile } from '../../activities/tools/file-tools';
import { toolDefinition } from '../../activities/tools/registry';

const CLASSES = {
  read: { value: 'allow', source: 'default' },
  write: { value: 'allow', source: 'default' },
  destructive: { value: 'approval', source: 'default' },
} as const;

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
    expect(decideToolCall({ name: 'write_file', approval: 'default' }, write, {}, CLASSES)).toEqual({ kind: 'run' });
    expect(decideToolCall({ name: 'delete_file', approval: 'default' }, destroy, {}, CLASSES)).toMatchObject({
      kind: 'approval',
    });
    expect(decideToolCall({ name: 'write_file', approval: 'always' }, write, {}, CLASSES)).toMatchObject({
      kind: 'approval',
    });
    expect(decideToolCall({ name: 'delete_file', approval: 'never' }, destroy, {}, CLASSES)).toEqual({ kind: 'run' });
  });

  test('class rules decide the default: a spec may require approval for writes or waive it for destructive tools', () => {
    expect(
      decideToolCall(undefined, write, {}, { ...CLASSES, write: { value: 'approval', source: 'agent spec' } }),
    ).toMatchObject({ kind: 'approval' });
    expect(
      decideToolCall(undefined, destroy, {}, { ...CLASSES, destructive: { value: 'allow', source: 'agent spec' } }),
    ).toEqual({ kind: 'run' });
    expect(
      decideToolCall({ name: 'write_file', approval: 'default', class: 'destructive' }, write, {}, CLASSES),
    ).toMatchObject({
      kind: 'approval',
      rule: 'write_file is destructive; destructive tools need approval',
    });
  });
});
