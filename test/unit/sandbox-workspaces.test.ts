import { existsSync, mkdtempSync, promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSandbox } from '../../activities/sandbox/sandbox';
import { DEFAULT_SANDBOX_USER, sandboxSettings } from '../../activities/sandbox/settings';
import { WorkspaceRetentionSchema } from '../../activities/sandbox/workspace-retention';
import { WorkspaceSelectionSchema, WorkspaceStore } from '../../activities/sandbox/workspace-store';
import { createRunCodeTool } from '../../activities/tools/run-code';
import { builtInTools, ToolRegistry } from '../../activities/tools/registry';
import { loadWorkerConfig } from '../../worker/config';
import { runTool, toolContext } from '../helpers/sandbox';
import { runDirectoryName } from '../../activities/tools/workspace';

const HOUR = 3_600_000;
const asRoot = process.getuid?.() === 0;

function newStore(retention = '24h') {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reins-ws-store-'));
  const store = new WorkspaceStore(dataDir, {
    retention: WorkspaceRetentionSchema.parse(retention),
    sandboxUser: asRoot ? DEFAULT_SANDBOX_USER : undefined,
  });
  return { dataDir, store };
}

describe('workspace retention setting', () => {
  test('delete, keep and durations parse; anything else is refused with the accepted forms', () => {
    expect(WorkspaceRetentionSchema.parse('delete')).toEqual({ kind: 'delete' });
    expect(WorkspaceRetentionSchema.parse(' keep ')).toEqual({ kind: 'keep' });
    expect(WorkspaceRetentionSchema.parse('24h')).toEqual({ kind: 'expire', afterMs: 24 * HOUR });
    expect(WorkspaceRetentionSchema.parse('90m')).toEqual({ kind: 'expire', afterMs: 90 * 60_000 });
    expect(WorkspaceRetentionSchema.parse('7d')).toEqual({ kind: 'expire', afterMs: 7 * 24 * HOUR });
    for (const bad of ['forever', '0h', '1w', '-1h', '']) {
      expect(WorkspaceRetentionSchema.safeParse(bad).success).toBe(false);
    }
  });

  test('the worker reads the sandbox and retention variables and names the bad one', () => {
    const base = { OPENAI_BASE_URL: 'http://localhost:1/v1' };
    const config = loadWorkerConfig({
      ...base,
      REINS_SANDBOX: 'unsafe-host',
      REINS_SANDBOX_MAX_SECONDS: '60',
      REINS_SANDBOX_MEMORY_MB: '512',
      REINS_WORKSPACE_RETENTION: 'delete',
    });
    expect(config.sandbox).toMatchObject({
      mode: 'unsafe-host',
      limits: { maxSeconds: 60, memoryBytes: 512 * 1048576 },
    });
    expect(config.workspaceRetention).toEqual({ kind: 'delete' });
    expect(loadWorkerConfig(base).sandbox?.mode).toBe('bubblewrap');
    expect(() => loadWorkerConfig({ ...base, REINS_SANDBOX: 'none' })).toThrow(/REINS_SANDBOX/);
    expect(() => loadWorkerConfig({ ...base, REINS_WORKSPACE_RETENTION: 'forever' })).toThrow(
      /REINS_WORKSPACE_RETENTION.*delete, keep, or a duration/,
    );
    expect(() => loadWorkerConfig({ ...base, REINS_SANDBOX_MAX_SECONDS: '600' })).toThrow(/REINS_SANDBOX_MAX_SECONDS/);
  });
});

