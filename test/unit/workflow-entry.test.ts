import path from 'node:path';
import { REINS_WORKFLOW_NAMES, REINS_WORKFLOWS_PATH, withReinsWorkflows } from '../../worker/workflow-entry';

// The entry a plugin-configured worker bundles: the user's workflows file and reins' own, evaluated here in Node as
// the bundle evaluates it in Temporal's sandbox.

const fixture = (name: string) => path.join(__dirname, '..', 'fixtures', 'plugin', name);

describe('the workflow entry of a worker with ReinsPlugin', () => {
  test("without a workflows file of the user's it is reins' own", () => {
    expect(withReinsWorkflows(undefined)).toBe(REINS_WORKFLOWS_PATH);
    expect(withReinsWorkflows(REINS_WORKFLOWS_PATH)).toBe(REINS_WORKFLOWS_PATH);
  });

  test("exports the user's workflows and reins', whether or not the user's file re-exports them", () => {
    for (const file of ['workflows.ts', 'user-only-workflows.ts']) {
      const entry = withReinsWorkflows(fixture(file));
      expect(entry).not.toBe(fixture(file));
      // Bundling configures the worker's entry again: it stays the same file.
      expect(withReinsWorkflows(entry)).toBe(entry);
      const exported = jest.requireActual<Record<string, unknown>>(entry);
      expect(Object.keys(exported).sort()).toEqual(['greetUser', ...REINS_WORKFLOW_NAMES].sort());
      const reins = jest.requireActual<Record<string, unknown>>(REINS_WORKFLOWS_PATH);
      expect(exported.agentRun).toBe(reins.agentRun);
    }
  });

  test('a workflows file that defines a workflow under a name reins registers is refused, naming it', () => {
    const entry = withReinsWorkflows(fixture('conflicting-workflows.ts'));
    expect(() => jest.requireActual(entry)).toThrow(/conflicting-workflows\.ts defines its own agentRun/);
  });
});
