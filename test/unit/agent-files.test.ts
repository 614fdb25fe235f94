import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAgentFile } from '../../client/agent-file';
import { AgentFileError } from '../../client/errors';
import { BUILT_IN_TOOLS } from '../../activities';
import { readPolicyFile } from '../../shared/policy-file';
import { explainRunPolicy } from '../../client/policy-check';

const AGENTS_DIR = path.join(__dirname, '..', '..', 'agents');

describe('agent files', () => {
  test('every example agent is a valid spec using only built-in tools', async () => {
    const files = (await fs.readdir(AGENTS_DIR)).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const builtIns = new Set(BUILT_IN_TOOLS.map((t) => t.name));
    for (const file of files) {
      const spec = await loadAgentFile(path.join(AGENTS_DIR, file));
      expect(spec.tools.filter((t) => !builtIns.has(t.name))).toEqual([]);
    }
  });

  test('the example platform policy is valid; an example agent runs under it, and loosening it is refused by name', async () => {
    const loaded = readPolicyFile(path.join(__dirname, '..', '..', 'deploy', 'platform-policy.example.yaml'));
    expect(loaded.policy.teams.payments?.members).toEqual(['alice', 'bob']);
    const reader = await loadAgentFile(path.join(AGENTS_DIR, 'file-reader.yaml'));
    const asReader = explainRunPolicy(reader, { userId: 'alice', team: 'payments' }, loaded);
    expect(asReader.violations).toEqual([]);
    expect(asReader.rules).toContainEqual({ rule: 'budget.maxCostUsd', value: '$1', source: 'team payments' });
    const outsider = explainRunPolicy({ ...reader, maxSteps: 100 }, { userId: 'carol', team: 'payments' }, loaded);
    expect(outsider.violations).toEqual([
      'members: the team payments policy sets members alice, bob; userId asks for carol',
      'budget.maxSteps: the org policy sets a ceiling of 40; spec.maxSteps asks for 100',
    ]);
  });

  test('errors name the file and the field', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'reins-agents-'));
    const bad = path.join(dir, 'bad.yaml');
    await fs.writeFile(
      bad,
      'name: x\ninstructions: hi\nmodel: { name: m }\ntools: [{ name: read_file, approval: sometimes }]\n',
    );
    await expect(loadAgentFile(bad)).rejects.toThrow(
      new RegExp(`agent file ${bad} is invalid: tools\\.0\\.approval: `),
    );
    const broken = path.join(dir, 'broken.json');
    await fs.writeFile(broken, '{ "name": ');
    await expect(loadAgentFile(broken)).rejects.toThrow(/is not valid json/);
    await expect(loadAgentFile(path.join(dir, 'missing.yaml'))).rejects.toThrow(AgentFileError);
  });
});