describe('workspace store', () => {
  test('a run workspace per run, an agent workspace per agent; the agent one needs a valid name', async () => {
    const { dataDir, store } = newStore();
    const run = await store.open('run-a', WorkspaceSelectionSchema.parse({}));
    const agent = await store.open('run-a', WorkspaceSelectionSchema.parse({ workspace: 'agent', agent: 'clerk' }));
    expect(path.dirname(run)).toBe(path.join(dataDir, 'workspaces'));
    expect(agent).toBe(path.join(dataDir, 'agent-workspaces', 'clerk'));
    expect(WorkspaceSelectionSchema.safeParse({ workspace: 'agent' }).success).toBe(false);
    expect(WorkspaceSelectionSchema.safeParse({ workspace: 'agent', agent: '../etc' }).success).toBe(false);
    if (asRoot) {
      // A root worker hands the workspace to the sandbox account and lets it through the data dir, not more.
      expect(statSync(run).uid).toBe(DEFAULT_SANDBOX_USER.uid);
      expect(statSync(run).mode & 0o777).toBe(0o700);
      expect(statSync(dataDir).mode & 0o007).toBe(0o001);
      expect(statSync(path.join(dataDir, 'ledger')).mode & 0o777).toBe(0o700);
    }
  });

  test('delete removes the workspace and its ledger at once; keep keeps; agent workspaces always stay', async () => {
    const deleting = newStore('delete');
    const run = await deleting.store.open('run-d', { workspace: 'run' });
    await fs.mkdir(path.join(deleting.dataDir, 'ledger', runDirectoryName('run-d')), { recursive: true });
    await fs.writeFile(path.join(run, 'out.txt'), 'x');
    await expect(deleting.store.release('run-d', { workspace: 'run' })).resolves.toMatchObject({ action: 'deleted' });
    expect(existsSync(run)).toBe(false);
    expect(existsSync(path.join(deleting.dataDir, 'ledger', runDirectoryName('run-d')))).toBe(false);
    // Idempotent: a retried release finds nothing to do.
    await expect(deleting.store.release('run-d', { workspace: 'run' })).resolves.toMatchObject({ action: 'deleted' });

    const agent = await deleting.store.open('run-d', { workspace: 'agent', agent: 'clerk' });
    await expect(deleting.store.release('run-d', { workspace: 'agent', agent: 'clerk' })).resolves.toMatchObject({
      action: 'kept',
    });
    expect(existsSync(agent)).toBe(true);

    const keeping = newStore('keep');
    const kept = await keeping.store.open('run-k', { workspace: 'run' });
    await expect(keeping.store.release('run-k', { workspace: 'run' })).resolves.toMatchObject({ action: 'kept' });
    expect(existsSync(kept)).toBe(true);
  });

  test('a duration writes a marker outside the workspace; a sweep removes the workspace only once it expired', async () => {
    const { dataDir, store } = newStore('24h');
    const run = await store.open('run-e', { workspace: 'run' });
    await fs.writeFile(path.join(run, 'out.txt'), 'x');
    const released = new Date('2030-01-01T00:00:00Z');
    await expect(store.release('run-e', { workspace: 'run' }, released)).resolves.toMatchObject({
      action: 'expires',
      expiresAt: '2030-01-02T00:00:00.000Z',
    });
    expect((await fs.readdir(path.join(dataDir, 'retention'))).length).toBe(1);
    await expect(store.sweep(new Date(released.getTime() + 23 * HOUR))).resolves.toEqual([]);
    expect(existsSync(run)).toBe(true);

    // A fresh store, as after a worker restart, finds the marker on disk.
    const restarted = new WorkspaceStore(dataDir, { retention: { kind: 'expire', afterMs: 24 * HOUR } });
    await expect(restarted.sweep(new Date(released.getTime() + 25 * HOUR))).resolves.toHaveLength(1);
    expect(existsSync(run)).toBe(false);
    expect(existsSync(dataDir)).toBe(true);
  });

  test('reusing a released workspace (same workflow id) cancels its expiry; forged markers delete nothing outside', async () => {
    const { dataDir, store } = newStore('1h');
    const released = new Date('2030-01-01T00:00:00Z');
    await store.open('run-r', { workspace: 'run' });
    await store.release('run-r', { workspace: 'run' }, released);
    const run = await store.open('run-r', { workspace: 'run' });
    await store.sweep(new Date(released.getTime() + 2 * HOUR));
    expect(existsSync(run)).toBe(true);

    const outside = mkdtempSync(path.join(os.tmpdir(), 'reins-outside-'));
    await fs.writeFile(
      path.join(dataDir, 'retention', 'forged.json'),
      JSON.stringify({ expiresAt: released.toISOString(), paths: [path.relative(dataDir, outside), '.'] }),
    );
    await store.sweep(new Date(released.getTime() + 2 * HOUR));
    expect(existsSync(outside)).toBe(true);
    expect(existsSync(dataDir)).toBe(true);
  });
});

describe('unsafe-host mode is explicit and visible', () => {
  test('the run_code definition carries the warning; the output says so; the worker env still stays out', async () => {
    const sandbox = createSandbox(sandboxSettings({ mode: 'unsafe-host' }));
    const registry = new ToolRegistry(builtInTools(sandbox));
    const { definitions } = registry.describe(['run_code', 'read_file']);
    expect(definitions[0]?.warnings).toEqual(['run_code runs WITHOUT a sandbox (REINS_SANDBOX=unsafe-host)']);
    expect(definitions[1]?.warnings).toBeUndefined();
    expect(new ToolRegistry(builtInTools()).describe(['run_code']).definitions[0]?.warnings).toBeUndefined();

    const { store } = newStore();
    const workspace = await store.open('run-u', { workspace: 'run' });
    process.env.REINS_TEST_FAKE_SECRET = 'sk-unsafe-secret-456';
    try {
      const output = await runTool(
        createRunCodeTool(sandbox),
        { language: 'sh', code: 'pwd; env' },
        toolContext(workspace),
      );
      expect(output).toMatch(/^WARNING: run_code runs WITHOUT a sandbox \(REINS_SANDBOX=unsafe-host\)/);
      expect(output).toContain(`${workspace}\n`);
      expect(output).toContain('not enforced: network access');
      expect(output).not.toContain('sk-unsafe-secret-456');
    } finally {
      delete process.env.REINS_TEST_FAKE_SECRET;
    }
  });
});
