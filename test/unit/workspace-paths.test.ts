import { mkdirSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { deleteFile, writeFile } from '../../activities/tools/file-tools';
import { toolDefinition } from '../../activities/tools/registry';
import { resolveInWorkspace, realpathOfExistingPrefix, workspaceTarget } from '../../activities/tools/workspace';
import type { AgentTool } from '../../common/agent-spec';
import { argAt, conditionHolds } from '../../common/policy/arg-conditions';
import { decideToolCall } from '../../common/policy/approval-rules';
import { normalizeWorkspacePath, pathForms, pathTargets } from '../../common/policy/workspace-paths';

const CLASSES = {
  read: { value: 'allow', source: 'default' },
  write: { value: 'allow', source: 'default' },
  destructive: { value: 'approval', source: 'default' },
} as const;
const write = toolDefinition(writeFile);
const tool: AgentTool = { name: 'write_file', approval: { when: [{ arg: 'path', glob: 'config/**' }] } };
const decide = (requested: string, resolved?: Array<string | null>) =>
  decideToolCall(
    tool,
    write,
    { path: requested, content: '' },
    CLASSES,
    undefined,
    resolved ? pathForms(pathTargets(write, { path: requested }, resolved)) : undefined,
  ).kind;

describe('approval conditions on workspace paths', () => {
  test('the file tools declare their path argument', () => {
    expect(write.pathArgs).toEqual(['path']);
    expect(toolDefinition(deleteFile).pathArgs).toEqual(['path']);
  });

  test('paths are normalised as the tool resolves them', () => {
    expect(normalizeWorkspacePath('./config/x.yaml')).toBe('config/x.yaml');
    expect(normalizeWorkspacePath('x/../config/x.yaml')).toBe('config/x.yaml');
    expect(normalizeWorkspacePath('config/./x.yaml')).toBe('config/x.yaml');
    expect(normalizeWorkspacePath('config//x.yaml/')).toBe('config/x.yaml');
    expect(normalizeWorkspacePath('.')).toBe('.');
    expect(normalizeWorkspacePath('a/..')).toBe('.');
    for (const odd of ['', '/etc/passwd', '../config/x', 'a/../../b', 'config/x\0', 'config/x\n.yaml', 'config\\x']) {
      expect(normalizeWorkspacePath(odd)).toBeNull();
    }
  });

  test.each(['./config/x.yaml', 'x/../config/x.yaml', 'config/./x.yaml', 'config//x.yaml', 'config'])(
    '%s under `glob config/**` waits for approval',
    (requested) => expect(decide(requested)).toBe('approval'),
  );

  test.each(['../config/x.yaml', '/work/config/x.yaml', 'config/x\n.yaml', 'config\\x.yaml', 'a/../../x'])(
    '%s does not normalise, so the condition holds (fail closed)',
    (requested) => expect(decide(requested)).toBe('approval'),
  );

  test('a path the worker resolved into config/ through a symlink waits; one it refuses waits too', () => {
    expect(decide('notes/x.yaml')).toBe('run');
    expect(decide('link/x.yaml', ['link/x.yaml'])).toBe('run');
    expect(decide('link/x.yaml', ['config/x.yaml'])).toBe('approval');
    expect(decide('link/x.yaml', [null])).toBe('approval');
  });

  test('dotted argument paths read own properties only', () => {
    expect(argAt({ order: { amount: 5 } }, 'order.amount')).toBe(5);
    expect(argAt({}, 'constructor.name')).toBeUndefined();
    expect(argAt({ a: {} }, 'a.__proto__')).toBeUndefined();
    expect(argAt({ a: 'xyz' }, 'a.length')).toBeUndefined();
    expect(conditionHolds({ arg: 'constructor.name', glob: '*' }, {})).toBe(false);
    expect(conditionHolds({ arg: 'toString', glob: '**' }, {})).toBe(false);
  });
});

describe('property: whenever the tool would touch a file under config/, the condition holds', () => {
  const workspace = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'reins-paths-')));
  mkdirSync(path.join(workspace, 'config', 'deep'), { recursive: true });
  mkdirSync(path.join(workspace, 'notes'), { recursive: true });
  symlinkSync('config', path.join(workspace, 'link'));
  symlinkSync('../config/deep', path.join(workspace, 'notes', 'inner'));
  symlinkSync('config/new.yaml', path.join(workspace, 'dangling'));

  const segment = fc.constantFrom('config', 'notes', 'link', 'inner', 'dangling', 'deep', 'x.yaml', '.', '..', '');
  const requested = fc
    .tuple(fc.constantFrom('', './', '/'), fc.array(segment, { minLength: 1, maxLength: 6 }))
    .map(([lead, parts]) => lead + parts.join('/'))
    .filter((p) => p !== '' && p !== '/');

  /** Every place the tool may act on for `p`: the entry it names, and where that entry leads. */
  async function touched(p: string): Promise<string[] | 'refused'> {
    let target: string;
    try {
      target = await resolveInWorkspace(workspace, p);
    } catch {
      return 'refused';
    }
    const real = await realpathOfExistingPrefix(target);
    return [target, real].map((t) => path.relative(workspace, t));
  }

  test('with the worker resolving symlinks', async () => {
    await fc.assert(
      fc.asyncProperty(requested, async (p) => {
        const places = await touched(p);
        if (places === 'refused') return;
        const underConfig = places.some((place) => place === 'config' || place.startsWith('config/'));
        const decision = decide(p, [await workspaceTarget(workspace, p)]);
        if (underConfig) expect(decision).toBe('approval');
      }),
      { numRuns: 500 },
    );
  });

  test('lexically, where no symlink is involved', async () => {
    await fc.assert(
      fc.asyncProperty(requested, async (p) => {
        const places = await touched(p);
        if (places === 'refused') {
          expect(normalizeWorkspacePath(p)).toBeNull();
          return;
        }
        const [entry] = places;
        if (entry === 'config' || entry!.startsWith('config/')) expect(decide(p)).toBe('approval');
      }),
      { numRuns: 500 },
    );
  });
});
